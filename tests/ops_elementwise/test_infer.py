"""Every elementwise/activation/reduce op's infer agrees with its kernel on dtype and shape, keeps
unknown dims (-1) unknown only where they cannot be computed, and every kernel keeps fp16 as fp16."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ir import DataType, Op, TensorDesc, from_numpy
from converter.ops import all_specs, get, registry

RNG = np.random.default_rng(3)
FAMILIES = ("elementwise", "activation", "reduce")


def f32(*shape):
    return RNG.uniform(0.1, 0.9, shape).astype(np.float32)


def boolean(*shape):
    return RNG.random(shape) < 0.5


BINARY = ["Add", "Sub", "Mul", "RealDiv", "Pow", "Maximum", "Minimum", "SquaredDifference", "FloorDiv", "Atan2",
          "Equal", "Less", "Greater", "LessEqual", "GreaterEqual"]
UNARY = ["Sqrt", "Rsqrt", "Exp", "Log", "Erf", "Neg", "Abs", "Reciprocal", "Square", "Floor", "Ceil", "Round",
         "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "IsNaN",
         "IsInf", "Relu", "Relu6", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu",
         "Celu", "Softplus", "Softsign", "Mish", "Gelu", "ThresholdedRelu", "Shrink", "Swish"]
REDUCE = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
          "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"]

# (op type, inputs, attrs)
CASES = (
    [(op, [f32(2, 3, 4), f32(3, 1)], {}) for op in BINARY]
    + [("Mod", [f32(2, 3, 4), f32(4)], {"fmod": 1})]
    + [(op, [boolean(2, 3), boolean(1, 3)], {}) for op in ("LogicalAnd", "LogicalOr", "LogicalXor")]
    + [("LogicalNot", [boolean(2, 3)], {}), ("AddN", [f32(2, 3, 4), f32(4), f32(3, 1)], {})]
    + [(op, [f32(2, 3, 4)], {}) for op in UNARY]
    + [("Gelu", [f32(2, 3)], {"approximate": "tanh"})]
    + [("Cast", [f32(2, 3)], {"dst_type": int(DataType.DT_INT32)}),
       ("CastLike", [f32(2, 3), np.zeros(1, np.int64)], {}),
       ("Select", [boolean(3, 1), f32(1, 4), f32(3, 4)], {}),
       ("PRelu", [f32(2, 3, 4, 5), f32(3, 1, 1)], {}),
       ("ClipByValue", [f32(2, 3), np.float32(0.2), np.float32(0.7)], {}),
       ("ClipByValue", [f32(2, 3), None, np.float32(0.7)], {}),
       ("Softmax", [f32(2, 3, 4)], {"axis": 1}), ("LogSoftmax", [f32(2, 3, 4)], {}),
       ("Hardmax", [f32(2, 3, 4)], {"axis": 1}),
       ("ArgMax", [f32(2, 3, 4)], {"axis": 1, "keepdims": False}),
       ("ArgMin", [f32(2, 3, 4)], {"axis": -1}),
       ("CumSum", [f32(2, 3, 4)], {"axis": 1, "reverse": True}),
       ("CumProd", [f32(2, 3, 4), np.array(2, np.int64)], {"exclusive": True}),
       ("TopK", [f32(2, 5, 4)], {"k": 2, "axis": 1})]
    + [(op, [f32(2, 3, 4)], {"axes": [1], "keepdims": False}) for op in REDUCE]
    + [("ReduceMean", [f32(2, 3, 4), np.array([0, 2], np.int64)], {"keepdims": False}),
       ("ReduceSum", [f32(2, 3, 4), np.array([1], np.int64)], {}),
       ("TopK", [f32(2, 5, 4), np.array([3], np.int64)], {"axis": 1}),
       ("CumSum", [f32(2, 3, 4), np.array(2, np.int64)], {})]
    + [("ReduceSum", [f32(2, 3, 4)], {"axes": [0, -1]}), ("ReduceMean", [f32(2, 3, 4)], {}),
       ("ReduceMax", [f32(2, 3, 4)], {"axes": [], "noop_with_empty_axes": True})]
    + [(f"UnsortedSegment{k}", [f32(3, 4, 2), np.array([[0, 4, 1, 1], [4, 0, -1, 2], [0, 0, 0, 3]], np.int32),
                                np.array(6, np.int32)], {}) for k in ("Sum", "Max", "Min", "Prod")]
    + [(f"Segment{k}", [f32(5, 3), np.array([0, 0, 1, 3, 3], np.int64)], {})
       for k in ("Sum", "Mean", "Max", "Min", "Prod")]
)


def ids(case):
    return f"{case[0]}-{len(case[1])}in-{'-'.join(f'{k}={v}' for k, v in case[2].items())}"


def run_infer(op_type, descs, attrs, values=None):
    spec = get(op_type)
    attrs = spec.normalize(attrs, "n")
    op = Op("n", op_type, attrs, outputs=[])
    ctx = registry.InferContext(op, list(descs), list(values or [None] * len(descs)), attrs)
    return spec.infer(ctx)


def run_kernel(op_type, inputs, attrs):
    spec = get(op_type)
    return registry.run_kernel(spec, inputs, spec.normalize(attrs, "n"))


def descs_of(inputs, unknown=False):
    out = []
    for x in inputs:
        if x is None:
            out.append(None)
            continue
        x = np.asarray(x)
        shape = tuple(-1 if unknown and d != 1 else d for d in x.shape)
        out.append(TensorDesc(dtype=from_numpy(x.dtype), shape=shape))
    return out


def test_every_op_of_these_families_has_a_case():
    mine = {t for t, s in all_specs().items() if s.category in FAMILIES}
    assert mine - {c[0] for c in CASES} == set()


def int_values(inputs):
    """Integer inputs as known constant values (as shape inference sees Const inputs)."""
    return [x if isinstance(x, np.ndarray) and x.dtype.kind == "i" else None for x in inputs]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_infer_matches_kernel(case):
    op_type, inputs, attrs = case
    outs = run_kernel(op_type, inputs, attrs)
    inferred = run_infer(op_type, descs_of(inputs), attrs, int_values(inputs))
    assert [(int(d.dtype), d.shape) for d in inferred] == [(int(from_numpy(o.dtype)), o.shape) for o in outs]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_infer_with_unknown_dims(case):
    """Dims that are -1 in the inputs (also the length of an axes input) come out -1 or right; ranks and
    dtypes stay exact."""
    op_type, inputs, attrs = case
    outs = run_kernel(op_type, inputs, attrs)
    inferred = run_infer(op_type, descs_of(inputs, unknown=True), attrs)
    for d, o in zip(inferred, outs):
        assert int(d.dtype) == int(from_numpy(o.dtype))
        if d.shape is None:  # only allowed when the reduced axes are an input of unknown length
            assert any(v is not None for v in int_values(inputs)) and not attrs.get("keepdims", True)
            continue
        assert len(d.shape) == o.ndim
        assert all(got in (-1, want) for got, want in zip(d.shape, o.shape)), (d.shape, o.shape)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_infer_with_unknown_rank(case):
    op_type, inputs, attrs = case
    inferred = run_infer(op_type, [None if x is None else TensorDesc(dtype=from_numpy(np.asarray(x).dtype))
                                   for x in inputs], attrs)
    assert all(d.shape is None for d in inferred)


def test_unknown_dims_are_kept_where_not_reduced():
    shape = run_infer("ReduceSum", [TensorDesc(shape=(-1, 3, -1))], {"axes": [1], "keepdims": True})[0].shape
    assert shape == (-1, 1, -1)
    shape = run_infer("TopK", [TensorDesc(shape=(-1, 7))], {"k": 3})[0].shape
    assert shape == (-1, 3)
    shape = run_infer("Add", [TensorDesc(shape=(-1, 3)), TensorDesc(shape=(4, 1))], {})[0].shape
    assert shape == (4, 3)


def to_fp16(x):
    return x.astype(np.float16) if isinstance(x, np.ndarray | np.floating) and x.dtype == np.float32 else x


@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "Cast"], ids=ids)
def test_fp16_in_fp16_out(case):
    op_type, inputs, attrs = case
    inputs16 = [to_fp16(x) for x in inputs]
    outs = run_kernel(op_type, inputs16, attrs)
    inferred = run_infer(op_type, descs_of(inputs16), attrs)
    for d, o in zip(inferred, outs):
        assert int(d.dtype) == int(from_numpy(o.dtype))
        if o.dtype.kind == "f":
            assert o.dtype == np.float16
