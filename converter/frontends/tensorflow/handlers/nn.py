"""TF handlers for layout-carrying nn ops: convolutions (filters re-laid to OIHW / IOHW constants),
pooling, FusedBatchNorm, BiasAdd, resizes, depth/space moves and SpaceToBatchND/BatchToSpaceND.
The ops keep the node's data_format (NHWC by default): no transposes are inserted."""
from __future__ import annotations

import numpy as np

from .... import ops
from ....ir import DataType
from ....ops.nn.resize import TF_RESIZE_MODES
from ..registry import NodeContext, tf_op
from ._util import dtype_attr, int64, padding_attrs, spatial_axes, spatial_of

# TF filter layouts -> canonical weight layouts
HWIO_TO_OIHW = {4: (3, 2, 0, 1), 5: (4, 3, 0, 1, 2)}     # Conv2D/Conv3D filters (DHWIO -> OIDHW)
HWOI_TO_IOHW = {4: (3, 2, 0, 1), 5: (4, 3, 0, 1, 2)}     # Conv2DBackpropInput filters
CONV_BY_RANK = ops.by_spatial_rank("conv")                       # spatial rank (tensor rank - 2) -> op type
CONV_TRANSPOSE_BY_RANK = ops.by_spatial_rank("conv_transpose")
_DEFAULT_FORMAT = {4: "NHWC", 5: "NDHWC"}


def _format(ctx: NodeContext, rank: int) -> str:
    fmt = ctx.data_format(_DEFAULT_FORMAT[rank])
    allowed = ("NHWC", "NCHW") if rank == 4 else ("NDHWC", "NCDHW")
    if fmt not in allowed:
        raise ctx.fail(f"data_format {fmt} is not supported (expected one of {', '.join(allowed)})")
    return fmt


def _filter(ctx: NodeContext, perm, suffix: str = "filter"):
    """Input 1 re-laid with perm: a new constant when the filter is constant, else a Transpose op."""
    w = ctx.value(1)
    _check_filter_rank(ctx, len(perm))
    if w is not None:
        return ctx.const(np.ascontiguousarray(np.transpose(w, perm)), suffix)
    return ctx.op("Transpose", [ctx.input(1)], {"perm": list(perm)}, suffix=suffix)[0]


def _check_filter_rank(ctx: NodeContext, rank: int) -> None:
    shape = ctx.shape(1)
    if shape is not None and len(shape) != rank:
        raise ctx.fail(f"the filter has rank {len(shape)}; {ctx.op_type} needs rank {rank}")


def _window_attrs(ctx: NodeContext, fmt: str, rank: int) -> dict:
    attrs = {"strides": spatial_of(ctx.attr("strides", [1] * rank), fmt), "data_format": fmt}
    attrs.update(padding_attrs(ctx, fmt, rank))
    return attrs


@tf_op("Conv2D", "Conv3D", inputs=2)
def conv(ctx: NodeContext):
    rank = 4 if ctx.op_type == "Conv2D" else 5
    fmt = _format(ctx, rank)
    attrs = _window_attrs(ctx, fmt, rank)
    attrs["dilations"] = spatial_of(ctx.attr("dilations", [1] * rank), fmt)
    groups = _groups(ctx, fmt, rank)
    if groups > 1:
        attrs["groups"] = groups
    return ctx.op(CONV_BY_RANK[rank - 2], [ctx.input(0), _filter(ctx, HWIO_TO_OIHW[rank])], attrs)


def _groups(ctx: NodeContext, fmt: str, rank: int) -> int:
    """TF convolves in groups when the input has a multiple of the filter's input channels."""
    shape, w = ctx.shape(0), ctx.value(1)
    w_shape = w.shape if w is not None else ctx.shape(1)
    if shape is None or w_shape is None or len(shape) != rank or len(w_shape) != rank:
        return 1
    channels = shape[1] if fmt.startswith("NC") else shape[-1]
    per_group = w_shape[-2]
    if channels <= 0 or per_group <= 0 or channels == per_group:
        return 1
    if channels % per_group:
        raise ctx.fail(f"input has {channels} channels, which the filter's {per_group} input channels do not divide")
    return channels // per_group


