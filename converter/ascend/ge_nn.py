"""GE neural-network ops: convolutions (forward, depthwise, transposed), matrix products, pooling, softmax,
normalisations and resizing. GE keeps TensorFlow's conventions for these (4-D stride/dilation lists in the
data_format's order, explicit pads [top, bottom, left, right], filters in their origin layout such as HWCN);
the mappers turn them into the canonical spatial-only lists and OIHW/IOHW weights."""
from __future__ import annotations

import numpy as np

from ..ops.formats import to_canonical
from ..ops.nn.resize import TF_RESIZE_MODES
from .registry import MapContext, ge_op

INT64 = np.int64
AUTO_PAD = {"SAME": "SAME_UPPER", "VALID": "VALID"}


def data_format(ctx: MapContext, i: int = 0) -> str:
    fmt = str(ctx.attr("data_format", "") or ctx.fmt(i)).upper()
    return fmt if fmt in ("NCHW", "NHWC") else ("NHWC" if ctx.fmt(i) == "NHWC" else "NCHW")


def spatial(values, fmt: str, default: int = 1) -> list:
    """[sh, sw] out of a 4-D list in ``fmt`` order (a 2-D list is taken as it is)."""
    values = [int(v) for v in (values or [])]
    if len(values) == 4:
        return [values[fmt.index("H")], values[fmt.index("W")]]
    if len(values) == 2:
        return values
    if len(values) == 1:
        return values * 2
    return [default, default]


def pad_attrs(ctx: MapContext) -> dict:
    """Canonical pads [top, left, bottom, right] from GE's [top, bottom, left, right], else auto_pad."""
    pads = ctx.attr("pads")
    if pads is not None and len(pads) == 4 and str(ctx.attr("padding", "")).upper() not in ("SAME_AUTO",):
        t, b, left, r = (int(p) for p in pads)
        return {"pads": [t, left, b, r], "auto_pad": "NOTSET"}
    padding = str(ctx.attr("padding", ctx.attr("padding_mode", "VALID"))).upper()
    if padding not in AUTO_PAD:
        raise ctx.fail(f"padding '{padding}' without explicit pads is not supported")
    return {"auto_pad": AUTO_PAD[padding]}


def weights(ctx: MapContext, i: int, order: str, suffix: str = "weights"):
    """Input i (a filter in its origin layout, e.g. HWCN) as an ``order``-named tensor (e.g. NCHW for OIHW)."""
    fmt = ctx.fmt(i) if ctx.fmt(i) in ("NCHW", "NHWC", "HWCN", "CHWN") else "NCHW"
    value = ctx.value(i)
    if value is not None:
        return ctx.const(to_canonical(np.asarray(value), fmt, order), suffix)
    perm = [fmt.index(a) for a in order]
    return ctx.add("Transpose", [ctx.input(i)], {"perm": perm}, suffix=suffix)[0]


@ge_op("Conv2D", inputs=(2, 4))
def conv2d(ctx: MapContext):
    """Conv2D: x, filter, bias?, offset_w? -> canonical Conv2D with OIHW weights."""
    fmt = data_format(ctx)
    attrs = {"data_format": fmt, "strides": spatial(ctx.attr("strides"), fmt),
             "dilations": spatial(ctx.attr("dilations"), fmt), "groups": int(ctx.attr("groups", 1) or 1),
             **pad_attrs(ctx)}
    inputs = [ctx.input(0), weights(ctx, 1, "NCHW")]
    if ctx.input(2) is not None:
        inputs.append(ctx.input(2))
    return ctx.add("Conv2D", inputs, attrs)


