"""ONNX elementwise ops (arithmetic, comparisons, logic, unary math, Sum/Max/Min/Mean, Cast, Where)
converted and evaluated with our kernels, checked against onnxruntime."""
from __future__ import annotations

import numpy as np
import pytest

from ._onnx_case import check

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float32, low=-3.0, high=3.0):
    return RNG.uniform(low, high, shape).astype(dtype)


def nonzero(*shape, dtype=np.float32):
    x = rand(*shape, dtype=dtype, low=0.5, high=3.0)
    return np.where(RNG.random(shape) < 0.5, -x, x).astype(dtype)


BINARY_SHAPES = [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((1, 3, 1, 2), (3, 4, 1)), ((2, 3), ())]


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Max", "Min"])
@pytest.mark.parametrize("shapes", BINARY_SHAPES)
def test_binary_float_broadcast(op, shapes):
    a, b = rand(*shapes[0]), nonzero(*shapes[1])
    check(op, {"a": a, "b": b})


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Max", "Min", "Pow"])
def test_binary_fp16_keeps_dtype(op):
    a, b = rand(2, 3, 4, dtype=np.float16, low=0.5), nonzero(3, 4, dtype=np.float16)
    out = check(op, {"a": a, "b": b}, rtol=2e-3, atol=2e-3)
    assert out[0].dtype == np.float16


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Max", "Min"])
def test_binary_int(op, dtype):
    a = RNG.integers(-20, 20, (3, 4)).astype(dtype)
    b = RNG.integers(1, 7, (4,)).astype(dtype) * np.where(RNG.random(4) < 0.5, -1, 1).astype(dtype)
    check(op, {"a": a, "b": b}, opset=13)


def test_div_int_truncates_toward_zero():
    a = np.array([7, -7, 7, -7, 6, -6], np.int32)
    b = np.array([2, 2, -2, -2, 3, 3], np.int32)
    out = check("Div", {"a": a, "b": b})
    np.testing.assert_array_equal(out[0], [3, -3, -3, 3, 2, -2])


def test_pow_float_and_mixed_exponent_dtype():
    check("Pow", {"a": rand(2, 3, low=0.1), "b": rand(3)})
    check("Pow", {"a": rand(2, 3), "b": np.array([2, 3, 0], np.int64)}, opset=15)


def test_pow_int_base():
    check("Pow", {"a": RNG.integers(-4, 5, (3, 4)).astype(np.int64), "b": np.array([0, 1, 2, 3], np.int64)}, opset=15)


@pytest.mark.parametrize("fmod", [0, 1])
def test_mod_int(fmod):
    a = RNG.integers(-20, 20, (3, 4)).astype(np.int32)
    b = np.array([3, -3, 5, -7], np.int32)
    check("Mod", {"a": a, "b": b}, {"fmod": fmod}, opset=13)


def test_mod_float_fmod():
    check("Mod", {"a": rand(3, 4), "b": nonzero(4)}, {"fmod": 1}, opset=13)


@pytest.mark.parametrize("op", ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"])
def test_compare(op):
    a = RNG.integers(-2, 3, (3, 4)).astype(np.float32)
    b = RNG.integers(-2, 3, (4,)).astype(np.float32)
    check(op, {"a": a, "b": b}, opset=16)
    check(op, {"a": a.astype(np.int64), "b": b.astype(np.int64)}, opset=16)


@pytest.mark.parametrize("op", ["And", "Or", "Xor"])
def test_logic(op):
    check(op, {"a": RNG.random((3, 4)) < 0.5, "b": RNG.random((1, 4)) < 0.5})


def test_not():
    check("Not", {"x": RNG.random((3, 4)) < 0.5})


UNARY = {  # op -> (low, high) of the input range
    "Sqrt": (0.0, 4.0), "Reciprocal": (0.5, 3.0), "Exp": (-5, 5), "Log": (0.01, 10), "Erf": (-3, 3),
    "Neg": (-3, 3), "Abs": (-3, 3), "Floor": (-3, 3), "Ceil": (-3, 3), "Sign": (-3, 3),
    "Sin": (-4, 4), "Cos": (-4, 4), "Tan": (-1.4, 1.4), "Asin": (-0.99, 0.99), "Acos": (-0.99, 0.99),
    "Atan": (-5, 5), "Sinh": (-3, 3), "Cosh": (-3, 3), "Asinh": (-5, 5), "Acosh": (1.01, 5),
    "Atanh": (-0.99, 0.99),
}


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_float(op):
    low, high = UNARY[op]
    x = rand(2, 3, 5, low=low, high=high)
    check(op, {"x": x})


@pytest.mark.parametrize("op", ["Sqrt", "Exp", "Erf", "Abs", "Neg", "Reciprocal", "Floor", "Sin"])
def test_unary_fp16_keeps_dtype(op):
    x = rand(4, 6, dtype=np.float16, low=0.1, high=2.0)
    out = check(op, {"x": x}, rtol=2e-3, atol=1e-3)
    assert out[0].dtype == np.float16


def test_erf_accuracy_against_math_erf():
    import math
    from converter.ops import get
    x = np.linspace(-6, 6, 2001)
    got = get("Erf").kernel([x], {})
    want = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(got - want)) < 1e-12


