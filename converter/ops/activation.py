"""Canonical ops: activation family (Relu, Sigmoid, Gelu, ..., PRelu, ClipByValue, Softmax,
LogSoftmax). Kernels keep the input dtype; fp16 is computed in fp32."""
from __future__ import annotations

import numpy as np

from .elementwise import like, widen
from .registry import Attr, register, same_as_input
from .special import erf
from .workspace import output_for

SELU_ALPHA = 1.67326319217681884765625
SELU_GAMMA = 1.05070102214813232421875


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.logaddexp(np.zeros((), x.dtype), x)


def _elu(x, alpha):
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def _gelu(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x * x * x)))
    return like(0.5 * x * (1 + erf(x / np.sqrt(2))), x.dtype)


def _shrink(x, bias, lambd):
    return np.where(x < -lambd, x + bias, np.where(x > lambd, x - bias, 0))


# name -> (fn(x, attrs) on the widened input, attrs spec, doc)
_ACTIVATIONS = {
    "Relu": (lambda x, a: np.maximum(x, x.dtype.type(0), out=output_for((x,), x.shape, x.dtype)), {}, "max(x, 0)"),
    "Relu6": (lambda x, a: np.minimum(np.maximum(x, 0), 6), {}, "min(max(x, 0), 6)"),
    "LeakyRelu": (lambda x, a: np.where(x >= 0, x, a["alpha"] * x), {"alpha": Attr("float", 0.01)},
                  "x if x >= 0 else alpha * x"),
    "Sigmoid": (lambda x, a: sigmoid(x), {}, "1 / (1 + exp(-x))"),
    "HardSigmoid": (lambda x, a: np.clip(a["alpha"] * x + a["beta"], 0, 1),
                    {"alpha": Attr("float", 0.2), "beta": Attr("float", 0.5)}, "clip(alpha * x + beta, 0, 1)"),
    "HardSwish": (lambda x, a: x * np.clip(x / 6 + 0.5, 0, 1), {}, "x * clip(x / 6 + 1/2, 0, 1)"),
    "Tanh": (lambda x, a: np.tanh(x), {}, "hyperbolic tangent"),
    "Elu": (lambda x, a: _elu(x, a["alpha"]), {"alpha": Attr("float", 1.0)}, "x if x > 0 else alpha * (e^x - 1)"),
    "Selu": (lambda x, a: a["gamma"] * _elu(x, a["alpha"]),
             {"alpha": Attr("float", SELU_ALPHA), "gamma": Attr("float", SELU_GAMMA)}, "gamma * elu(x, alpha)"),
    "Celu": (lambda x, a: np.maximum(x, 0) + np.minimum(0, a["alpha"] * (np.exp(x / a["alpha"]) - 1)),
             {"alpha": Attr("float", 1.0)}, "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))"),
    "Softplus": (lambda x, a: softplus(x), {}, "log(1 + e^x)"),
    "Softsign": (lambda x, a: x / (1 + np.abs(x)), {}, "x / (1 + |x|)"),
    "Mish": (lambda x, a: x * np.tanh(softplus(x)), {}, "x * tanh(softplus(x))"),
    "Gelu": (lambda x, a: _gelu(x, a["approximate"]), {"approximate": Attr("str", "none", "none or tanh")},
             "x * Phi(x) (exact erf form, or the tanh approximation)"),
    "ThresholdedRelu": (lambda x, a: np.where(x > a["alpha"], x, 0), {"alpha": Attr("float", 1.0)},
                        "x if x > alpha else 0"),
    "Shrink": (lambda x, a: _shrink(x, a["bias"], a["lambd"]),
               {"bias": Attr("float", 0.0), "lambd": Attr("float", 0.5)},
               "x + bias if x < -lambd, x - bias if x > lambd, else 0"),
    "Swish": (lambda x, a: x * sigmoid(a["scale"] * x), {"scale": Attr("float", 1.0)}, "x * sigmoid(scale * x)"),
}


def _activation_kernel(fn):
    def kernel(inputs, attrs):
        x = np.asarray(inputs[0])
        with np.errstate(all="ignore"):
            return like(fn(widen(x), attrs), x.dtype)

    return kernel


for _name, (_fn, _attrs, _doc) in _ACTIVATIONS.items():
    register(_name, attrs=_attrs, infer=same_as_input(), category="activation", doc=_doc,
             traits={"keep_fp32_mix"} if _name == "Softplus" else ())(_activation_kernel(_fn))


@register("PRelu", infer=same_as_input(), category="activation")
def prelu(inputs, attrs):
    """x if x >= 0 else slope * x; slope broadcasts to x (ONNX unidirectional broadcasting)."""
    x, slope = np.asarray(inputs[0]), np.asarray(inputs[1])
    wx = widen(x)
    return like(np.where(wx >= 0, wx, widen(slope) * wx), x.dtype)


@register("ClipByValue", infer=same_as_input(), category="activation")
def clip_by_value(inputs, attrs):
    """min(max(x, lo), hi) with optional lo/hi inputs (ONNX Clip; lo > hi gives hi)."""
    x, lo, hi = (list(inputs) + [None, None])[:3]
    x = np.asarray(x)
    out = x
    if lo is not None:
        out = np.maximum(out, np.asarray(lo).astype(x.dtype))
    if hi is not None:
        out = np.minimum(out, np.asarray(hi).astype(x.dtype))
    return like(out, x.dtype)


def _softmax(x, axis):
    out = output_for((x,), x.shape, x.dtype) if x.dtype.kind == "f" else np.empty(x.shape, np.float64)
    np.subtract(x, np.max(x, axis=axis, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= np.sum(out, axis=axis, keepdims=True)
    return out


def log_softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _along_axis(fn):
    """A kernel computing fn(widened x, axis attr), returned in x's dtype."""

    def kernel(inputs, attrs):
        x = np.asarray(inputs[0])
        with np.errstate(all="ignore"):
            return like(fn(widen(x), attrs["axis"]), x.dtype)

    return kernel


register("Softmax", attrs={"axis": Attr("int", -1)}, infer=same_as_input(), category="activation",
         traits={"keep_fp32_mix"}, doc="exp(x) / sum(exp(x)) along axis (ONNX opset-13 semantics).")(
    _along_axis(_softmax))
register("LogSoftmax", attrs={"axis": Attr("int", -1)}, infer=same_as_input(), category="activation",
         traits={"keep_fp32_mix"}, doc="x - log(sum(exp(x))) along axis (ONNX opset-13 semantics).")(
    _along_axis(log_softmax))


@register("Hardmax", attrs={"axis": Attr("int", -1)}, infer=same_as_input(), category="activation")
def hardmax(inputs, attrs):
    """1 at the first largest value along axis, 0 elsewhere (ONNX opset-13 semantics)."""
    x = np.asarray(inputs[0])
    axis = attrs["axis"] % x.ndim
    first = np.expand_dims(np.argmax(x, axis=axis), axis)
    out = np.zeros_like(x)
    np.put_along_axis(out, first, 1, axis=axis)
    return out

