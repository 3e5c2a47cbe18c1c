"""ONNX reductions, ArgMax/ArgMin, CumSum and TopK converted and evaluated with our kernels, checked
against onnxruntime across the opsets where their signatures changed (Reduce* 13/18, TopK 1/10/11)."""
from __future__ import annotations

import numpy as np
import pytest

from ._onnx_case import check

RNG = np.random.default_rng(2)

REDUCTIONS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"]
AXES = [[1], [0, 2], [-1], None]  # None: attribute/input absent = all axes


def positive(*shape, dtype=np.float32):
    return RNG.uniform(0.5, 1.5, shape).astype(dtype)


def axes_as_attr_opset(op: str) -> int:
    return 11 if op == "ReduceSum" else 17


def axes_as_input_opset(op: str) -> int:
    return 13 if op == "ReduceSum" else 18


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("axes", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_axes_attribute(op, axes, keepdims):
    attrs = {"keepdims": keepdims}
    if axes is not None:
        attrs["axes"] = axes
    check(op, {"x": positive(2, 3, 4)}, attrs, opset=axes_as_attr_opset(op))


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("axes", AXES + [[]], ids=str)
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_axes_input(op, axes, keepdims):
    x = positive(2, 3, 4)
    if axes is None:
        check(op, {"x": x}, {"keepdims": keepdims}, opset=axes_as_input_opset(op))
    else:
        check(op, {"x": x}, {"keepdims": keepdims}, opset=axes_as_input_opset(op),
              consts={"axes": np.array(axes, np.int64)})


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax", "ReduceMean"])
def test_reduce_noop_with_empty_axes(op):
    x = positive(2, 3)
    out = check(op, {"x": x}, {"noop_with_empty_axes": 1}, opset=axes_as_input_opset(op))
    np.testing.assert_array_equal(out[0], x)
    check(op, {"x": x}, {"noop_with_empty_axes": 1}, opset=axes_as_input_opset(op),
          consts={"axes": np.array([], np.int64)})


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceL2", "ReduceLogSumExp"])
def test_reduce_fp16_keeps_dtype(op):
    out = check(op, {"x": positive(4, 16, dtype=np.float16)}, {"axes": [1]}, opset=axes_as_attr_opset(op),
                rtol=3e-3, atol=3e-3)
    assert out[0].dtype == np.float16


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceMean"])
def test_reduce_int(op):
    x = RNG.integers(-3, 4, (3, 4)).astype(np.int64)
    check(op, {"x": x}, {"axes": [1]}, opset=axes_as_attr_opset(op))


def test_reduce_unknown_dims():
    check("ReduceMean", {"x": positive(2, 3, 4)}, {"axes": [-1]}, opset=17, declared={"x": (None, 3, None)})
    check("ReduceSum", {"x": positive(2, 3, 4)}, {"axes": [1]}, opset=11, declared={"x": None})


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("keepdims", [0, 1])
@pytest.mark.parametrize("last", [0, 1])
def test_arg_reduce(op, axis, keepdims, last):
    x = RNG.integers(0, 3, (3, 4, 5)).astype(np.float32)  # many ties
    check(op, {"x": x}, {"axis": axis, "keepdims": keepdims, "select_last_index": last}, opset=13)


def test_arg_reduce_old_opset_defaults():
    check("ArgMax", {"x": RNG.normal(size=(3, 4)).astype(np.float32)}, opset=7)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("exclusive", [0, 1])
@pytest.mark.parametrize("reverse", [0, 1])
def test_cumsum(axis, exclusive, reverse):
    x = RNG.normal(size=(3, 4, 5)).astype(np.float32)
    check("CumSum", {"x": x}, {"exclusive": exclusive, "reverse": reverse}, opset=14,
          consts={"axis": np.array(axis, np.int64)})


def test_cumsum_int_and_fp16():
    check("CumSum", {"x": RNG.integers(-5, 5, (4, 6)).astype(np.int32)}, opset=14,
          consts={"axis": np.array([1], np.int32)})
    out = check("CumSum", {"x": RNG.uniform(0, 1, (4, 6)).astype(np.float16)}, opset=14,
                consts={"axis": np.array(1, np.int64)}, rtol=3e-3, atol=3e-3)
    assert out[0].dtype == np.float16


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_topk_k_attribute_before_opset_10(axis):
    x = RNG.permutation(60).reshape(3, 4, 5).astype(np.float32)
    check("TopK", {"x": x}, {"k": 2, "axis": axis}, opset=9, n_out=2)


@pytest.mark.parametrize("largest", [0, 1])
@pytest.mark.parametrize("axis", [0, -1])
def test_topk_k_input(largest, axis):
    x = RNG.integers(0, 4, (4, 6)).astype(np.float32)  # ties: lower index first
    check("TopK", {"x": x}, {"axis": axis, "largest": largest}, opset=11, n_out=2,
          consts={"k": np.array([3], np.int64)})


def test_topk_opset_10_and_int():
    x = RNG.permutation(24).reshape(4, 6).astype(np.float32)
    check("TopK", {"x": x}, opset=10, n_out=2, consts={"k": np.array([6], np.int64)})
    check("TopK", {"x": x.astype(np.int64)}, opset=11, n_out=2, consts={"k": np.array([2], np.int64)})


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin", "ReduceProd", "ReduceMean", "ReduceLogSumExp", "ReduceL2",
                                "ReduceLogSum"])
def test_reduce_over_empty_axis(op):
    check(op, {"x": np.zeros((2, 0, 3), np.float32)}, {"axes": [1]}, opset=17)


def test_reduce_max_empty_int():
    check("ReduceMax", {"x": np.zeros((2, 0), np.int32)}, {"axes": [1]}, opset=17)


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMean", "ReduceMax"])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_axes_from_a_graph_input(op, keepdims):
    """Axes that are not constant at conversion time stay input 1 of the canonical op."""
    check(op, {"x": positive(2, 3, 4), "axes": np.array([0, -1], np.int64)}, {"keepdims": keepdims},
          opset=axes_as_input_opset(op))


def test_topk_k_and_cumsum_axis_from_graph_inputs():
    x = RNG.permutation(24).reshape(4, 6).astype(np.float32)
    check("TopK", {"x": x, "k": np.array([3], np.int64)}, {"axis": 1}, opset=11, n_out=2)
    check("CumSum", {"x": x, "axis": np.array(0, np.int32)}, {"reverse": 1}, opset=14)


@pytest.mark.parametrize("op", ["ReduceMax", "ReduceMin"])
def test_reduce_max_min_bool(op):
    check(op, {"x": RNG.random((3, 4)) < 0.5}, {"keepdims": 0}, opset=20, consts={"axes": np.array([1], np.int64)})
