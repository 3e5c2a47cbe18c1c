"""ONNX handlers: nn ops (conv, pooling, normalisation, matmul/gemm, pad, resize, depth/space)."""
from __future__ import annotations

import numpy as np

from .... import ops
from ..registry import NodeContext, onnx_op

CONV_BY_RANK = ops.by_spatial_rank("conv")                      # spatial rank -> op type
CONV_TRANSPOSE_BY_RANK = ops.by_spatial_rank("conv_transpose")
CHANNELS_FIRST = {1: "NCHW", 2: "NCHW", 3: "NCDHW"}


def spatial_rank(ctx: NodeContext, weight_input: int | None = 1) -> int:
    """Number of spatial axes: from the weight rank, the kernel_shape attr, or the input rank."""
    candidates = [ctx.rank(weight_input) if weight_input is not None else None, None, ctx.rank(0)]
    if ctx.attr("kernel_shape"):
        candidates[1] = len(ctx.attr("kernel_shape")) + 2
    for rank in candidates:
        if rank is not None:
            return checked_spatial_rank(ctx, rank - 2)
    raise ctx.fail("cannot tell the spatial rank (weights are not constant and no shape is known); give "
                   "--input_shape")


def checked_spatial_rank(ctx: NodeContext, n: int) -> int:
    if n not in CHANNELS_FIRST:
        raise ctx.unsupported(f"{n} spatial dims (from the weight, kernel_shape or input rank) are not supported; "
                              "1 to 3 are")
    return n


def only_first_output(ctx: NodeContext, what: str) -> None:
    if any(name for name in list(ctx.node.output)[1:]):
        raise ctx.unsupported(f"only output 0 is supported ({what} is not)")


def window_attrs(ctx: NodeContext, n: int, *, dilations: bool = True) -> dict:
    """strides/dilations/pads/auto_pad as explicit spatial lists."""
    attrs = {
        "strides": list(ctx.attr("strides") or [1] * n),
        "pads": list(ctx.attr("pads") or [0] * (2 * n)),
        "auto_pad": ctx.attr("auto_pad") or "NOTSET",
    }
    if dilations:
        attrs["dilations"] = list(ctx.attr("dilations") or [1] * n)
    return attrs


# ---- convolution --------------------------------------------------------------------------------

@onnx_op("Conv")
def conv(ctx: NodeContext):
    n = spatial_rank(ctx)
    attrs = window_attrs(ctx, n)
    attrs.update(groups=ctx.attr("group"), data_format=CHANNELS_FIRST[n])
    return ctx.op(CONV_BY_RANK[n], ctx.inputs[:3], attrs)


@onnx_op("ConvTranspose")
def conv_transpose(ctx: NodeContext):
    n = spatial_rank(ctx)
    attrs = window_attrs(ctx, n)
    attrs.update(groups=ctx.attr("group"), data_format=CHANNELS_FIRST[n],
                 output_padding=list(ctx.attr("output_padding") or [0] * n),
                 output_shape=list(ctx.attr("output_shape") or [])[-n:] if ctx.attr("output_shape") else [])
    return ctx.op(CONV_TRANSPOSE_BY_RANK[n], ctx.inputs[:3], attrs)


# ---- pooling ------------------------------------------------------------------------------------

def pool_attrs(ctx: NodeContext, *, dilations: bool = True) -> dict:
    kernel = list(ctx.attr("kernel_shape") or [])
    if not kernel:
        raise ctx.unsupported("kernel_shape is required")
    n = checked_spatial_rank(ctx, len(kernel))
    attrs = window_attrs(ctx, n, dilations=dilations)
    attrs.update(kernel_shape=kernel, ceil_mode=bool(ctx.attr("ceil_mode", 0)), data_format=CHANNELS_FIRST[n])
    return attrs


@onnx_op("MaxPool")
def max_pool(ctx: NodeContext):
    """With the Indices output: MaxPoolWithArgmax flattening (N, C, spatial...) row-major, or with the spatial
    axes reversed for storage_order=1 (column-major), as onnxruntime computes them."""
    attrs = pool_attrs(ctx)
    if len(ctx.node.output) < 2 or not ctx.node.output[1]:
        return ctx.op("MaxPool", ctx.inputs[:1], attrs)
    spatial = list(range(2, 2 + len(attrs["kernel_shape"])))
    attrs["index_axes"] = [0, 1] + (spatial[::-1] if ctx.attr("storage_order", 0) else spatial)
    return ctx.op("MaxPoolWithArgmax", ctx.inputs[:1], attrs, n_out=2)


