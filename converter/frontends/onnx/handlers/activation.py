"""ONNX handlers: activation ops (Relu family, Sigmoid family, Clip, PRelu, Softmax, LogSoftmax, Hardmax)."""
from __future__ import annotations

import numpy as np

from ....ir.sizes import MAX_ARRAY_RANK
from ..registry import NodeContext, onnx_op
from .elementwise import emit_one_to_one, known_dtype

ONE_TO_ONE = {
    "Relu": "Relu", "LeakyRelu": "LeakyRelu", "Sigmoid": "Sigmoid",
    "HardSigmoid": "HardSigmoid", "HardSwish": "HardSwish", "Tanh": "Tanh", "Elu": "Elu", "Selu": "Selu",
    "Celu": "Celu", "Softplus": "Softplus", "Softsign": "Softsign", "Mish": "Mish", "Gelu": "Gelu",
    "ThresholdedRelu": "ThresholdedRelu", "Shrink": "Shrink",
}


@onnx_op(*ONE_TO_ONE)
def one_to_one(ctx: NodeContext):
    return emit_one_to_one(ctx, ONE_TO_ONE)


@onnx_op("Clip")
def clip_attrs(ctx: NodeContext):
    """Clip before opset 11: bounds are attributes min/max, made into constant inputs."""
    dtype = known_dtype(ctx, 0) or np.float32
    bounds = [None if ctx.attr(k) is None else ctx.const(np.array(ctx.attr(k), dtype), suffix=f"_{k}")
              for k in ("min", "max")]
    return ctx.op("ClipByValue", [ctx.input(0), *bounds])


@onnx_op("Clip", since=11)
def clip_inputs(ctx: NodeContext):
    """Clip from opset 11: optional min/max inputs."""
    return ctx.op("ClipByValue", [ctx.input(0), ctx.input(1), ctx.input(2)])


def _static(shape) -> bool:
    return shape is not None and all(d >= 0 for d in shape)


def coerced_softmax(ctx: NodeContext, canonical: str) -> list:
    """Softmax/LogSoftmax/Hardmax before opset 13: the input is flattened to 2-D at ``axis`` (default 1)."""
    x = ctx.input(0)
    shape = ctx.shape(0)
    rank = None if shape is None else len(shape)
    axis = ctx.attr("axis")
    if rank == 0:
        axis = 0
    elif rank is not None:
        axis = ctx.axis(axis)
    if axis == -1 or (rank is not None and axis == rank - 1):
        return ctx.op(canonical, [x], {"axis": axis})
    if _static(shape):
        outer = int(np.prod(shape[:axis], dtype=np.int64))
        flat = ctx.op("Reshape", [x, ctx.const(np.array([outer, -1], np.int64), "_2d_shape")],
                      suffix="_2d", n_out=1)[0]
        y = ctx.op(canonical, [flat], {"axis": 1}, suffix="_inner", n_out=1)[0]
        return ctx.op("Reshape", [y, ctx.const(np.array(shape, np.int64), "_out_shape")])
    if axis < 0:
        raise ctx.fail(f"axis {axis} needs the input rank; give the input shapes with --input_shape")
    if axis >= MAX_ARRAY_RANK:   # no tensor has that many dims (and [0] * axis below would be that long)
        raise ctx.fail(f"axis {axis} is beyond the {MAX_ARRAY_RANK} dims a tensor can have")
    # Unknown dims: keep the leading `axis` dims (Reshape 0 = copy), flatten the rest, restore via Shape.
    flat = ctx.op("Reshape", [x, ctx.const(np.array([0] * axis + [-1], np.int64), "_flat_shape")],
                  suffix="_flat", n_out=1)[0]
    y = ctx.op(canonical, [flat], {"axis": axis}, suffix="_inner", n_out=1)[0]
    original = ctx.op("Shape", [x], suffix="_shape", n_out=1)[0]
    return ctx.op("Reshape", [y, original])


@onnx_op("Softmax")
def softmax_2d(ctx: NodeContext):
    return coerced_softmax(ctx, "Softmax")


@onnx_op("LogSoftmax")
def log_softmax_2d(ctx: NodeContext):
    return coerced_softmax(ctx, "LogSoftmax")


@onnx_op("Hardmax")
def hardmax_2d(ctx: NodeContext):
    return coerced_softmax(ctx, "Hardmax")


@onnx_op("Softmax", "LogSoftmax", "Hardmax", since=13)
def softmax(ctx: NodeContext):
    """Softmax, LogSoftmax, Hardmax from opset 13: along one axis (default -1)."""
    return ctx.op(ctx.op_type, [ctx.input(0)], {"axis": ctx.axis(ctx.attr("axis"))})


@onnx_op("PRelu", since=1)
def prelu_before_7(ctx: NodeContext):
    """PRelu before opset 7 broadcasts a 1-D slope of C values over the channel axis (axis 1)."""
    slope = ctx.value(1)
    shape = ctx.shape(0)
    if ctx.opset < 7 and slope is not None and slope.ndim == 1 and slope.size > 1 and shape is not None \
            and len(shape) > 2:
        ref = ctx.const(slope.reshape((slope.size,) + (1,) * (len(shape) - 2)), "_slope")
        return ctx.op("PRelu", [ctx.input(0), ref])
    return ctx.op("PRelu", [ctx.input(0), ctx.input(1)])