@ge_op("DepthwiseConv2D", inputs=(2, 4))
def depthwise_conv2d(ctx: MapContext):
    """DepthwiseConv2D: filter [kh, kw, C, multiplier] -> a grouped Conv2D (groups = C)."""
    fmt = data_format(ctx)
    w = weights(ctx, 1, "CNHW", "filter")                  # (C, multiplier, kh, kw)
    c, m, kh, kw = ctx.shape_of(w)
    w = ctx.add("Reshape", [w, ctx.const(np.asarray([c * m, 1, kh, kw], INT64), "filter_shape")],
                suffix="weights")[0]
    attrs = {"data_format": fmt, "strides": spatial(ctx.attr("strides"), fmt),
             "dilations": spatial(ctx.attr("dilations"), fmt), "groups": int(c), **pad_attrs(ctx)}
    inputs = [ctx.input(0), w] + ([ctx.input(2)] if ctx.input(2) is not None else [])
    return ctx.add("Conv2D", inputs, attrs)


def _transposed(ctx: MapContext, x_index: int, filter_index: int, bias_index: int | None, out_size):
    """A transposed convolution producing ``out_size`` (full 4-D, data_format order)."""
    fmt = data_format(ctx, x_index)
    strides = spatial(ctx.attr("strides"), fmt)
    dilations = spatial(ctx.attr("dilations"), fmt)
    w = weights(ctx, filter_index, "NCHW")                 # (I = x channels, O / groups, kh, kw)
    kernel = ctx.shape_of(w)[2:]
    in_sizes = [ctx.shape(x_index)[fmt.index(a)] for a in "HW"]
    out_sizes = [int(out_size[fmt.index(a)]) for a in "HW"] if out_size is not None else None
    pads = pad_attrs(ctx)
    if pads["auto_pad"] != "NOTSET":
        if out_sizes is None:
            raise ctx.fail("the output size is unknown")
        begins, ends = [], []
        for size, out, k, s, d in zip(in_sizes, out_sizes, kernel, strides, dilations):
            total = max((size - 1) * s + d * (k - 1) + 1 - out, 0) if pads["auto_pad"] == "SAME_UPPER" else 0
            begins.append(total // 2)
            ends.append(total - total // 2)
        pads = {"pads": begins + ends, "auto_pad": "NOTSET"}
    p = pads["pads"]
    extra = []
    for i, (size, k, s, d) in enumerate(zip(in_sizes, kernel, strides, dilations)):
        natural = (size - 1) * s + d * (k - 1) + 1 - p[i] - p[i + 2]
        extra.append(0 if out_sizes is None else out_sizes[i] - natural)
    explicit = ctx.attr("output_padding")
    if out_sizes is None and explicit:
        extra = spatial(explicit, fmt, 0)
    if any(e < 0 for e in extra):
        raise ctx.fail(f"output size {out_sizes} is smaller than the convolution gives")
    attrs = {"data_format": fmt, "strides": strides, "dilations": dilations, "pads": p, "auto_pad": "NOTSET",
             "groups": int(ctx.attr("groups", 1) or 1), "output_padding": extra}
    inputs = [ctx.input(x_index), w]
    if bias_index is not None and ctx.input(bias_index) is not None:
        inputs.append(ctx.input(bias_index))
    return ctx.add("Conv2DTranspose", inputs, attrs)


@ge_op("Conv2DBackpropInputD", inputs=(2, 2))
def conv2d_backprop_input_d(ctx: MapContext):
    """Conv2DBackpropInputD: filter, out_backprop; input_size attribute -> canonical Conv2DTranspose."""
    return _transposed(ctx, 1, 0, None, ctx.attr("input_size") or ctx.out_shape(0))


@ge_op("Conv2DBackpropInput", inputs=(3, 3))
def conv2d_backprop_input(ctx: MapContext):
    """Conv2DBackpropInput: input_size (constant), filter, out_backprop."""
    size = ctx.value(0)
    return _transposed(ctx, 2, 1, None, size.reshape(-1).tolist() if size is not None else ctx.out_shape(0))


@ge_op("Conv2DTransposeD", inputs=(2, 4))
def conv2d_transpose_d(ctx: MapContext):
    """Conv2DTransposeD: x, filter, bias?, offset_w?; input_size attribute."""
    return _transposed(ctx, 0, 1, 2, ctx.attr("input_size") or ctx.out_shape(0))


@ge_op("Conv2DTranspose", inputs=(3, 5))
def conv2d_transpose(ctx: MapContext):
    """Conv2DTranspose: input_size (constant), x, filter, bias?, offset_w?."""
    size = ctx.value(0)
    return _transposed(ctx, 1, 2, 3, size.reshape(-1).tolist() if size is not None else ctx.out_shape(0))


@ge_op("Deconvolution", inputs=(2, 4))
def deconvolution(ctx: MapContext):
    """Caffe's Deconvolution: x, filter, bias? (NCHW); the output descriptor gives the size."""
    return _transposed(ctx, 0, 1, 2, ctx.out_shape(0))


@ge_op("MatMul", "MatMulV2", "MatMulV3", inputs=(2, 4))
def matmul(ctx: MapContext):
    """x1 @ x2 (+ bias) with optional transposes (transpose_x1/x2, or TF's transpose_a/b)."""
    attrs = {"transpose_x1": bool(ctx.attr("transpose_x1", ctx.attr("transpose_a", False))),
             "transpose_x2": bool(ctx.attr("transpose_x2", ctx.attr("transpose_b", False)))}
    inputs = ctx.inputs[:2] + ([ctx.input(2)] if ctx.input(2) is not None else [])
    return ctx.add("MatMulV2", inputs, attrs)


@ge_op("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", inputs=(2, 4))
def batch_matmul(ctx: MapContext):
    """Batched x1 @ x2 with adj_x1/adj_x2 transposes (+ bias)."""
    attrs = {"adj_x1": bool(ctx.attr("adj_x1", ctx.attr("transpose_x1", False))),
             "adj_x2": bool(ctx.attr("adj_x2", ctx.attr("transpose_x2", False)))}
    y = ctx.add("BatchMatMulV2", ctx.inputs[:2], attrs, suffix="matmul" if ctx.input(2) is not None else "")
    if ctx.input(2) is not None:
        y = ctx.add("Add", [y[0], ctx.input(2)])
    return y


@ge_op("FullyConnection", inputs=(2, 4))
def fully_connection(ctx: MapContext):
    """Caffe InnerProduct: x flattened from ``axis``, times weights [num_output, K] (transposed unless
    ``transpose``), plus bias."""
    axis = ctx.axis(ctx.attr("axis", 1), ctx.rank(0))
    shape = ctx.shape(0)
    k = int(np.prod(shape[axis:], dtype=INT64))
    x = ctx.add("Reshape", [ctx.input(0), ctx.const(np.asarray(list(shape[:axis]) + [k], INT64), "x_shape")],
                suffix="flatten")[0]
    w_shape = ctx.shape(1)
    transpose = bool(ctx.attr("transpose", False))
    rows = [k, -1] if transpose else [-1, k]
    w = ctx.add("Reshape", [ctx.input(1), ctx.const(np.asarray(rows if len(w_shape) != 2 else w_shape, INT64),
                                                    "w_shape")], suffix="weights")[0]
    inputs = [x, w] + ([ctx.input(2)] if ctx.input(2) is not None else [])
    if axis != 1 or len(shape) - axis + 1 != 2:
        y = ctx.add("BatchMatMulV2", [x, w], {"adj_x2": not transpose}, suffix="matmul")[0]
        return ctx.add("Add", [y, ctx.input(2)]) if ctx.input(2) is not None else [y]
    return ctx.add("MatMulV2", inputs, {"transpose_x2": not transpose})


def _pool(ctx: MapContext, kind: str, kernel, strides, pads: dict, *, ceil_mode=False, include_pad=False,
          global_pool=False):
    fmt = data_format(ctx)
    if global_pool:
        return ctx.add("GlobalMaxPool" if kind == "MaxPool" else "GlobalAveragePool", [ctx.input(0)],
                       {"data_format": fmt})
    attrs = {"kernel_shape": spatial(kernel, fmt), "strides": spatial(strides, fmt), "data_format": fmt,
             "ceil_mode": bool(ceil_mode), **pads}
    if kind == "AvgPool":
        attrs["count_include_pad"] = bool(include_pad)
    return ctx.add(kind, [ctx.input(0)], attrs)


@ge_op("MaxPool", "AvgPool", "MaxPoolV3", "AvgPoolV2", "MaxPoolWithArgmax", inputs=(1, 1))
def pool(ctx: MapContext):
    """Max/average pooling: TF style (ksize, strides, padding SAME/VALID) or the V3/V2 variants GE uses for
    ONNX and Caffe (padding_mode CALCULATED with pads, ceil_mode, global_pooling, exclusive)."""
    kind = "MaxPool" if ctx.type.startswith("MaxPool") else "AvgPool"
    mode = str(ctx.attr("padding_mode", ctx.attr("padding", "VALID"))).upper()
    if mode == "CALCULATED" or (ctx.type in ("MaxPoolV3", "AvgPoolV2") and ctx.has_attr("pads") and mode not in
                                ("SAME", "VALID")):
        t, b, left, r = (int(p) for p in ctx.attr("pads", [0, 0, 0, 0]))
        pads = {"pads": [t, left, b, r], "auto_pad": "NOTSET"}
    elif mode in AUTO_PAD:
        pads = {"auto_pad": AUTO_PAD[mode]}
    else:
        raise ctx.fail(f"padding '{mode}' is not supported")
    exclusive = bool(ctx.attr("exclusive", True))
    include = (not exclusive) if ctx.type == "AvgPoolV2" else False
    return _pool(ctx, kind, ctx.require("ksize"), ctx.require("strides"), pads, ceil_mode=ctx.attr("ceil_mode", False),
                 include_pad=include, global_pool=bool(ctx.attr("global_pooling", False)))


@ge_op("SoftmaxV2", "LogSoftmaxV2", "Softmax", "LogSoftmax", inputs=(1, 1))
def softmax(ctx: MapContext):
    """(Log)softmax along ``axes`` (one axis)."""
    axes = ctx.attr("axes", ctx.attr("axis", [-1]))
    axes = axes if isinstance(axes, list) else [axes]
    if len(axes) != 1:
        raise ctx.fail(f"softmax over several axes {axes} is not supported")
    canonical = "LogSoftmax" if ctx.type.startswith("Log") else "Softmax"
    return ctx.add(canonical, [ctx.input(0)], {"axis": ctx.axis(axes[0], ctx.rank(0))})


def _channel_vector(ctx: MapContext, ref, fmt: str, rank: int, suffix: str):
    """A per-channel vector shaped to broadcast against a ``fmt`` tensor of ``rank``."""
    if fmt.startswith("NC") and rank > 2:
        shape = [-1] + [1] * (rank - 2)
        return ctx.add("Reshape", [ref, ctx.const(np.asarray(shape, INT64), f"{suffix}_shape")], suffix=suffix)[0]
    return ref


@ge_op("BiasAdd", inputs=(2, 2))
def bias_add(ctx: MapContext):
    """x + bias along the channel axis of data_format."""
    fmt = str(ctx.attr("data_format", ctx.fmt(0))).upper()
    return ctx.add("Add", [ctx.input(0), _channel_vector(ctx, ctx.input(1), fmt, ctx.rank(0), "bias")])


@ge_op("PRelu", inputs=(2, 2))
def prelu(ctx: MapContext):
    """x where positive, weight * x elsewhere; weight per channel."""
    fmt = ctx.fmt(0)
    weight = ctx.input(1)
    if len(ctx.shape(1) or ()) == 1:
        weight = _channel_vector(ctx, weight, fmt if fmt != "ND" else "NCHW", ctx.rank(0), "weight")
    return ctx.add("PRelu", [ctx.input(0), weight])


@ge_op("BatchNorm", "FusedBatchNorm", "FusedBatchNormV3", "BNInfer", inputs=(5, 5))
def batch_norm(ctx: MapContext):
    """Inference batch norm: x, scale, offset, mean, variance (only y is computed)."""
    fmt = str(ctx.attr("data_format", ctx.fmt(0))).upper()
    attrs = {"epsilon": float(ctx.attr("epsilon", 1e-4)), "data_format": "NHWC" if fmt == "NHWC" else "NCHW"}
    y = ctx.add("BatchNorm", ctx.inputs[:5], attrs)
    return y + [None] * (len(ctx.op.outputs) - 1)


@ge_op("Scale", inputs=(2, 3))
def scale(ctx: MapContext):
    """Caffe Scale: x * scale (+ bias), the vectors along ``axis``."""
    rank = ctx.rank(0)
    axis = ctx.axis(ctx.attr("axis", 1), rank)
    n = len(ctx.shape(1) or ())
    tail = rank - axis - n
    out = ctx.input(0)
    for k, (i, op_type) in enumerate(((1, "Mul"), (2, "Add"))):
        ref = ctx.input(i)
        if ref is None:
            continue
        if tail > 0:
            shape = list(ctx.shape(i)) + [1] * tail
            ref = ctx.add("Reshape", [ref, ctx.const(np.asarray(shape, INT64), f"shape{k}")], suffix=f"vec{k}")[0]
        last = i == 2 or ctx.input(2) is None
        out = ctx.add(op_type, [out, ref], suffix="" if last else "scaled")[0]
    return [out]


@ge_op("LRN", inputs=(1, 1))
def lrn(ctx: MapContext):
    """Local response normalisation across channels, TensorFlow's parameters (depth_radius, alpha per
    element)."""
    radius = int(ctx.attr("depth_radius", 5))
    size = 2 * radius + 1
    fmt = ctx.fmt(0)
    attrs = {"size": size, "alpha": float(ctx.attr("alpha", 1.0)) * size, "beta": float(ctx.attr("beta", 0.5)),
             "bias": float(ctx.attr("bias", 1.0)), "data_format": "NHWC" if fmt == "NHWC" else "NCHW"}
    return ctx.add("LRN", [ctx.input(0)], attrs)


@ge_op("LayerNorm", inputs=(3, 3))
def layer_norm(ctx: MapContext):
    """Normalise over the dims from begin_norm_axis on (gamma and beta over those from begin_params_axis);
    the mean and variance outputs (normalised dims kept as 1) are computed when something reads them."""
    rank = ctx.rank(0)
    axis = ctx.axis(ctx.attr("begin_norm_axis", -1), rank)
    if ctx.axis(ctx.attr("begin_params_axis", -1), rank) < axis:
        raise ctx.fail("begin_params_axis before begin_norm_axis is not supported")
    eps = float(ctx.attr("epsilon", 1e-7))
    outs = ctx.add("LayerNorm", ctx.inputs[:3], {"axis": axis, "epsilon": eps})
    if ctx.used(1) or ctx.used(2):
        axes = list(range(axis, rank))
        mean = ctx.add("ReduceMean", [ctx.input(0)], {"axes": axes, "keepdims": True}, suffix="mean")[0]
        centred = ctx.add("Sub", [ctx.input(0), mean], suffix="centred")[0]
        square = ctx.add("Mul", [centred, centred], suffix="square")[0]
        outs += [mean, ctx.add("ReduceMean", [square], {"axes": axes, "keepdims": True}, suffix="variance")[0]]
    return outs + [None] * (len(ctx.op.outputs) - len(outs))


_RESIZE = {"ResizeBilinearV2D": "linear", "ResizeBilinearV2": "linear", "ResizeNearestNeighborV2D": "nearest",
           "ResizeNearestNeighborV2": "nearest", "ResizeBilinear": "linear", "ResizeNearestNeighbor": "nearest"}


@ge_op(*_RESIZE, inputs=(1, 2))
def resize(ctx: MapContext):
    """Resize to ``size`` [h, w] (attribute for the D variants) with TensorFlow's align_corners /
    half_pixel_centers rules."""
    mode = _RESIZE[ctx.type]
    key = (mode, bool(ctx.attr("align_corners", False)), bool(ctx.attr("half_pixel_centers", False)))
    if key not in TF_RESIZE_MODES:
        raise ctx.fail("align_corners and half_pixel_centers cannot both be true")
    size = ctx.attr("size") if ctx.type.endswith("D") or ctx.input(1) is None else ctx.require_value(1, "size")
    if size is None:
        fmt = ctx.fmt(0)
        size = [ctx.out_shape(0)[fmt.index("H")], ctx.out_shape(0)[fmt.index("W")]]
    fmt = "NCHW" if ctx.fmt(0) == "NCHW" else "NHWC"
    sizes = ctx.const(np.asarray(size, INT64).reshape(-1), "size")
    return ctx.add("Resize", [ctx.input(0), None, None, sizes], {"mode": mode, "data_format": fmt,
                                                                 **TF_RESIZE_MODES[key]})


@ge_op("Resize", inputs=(1, 4))
def resize_onnx(ctx: MapContext):
    """Ascend IR's Resize: ONNX's Resize (x, roi?, scales?, sizes?; scales per dim of x as it is laid out)."""
    attrs = {"mode": str(ctx.attr("mode", "nearest")),
             "coordinate_transformation_mode": str(ctx.attr("coordinate_transformation_mode", "half_pixel")),
             "nearest_mode": str(ctx.attr("nearest_mode", "round_prefer_floor")),
             "cubic_coeff_a": float(ctx.attr("cubic_coeff_a", -0.75)),
             "exclude_outside": bool(ctx.attr("exclude_outside", 0)),
             "extrapolation_value": float(ctx.attr("extrapolation_value", 0.0)), "data_format": "NCHW"}
    inputs = (list(ctx.inputs) + [None] * 4)[:4]
    return ctx.add("Resize", inputs, attrs)


@ge_op("CommonLSTM", "CommonGRU", inputs=(3, 8))
def common_rnn(ctx: MapContext):
    """Ascend IR's CommonLSTM / CommonGRU: ONNX's LSTM (x, w, r, b?, sequence_lens?, initial_h?, initial_c?, p?;
    gates i, o, f, c) and GRU (x, w, r, b?, sequence_lens?, initial_h?; gates z, r, h); clip < 0 means none."""
    lstm = ctx.type == "CommonLSTM"
    clip = ctx.attr("clip", -1.0)
    attrs = {"direction": str(ctx.attr("direction", "forward")), "hidden_size": int(ctx.require("hidden_size")),
             "activations": [str(a) for a in ctx.attr("activations", []) or []],
             "activation_alpha": [float(a) for a in ctx.attr("activation_alpha", []) or []],
             "activation_beta": [float(a) for a in ctx.attr("activation_beta", []) or []],
             "clip": None if clip is None or float(clip) < 0 else float(clip)}
    if lstm:
        attrs["input_forget"] = int(ctx.attr("input_forget", 0))
    else:
        attrs["linear_before_reset"] = int(ctx.attr("linear_before_reset", 0))
    n_in = 8 if lstm else 6
    if len([r for r in ctx.inputs[n_in:] if r is not None]):
        raise ctx.fail(f"{ctx.type} takes at most {n_in} inputs")
    return ctx.add("LSTM" if lstm else "GRU", ctx.inputs[:n_in], attrs, n_out=3 if lstm else 2)


@ge_op("GEMM", inputs=(5, 5))
def gemm(ctx: MapContext):
    """alpha[0] * op(a) @ op(b) + beta[0] * c (op: transposed when transpose_a / transpose_b)."""
    product = ctx.add("MatMulV2", ctx.inputs[:2], {"transpose_x1": bool(ctx.attr("transpose_a", False)),
                                                   "transpose_x2": bool(ctx.attr("transpose_b", False))},
                      suffix="matmul")[0]
    dtype = ctx.lowering.graph.desc(product).dtype
    terms = []
    for i, (x, scale, name) in enumerate(((product, ctx.input(3), "alpha"), (ctx.input(2), ctx.input(4), "beta"))):
        if ctx.lowering.graph.desc(x).dtype != dtype:
            x = ctx.add("Cast", [x], {"dst_type": int(dtype)}, suffix=f"{name}_operand")[0]
        if ctx.lowering.graph.desc(scale).dtype != dtype:
            scale = ctx.add("Cast", [scale], {"dst_type": int(dtype)}, suffix=f"{name}_cast")[0]
        terms.append(ctx.add("Mul", [x, scale], suffix=name)[0])
    return ctx.add("Add", terms)