@onnx_op("AveragePool")
def average_pool(ctx: NodeContext):
    attrs = pool_attrs(ctx)
    attrs["count_include_pad"] = bool(ctx.attr("count_include_pad", 0))
    return ctx.op("AvgPool", ctx.inputs[:1], attrs)


@onnx_op("LpPool")
def lp_pool(ctx: NodeContext):
    attrs = pool_attrs(ctx)
    attrs["p"] = int(ctx.attr("p"))
    return ctx.op("LpPool", ctx.inputs[:1], attrs)


@onnx_op("GlobalAveragePool", "GlobalMaxPool")
def global_pool(ctx: NodeContext):
    return ctx.op(ctx.op_type, ctx.inputs[:1], {"data_format": channels_first_format(ctx)})


# ---- normalisation ------------------------------------------------------------------------------

def channels_first_format(ctx: NodeContext) -> str:
    return "NCDHW" if ctx.rank(0) == 5 else "NCHW"


@onnx_op("BatchNormalization", ignores=("is_test", "momentum"))  # momentum: training only
def batch_normalization(ctx: NodeContext):
    """training_mode=1 (opset 14 on): normalised with the batch's statistics, outputs 1 and 2 the running
    mean and variance updated with them (BatchNormTraining)."""
    if ctx.opset < 9 and ctx.attr("spatial", 1) == 0:
        raise ctx.unsupported("spatial=0 (per-activation statistics) is not supported")
    attrs = {"epsilon": float(ctx.attr("epsilon")), "data_format": channels_first_format(ctx)}
    if ctx.attr("training_mode"):
        attrs["momentum"] = float(ctx.attr("momentum"))
        return ctx.op_all_outputs("BatchNormTraining", ctx.inputs[:5], attrs, 3)
    only_first_output(ctx, "running mean/variance, written in training mode only")
    return ctx.op("BatchNorm", ctx.inputs[:5], attrs, n_out=1)


@onnx_op("InstanceNormalization")
def instance_normalization(ctx: NodeContext):
    attrs = {"epsilon": float(ctx.attr("epsilon")), "data_format": channels_first_format(ctx)}
    return ctx.op("InstanceNorm", ctx.inputs[:3], attrs)


@onnx_op("LayerNormalization", since=17)
def layer_normalization(ctx: NodeContext):
    """Outputs Mean and InvStdDev, when used, come from LayerNorm with stats (in fp32, stash_type 1)."""
    attrs = {"axis": ctx.axis(int(ctx.attr("axis"))), "epsilon": float(ctx.attr("epsilon"))}
    if not any(list(ctx.node.output)[1:]):
        return ctx.op("LayerNorm", ctx.inputs[:3], attrs, n_out=1)
    if int(ctx.attr("stash_type")) != 1:
        raise ctx.unsupported(f"stash_type={ctx.attr('stash_type')}: Mean/InvStdDev are computed in float32 "
                              "(stash_type=1) only")
    return ctx.op_all_outputs("LayerNorm", ctx.inputs[:3], {**attrs, "stats": True}, 3)


@onnx_op("GroupNormalization", since=18)
def group_normalization(ctx: NodeContext):
    """Opset 18 gives scale/bias per group, 21 per channel: GroupNorm accepts both (told apart by size)."""
    attrs = {"num_groups": int(ctx.require_attr("num_groups")), "epsilon": float(ctx.attr("epsilon")),
             "data_format": channels_first_format(ctx)}
    return ctx.op("GroupNorm", ctx.inputs[:3], attrs)


@onnx_op("LRN")
def lrn(ctx: NodeContext):
    attrs = {"size": int(ctx.require_attr("size")), "alpha": float(ctx.attr("alpha")),
             "beta": float(ctx.attr("beta")), "bias": float(ctx.attr("bias")),
             "norm_region": "ACROSS_CHANNELS", "data_format": channels_first_format(ctx)}
    return ctx.op("LRN", ctx.inputs[:1], attrs)