@tf_op("DepthwiseConv2dNative", inputs=2)
def depthwise_conv(ctx: NodeContext):
    """Filter (H, W, C, M) becomes OIHW (C*M, 1, H, W) with groups = C."""
    fmt = _format(ctx, 4)
    w = ctx.require_value(1, "filter")
    _check_filter_rank(ctx, 4)
    kh, kw, channels, mult = w.shape
    weights = np.ascontiguousarray(np.transpose(w.reshape(kh, kw, 1, channels * mult), (3, 2, 0, 1)))
    attrs = _window_attrs(ctx, fmt, 4)
    attrs["dilations"] = spatial_of(ctx.attr("dilations", [1] * 4), fmt)
    attrs["groups"] = int(channels)
    return ctx.op("Conv2D", [ctx.input(0), ctx.const(weights, "filter")], attrs)


def _transposed_pads(ctx: NodeContext, out_sizes, kernel, strides, dilations, padding: str):
    """Pads and output_padding of a transposed conv that yields out_sizes: the forward conv's pads."""
    begins, ends, extra = [], [], []
    for size, k, s, d in zip(out_sizes, kernel, strides, dilations):
        k_eff = (k - 1) * d + 1
        if padding == "SAME":
            in_size = -(-size // s)
            total = max((in_size - 1) * s + k_eff - size, 0)
        else:
            in_size = (size - k_eff) // s + 1
            total = 0
        begin, end = total // 2, total - total // 2
        begins.append(begin)
        ends.append(end)
        extra.append(size - ((in_size - 1) * s + k_eff - begin - end))
    return begins + ends, extra


@tf_op("Conv2DBackpropInput", "Conv3DBackpropInputV2", inputs=3)
def conv_transpose(ctx: NodeContext):
    """(input_sizes, filter (H, W, O, I), x): a transposed conv with IOHW weights whose output size is
    fixed by input_sizes (its spatial entries must be constants)."""
    rank = 4 if ctx.op_type == "Conv2DBackpropInput" else 5
    fmt = _format(ctx, rank)
    sizes = ctx.converter.partial_constant(ctx.node.input[0], rank)
    if len(sizes) != rank:
        raise ctx.fail(f"input_sizes holds {len(sizes)} values; a {rank}-D output needs {rank}")
    axes = spatial_axes(fmt, rank)
    out_sizes = [sizes[a] for a in axes]
    if any(s is None for s in out_sizes):
        raise ctx.fail("the spatial entries of input_sizes must be constants")
    w = ctx.require_value(1, "filter")
    _check_filter_rank(ctx, rank)
    strides = spatial_of(ctx.attr("strides", [1] * rank), fmt)
    dilations = spatial_of(ctx.attr("dilations", [1] * rank), fmt)
    if any(v <= 0 for v in strides + dilations):
        raise ctx.fail(f"strides {strides} and dilations {dilations} must be positive")
    padding = str(ctx.attr("padding", "VALID")).upper()
    if padding not in ("SAME", "VALID"):
        raise ctx.fail(f"padding {padding} is not supported for transposed convolution")
    pads, extra = _transposed_pads(ctx, out_sizes, w.shape[:-2], strides, dilations, padding)
    weights = np.ascontiguousarray(np.transpose(w, HWOI_TO_IOHW[rank]))
    attrs = {"strides": strides, "dilations": dilations, "pads": pads, "output_padding": extra,
             "data_format": fmt}
    return ctx.op(CONV_TRANSPOSE_BY_RANK[rank - 2], [ctx.input(2), ctx.const(weights, "filter")], attrs)


_POOLS = {"MaxPool": ("MaxPool", 4), "AvgPool": ("AvgPool", 4), "MaxPoolV2": ("MaxPool", 4),
          "MaxPool3D": ("MaxPool", 5), "AvgPool3D": ("AvgPool", 5)}


@tf_op("MaxPool", "AvgPool", "MaxPool3D", "AvgPool3D", inputs=1)
@tf_op("MaxPoolV2", inputs=3)
def pool(ctx: NodeContext):
    """ksize/strides are full-rank lists (inputs 1 and 2 for MaxPoolV2); SAME average pooling does not
    count the padding, as count_include_pad=False."""
    op_type, rank = _POOLS[ctx.op_type]
    fmt = _format(ctx, rank)
    if ctx.op_type == "MaxPoolV2":
        ksize = np.asarray(ctx.require_value(1, "ksize")).reshape(-1)
        strides = np.asarray(ctx.require_value(2, "strides")).reshape(-1)
    else:
        ksize, strides = ctx.require_attr("ksize"), ctx.attr("strides", [1] * rank)
    attrs = {"kernel_shape": spatial_of(ksize, fmt), "strides": spatial_of(strides, fmt), "data_format": fmt}
    attrs.update(padding_attrs(ctx, fmt, rank))
    return ctx.op(op_type, ctx.inputs[:1], attrs)


@tf_op("MaxPoolWithArgmax", inputs=1)
def max_pool_with_argmax(ctx: NodeContext):
    """NHWC max pooling and the flat index of each max: (y * W + x) * C + c, plus b * H * W * C with
    include_batch_in_index (as TensorFlow counts it; padding is not counted)."""
    ksize, strides = ctx.require_attr("ksize"), ctx.attr("strides", [1] * 4)
    attrs = {"kernel_shape": spatial_of(ksize, "NHWC"), "strides": spatial_of(strides, "NHWC"), "data_format": "NHWC",
             "index_axes": [0, 1, 2, 3] if ctx.attr("include_batch_in_index", False) else [1, 2, 3],
             "index_dtype": int(dtype_attr(ctx, "Targmax", DataType.DT_INT64))}
    attrs.update(padding_attrs(ctx, "NHWC", 4))
    return ctx.op("MaxPoolWithArgmax", ctx.inputs[:1], attrs, n_out=2)


@tf_op("BatchNormWithGlobalNormalization", inputs=5)
def batch_norm_global(ctx: NodeContext):
    """The TF0.x batch norm (t, mean, variance, beta, gamma) on the last axis; gamma only multiplies when
    scale_after_normalization."""
    gamma = ctx.input(4)
    if not ctx.attr("scale_after_normalization", False):
        gamma = ctx.op("Fill", [ctx.op("Shape", [gamma], suffix="gamma_shape")[0]],
                       {"value": np.ones(1, np.float32)}, suffix="ones")[0]
    inputs = [ctx.input(0), gamma, ctx.input(3), ctx.input(1), ctx.input(2)]
    rank = ctx.rank(0)
    attrs = {"epsilon": float(ctx.attr("variance_epsilon", 1e-3)),
             "data_format": {4: "NHWC", 5: "NDHWC"}.get(rank, "NHWC")}
    return ctx.op("BatchNorm", inputs, attrs)


@tf_op("FakeQuantWithMinMaxVars", "FakeQuantWithMinMaxVarsPerChannel", inputs=3)
@tf_op("FakeQuantWithMinMaxArgs", inputs=1)
def fake_quant(ctx: NodeContext):
    """Quantize-dequantize in the float graph (quantization-aware training): Args has min/max as attributes."""
    attrs = {"num_bits": int(ctx.attr("num_bits", 8)), "narrow_range": bool(ctx.attr("narrow_range", False))}
    inputs = list(ctx.inputs[:3])
    if ctx.op_type == "FakeQuantWithMinMaxArgs":
        inputs = [ctx.input(0), ctx.const(np.float32(ctx.attr("min", -6.0)), "min"),
                  ctx.const(np.float32(ctx.attr("max", 6.0)), "max")]
    return ctx.op("FakeQuantWithMinMaxVars", inputs, attrs)


@tf_op("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", inputs=5)
def fused_batch_norm(ctx: NodeContext):
    """Inference batch norm (x, scale, offset, mean, variance). The extra outputs (batch mean/variance,
    reserve spaces) are the running statistics in inference."""
    if ctx.attr("is_training", False):
        raise ctx.fail("is_training=true: freeze the graph for inference (training-mode batch norm is not "
                       "supported)")
    fmt = ctx.data_format("NHWC")
    y = ctx.op("BatchNorm", ctx.inputs[:5], {"epsilon": float(ctx.attr("epsilon", 1e-4)), "data_format": fmt})
    mean, var = ctx.input(3), ctx.input(4)
    return y + [mean, var, mean, var, mean]


@tf_op("BiasAdd", "BiasAddV1", inputs=2)
def bias_add(ctx: NodeContext):
    """An Add whose bias broadcasts on the channel axis: as is for NHWC, reshaped to (C, 1, ...) for NCHW
    (the input's rank when known, else 5 after a Conv3D and 4 otherwise)."""
    fmt = ctx.data_format("NHWC")
    bias = ctx.input(1)
    if fmt.startswith("NC"):
        shape = ctx.shape(0)
        producer = ctx.builder.graph.op(ctx.input(0)[0]).type
        after_3d_conv = producer in (CONV_BY_RANK[3], CONV_TRANSPOSE_BY_RANK[3])
        rank = len(shape) if shape is not None else (5 if after_3d_conv else 4)
        tail = [1] * (rank - 2)
        value = ctx.value(1)
        if value is not None:
            bias = ctx.const(np.asarray(value).reshape([-1] + tail), "bias")
        else:
            shape = ctx.const(int64([-1] + tail), "bias_shape")
            bias = ctx.op("Reshape", [bias, shape], suffix="bias")[0]
    return ctx.op("Add", [ctx.input(0), bias])


_RESIZE_TYPES = {"ResizeBilinear": "linear", "ResizeNearestNeighbor": "nearest", "ResizeBicubic": "cubic"}


@tf_op(*_RESIZE_TYPES, inputs=2)
def resize(ctx: NodeContext):
    """images (NHWC) resized to size = [new_h, new_w] (the spatial sizes of the NHWC Resize)."""
    mode = _RESIZE_TYPES[ctx.op_type]
    key = (mode, bool(ctx.attr("align_corners", False)), bool(ctx.attr("half_pixel_centers", False)))
    if key not in TF_RESIZE_MODES:
        raise ctx.fail("align_corners and half_pixel_centers cannot both be true")
    size = ctx.value(1)
    size_ref = ctx.const(int64(size).reshape(-1), "size") if size is not None else ctx.input(1)
    attrs = {"mode": mode, "data_format": "NHWC", **TF_RESIZE_MODES[key]}
    return ctx.op("Resize", [ctx.input(0), None, None, size_ref], attrs)


@tf_op("DepthToSpace", "SpaceToDepth", inputs=1)
def depth_space(ctx: NodeContext):
    """TF orders the moved block outermost in depth (DCR)."""
    fmt = ctx.data_format("NHWC")
    if fmt not in ("NHWC", "NCHW"):
        raise ctx.fail(f"data_format {fmt} is not supported")
    attrs = {"blocksize": int(ctx.require_attr("block_size")), "mode": "DCR", "data_format": fmt}
    return ctx.op(ctx.op_type, ctx.inputs[:1], attrs)


@tf_op("SpaceToBatchND", "BatchToSpaceND", inputs=3)
def space_batch(ctx: NodeContext):
    """Kept as TF-semantics ops; the dilated-conv pattern around a conv is folded after conversion."""
    return ctx.op(ctx.op_type, ctx.inputs[:3])


@tf_op("LRN", inputs=1)
def lrn(ctx: NodeContext):
    """TF sums x^2 over depth_radius channels each side of the last axis and scales by alpha alone; the
    canonical LRN divides alpha by the window size, hence alpha * size."""
    radius = int(ctx.attr("depth_radius", 5))
    size = 2 * radius + 1
    attrs = {"size": size, "alpha": float(ctx.attr("alpha", 1.0)) * size, "beta": float(ctx.attr("beta", 0.5)),
             "bias": float(ctx.attr("bias", 1.0)), "data_format": "NHWC"}
    return ctx.op("LRN", ctx.inputs[:1], attrs)


@tf_op("CTCGreedyDecoder", inputs=2)
def ctc_greedy_decoder(ctx: NodeContext):
    """(inputs [time, batch, classes], sequence_length) -> decoded indices, values, shape (the SparseTensor) and
    log probabilities."""
    attrs = {"merge_repeated": bool(ctx.attr("merge_repeated", False)), "blank_index": int(ctx.attr("blank_index", -1))}
    return ctx.op("CTCGreedyDecoder", ctx.inputs[:2], attrs, n_out=4)
