"""Caffe layers: Convolution, Deconvolution, InnerProduct, Pooling, LRN, BatchNorm, Scale, Bias."""
from __future__ import annotations

import numpy as np

from .... import ops
from ....ir import DataType
from ....proto import caffe_pb2
from ..registry import LayerContext, caffe_layer

CONV_TYPES = ops.by_spatial_rank("conv")                # spatial rank -> Conv1D/Conv2D/Conv3D
DECONV_TYPES = ops.by_spatial_rank("conv_transpose")


def _spatial(values, h, w, has_hw: bool, n: int, default: int) -> list:
    """A Caffe kernel/stride/pad spelled as a repeated value or as *_h/*_w, as n spatial values."""
    if has_hw:
        return [int(h), int(w)]
    values = [int(v) for v in values]
    if not values:
        return [default] * n
    return values * n if len(values) == 1 else values


def conv_geometry(p, n: int) -> dict:
    kernel = _spatial(p.kernel_size, p.kernel_h, p.kernel_w, p.HasField("kernel_h"), n, 1)
    strides = _spatial(p.stride, p.stride_h, p.stride_w, p.HasField("stride_h"), n, 1)
    pads = _spatial(p.pad, p.pad_h, p.pad_w, p.HasField("pad_h") or p.HasField("pad_w"), n, 0)
    dilations = _spatial(p.dilation, 0, 0, False, n, 1)
    return {"kernel": kernel, "strides": strides, "pads": pads + pads, "dilations": dilations}