@onnx_op("MeanVarianceNormalization", since=9)
def mean_variance_normalization(ctx: NodeContext):
    axes = [ctx.axis(int(a)) for a in (ctx.attr("axes") or [0, 2, 3])]
    return ctx.op("MeanVarianceNormalization", ctx.inputs[:1], {"axes": axes})


@onnx_op("LpNormalization")
def lp_normalization(ctx: NodeContext):
    attrs = {"axis": ctx.axis(int(ctx.attr("axis"))), "p": int(ctx.attr("p"))}
    if attrs["p"] not in (1, 2):
        raise ctx.unsupported(f"p={attrs['p']} is not supported (only 1 and 2)")
    return ctx.op("LpNormalization", ctx.inputs[:1], attrs)


# ---- matrix products ----------------------------------------------------------------------------

@onnx_op("MatMul")
def matmul(ctx: NodeContext):
    if ctx.rank(0) == 2 and ctx.rank(1) == 2:
        return ctx.op("MatMulV2", ctx.inputs[:2], {"transpose_x1": False, "transpose_x2": False})
    return ctx.op("BatchMatMulV2", ctx.inputs[:2], {"adj_x1": False, "adj_x2": False})


def _gemm_dtype(ctx: NodeContext) -> np.dtype:
    for i in (1, 2, 0):
        if ctx.value(i) is not None:
            return ctx.value(i).dtype
    from ....ir import to_numpy
    d = ctx.desc(0)
    return to_numpy(d.dtype) if d is not None else np.dtype(np.float32)


def _gemm_bias(ctx: NodeContext, beta: float, can_bias: bool):
    """(bias input for MatMulV2, addend for a separate Add) for beta * C."""
    c_value = ctx.value(2)
    if c_value is not None:
        scaled = c_value if beta == 1.0 else (c_value * beta).astype(c_value.dtype)
        if can_bias and (scaled.ndim <= 1 or (scaled.ndim == 2 and scaled.shape[0] == 1)):
            return ctx.const(scaled.reshape(-1), "_bias"), None
        return None, ctx.const(scaled, "_c")
    ref = ctx.input(2)
    if beta != 1.0:
        ref = ctx.op("Mul", [ref, ctx.const(np.asarray(beta, _gemm_dtype(ctx)), "_beta")], suffix="_beta", n_out=1)[0]
    if can_bias and ctx.rank(2) == 1:
        return ref, None
    return None, ref


@onnx_op("Gemm", ignores=("broadcast",))  # opset < 7: C broadcasts either way
def gemm(ctx: NodeContext):
    """Y = alpha * op(A) @ op(B) + beta * C as MatMulV2 (+ Mul for a non-constant B, + Add for a 2-D C)."""
    alpha, beta = float(ctx.attr("alpha")), float(ctx.attr("beta"))
    a, b = ctx.input(0), ctx.input(1)
    b_value = ctx.value(1)
    scale_after = alpha != 1.0 and b_value is None
    if alpha != 1.0 and b_value is not None:
        b = ctx.const((b_value * alpha).astype(b_value.dtype), "_alpha_b")
    bias, addend = None, None
    if ctx.input(2) is not None and beta != 0.0:
        bias, addend = _gemm_bias(ctx, beta, can_bias=not scale_after)
    steps = [("MatMulV2", [a, b] + ([bias] if bias is not None else []),
              {"transpose_x1": bool(ctx.attr("transA")), "transpose_x2": bool(ctx.attr("transB"))})]
    if scale_after:
        steps.append(("Mul", [None, ctx.const(np.asarray(alpha, _gemm_dtype(ctx)), "_alpha")], {}))
    if addend is not None:
        steps.append(("Add", [None, addend], {}))
    prev = None
    for k, (op_type, inputs, attrs) in enumerate(steps):
        inputs = [prev if ref is None and i == 0 else ref for i, ref in enumerate(inputs)]
        last = k == len(steps) - 1
        prev = ctx.op(op_type, inputs, attrs, suffix="" if last else f"_{op_type.lower()}", n_out=1)[0]
    return [prev]


# ---- pad ----------------------------------------------------------------------------------------