def test_round_half_to_even():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4, 0.6, -0.6], np.float32)
    out = check("Round", {"x": x})
    np.testing.assert_array_equal(out[0], [-2, -2, -0, 0, 2, 2, 0, 1, -1])


@pytest.mark.parametrize("op", ["Abs", "Neg", "Sign"])
def test_unary_int(op):
    check(op, {"x": RNG.integers(-5, 6, (3, 4)).astype(np.int32)}, opset=13)


def test_isnan_isinf():
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], np.float32)
    check("IsNaN", {"x": x})
    for neg, pos in [(1, 1), (1, 0), (0, 1)]:
        check("IsInf", {"x": x}, {"detect_negative": neg, "detect_positive": pos})


@pytest.mark.parametrize("op", ["Sum", "Max", "Min", "Mean"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_variadic(op, n):
    shapes = [(2, 3, 4), (3, 1), (4,)][:n]
    inputs = {f"x{i}": rand(*s) for i, s in enumerate(shapes)}
    check(op, inputs)


@pytest.mark.parametrize("op", ["Sum", "Mean"])
def test_variadic_fp16(op):
    inputs = {f"x{i}": rand(2, 3, dtype=np.float16) for i in range(3)}
    out = check(op, inputs, rtol=2e-3, atol=2e-3)
    assert out[0].dtype == np.float16


def test_where_broadcast():
    cond = RNG.random((3, 1)) < 0.5
    check("Where", {"c": cond, "x": rand(1, 4), "y": rand(3, 4)})
    check("Where", {"c": cond, "x": rand(4, dtype=np.float16), "y": rand(3, 4, dtype=np.float16)})


CASTS = [(np.float32, np.int32), (np.float32, np.float16), (np.float32, np.int64), (np.float16, np.float32),
         (np.int64, np.float32), (np.float32, np.bool_), (np.int32, np.uint8), (np.bool_, np.float32),
         (np.float32, np.float64), (np.int64, np.int8)]


@pytest.mark.parametrize("src,dst", CASTS)
def test_cast(src, dst):
    from onnx import helper
    x = rand(3, 4, low=-10, high=10) if np.dtype(src).kind == "f" else RNG.integers(0, 100, (3, 4))
    x = x.astype(src)
    check("Cast", {"x": x}, {"to": helper.np_dtype_to_tensor_dtype(np.dtype(dst))}, opset=13)


def test_cast_like():
    x = rand(3, 4, low=-10, high=10)
    check("CastLike", {"x": x, "t": np.zeros((1,), np.int32)}, opset=15)
    check("CastLike", {"x": x}, consts={"t": np.zeros((1,), np.float16)}, opset=15, rtol=1e-3)


def test_cast_like_and_mean_on_intermediate_tensors():
    """When the target dtype is only known after shape inference, CastLike stays CastLike and Mean's
    scale constant still yields the input dtype."""
    from onnx import helper
    from ._onnx_case import check_model, model_of
    nodes = [helper.make_node("Abs", ["t"], ["t_abs"]), helper.make_node("CastLike", ["x", "t_abs"], ["y0"]),
             helper.make_node("Abs", ["h"], ["h_abs"]), helper.make_node("Mean", ["h_abs", "h"], ["y1"])]
    feeds = {"x": rand(3, 4, low=-10, high=10), "t": np.zeros((1,), np.int32), "h": rand(3, 4, dtype=np.float16)}
    out = check_model(model_of(nodes, feeds, ["y0", "y1"], opset=15), feeds, rtol=1e-3)
    assert out[1].dtype == np.float16


def test_cast_to_unsupported_type_is_a_converter_error():
    from onnx import TensorProto
    from converter.errors import ConverterError
    from tests.helpers import one_node_model

    from ._onnx_case import run_ours
    model = one_node_model("Cast", {"x": rand(2)}, {"to": TensorProto.UINT4}, opset=21)  # GE has no uint4
    with pytest.raises(ConverterError) as info:
        run_ours(model, {"x": rand(2)})
    assert info.value.code == "E10041" and "UINT4" in info.value.message and "'y0'" in info.value.message
