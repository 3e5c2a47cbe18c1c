"""ONNX activation ops converted and evaluated with our kernels, checked against onnxruntime
(including Clip before/after opset 11 and Softmax/LogSoftmax before/after opset 13)."""
from __future__ import annotations

import numpy as np
import pytest

from ._onnx_case import check

RNG = np.random.default_rng(1)


def rand(*shape, dtype=np.float32, low=-4.0, high=4.0):
    return RNG.uniform(low, high, shape).astype(dtype)


ACTIVATIONS = [  # (op, attrs, opset)
    ("Relu", {}, 14), ("LeakyRelu", {}, 16), ("LeakyRelu", {"alpha": 0.2}, 16), ("Sigmoid", {}, 13),
    ("HardSigmoid", {}, 6 + 1), ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}, 7), ("HardSwish", {}, 14),
    ("Tanh", {}, 13), ("Elu", {}, 7), ("Elu", {"alpha": 0.5}, 7), ("Selu", {}, 7),
    ("Selu", {"alpha": 1.5, "gamma": 2.0}, 7), ("Celu", {}, 12), ("Celu", {"alpha": 2.0}, 12),
    ("Softplus", {}, 7), ("Softsign", {}, 7), ("Mish", {}, 18), ("Gelu", {}, 20),
    ("Gelu", {"approximate": "tanh"}, 20), ("ThresholdedRelu", {}, 10), ("ThresholdedRelu", {"alpha": 0.5}, 10),
    ("Shrink", {}, 9), ("Shrink", {"bias": 1.5, "lambd": 1.0}, 9),
]


@pytest.mark.parametrize("op,attrs,opset", ACTIVATIONS, ids=lambda v: str(v))
def test_activation(op, attrs, opset):
    check(op, {"x": rand(2, 3, 4, 5)}, attrs, opset=opset, atol=1e-5)


@pytest.mark.parametrize("op", ["Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSwish", "Elu", "Softplus", "Gelu"])
def test_activation_fp16_keeps_dtype(op):
    opset = 20 if op == "Gelu" else 16
    out = check(op, {"x": rand(3, 8, dtype=np.float16)}, opset=opset, rtol=3e-3, atol=3e-3)
    assert out[0].dtype == np.float16


def test_sigmoid_extreme_values_do_not_overflow():
    x = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], np.float32)
    check("Sigmoid", {"x": x})


@pytest.mark.parametrize("slope_shape", [(3, 1, 1), (1,), (5,), (2, 3, 4, 5)])
def test_prelu_broadcast(slope_shape):
    check("PRelu", {"x": rand(2, 3, 4, 5), "slope": rand(*slope_shape, low=0, high=1)}, opset=16)


@pytest.mark.parametrize("attrs", [{}, {"min": -1.0}, {"max": 0.5}, {"min": -1.0, "max": 2.0}])
def test_clip_attributes_before_opset_11(attrs):
    check("Clip", {"x": rand(3, 4)}, attrs, opset=7)


@pytest.mark.parametrize("names,consts", [
    (["x", "lo", "hi"], {"lo": np.float32(-1.0), "hi": np.float32(2.0)}),
    (["x", "lo"], {"lo": np.float32(-1.0)}),
    (["x", "", "hi"], {"hi": np.float32(0.5)}),
    (["x"], {}),
    (["x", "lo", "hi"], {"lo": np.float32(1.0), "hi": np.float32(-1.0)}),  # lo > hi gives hi
])
def test_clip_inputs_from_opset_11(names, consts):
    check("Clip", {"x": rand(3, 4)}, opset=13, consts=consts, input_names=names)


def test_clip_dynamic_bounds_and_int():
    check("Clip", {"x": rand(3, 4), "lo": np.array(-0.5, np.float32), "hi": np.array(1.5, np.float32)}, opset=13)
    x = RNG.integers(-10, 10, (3, 4)).astype(np.int32)
    check("Clip", {"x": x}, opset=13, consts={"lo": np.int32(-3), "hi": np.int32(4)}, input_names=["x", "lo", "hi"])


def test_clip_fp16():
    out = check("Clip", {"x": rand(3, 4, dtype=np.float16)}, opset=13,
                consts={"lo": np.float16(-1), "hi": np.float16(1)}, input_names=["x", "lo", "hi"])
    assert out[0].dtype == np.float16


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, -3])
@pytest.mark.parametrize("opset", [11, 13])
def test_softmax_static_shape(op, axis, opset):
    attrs = {} if axis is None else {"axis": axis}
    check(op, {"x": rand(2, 3, 4)}, attrs, opset=opset)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("axis", [None, 0, 2, -1])
@pytest.mark.parametrize("declared", [(None, 3, None, 5), None])
def test_softmax_before_13_unknown_shape(op, axis, declared):
    attrs = {} if axis is None else {"axis": axis}
    check(op, {"x": rand(2, 3, 4, 5)}, attrs, opset=11, declared={"x": declared})


def test_softmax_fp16():
    out = check("Softmax", {"x": rand(2, 7, dtype=np.float16)}, opset=13, rtol=2e-3, atol=2e-3)
    assert out[0].dtype == np.float16


def test_clip_attributes_fp16():
    out = check("Clip", {"x": rand(3, 4, dtype=np.float16)}, {"min": -1.0, "max": 1.5}, opset=9)
    assert out[0].dtype == np.float16


@pytest.mark.parametrize("axis,opset", [(None, 11), (0, 11), (-1, 11), (None, 13), (1, 13)])
def test_hardmax(axis, opset):
    attrs = {} if axis is None else {"axis": axis}
    x = RNG.integers(0, 3, (2, 3, 4)).astype(np.float32)  # ties: the first index wins
    check("Hardmax", {"x": x}, attrs, opset=opset)
    check("Hardmax", {"x": x}, attrs, opset=opset, declared={"x": None})
