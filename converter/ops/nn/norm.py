"""Normalisation ops: BatchNorm (inference), BatchNormTraining (batch statistics, running averages),
InstanceNorm, LayerNorm, RmsNorm, GroupNorm, LRN, MVN,
LpNormalization."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..elementwise import like, widen
from ...ir import DataType
from ..registry import Attr, InferContext, desc, register, same_as_input
from ..workspace import output_for, scratch
from ._spatial import channel_axis, compute_dtype, from_nchw, to_nchw


def _per_channel(v, rank: int, axis: int, dtype) -> np.ndarray:
    """A 1-D per-channel vector shaped to broadcast along ``axis`` of a rank-``rank`` tensor."""
    shape = [1] * rank
    shape[axis] = -1
    return np.asarray(v, dtype).reshape(shape)


def _standardize(x: np.ndarray, axes, epsilon: float, stats: bool = False):
    """(x - mean) / sqrt(var + epsilon) over ``axes``, in a workspace output (in place of x when donated); with
    ``stats`` also (mean, 1 / sqrt(var + epsilon))."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = np.subtract(x, mean, out=output_for((x,), x.shape, x.dtype))
    var = np.mean(np.square(centered, out=scratch("norm.square", x.shape, x.dtype)), axis=axes, keepdims=True)
    var += epsilon
    std = np.sqrt(var, out=var)
    centered /= std
    return (centered, mean, 1 / std) if stats else centered


def _batch_norm_infer(ctx: InferContext):
    """x's shape (rank 2 at least); scale, offset, mean and variance must hold one value per channel (when known)."""
    shape = ctx.shape(0)
    if shape is not None and len(shape) < 2:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"BatchNorm '{ctx.op.name}': the input has shape {list(shape)}; "
                         "it needs at least a batch and a channel axis (N, C, ...)", node=ctx.op.name)
    if shape is not None:
        channels = shape[channel_axis(ctx.attrs.get("data_format", "NCHW"), len(shape))]
        for i, what in enumerate(("scale", "offset", "mean", "variance"), 1):
            p = ctx.shape(i)
            if channels >= 0 and p is not None and (len(p) != 1 or p[0] not in (channels, -1)):
                raise GraphError(INVALID_ARGUMENT_VALUE, f"BatchNorm '{ctx.op.name}': {what} has shape {list(p)}; "
                                 f"the input has {channels} channels", node=ctx.op.name)
    return same_as_input(0)(ctx)


@register("BatchNorm", attrs={"epsilon": Attr("float", 1e-5), "data_format": Attr("str", "NCHW")},
          infer=_batch_norm_infer, category="nn")
def batch_norm(inputs, attrs):
    """BatchNorm: (x, scale, offset, mean, variance) -> scale * (x - mean) / sqrt(variance + eps) + offset."""
    x, scale, offset, mean, var = inputs[:5]
    cdt = compute_dtype(x.dtype)
    axis = channel_axis(attrs.get("data_format", "NCHW"), x.ndim)
    inv = np.asarray(scale, cdt) / np.sqrt(np.asarray(var, cdt) + cdt.type(attrs["epsilon"]))
    shift = np.asarray(offset, cdt) - np.asarray(mean, cdt) * inv
    y = x.astype(cdt, copy=False) * _per_channel(inv, x.ndim, axis, cdt) + _per_channel(shift, x.ndim, axis, cdt)
    return y.astype(x.dtype, copy=False)


def _batch_norm_training_infer(ctx: InferContext):
    stats = [desc(ctx.dtype(i), ctx.shape(i)) for i in (3, 4)]
    return [desc(ctx.dtype(0), ctx.shape(0))] + stats


@register("BatchNormTraining", attrs={"epsilon": Attr("float", 1e-5), "momentum": Attr("float", 0.9),
                                      "data_format": Attr("str", "NCHW")},
          infer=_batch_norm_training_infer, category="nn", traits={"keep_fp32_mix"})
def batch_norm_training(inputs, attrs):
    """BatchNormTraining: (x, scale, offset, running_mean, running_var) -> (y normalised with the batch's
    own mean and (biased) variance per channel, the running mean and variance updated with them:
    running * momentum + batch * (1 - momentum)) -- ONNX BatchNormalization with training_mode=1."""
    x = inputs[0]
    cdt = compute_dtype(x.dtype)
    axis = channel_axis(attrs.get("data_format", "NCHW"), x.ndim)
    others = tuple(a for a in range(x.ndim) if a != axis)
    xf = x.astype(cdt, copy=False)
    mean, var = xf.mean(axis=others), xf.var(axis=others)
    y = batch_norm([x, inputs[1], inputs[2], mean, var], attrs)
    momentum = cdt.type(attrs["momentum"])
    running = [np.asarray(r, cdt) * momentum + batch * (1 - momentum) for r, batch in
               ((inputs[3], mean), (inputs[4], var))]
    return [y] + [r.astype(np.asarray(old).dtype) for r, old in zip(running, inputs[3:5])]


