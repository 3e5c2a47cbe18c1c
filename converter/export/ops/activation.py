"""ONNX emitters: activations (Relu family, Sigmoid family, Softmax family, PRelu, ClipByValue)."""
from __future__ import annotations

import numpy as np

from ..registry import Emit, emits

# canonical -> (ONNX op, attrs copied as floats / strings)
SAME = {"Relu": ("Relu", ()), "Sigmoid": ("Sigmoid", ()), "Tanh": ("Tanh", ()), "HardSwish": ("HardSwish", ()),
        "Softplus": ("Softplus", ()), "Softsign": ("Softsign", ()), "Mish": ("Mish", ()),
        "LeakyRelu": ("LeakyRelu", ("alpha",)), "Elu": ("Elu", ("alpha",)), "Celu": ("Celu", ("alpha",)),
        "ThresholdedRelu": ("ThresholdedRelu", ("alpha",)), "HardSigmoid": ("HardSigmoid", ("alpha", "beta")),
        "Selu": ("Selu", ("alpha", "gamma")), "Shrink": ("Shrink", ("bias", "lambd"))}


@emits(*SAME)
def same(e: Emit):
    onnx_op, names = SAME[e.op.type]
    e.out(onnx_op, [e.input(0)], **{k: float(e.attrs[k]) for k in names})


@emits("Gelu")
def gelu(e: Emit):
    e.out("Gelu", [e.input(0)], approximate=str(e.attrs["approximate"]))


@emits("Softmax", "LogSoftmax", "Hardmax")
def softmax(e: Emit):
    e.out(e.op.type, [e.input(0)], axis=int(e.attrs["axis"]))


@emits("PRelu")
def prelu(e: Emit):
    e.out("PRelu", [e.input(0), e.as_dtype(1, e.dtype(0))])


@emits("Relu6")
def relu6(e: Emit):
    e.out("Clip", [e.input(0), e.scalar(0, e.dtype(0)), e.scalar(6, e.dtype(0))])


@emits("Swish")
def swish(e: Emit):
    x = e.input(0)
    scale = float(e.attrs["scale"])
    scaled = x if scale == 1.0 else e.one("Mul", [x, e.scalar(scale, e.dtype(0))])
    e.out("Mul", [x, e.one("Sigmoid", [scaled])])


def _bound(e: Emit, i: int):
    """A constant Clip bound as a 0-d tensor of x's dtype, or None when input i is not one."""
    v = e.value(i)
    if v is None or np.asarray(v).size != 1:
        return None
    return e.scalar(np.asarray(v).reshape(-1)[0], e.dtype(0))


@emits("ClipByValue")
def clip_by_value(e: Emit):
    """Clip for absent or scalar constant bounds; Max/Min for tensor or computed bounds (they broadcast)."""
    bounds = [None if not e.has(i) else _bound(e, i) for i in (1, 2)]
    if all(b is not None or not e.has(i) for b, i in zip(bounds, (1, 2))):
        e.out("Clip", [e.input(0), *bounds])
        return
    y = e.input(0)
    steps = [("Max", 1), ("Min", 2)]
    steps = [(op_type, i) for op_type, i in steps if e.has(i)]
    for k, (op_type, i) in enumerate(steps):
        args = [y, e.as_dtype(i, e.dtype(0))]
        y = e.out(op_type, args)[0] if k == len(steps) - 1 else e.one(op_type, args)
