"""Caffe layers: ReLU, PReLU, ELU, Sigmoid, TanH, AbsVal, BNLL, Power, Exp, Log, Threshold, Clip, Swish,
Softmax, Dropout."""
from __future__ import annotations

import math

import numpy as np

from ....ir import DataType
from ..registry import LayerContext, caffe_layer

# Caffe type -> canonical op for the parameterless elementwise layers.
PLAIN = {"Sigmoid": "Sigmoid", "TanH": "Tanh", "AbsVal": "Abs", "BNLL": "Softplus"}


@caffe_layer(*PLAIN)
def plain(ctx: LayerContext):
    return ctx.op(PLAIN[ctx.op_type], ctx.inputs[:1])


@caffe_layer("ReLU")
def relu(ctx: LayerContext):
    slope = float(ctx.layer.relu_param.negative_slope)
    if slope == 0.0:
        return ctx.op("Relu", ctx.inputs[:1])
    return ctx.op("LeakyRelu", ctx.inputs[:1], {"alpha": slope})


@caffe_layer("PReLU")
def prelu(ctx: LayerContext):
    shared = ctx.layer.prelu_param.channel_shared
    shape = ctx.require_shape(min_rank=1 if shared else 2)
    channels = 1 if shared else shape[1]
    slope = ctx.blob(0, (channels,), "slope")
    slope = slope.reshape((channels,) + (1,) * (len(shape) - 2)) if channels > 1 else slope
    return ctx.op("PRelu", [ctx.inputs[0], ctx.const(slope, "_slope")])


@caffe_layer("ELU")
def elu(ctx: LayerContext):
    return ctx.op("Elu", ctx.inputs[:1], {"alpha": float(ctx.layer.elu_param.alpha)})


@caffe_layer("Power")
def power(ctx: LayerContext):
    p = ctx.layer.power_param
    return ctx.op("Power", ctx.inputs[:1], {"power": float(p.power), "scale": float(p.scale),
                                             "shift": float(p.shift)})


def _ln_base(ctx: LayerContext, base: float) -> float:
    """ln(base); base -1 stands for e (Caffe's default)."""
    if base == -1:
        return 1.0
    if base <= 0 or (ctx.op_type == "Log" and base == 1):
        raise ctx.fail(f"base {base} is not allowed: give a positive base (not 1 for Log), or -1 for e")
    return math.log(base)


@caffe_layer("Exp")
def exp(ctx: LayerContext):
    """base ^ (shift + scale * x) = exp(ln(base) * shift + ln(base) * scale * x)."""
    p = ctx.layer.exp_param
    ln = _ln_base(ctx, p.base)
    x = ctx.inputs[0]
    if p.scale * ln != 1.0 or p.shift != 0.0:
        x = ctx.op1("Power", [x], {"power": 1.0, "scale": float(p.scale) * ln, "shift": float(p.shift) * ln},
                    suffix="_affine")
    return ctx.op("Exp", [x])


@caffe_layer("Log")
def log(ctx: LayerContext):
    """log_base(shift + scale * x) = ln(shift + scale * x) / ln(base)."""
    p = ctx.layer.log_param
    x = ctx.inputs[0]
    if p.scale != 1.0 or p.shift != 0.0:
        x = ctx.op1("Power", [x], {"power": 1.0, "scale": float(p.scale), "shift": float(p.shift)},
                    suffix="_affine")
    if p.base == -1:
        return ctx.op("Log", [x])
    y = ctx.op1("Log", [x], suffix="_ln")
    return ctx.op("Power", [y], {"power": 1.0, "scale": 1.0 / _ln_base(ctx, p.base), "shift": 0.0})


@caffe_layer("Threshold")
def threshold(ctx: LayerContext):
    """1 where x > threshold, else 0 (as float)."""
    t = ctx.const(np.array(ctx.layer.threshold_param.threshold, np.float32), "_threshold")
    above = ctx.op1("Greater", [ctx.inputs[0], t], suffix="_greater")
    return ctx.op("Cast", [above], {"dst_type": int(DataType.DT_FLOAT)})


@caffe_layer("Clip")
def clip(ctx: LayerContext):
    p = ctx.layer.clip_param
    return ctx.op("ClipByValue", [ctx.inputs[0], ctx.const(np.array(p.min, np.float32), "_min"),
                                  ctx.const(np.array(p.max, np.float32), "_max")])


@caffe_layer("Swish")
def swish(ctx: LayerContext):
    return ctx.op("Swish", ctx.inputs[:1], {"scale": float(ctx.layer.swish_param.beta)})


@caffe_layer("Softmax")
def softmax(ctx: LayerContext):
    return ctx.op("Softmax", ctx.inputs[:1], {"axis": ctx.axis(ctx.layer.softmax_param.axis)})


@caffe_layer("Dropout")
def dropout(ctx: LayerContext):
    """Inference-time dropout is the identity (Caffe scales at training time)."""
    return [ctx.inputs[0]]
