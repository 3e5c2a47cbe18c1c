"""The GE op table's machinery: ``@ge_op("Conv2D", inputs=(2, 4))`` registers the mapper that turns one GE op
into canonical ops (the mappers live in ge_ops, ge_tensor and ge_nn; ``table`` imports them all and is where
lookups go), and ``MapContext`` is what a mapper sees (the op's attributes, its inputs as plain tensors in
their origin layout, a way to add canonical ops).

A mapper returns one canonical ref per GE output (None for an output nothing reads). The lowering then
makes each ref agree with the GE output descriptor (dtype by a Cast, shape by a Reshape), so mappers
compute in whatever dtype the canonical op yields.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType, TensorDesc, to_numpy
from .ge_graph import GeOp, plain_format, plain_shape


@dataclass(frozen=True)
class GeOpEntry:
    """One row of the table: the mapper and how many data inputs the op takes (min, max)."""

    type: str
    mapper: Callable
    inputs: tuple
    doc: str


GE_OPS: dict[str, GeOpEntry] = {}


def ge_op(*op_types: str, inputs: tuple = (1, 1)):
    """Register a mapper for GE op types; ``inputs`` = (min, max) data inputs."""

    def wrap(fn: Callable) -> Callable:
        for t in op_types:
            if t in GE_OPS:
                raise RuntimeError(f"GE op {t} has two mappers")
            GE_OPS[t] = GeOpEntry(t, fn, tuple(inputs), (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return wrap


# ge::DataType (the C++ enum GE writes into op attributes such as Cast's dst_type) -> our DataType
_GE_ATTR_DTYPES = {
    0: DataType.DT_FLOAT, 1: DataType.DT_FLOAT16, 2: DataType.DT_INT8, 3: DataType.DT_INT32,
    4: DataType.DT_UINT8, 6: DataType.DT_INT16, 7: DataType.DT_UINT16, 8: DataType.DT_UINT32,
    9: DataType.DT_INT64, 10: DataType.DT_UINT64, 11: DataType.DT_DOUBLE, 12: DataType.DT_BOOL,
    13: DataType.DT_STRING, 16: DataType.DT_COMPLEX64, 17: DataType.DT_COMPLEX128, 26: DataType.DT_VARIANT,
    27: DataType.DT_BF16,
}


def ge_attr_dtype(value, node: str = "") -> DataType:
    """Our DataType for a dtype stored in a GE op attribute (GE's C++ numbering, not the proto's)."""
    try:
        return _GE_ATTR_DTYPES[int(value)]
    except (KeyError, TypeError, ValueError):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{node}': data type {value!r} in its attributes is not supported",
                         node=node) from None


class MapContext:
    """What a mapper works with. ``input(i)`` is input i as a plain tensor (origin layout and shape, as
    this op's input descriptor states); ``add`` appends a canonical op whose outputs are inferred at once."""

    def __init__(self, lowering, op: GeOp, inputs: list):
        self.lowering = lowering
        self.op = op
        self.inputs = inputs

    # ---- the GE op ----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.op.name

    @property
    def type(self) -> str:
        return self.op.type

    def attr(self, key: str, default=None):
        return self.op.attr(key, default)

    @property
    def declared_shapes(self) -> bool:
        """Whether the output descriptors' shapes hold (False when the user changed the input shapes of a
        .air model: the op's own shape/axes attributes decide then)."""
        return self.lowering.declared_shapes

    def used(self, k: int) -> bool:
        """Whether another op (or the model output) reads output k of this op."""
        return (self.op.name, k) in self.lowering.consumed

    def has_attr(self, key: str) -> bool:
        return self.op.attrs.get(key) is not None

    def require(self, key: str):
        value = self.op.attrs.get(key)
        if value is None:
            raise self.fail(f"attribute '{key}' is missing")
        return value

    def fail(self, message: str, code: str = INVALID_ARGUMENT_VALUE) -> GraphError:
        return GraphError(code, f"op '{self.op.name}' ({self.op.type}): {message}", node=self.op.name)

    # ---- inputs and outputs -------------------------------------------------------------------------
    def input(self, i: int):
        return self.inputs[i] if i < len(self.inputs) else None

    def present(self) -> list:
        return [r for r in self.inputs if r is not None]

    def value(self, i: int):
        ref = self.input(i)
        return None if ref is None else self.lowering.graph.const_value(ref)

    def require_value(self, i: int, what: str) -> np.ndarray:
        v = self.value(i)
        if v is None:
            raise self.fail(f"input {i} ({what}) must be a constant")
        return np.asarray(v)

    def in_desc(self, i: int) -> TensorDesc | None:
        ref = self.input(i)
        return None if ref is None else self.lowering.graph.desc(ref)

    def shape_of(self, ref):
        """The shape of a canonical tensor (an input or one this mapper added)."""
        return self.lowering.graph.desc(ref).shape

    def shape(self, i: int):
        d = self.in_desc(i)
        return None if d is None else d.shape

    def rank(self, i: int) -> int:
        s = self.shape(i)
        if s is None:
            raise self.fail(f"input {i} has an unknown rank")
        return len(s)

    def dtype(self, i: int) -> int:
        return self.in_desc(i).dtype

    def np_dtype(self, i: int) -> np.dtype:
        return to_numpy(self.dtype(i))

    def out_np_dtype(self, k: int = 0) -> np.dtype:
        return to_numpy(self.out_dtype(k))

    def fmt(self, i: int) -> str:
        """The origin layout of input i as this op reads it."""
        d = self.op.input_descs[i] if i < len(self.op.input_descs) else None
        return plain_format(d)

    def out_shape(self, k: int = 0):
        return plain_shape(self.op.outputs[k]) if k < len(self.op.outputs) else None

    def out_format(self, k: int = 0) -> str:
        return plain_format(self.op.outputs[k]) if k < len(self.op.outputs) else "ND"

    def out_dtype(self, k: int = 0) -> int:
        return self.op.outputs[k].dtype

    # ---- building -----------------------------------------------------------------------------------
    def add(self, op_type: str, inputs, attrs: dict | None = None, *, n_out: int = 1, suffix: str = "") -> list:
        """Add a canonical op (named after this GE op, plus a suffix for helpers); its outputs are inferred."""
        return self.lowering.add_canonical(op_type, inputs, attrs or {}, self.op, n_out=n_out, suffix=suffix)

    def const(self, value, suffix: str) -> tuple:
        return self.lowering.add_const(np.asarray(value), self.op, suffix)

    def axis(self, value, rank: int) -> int:
        a = int(value)
        if not -rank <= a < max(rank, 1):
            raise self.fail(f"axis {a} is out of range for rank {rank}")
        return a + rank if a < 0 else a