def _standardized_affine(inputs, attrs, standardize, groups: int = 0):
    """(x, scale, bias): standardize(x channels-first in the compute dtype), then the per-channel affine (scale
    and bias given per group are repeated for the channels of each of ``groups`` groups)."""
    x, scale, bias = inputs[:3]
    fmt = attrs.get("data_format", "NCHW")
    cdt = compute_dtype(x.dtype)
    xc = to_nchw(x, fmt).astype(cdt, copy=False)
    y = standardize(xc)
    if groups:
        scale, bias = (_per_group_to_channels(v, groups, xc.shape[1]) for v in (scale, bias))
    y = y * _per_channel(scale, xc.ndim, 1, cdt) + _per_channel(bias, xc.ndim, 1, cdt)
    return from_nchw(y.astype(x.dtype, copy=False), fmt)


@register("InstanceNorm", attrs={"epsilon": Attr("float", 1e-5), "data_format": Attr("str", "NCHW")},
          infer=same_as_input(0), category="nn", traits={"keep_fp32_mix"})
def instance_norm(inputs, attrs):
    """InstanceNorm: (x, scale, bias) -> per (sample, channel) standardisation over the spatial axes."""
    return _standardized_affine(inputs, attrs,
                                lambda xc: _standardize(xc, tuple(range(2, xc.ndim)), attrs["epsilon"]))


def _layer_norm_infer(ctx: InferContext):
    y = desc(ctx.dtype(0), ctx.shape(0))
    if not ctx.attrs["stats"]:
        return [y]
    shape = ctx.shape(0)
    if shape is not None:
        axis = ctx.attrs["axis"] % len(shape)
        shape = tuple(shape[:axis]) + (1,) * (len(shape) - axis)
    return [y, desc(DataType.DT_FLOAT, shape), desc(DataType.DT_FLOAT, shape)]


@register("LayerNorm", attrs={"axis": Attr("int", -1, "first normalised axis; all later axes too"),
                              "epsilon": Attr("float", 1e-5),
                              "stats": Attr("bool", False, "also output the mean and 1/sqrt(var + epsilon) "
                                                           "(fp32, shaped x's dims before axis then 1s)")},
          infer=_layer_norm_infer, category="nn", traits={"keep_fp32_mix"})
def layer_norm(inputs, attrs):
    """LayerNorm: (x, gamma, beta?) -> standardise over axes [axis, rank) then gamma * y + beta; with stats
    also (mean, inv_std_dev) as ONNX LayerNormalization's outputs 1 and 2."""
    x, gamma = inputs[0], inputs[1]
    beta = inputs[2] if len(inputs) > 2 else None
    cdt = compute_dtype(x.dtype)
    axis = attrs["axis"] % x.ndim
    y, mean, inv_std = _standardize(x.astype(cdt, copy=False), tuple(range(axis, x.ndim)), attrs["epsilon"], True)
    y *= np.asarray(gamma).astype(cdt, copy=False)
    if beta is not None:
        y += np.asarray(beta).astype(cdt, copy=False)
    y = y.astype(x.dtype, copy=False)
    if not attrs["stats"]:
        return y
    return [y, mean.astype(np.float32), inv_std.astype(np.float32)]