def _conv(ctx: LayerContext, transpose: bool):
    p = ctx.layer.convolution_param
    rank = ctx.require_rank()
    n = rank - 2
    if ctx.axis(p.axis) != 1 or n not in CONV_TYPES:
        raise ctx.fail(f"only channel axis 1 with 1 to 3 spatial dims is supported (axis {p.axis}, "
                       f"{rank}-D bottom)")
    geo = conv_geometry(p, n)
    channels = ctx.require_shape()[1]
    group = int(p.group)
    if group < 1:
        raise ctx.fail(f"group {group} must be at least 1")
    if transpose:   # Caffe deconv weights are (C_in, C_out / group, k...): IOHW already
        w = ctx.blob(0, (channels, p.num_output // group, *geo["kernel"]), "filter")
    else:
        w = ctx.blob(0, (p.num_output, channels // group, *geo["kernel"]), "filter")
    inputs = [ctx.inputs[0], ctx.const(w, "_filter")]
    if p.bias_term:
        inputs.append(ctx.const(ctx.blob(1, (p.num_output,), "bias"), "_bias"))
    attrs = {"strides": geo["strides"], "pads": geo["pads"], "dilations": geo["dilations"], "groups": group,
             "data_format": "NCHW"}
    return ctx.op((DECONV_TYPES if transpose else CONV_TYPES)[n], inputs, attrs)


@caffe_layer("Convolution")
def convolution(ctx: LayerContext):
    return _conv(ctx, transpose=False)


@caffe_layer("Deconvolution")
def deconvolution(ctx: LayerContext):
    return _conv(ctx, transpose=True)


@caffe_layer("InnerProduct")
def inner_product(ctx: LayerContext):
    """Flatten from axis into a 2-D matrix, MatMulV2 with the (N, K) weights, then restore leading dims."""
    p = ctx.layer.inner_product_param
    shape = ctx.require_shape()
    axis = ctx.axis(p.axis)
    k = int(np.prod(shape[axis:], dtype=np.int64))
    w = ctx.blob(0, (k, p.num_output) if p.transpose else (p.num_output, k), "weights")
    x = ctx.inputs[0]
    if axis == 1 and len(shape) != 2:
        x = ctx.op1("Reshape", [x, ctx.const(np.array([0, -1], np.int64), "_shape")], suffix="_flatten")
    elif axis != 1:
        x = ctx.op1("Reshape", [x, ctx.const(np.array([-1, k], np.int64), "_shape")], suffix="_flatten")
    inputs = [x, ctx.const(w, "_weights")]
    if p.bias_term:
        inputs.append(ctx.const(ctx.blob(1, (p.num_output,), "bias"), "_bias"))
    attrs = {"transpose_x1": False, "transpose_x2": not p.transpose}
    if axis == 1:
        return ctx.op("MatMulV2", inputs, attrs)
    y = ctx.op1("MatMulV2", inputs, attrs, suffix="_matmul")
    out_shape = np.array(list(shape[:axis]) + [p.num_output], np.int64)
    return ctx.op("Reshape", [y, ctx.const(out_shape, "_out_shape")])


def caffe_pooled_size(size: int, k: int, s: int, pad: int, ceil: bool) -> int:
    """Caffe's pooled output size: rounded up (or down), dropping a last window that starts in the padding."""
    span = size + 2 * pad - k
    out = (-(-span // s) if ceil else span // s) + 1
    if pad and (out - 1) * s >= size + pad:
        out -= 1
    return out


@caffe_layer("Pooling")
def pooling(ctx: LayerContext):
    p = ctx.layer.pooling_param
    P = caffe_pb2.PoolingParameter
    if p.pool == P.STOCHASTIC:
        raise ctx.unsupported("STOCHASTIC pooling is a training-time layer; use MAX or AVE")
    if p.global_pooling:
        return ctx.op("GlobalMaxPool" if p.pool == P.MAX else "GlobalAveragePool", ctx.inputs[:1])
    shape = ctx.require_shape(rank=4)     # Caffe pools over height and width
    kernel = _spatial([p.kernel_size] if p.HasField("kernel_size") else [], p.kernel_h, p.kernel_w,
                      p.HasField("kernel_h"), 2, 0)
    strides = _spatial([p.stride], p.stride_h, p.stride_w, p.HasField("stride_h"), 2, 1)
    pads = _spatial([p.pad], p.pad_h, p.pad_w, p.HasField("pad_h") or p.HasField("pad_w"), 2, 0)
    if 0 in kernel:
        raise ctx.fail("pooling needs kernel_size (or kernel_h and kernel_w) or global_pooling")
    ceil = p.round_mode == P.CEIL
    # Caffe's size rule equals ceil_mode with "the last window starts inside input or begin padding";
    # AvgPool with count_include_pad divides by the window clipped to the padded input, as Caffe does.
    attrs = {"kernel_shape": kernel, "strides": strides, "pads": pads + pads, "ceil_mode": ceil,
             "data_format": "NCHW"}
    if p.pool == P.AVE:
        attrs["count_include_pad"] = True
    if p.pool == P.MAX and len(ctx.layer.top) > 1:   # the mask top: the max's index in its (H, W) plane, as float
        attrs.update(index_axes=[2, 3], index_dtype=int(DataType.DT_FLOAT))
        out = ctx.op("MaxPoolWithArgmax", ctx.inputs[:1], attrs, n_out=2)
    else:
        out = ctx.op("MaxPool" if p.pool == P.MAX else "AvgPool", ctx.inputs[:1], attrs)
    if min(shape[2:]) < 0:   # dynamic height/width: nothing to compare yet
        return out
    expected = [caffe_pooled_size(shape[2 + i], kernel[i], strides[i], pads[i], ceil) for i in range(2)]
    got = ctx.builder.graph.desc(out[0]).shape
    if got is not None and list(got[2:]) != expected:
        raise ctx.fail(f"pooled size {list(got[2:])} differs from Caffe's {expected}")
    return out


@caffe_layer("LRN")
def lrn(ctx: LayerContext):
    p = ctx.layer.lrn_param
    within = p.norm_region == caffe_pb2.LRNParameter.WITHIN_CHANNEL
    # Caffe's WITHIN_CHANNEL is (1 + alpha * mean(x^2 over size x size))^-beta: k is not used.
    attrs = {"size": int(p.local_size), "alpha": float(p.alpha), "beta": float(p.beta),
             "bias": 1.0 if within else float(p.k),
             "norm_region": "WITHIN_CHANNEL" if within else "ACROSS_CHANNELS", "data_format": "NCHW"}
    return ctx.op("LRN", ctx.inputs[:1], attrs)


def _bn_stats(ctx: LayerContext):
    """Caffe BatchNorm blobs (mean, variance, scale factor): the stats divided by the factor."""
    channels = ctx.require_shape(min_rank=2)[1]
    mean = ctx.blob(0, (channels,), "mean")
    var = ctx.blob(1, (channels,), "variance")
    factor = ctx.blob(2, (1,), "moving average factor")[0] if len(ctx.blobs) > 2 else 1.0
    inv = 0.0 if factor == 0 else 1.0 / float(factor)
    return (mean * np.float32(inv)).astype(np.float32), (var * np.float32(inv)).astype(np.float32)


@caffe_layer("BatchNorm")
def batch_norm(ctx: LayerContext):
    p = ctx.layer.batch_norm_param
    if p.HasField("use_global_stats") and not p.use_global_stats:
        ctx.frontend.warn(f"BatchNorm '{ctx.name}' sets use_global_stats: false (batch statistics); it is "
                          "converted for inference with its stored mean and variance")
    mean, var = _bn_stats(ctx)
    eps = float(ctx.layer.batch_norm_param.eps)
    scale_name = ctx.plan.get(ctx.name)
    if scale_name:   # the next layer is this BN's only reader: one BatchNorm op with its scale/offset
        ctx.frontend.pending_bn[scale_name] = (ctx.inputs[0], mean, var, eps)
        return [ctx.inputs[0]]
    c = mean.shape[0]
    return ctx.op("BatchNorm", [ctx.inputs[0], ctx.const(np.ones(c, np.float32), "_scale"),
                                ctx.const(np.zeros(c, np.float32), "_offset"), ctx.const(mean, "_mean"),
                                ctx.const(var, "_variance")], {"epsilon": eps, "data_format": "NCHW"})


def _broadcast_shape(ctx: LayerContext, axis: int, param_shape: tuple) -> tuple:
    """param_shape placed at ``axis`` of bottom 0, padded with trailing 1s to bottom 0's rank."""
    return tuple(param_shape) + (1,) * (ctx.require_rank() - axis - len(param_shape))


def _param_shape(ctx: LayerContext, axis: int, num_axes: int) -> tuple:
    shape = ctx.require_shape()
    end = len(shape) if num_axes == -1 else axis + num_axes
    return tuple(shape[axis:end])


def _affine(ctx: LayerContext, axis: int, num_axes: int, multiply: bool, bias_term: bool):
    """Scale (multiply) or Bias layer: factor from bottom 1 or blob 0, bias from the next blob."""
    x = ctx.inputs[0]
    blob_i = 0
    if len(ctx.inputs) > 1:
        other_shape = ctx.require_shape(1)
        factor = ctx.inputs[1]
        target = _broadcast_shape(ctx, axis, other_shape)
        if target != other_shape:
            factor = ctx.op1("Reshape", [factor, ctx.const(np.array(target, np.int64), "_shape")],
                             suffix="_reshape")
        param_shape = other_shape
    else:
        param_shape = _param_shape(ctx, axis, num_axes)
        value = ctx.blob(0, param_shape, "scale" if multiply else "bias")
        factor = ctx.const(value.reshape(_broadcast_shape(ctx, axis, param_shape)), "_scale" if multiply else "_bias")
        blob_i = 1
    if not multiply:
        return ctx.op("Add", [x, factor])
    if not bias_term:
        return ctx.op("Mul", [x, factor])
    y = ctx.op1("Mul", [x, factor], suffix="_mul")
    bias = ctx.blob(blob_i, param_shape, "bias").reshape(_broadcast_shape(ctx, axis, param_shape))
    return ctx.op("Add", [y, ctx.const(bias, "_bias")])


@caffe_layer("Scale")
def scale(ctx: LayerContext):
    p = ctx.layer.scale_param
    pending = ctx.frontend.pending_bn.pop(ctx.name, None)
    if pending is not None:
        x, mean, var, eps = pending
        c = mean.shape[0]
        gamma = ctx.blob(0, (c,), "scale")
        beta = ctx.blob(1, (c,), "bias") if p.bias_term else np.zeros(c, np.float32)
        bn = ctx.layer.bottom[0]
        return ctx.op("BatchNorm", [x, ctx.const(gamma, "_scale"), ctx.const(beta, "_offset"),
                                    ctx.const(mean, f"_{bn}_mean"), ctx.const(var, f"_{bn}_variance")],
                      {"epsilon": eps, "data_format": "NCHW"})
    return _affine(ctx, ctx.axis(p.axis), p.num_axes, multiply=True, bias_term=p.bias_term)


@caffe_layer("Bias")
def bias(ctx: LayerContext):
    p = ctx.layer.bias_param
    return _affine(ctx, ctx.axis(p.axis), p.num_axes, multiply=False, bias_term=False)
