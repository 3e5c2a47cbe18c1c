"""Caffe layers seen in converted and fork models: depthwise-convolution aliases, ReLU6, ShuffleChannel,
Axpy (SENet), Reduction, MVN, Embed."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ....ir import DataType
from ....proto import caffe_pb2
from ..registry import LayerContext, caffe_layer
from .nn import convolution


@caffe_layer("ConvolutionDepthwise", "DepthwiseConvolution")
def depthwise_convolution(ctx: LayerContext):
    """Fork layers for depthwise convolution: convolution_param with one group per input channel."""
    if ctx.layer.convolution_param.group != 1:
        return convolution(ctx)
    layer = type(ctx.layer)()
    layer.CopyFrom(ctx.layer)
    layer.convolution_param.group = ctx.require_shape(min_rank=2)[1]
    return convolution(replace(ctx, layer=layer))


@caffe_layer("ReLU6")
def relu6(ctx: LayerContext):
    return ctx.op("Relu6", ctx.inputs[:1])


@caffe_layer("ShuffleChannel")
def shuffle_channel(ctx: LayerContext):
    n, c, h, w = ctx.require_shape(rank=4)
    g = int(ctx.layer.shuffle_channel_param.group)
    if g < 1 or c % g:
        raise ctx.fail(f"{c} channels cannot be shuffled in {g} groups")
    split = ctx.op1("Reshape", [ctx.inputs[0], ctx.const(np.array([0, g, c // g, h, w], np.int64), "_groups")],
                    suffix="_split")
    swapped = ctx.op1("Transpose", [split], {"perm": [0, 2, 1, 3, 4]}, suffix="_transpose")
    return ctx.op("Reshape", [swapped, ctx.const(np.array([0, c, h, w], np.int64), "_shape")])


@caffe_layer("Axpy", inputs=3)
def axpy(ctx: LayerContext):
    """SENet's Axpy: a * x + y with a of shape (N, C, 1, 1)."""
    if len(ctx.inputs) != 3:
        raise ctx.fail("Axpy needs three bottoms (a, x, y)")
    scaled = ctx.op1("Mul", [ctx.inputs[1], ctx.inputs[0]], suffix="_mul")
    return ctx.op("Add", [scaled, ctx.inputs[2]])


REDUCTIONS = {caffe_pb2.ReductionParameter.SUM: "ReduceSum", caffe_pb2.ReductionParameter.ASUM: "ReduceSum",
              caffe_pb2.ReductionParameter.SUMSQ: "ReduceSumSquare",
              caffe_pb2.ReductionParameter.MEAN: "ReduceMean"}


@caffe_layer("Reduction")
def reduction(ctx: LayerContext):
    """Reduce every axis from ``axis`` on (Caffe's only mode), times coeff."""
    p = ctx.layer.reduction_param
    axis = ctx.axis(p.axis)
    x = ctx.inputs[0]
    if p.operation == caffe_pb2.ReductionParameter.ASUM:
        x = ctx.op1("Abs", [x], suffix="_abs")
    axes = list(range(axis, ctx.require_rank()))
    if p.coeff == 1.0:
        return ctx.op(REDUCTIONS[p.operation], [x], {"axes": axes, "keepdims": False})
    y = ctx.op1(REDUCTIONS[p.operation], [x], {"axes": axes, "keepdims": False}, suffix="_reduce")
    return ctx.op("Mul", [y, ctx.const(np.array(p.coeff, np.float32), "_coeff")])


@caffe_layer("MVN")
def mvn(ctx: LayerContext):
    """Caffe MVN: x - mean over (C,)H,W per image, divided by (std + eps) when normalize_variance."""
    p = ctx.layer.mvn_param
    axes = list(range(1 if p.across_channels else 2, ctx.require_rank()))
    return ctx.op("MeanVarianceNormalization", ctx.inputs[:1],
                  {"axes": axes, "normalize_variance": bool(p.normalize_variance), "epsilon": float(p.eps)})


@caffe_layer("Embed")
def embed(ctx: LayerContext):
    """Rows of the (input_dim, num_output) weight picked by the (float) indices, plus the bias."""
    p = ctx.layer.embed_param
    table = ctx.const(ctx.blob(0, (p.input_dim, p.num_output), "weights"), "_weights")
    index = ctx.op1("Cast", ctx.inputs[:1], {"dst_type": int(DataType.DT_INT64)}, suffix="_index")
    if not p.bias_term:
        return ctx.op("GatherV2", [table, index], {"axis": 0})
    rows = ctx.op1("GatherV2", [table, index], {"axis": 0}, suffix="_gather")
    return ctx.op("Add", [rows, ctx.const(ctx.blob(1, (p.num_output,), "bias"), "_bias")])