def _pad_value_dtype(ctx: NodeContext) -> np.dtype:
    from ....ir import to_numpy
    d = ctx.desc(0)
    try:
        return to_numpy(d.dtype) if d is not None else np.dtype(np.float32)
    except KeyError:
        return np.dtype(np.float32)


@onnx_op("Pad")
def pad_attrs_form(ctx: NodeContext):
    """Opset < 11: pads and value are attributes (made constants here)."""
    pads = ctx.const(np.asarray(ctx.attr("pads") or ctx.attr("paddings") or [], np.int64), "_pads")
    value = ctx.const(np.asarray(ctx.attr("value"), _pad_value_dtype(ctx)), "_value")
    return ctx.op("PadV3", [ctx.input(0), pads, value], {"mode": ctx.attr("mode")})


@onnx_op("Pad", since=11)
def pad_inputs_form(ctx: NodeContext):
    attrs = {"mode": ctx.attr("mode")}
    if ctx.input(3) is not None:
        axes = ctx.value(3)
        if axes is None:  # an input until folding makes it a constant (passes/constants.py checks)
            return ctx.op("PadV3", ctx.inputs[:4], attrs)
        attrs["axes"] = [ctx.axis(int(a)) for a in np.asarray(axes).reshape(-1)]
    return ctx.op("PadV3", ctx.inputs[:3], attrs)


# ---- resize / upsample --------------------------------------------------------------------------

# Resize-11+ attributes passed on (defaults from the ONNX schema); keep_aspect_ratio_policy came with opset 18,
# before which every resize stretched.
RESIZE_ATTRS = ("coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                "extrapolation_value", "keep_aspect_ratio_policy")
BEFORE_18 = {"keep_aspect_ratio_policy": "stretch"}


def _legacy_resize(ctx: NodeContext, x, scales_ref):
    """Upsample-7/9 and Resize-10: asymmetric coordinates; nearest floors on growing axes, ceils on shrinking."""
    mode = str(ctx.attr("mode")).lower()
    mode = {"bilinear": "linear"}.get(mode, mode)
    attrs = {"mode": mode, "coordinate_transformation_mode": "asymmetric", "nearest_mode": "simple",
             "data_format": channels_first_format(ctx)}
    return ctx.op("Resize", [x, None, scales_ref], attrs)


@onnx_op("Upsample")
def upsample_attr_scales(ctx: NodeContext):
    scales = np.asarray(ctx.attr("scales") or [], np.float32)
    return _legacy_resize(ctx, ctx.input(0), ctx.const(scales, "_scales"))


@onnx_op("Upsample", since=9)
def upsample_input_scales(ctx: NodeContext):
    return _legacy_resize(ctx, ctx.input(0), ctx.input(1))


@onnx_op("Resize", since=10)
def resize_v10(ctx: NodeContext):
    return _legacy_resize(ctx, ctx.input(0), ctx.input(1))


@onnx_op("Resize", since=11)
def resize(ctx: NodeContext):
    attrs = {"mode": str(ctx.attr("mode")), "data_format": channels_first_format(ctx)}
    for key in RESIZE_ATTRS:
        attrs[key] = ctx.attr(key, BEFORE_18.get(key))
    if ctx.attr("axes"):
        attrs["axes"] = [ctx.axis(int(a)) for a in ctx.attr("axes")]
    if ctx.attr("antialias") and attrs["mode"] != "nearest":   # (opset 18; nearest has no antialiasing)
        attrs["antialias"] = True
    return ctx.op("Resize", ctx.inputs[:4], attrs)


# ---- depth / space ------------------------------------------------------------------------------

@onnx_op("DepthToSpace")
def depth_to_space(ctx: NodeContext):
    attrs = {"blocksize": int(ctx.require_attr("blocksize")), "mode": str(ctx.attr("mode", "DCR")).upper()}
    return ctx.op("DepthToSpace", ctx.inputs[:1], attrs)


@onnx_op("SpaceToDepth")
def space_to_depth(ctx: NodeContext):
    """mode (CRD or DCR) came with opset 26; DCR before."""
    mode = ctx.choice("mode", {"DCR": "DCR", "CRD": "CRD"}, "DCR")
    return ctx.op("SpaceToDepth", ctx.inputs[:1], {"blocksize": int(ctx.require_attr("blocksize")), "mode": mode})