def _per_group_to_channels(v, groups: int, channels: int) -> np.ndarray:
    """ONNX GroupNormalization-18 gives scale/bias per group: repeat them for every channel of the group."""
    v = np.asarray(v).reshape(-1)
    if v.size == groups and channels != groups:
        return np.repeat(v, channels // groups)
    return v


@register("GroupNorm", attrs={"num_groups": Attr("int"), "epsilon": Attr("float", 1e-5),
                              "data_format": Attr("str", "NCHW")},
          infer=same_as_input(0), category="nn", traits={"keep_fp32_mix"})
def group_norm(inputs, attrs):
    """GroupNorm: (x, scale, bias) affine (per channel, or per group) after standardising each channel group."""
    groups = attrs["num_groups"]

    def standardize(xc):
        return _standardize(xc.reshape(xc.shape[0], groups, -1), (2,), attrs["epsilon"]).reshape(xc.shape)

    return _standardized_affine(inputs, attrs, standardize, groups)


def _window_sum(a: np.ndarray, axis: int, size: int) -> np.ndarray:
    """Sum over a centred window of ``size`` along ``axis`` (zero padding; the odd extra goes after)."""
    begin = (size - 1) // 2
    widths = [(0, 0)] * a.ndim
    widths[axis] = (begin, size - 1 - begin)
    padded = np.pad(a, widths)
    length = a.shape[axis]
    total = np.zeros_like(a)
    for k in range(size):
        total += np.take(padded, np.arange(k, k + length), axis=axis)
    return total


@register("LRN", attrs={"size": Attr("int"), "alpha": Attr("float", 1e-4), "beta": Attr("float", 0.75),
                        "bias": Attr("float", 1.0),
                        "norm_region": Attr("str", "ACROSS_CHANNELS", "ACROSS_CHANNELS | WITHIN_CHANNEL"),
                        "data_format": Attr("str", "NCHW")},
          infer=same_as_input(0), category="nn")
def lrn(inputs, attrs):
    """LRN: x / (bias + alpha / n * sum of x^2 over the window)^beta; n = size (across) or size^2 (within)."""
    x = inputs[0]
    fmt = attrs.get("data_format", "NCHW")
    cdt = compute_dtype(x.dtype)
    xc = to_nchw(x, fmt).astype(cdt, copy=False)
    size = attrs["size"]
    sq = xc * xc
    if attrs["norm_region"].upper() == "WITHIN_CHANNEL":
        for axis in range(2, xc.ndim):
            sq = _window_sum(sq, axis, size)
        count = size ** (xc.ndim - 2)
    else:
        sq = _window_sum(sq, 1, size)
        count = size
    y = xc / (attrs["bias"] + attrs["alpha"] / count * sq) ** attrs["beta"]
    return from_nchw(y.astype(x.dtype, copy=False), fmt)


@register("MeanVarianceNormalization", attrs={"axes": Attr("ints", [0, 2, 3]),
                                              "normalize_variance": Attr("bool", True),
                                              "epsilon": Attr("float", 1e-9)},
          infer=same_as_input(0), category="nn")
def mean_variance_normalization(inputs, attrs):
    """MVN: (x - mean) / (std + epsilon) over ``axes`` (ONNX and Caffe MVN)."""
    x = inputs[0]
    cdt = compute_dtype(x.dtype)
    xf = x.astype(cdt, copy=False)
    axes = tuple(a % x.ndim for a in attrs["axes"])
    mean = xf.mean(axis=axes, keepdims=True)
    y = xf - mean
    if attrs["normalize_variance"]:
        var = np.maximum((xf * xf).mean(axis=axes, keepdims=True) - mean * mean, 0)
        y = y / (np.sqrt(var) + attrs["epsilon"])
    return y.astype(x.dtype, copy=False)


@register("LpNormalization", attrs={"axis": Attr("int", -1), "p": Attr("int", 2)},
          infer=same_as_input(0), category="nn", traits={"keep_fp32_mix"})
def lp_normalization(inputs, attrs):
    """LpNormalization: x / ||x||_p along ``axis`` (p = 1 or 2)."""
    x = inputs[0]
    cdt = compute_dtype(x.dtype)
    xf = x.astype(cdt, copy=False)
    axis = attrs["axis"] % x.ndim
    if attrs["p"] == 1:
        norm = np.abs(xf).sum(axis=axis, keepdims=True)
    else:
        norm = np.sqrt((xf * xf).sum(axis=axis, keepdims=True))
    out = np.divide(xf, norm, out=np.zeros_like(xf), where=norm != 0)  # a slice of zeros stays 0 (ONNX)
    return out.astype(x.dtype, copy=False)


@register("RmsNorm", attrs={"axis": Attr("int", -1, "first normalised axis; the rest follow"),
                            "epsilon": Attr("float", 1e-5)},
          infer=same_as_input(), category="nn")
def rms_norm(inputs, attrs):
    """RmsNorm: (x, scale) -> x / sqrt(mean(x^2 over axes axis..) + epsilon) * scale (computed in fp32+)."""
    x, scale = np.asarray(inputs[0]), inputs[1]
    xf = x.astype(np.float32) if x.dtype == np.float16 else x
    axes = tuple(range(attrs["axis"] % x.ndim, x.ndim))
    ms = np.mean(xf * xf, axis=axes, keepdims=True)
    y = xf / np.sqrt(ms + np.asarray(attrs["epsilon"], xf.dtype)) * widen(scale)
    return like(y, x.dtype)
