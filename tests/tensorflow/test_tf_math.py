"""TF elementwise, activation, cast, reduction and matrix ops against numpy."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tests.tensorflow.tf_builder import DType, GraphDefBuilder, run_graphdef

F32 = DType(np.float32)
rng = np.random.default_rng(1)


def rand(*shape):
    return rng.uniform(-2, 2, shape).astype(np.float32)


def run_unary(tmp_path, op, x, **attrs):
    g = GraphDefBuilder()
    g.placeholder("x", x.shape, x.dtype)
    g.node("y", op, ["x"], T=DType(x.dtype), **attrs)
    return run_graphdef(g, tmp_path, {"x": x})[0]


def run_binary(tmp_path, op, a, b):
    g = GraphDefBuilder()
    g.placeholder("a", a.shape, a.dtype)
    g.const("b", b)
    g.node("y", op, ["a", "b"], T=DType(a.dtype))
    return run_graphdef(g, tmp_path, {"a": a})[0]


BINARY = {
    "Add": np.add, "AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply, "RealDiv": np.divide,
    "Maximum": np.maximum, "Minimum": np.minimum, "SquaredDifference": lambda a, b: (a - b) ** 2,
    "FloorDiv": np.floor_divide, "Pow": lambda a, b: np.abs(a) ** b,
    "Equal": np.equal, "NotEqual": np.not_equal, "Less": np.less, "Greater": np.greater,
    "LessEqual": np.less_equal, "GreaterEqual": np.greater_equal,
}


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary(tmp_path, op):
    a, b = rand(2, 3, 4), rand(4)
    if op == "Pow":
        a = np.abs(a)
    if op in ("Equal", "NotEqual"):
        b = a[0, 0].copy()
    y = run_binary(tmp_path, op, a, b)
    np.testing.assert_allclose(y, BINARY[op](a, b), rtol=1e-6)


def test_integer_div_truncates_and_floor_mod(tmp_path):
    a, b = np.array([7, -7, 5, -5], np.int32), np.array([2, 2, -3, -3], np.int32)
    np.testing.assert_array_equal(run_binary(tmp_path, "Div", a, b), [3, -3, -1, 1])
    np.testing.assert_array_equal(run_binary(tmp_path, "FloorMod", a, b), np.mod(a, b))


def _selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * np.where(x > 0, x, alpha * (np.exp(x) - 1))


UNARY = {
    "Sqrt": (np.sqrt, True), "Rsqrt": (lambda x: 1 / np.sqrt(x), True), "Exp": (np.exp, False),
    "Log": (np.log, True), "Neg": (np.negative, False), "Abs": (np.abs, False), "Square": (np.square, False),
    "Reciprocal": (np.reciprocal, False), "Floor": (np.floor, False), "Ceil": (np.ceil, False),
    "Sign": (np.sign, False), "Sin": (np.sin, False), "Cos": (np.cos, False), "Tanh": (np.tanh, False),
    "Erf": (np.vectorize(math.erf), False), "Relu": (lambda x: np.maximum(x, 0), False),
    "Relu6": (lambda x: np.clip(x * 4, 0, 6), False), "Elu": (lambda x: np.where(x > 0, x, np.exp(x) - 1), False),
    "Selu": (_selu, False), "Sigmoid": (lambda x: 1 / (1 + np.exp(-x)), False),
    "Softplus": (lambda x: np.log1p(np.exp(x)), False), "Softsign": (lambda x: x / (1 + np.abs(x)), False),
}


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary(tmp_path, op):
    fn, positive = UNARY[op]
    x = rand(3, 5)
    if positive:
        x = np.abs(x) + 0.1
    if op == "Relu6":
        y = run_unary(tmp_path, op, x * 4)
    else:
        y = run_unary(tmp_path, op, x)
    np.testing.assert_allclose(y, fn(x).astype(np.float32), rtol=1e-5, atol=1e-6)


def test_leaky_relu_alpha(tmp_path):
    x = rand(4, 4)
    np.testing.assert_allclose(run_unary(tmp_path, "LeakyRelu", x, alpha=0.3), np.where(x > 0, x, 0.3 * x), rtol=1e-6)


def test_softmax_last_axis(tmp_path):
    x = rand(2, 3, 5)
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(run_unary(tmp_path, "Softmax", x), e / e.sum(-1, keepdims=True), rtol=1e-5)


def test_swish_pattern_via_identity_n(tmp_path):
    """TF2 freezes tf.nn.silu as x * sigmoid(x) behind an IdentityN (its custom gradient)."""
    x = rand(2, 6)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.node("sig", "Sigmoid", ["x"], T=F32)
    g.node("mul", "Mul", ["x", "sig"], T=F32)
    g.node("idn", "IdentityN", ["mul", "x"])
    g.node("out", "Relu", ["idn:0"], T=F32)
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    np.testing.assert_allclose(y, np.maximum(x / (1 + np.exp(-x)), 0), rtol=1e-5)


def test_cast_and_select(tmp_path):
    x = rand(3, 4)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("zero", np.float32(0))
    g.node("cond", "Greater", ["x", "zero"], T=F32)
    g.node("neg", "Neg", ["x"], T=F32)
    g.node("sel", "SelectV2", ["cond", "x", "neg"], T=F32)
    g.node("int", "Cast", ["sel"], SrcT=F32, DstT=DType(np.int32))
    sel, as_int = run_graphdef(g, tmp_path, {"x": x * 3}, out_nodes=["sel", "int"])
    np.testing.assert_allclose(sel, np.abs(x * 3))
    assert as_int.dtype == np.int32
    np.testing.assert_array_equal(as_int, np.abs(x * 3).astype(np.int32))


def test_add_n_and_clip(tmp_path):
    x = rand(5)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.node("sum", "AddN", ["x", "x", "x"], T=F32, N=3)
    g.const("lo", np.float32(-1))
    g.const("hi", np.float32(2))
    g.node("clip", "ClipByValue", ["sum", "lo", "hi"], T=F32)
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    np.testing.assert_allclose(y, np.clip(3 * x, -1, 2), rtol=1e-6)


REDUCE = {"Mean": np.mean, "Sum": np.sum, "Max": np.max, "Min": np.min, "Prod": np.prod}


@pytest.mark.parametrize("op", sorted(REDUCE))
@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("axes", [[1], [0, -1], []])
def test_reductions(tmp_path, op, keep, axes):
    x = rand(2, 3, 4)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("axes", axes, np.int32)
    g.node("r", op, ["x", "axes"], T=F32, keep_dims=keep)
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    ref = REDUCE[op](x, axis=tuple(axes), keepdims=keep) if axes else x  # no axes: nothing is reduced
    np.testing.assert_allclose(y, ref, rtol=1e-5)


def test_reduction_with_run_time_axes(tmp_path):
    x = rand(2, 3, 4)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.placeholder("axes", (2,), np.int32)
    g.node("r", "Sum", ["x", "axes"], T=F32, keep_dims=True)
    (y,) = run_graphdef(g, tmp_path, {"x": x, "axes": np.array([0, 2], np.int32)})
    np.testing.assert_allclose(y, x.sum(axis=(0, 2), keepdims=True), rtol=1e-5)


@pytest.mark.parametrize("out_type", [np.int64, np.int32])
def test_arg_max_min(tmp_path, out_type):
    x = rand(3, 5)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("axis", np.int32(1))
    g.node("amax", "ArgMax", ["x", "axis"], T=F32, output_type=DType(out_type))
    g.node("amin", "ArgMin", ["x", "axis"], T=F32, output_type=DType(out_type))
    amax, amin = run_graphdef(g, tmp_path, {"x": x}, out_nodes=["amax", "amin"])
    assert amax.dtype == out_type
    np.testing.assert_array_equal(amax, x.argmax(1))
    np.testing.assert_array_equal(amin, x.argmin(1))


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_mat_mul(tmp_path, ta, tb):
    a, b = rand(3, 4), rand(4, 5)
    a_in, b_in = (a.T.copy() if ta else a), (b.T.copy() if tb else b)
    g = GraphDefBuilder()
    g.placeholder("a", a_in.shape)
    g.const("b", b_in)
    g.node("mm", "MatMul", ["a", "b"], T=F32, transpose_a=ta, transpose_b=tb)
    (y,) = run_graphdef(g, tmp_path, {"a": a_in})
    np.testing.assert_allclose(y, a @ b, rtol=1e-5)


@pytest.mark.parametrize("adj_x,adj_y", [(False, False), (True, True)])
def test_batch_mat_mul(tmp_path, adj_x, adj_y):
    a, b = rand(2, 3, 4), rand(1, 4, 5)
    a_in, b_in = (np.swapaxes(a, 1, 2).copy() if adj_x else a), (np.swapaxes(b, 1, 2).copy() if adj_y else b)
    g = GraphDefBuilder()
    g.placeholder("a", a_in.shape)
    g.placeholder("b", b_in.shape)
    g.node("bmm", "BatchMatMulV2", ["a", "b"], T=F32, adj_x=adj_x, adj_y=adj_y)
    (y,) = run_graphdef(g, tmp_path, {"a": a_in, "b": b_in})
    np.testing.assert_allclose(y, a @ b, rtol=1e-5)


def test_einsum(tmp_path):
    a, b = rand(2, 3, 4), rand(4, 5)
    g = GraphDefBuilder()
    g.placeholder("a", a.shape)
    g.const("b", b)
    g.node("e", "Einsum", ["a", "b"], T=F32, equation="bij,jk->bik", N=2)
    (y,) = run_graphdef(g, tmp_path, {"a": a})
    np.testing.assert_allclose(y, np.einsum("bij,jk->bik", a, b), rtol=1e-5)


def test_select_v1_with_row_condition(tmp_path):
    x, y = rand(3, 4), rand(3, 4)
    cond = np.array([True, False, True])
    g = GraphDefBuilder()
    g.placeholder("c", (3,), np.bool_)
    g.placeholder("x", x.shape)
    g.placeholder("y", y.shape)
    g.node("sel", "Select", ["c", "x", "y"], T=F32)
    (out,) = run_graphdef(g, tmp_path, {"c": cond, "x": x, "y": y})
    np.testing.assert_array_equal(out, np.where(cond[:, None], x, y))
