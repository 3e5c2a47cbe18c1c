"""QLinearConv, QLinearMatMul, ConvInteger and MatMulInteger against onnxruntime (int8 and uint8, per-tensor and
per-channel weights)."""
import numpy as np
import pytest
from onnx import helper

from ._models import assert_same, init, model_of, run_both

rng = np.random.default_rng(12)


def ints(dtype, shape, lo=None, hi=None):
    info = np.iinfo(dtype)
    return rng.integers(info.min if lo is None else lo, (info.max if hi is None else hi) + 1, shape).astype(dtype)


def zero_point(dtype, n=None):
    base = 128 if dtype == np.uint8 else 0
    if n is None:
        return np.asarray(base + int(rng.integers(-4, 5)), dtype)
    return (base + rng.integers(-4, 5, n)).astype(dtype)


CONV_CASES = {
    "plain": dict(attrs={}, x=(1, 3, 8, 8), w=(4, 3, 3, 3)),
    "pads_strides": dict(attrs={"pads": [1, 1, 1, 1], "strides": [2, 2]}, x=(2, 4, 9, 7), w=(6, 4, 3, 3)),
    "groups_dilation": dict(attrs={"group": 2, "dilations": [2, 1], "pads": [2, 1, 2, 1]}, x=(1, 4, 8, 8),
                            w=(4, 2, 3, 3)),
    "conv1d": dict(attrs={"pads": [2, 0]}, x=(1, 3, 11), w=(5, 3, 3)),
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
@pytest.mark.parametrize("x_dtype,w_dtype", [(np.uint8, np.int8), (np.int8, np.int8), (np.uint8, np.uint8)])
@pytest.mark.parametrize("per_channel", [False, True])
def test_qlinear_conv(tmp_path, case, x_dtype, w_dtype, per_channel):
    c = CONV_CASES[case]
    m = c["w"][0]
    x, w = ints(x_dtype, c["x"]), ints(w_dtype, c["w"], -60 if w_dtype == np.int8 else 80, 60 if w_dtype == np.int8
                                       else 180)
    w_scale = np.asarray(rng.uniform(0.002, 0.02, m if per_channel else None), np.float32)
    w_zp = np.zeros(m, w_dtype) if per_channel and w_dtype == np.int8 else zero_point(w_dtype, m if per_channel
                                                                                       else None)
    bias = rng.integers(-2000, 2000, m).astype(np.int32)
    inits = [init("xs", 0.05, np.float32), init("xz", zero_point(x_dtype)), init("w", w), init("ws", w_scale),
             init("wz", w_zp), init("ys", 0.3, np.float32), init("yz", zero_point(x_dtype)), init("b", bias)]
    node = helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], **c["attrs"])
    model = model_of([node], {"x": x}, inits, [("y", x_dtype)], 13)
    ours, theirs = run_both(tmp_path, model, {"x": x})
    assert len(np.unique(theirs[0])) > 10  # the case exercises the output range, not just saturation
    assert_same(ours, theirs)


@pytest.mark.parametrize("a_shape,b_shape", [((5, 8), (8, 6)), ((2, 3, 5, 8), (8, 6)), ((2, 5, 8), (2, 8, 6))])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("opset", [10, 21])
def test_qlinear_matmul(tmp_path, a_shape, b_shape, dtype, opset):
    a, b = ints(dtype, a_shape), ints(dtype, b_shape)
    inits = [init("as", 0.04, np.float32), init("az", zero_point(dtype)), init("b", b),
             init("bs", 0.01, np.float32), init("bz", zero_point(dtype)), init("ys", 0.7, np.float32),
             init("yz", zero_point(dtype))]
    node = helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])
    model = model_of([node], {"a": a}, inits, [("y", dtype)], opset)
    ours, theirs = run_both(tmp_path, model, {"a": a})
    assert len(np.unique(theirs[0])) > 10
    assert_same(ours, theirs)


def test_qlinear_matmul_per_column(tmp_path):
    a, b = ints(np.uint8, (4, 16)), ints(np.int8, (16, 5))
    inits = [init("as", 0.04, np.float32), init("az", np.uint8(120)), init("b", b),
             init("bs", rng.uniform(0.005, 0.02, 5).astype(np.float32)), init("bz", np.zeros(5, np.int8)),
             init("ys", 0.5, np.float32), init("yz", np.uint8(128))]
    node = helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])
    model = model_of([node], {"a": a}, inits, [("y", np.uint8)], 13)
    assert_same(*run_both(tmp_path, model, {"a": a}))


@pytest.mark.parametrize("a_dtype,b_dtype", [(np.uint8, np.int8), (np.uint8, np.uint8), (np.int8, np.int8)])
@pytest.mark.parametrize("zero_points", ["none", "scalar", "per_column"])
def test_matmul_integer(tmp_path, a_dtype, b_dtype, zero_points):
    a, b = ints(a_dtype, (2, 3, 7)), ints(b_dtype, (7, 4))
    inputs, inits = ["a", "b"], [init("b", b)]
    if zero_points != "none":
        bz = zero_point(b_dtype, 4 if zero_points == "per_column" else None)
        inputs += ["az", "bz"]
        inits += [init("az", zero_point(a_dtype)), init("bz", bz)]
    model = model_of([helper.make_node("MatMulInteger", inputs, ["y"])], {"a": a}, inits, [("y", np.int32)], 10)
    assert_same(*run_both(tmp_path, model, {"a": a}))


@pytest.mark.parametrize("case", sorted(CONV_CASES))
@pytest.mark.parametrize("x_dtype,w_dtype", [(np.uint8, np.int8), (np.uint8, np.uint8)])
def test_conv_integer(tmp_path, case, x_dtype, w_dtype):
    c = CONV_CASES[case]
    x, w = ints(x_dtype, c["x"]), ints(w_dtype, c["w"])
    inits = [init("w", w), init("xz", zero_point(x_dtype)), init("wz", zero_point(w_dtype))]
    node = helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"], **c["attrs"])
    model = model_of([node], {"x": x}, inits, [("y", np.int32)], 10)
    assert_same(*run_both(tmp_path, model, {"x": x}))
