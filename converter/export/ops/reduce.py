"""ONNX emitters: reductions (axes as an input, as from opset 18), ArgMax/ArgMin, CumSum/CumProd, TopK."""
from __future__ import annotations

from ...ir import DataType
from ..registry import Emit, emits
from .tensor import scalar_input

REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp")


@emits(*REDUCTIONS)
def reduce(e: Emit):
    if e.has(1):
        axes = e.int64(1)
    else:
        axes = e.ints(e.attrs["axes"], "axes") if e.attrs["axes"] else None
    e.out(e.op.type, [e.input(0), axes], keepdims=int(bool(e.attrs["keepdims"])),
          noop_with_empty_axes=int(bool(e.attrs["noop_with_empty_axes"])) or None)


@emits("ArgMax", "ArgMin")
def arg_reduce(e: Emit):
    e.out(e.op.type, [e.input(0)], axis=int(e.attrs["axis"]), keepdims=int(bool(e.attrs["keepdims"])),
          select_last_index=int(bool(e.attrs["select_last_index"])) or None)


def _axis(e: Emit) -> str:
    if e.has(1):
        return scalar_input(e, 1, DataType.DT_INT64)
    return e.scalar(int(e.attrs["axis"]), DataType.DT_INT64)


@emits("CumSum")
def cum_sum(e: Emit):
    e.out("CumSum", [e.input(0), _axis(e)], exclusive=int(bool(e.attrs["exclusive"])),
          reverse=int(bool(e.attrs["reverse"])))


@emits("CumProd", opset=26)
def cum_prod(e: Emit):
    e.out("CumProd", [e.input(0), _axis(e)], exclusive=int(bool(e.attrs["exclusive"])),
          reverse=int(bool(e.attrs["reverse"])))


@emits("TopK")
def top_k(e: Emit):
    if e.has(1):
        k = e.one("Reshape", [e.int64(1), e.ints([1], "k_shape")])
    else:
        k = e.ints([int(e.attrs["k"])], "k")
    e.out("TopK", [e.input(0), k], axis=int(e.attrs["axis"]), largest=int(bool(e.attrs["largest"])),
          sorted=int(bool(e.attrs["sorted"])))
