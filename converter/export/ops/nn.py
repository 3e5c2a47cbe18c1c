"""ONNX emitters: nn ops (conv, pooling, normalisation, matmul, pad, resize, depth/space and friends).
Channels-last ops (TensorFlow's NHWC) are wrapped in Transposes around the channels-first ONNX op."""
from __future__ import annotations

import numpy as np

from ...ir import DataType
from ...ops.nn._spatial import channels_last
from ..builder import onnx_type
from ..registry import Emit, Refusal, emits

CONVS = ("Conv1D", "Conv2D", "Conv3D")
CONV_TRANSPOSES = ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
GRID_MODES = {"bilinear": "linear", "bicubic": "cubic", "nearest": "nearest"}
PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}


def to_first(rank: int) -> list:
    return [0, rank - 1] + list(range(1, rank - 1))


def to_last(rank: int) -> list:
    return [0] + list(range(2, rank)) + [1]


def layout_op(e: Emit, op_type: str, extra_inputs=(), **attrs) -> None:
    """op_type on input 0 (plus extra inputs) in channels-first order, whatever the op's data_format (outputs
after the first are left as the op gives them)."""
    fmt = e.attrs.get("data_format", "NCHW")
    rank = e.rank(0)
    if not channels_last(fmt):
        e.out(op_type, [e.input(0), *extra_inputs], **attrs)
        return
    if rank is None:
        raise Refusal(f"data_format {fmt} needs the input rank, which is unknown")
    if rank <= 2:
        e.out(op_type, [e.input(0), *extra_inputs], **attrs)
        return
    x = e.transpose(e.input(0), to_first(rank))
    if len(e.outputs) == 1:
        y = e.one(op_type, [x, *extra_inputs], **attrs)
    else:  # outputs after the first (per-channel statistics) have no layout
        y = e.node(op_type, [x, *extra_inputs], [e.g.tmp(f"{e.op.name}_out")] + list(e.outputs[1:]), **attrs)[0]
    e.node("Transpose", [y], e.outputs[:1], perm=to_last(rank))


def window_attrs(e: Emit, *, dilations: bool = True) -> dict:
    attrs = {"strides": list(e.attrs["strides"]) or None, "auto_pad": e.attrs["auto_pad"] or "NOTSET"}
    if attrs["auto_pad"] == "NOTSET":
        attrs["pads"] = list(e.attrs["pads"]) or None
    if dilations:
        attrs["dilations"] = list(e.attrs["dilations"]) or None
    return attrs


def same_dtype_inputs(e: Emit, indices) -> list:
    return [e.as_dtype(i, e.dtype(0)) if e.has(i) else None for i in indices]


# ---- convolution and pooling ----------------------------------------------------------------------

@emits(*CONVS)
def conv(e: Emit):
    layout_op(e, "Conv", same_dtype_inputs(e, (1, 2)), group=int(e.attrs["groups"]), **window_attrs(e))


@emits(*CONV_TRANSPOSES)
def conv_transpose(e: Emit):
    attrs = window_attrs(e)
    attrs.update(group=int(e.attrs["groups"]), output_padding=list(e.attrs["output_padding"]) or None,
                 output_shape=list(e.attrs["output_shape"]) or None)
    layout_op(e, "ConvTranspose", same_dtype_inputs(e, (1, 2)), **attrs)


def pool_attrs(e: Emit) -> dict:
    attrs = window_attrs(e)
    attrs.update(kernel_shape=list(e.attrs["kernel_shape"]), ceil_mode=int(bool(e.attrs["ceil_mode"])))
    return attrs


@emits("MaxPool")
def max_pool(e: Emit):
    layout_op(e, "MaxPool", **pool_attrs(e))


@emits("MaxPoolWithArgmax")
def max_pool_with_argmax(e: Emit):
    """ONNX MaxPool's Indices flatten the channels-first input over all its axes; the index our op gives
    flattens x (in its own layout) over index_axes, so the coordinates are taken apart and put together again
    (static input shape needed unless the two agree)."""
    rank = e.known_rank(0, "MaxPoolWithArgmax")
    last = channels_last(e.attrs["data_format"]) and rank > 2
    x = e.transpose(e.input(0), to_first(rank)) if last else e.input(0)
    y, flat = e.node("MaxPool", [x], 2, **pool_attrs(e))
    axes = [int(a) % rank for a in e.attrs["index_axes"]] or list(range(rank))
    if last or axes != list(range(rank)):
        shape = e.static_shape(0, "MaxPoolWithArgmax with these index_axes")
        nchw_axis = [0, *range(2, rank), 1] if last else list(range(rank))   # x axis -> channels-first axis
        dims = [shape[nchw_axis.index(k)] for k in range(rank)]               # channels-first dims
        strides = [int(np.prod(dims[k + 1:], dtype=np.int64)) for k in range(rank)]
        index = None
        for a in axes:
            k = nchw_axis[a]
            coord = e.one("Mod", [e.one("Div", [flat, e.scalar(strides[k], DataType.DT_INT64)]),
                                  e.scalar(dims[k], DataType.DT_INT64)])
            index = coord if index is None else \
                e.one("Add", [e.one("Mul", [index, e.scalar(shape[a], DataType.DT_INT64)]), coord])
        flat = index
    if last:
        y, flat = e.transpose(y, to_last(rank)), e.transpose(flat, to_last(rank))
    e.node("Identity", [y], e.outputs[:1])
    e.node("Cast", [flat], e.outputs[1:2], to=onnx_type(int(e.attrs["index_dtype"])))


@emits("AvgPool")
def avg_pool(e: Emit):
    layout_op(e, "AveragePool", count_include_pad=int(bool(e.attrs["count_include_pad"])), **pool_attrs(e))


@emits("LpPool")
def lp_pool(e: Emit):
    layout_op(e, "LpPool", p=int(e.attrs["p"]), **pool_attrs(e))


@emits("GlobalAveragePool", "GlobalMaxPool")
def global_pool(e: Emit):
    layout_op(e, e.op.type)


@emits("GlobalLpPool")
def global_lp_pool(e: Emit):
    e.out("GlobalLpPool", [e.input(0)], p=int(e.attrs["p"]))


@emits("MaxUnpool")
def max_unpool(e: Emit):
    e.out("MaxUnpool", [e.input(0), e.int64(1), e.int64(2)], kernel_shape=list(e.attrs["kernel_shape"]),
          strides=list(e.attrs["strides"]) or None, pads=list(e.attrs["pads"]) or None)


# ---- normalisation --------------------------------------------------------------------------------

@emits("BatchNorm")
def batch_norm(e: Emit):
    layout_op(e, "BatchNormalization", [e.input(i) for i in range(1, 5)], epsilon=float(e.attrs["epsilon"]))


@emits("BatchNormTraining")
def batch_norm_training(e: Emit):
    layout_op(e, "BatchNormalization", [e.input(i) for i in range(1, 5)], epsilon=float(e.attrs["epsilon"]),
              momentum=float(e.attrs["momentum"]), training_mode=1)


@emits("InstanceNorm")
def instance_norm(e: Emit):
    layout_op(e, "InstanceNormalization", same_dtype_inputs(e, (1, 2)), epsilon=float(e.attrs["epsilon"]))


@emits("LayerNorm")
def layer_norm(e: Emit):
    e.out("LayerNormalization", [e.input(0), *same_dtype_inputs(e, (1, 2))], axis=int(e.attrs["axis"]),
          epsilon=float(e.attrs["epsilon"]))   # with stats, 3 outputs: Mean and InvStdDev in fp32 (stash_type 1)


def _per_channel(e: Emit, i: int, groups: int, channels: int) -> str:
    """GroupNormalization-21 wants scale/bias per channel: per-group constants are repeated."""
    v = e.value(i)
    if v is not None and np.asarray(v).size == groups and channels != groups:
        return e.const(np.repeat(np.asarray(v).reshape(-1), channels // groups).astype(np.asarray(v).dtype))
    if v is None and channels != groups and (e.shape(i) is None or e.shape(i) != (channels,)):
        raise Refusal("scale/bias given per group by a computed tensor (ONNX GroupNormalization-21 wants them "
                      "per channel)")
    return e.as_dtype(i, e.dtype(0))


@emits("GroupNorm")
def group_norm(e: Emit):
    shape = e.shape(0)
    fmt = e.attrs["data_format"]
    channels = None if shape is None else shape[-1 if channels_last(fmt) else 1]
    if channels is None or channels < 0:
        raise Refusal("the channel count is unknown")
    groups = int(e.attrs["num_groups"])
    extra = [_per_channel(e, i, groups, channels) for i in (1, 2)]
    layout_op(e, "GroupNormalization", extra, num_groups=groups, epsilon=float(e.attrs["epsilon"]))


@emits("LRN")
def lrn(e: Emit):
    if str(e.attrs["norm_region"]).upper() != "WITHIN_CHANNEL":
        layout_op(e, "LRN", size=int(e.attrs["size"]), alpha=float(e.attrs["alpha"]), beta=float(e.attrs["beta"]),
                  bias=float(e.attrs["bias"]))
        return
    # Caffe WITHIN_CHANNEL: x / (bias + alpha * mean of x^2 over a size x size window)^beta
    rank = e.known_rank(0, "LRN WITHIN_CHANNEL")
    if channels_last(e.attrs["data_format"]):
        raise Refusal("LRN WITHIN_CHANNEL in a channels-last layout")
    size = int(e.attrs["size"])
    begin, end = (size - 1) // 2, size - 1 - (size - 1) // 2
    n = rank - 2
    x = e.input(0)
    dt = e.dtype(0)
    mean = e.one("AveragePool", [e.one("Mul", [x, x])], kernel_shape=[size] * n, pads=[begin] * n + [end] * n,
                 count_include_pad=1)
    base = e.one("Add", [e.scalar(e.attrs["bias"], dt), e.one("Mul", [mean, e.scalar(e.attrs["alpha"], dt)])])
    e.out("Div", [x, e.one("Pow", [base, e.scalar(e.attrs["beta"], dt)])])


@emits("MeanVarianceNormalization")
def mean_variance_normalization(e: Emit):
    """(x - mean) / (sqrt(max(E[x^2] - mean^2, 0)) + epsilon), as the runtime computes it."""
    x, dt = e.input(0), e.dtype(0)
    axes = e.ints(e.attrs["axes"], "axes")
    mean = e.one("ReduceMean", [x, axes], keepdims=1)
    centered = e.one("Sub", [x, mean])
    if not e.attrs["normalize_variance"]:
        e.out("Identity", [centered])
        return
    var = e.one("Sub", [e.one("ReduceMean", [e.one("Mul", [x, x]), axes], keepdims=1), e.one("Mul", [mean, mean])])
    std = e.one("Sqrt", [e.one("Max", [var, e.scalar(0, dt)])])
    e.out("Div", [centered, e.one("Add", [std, e.scalar(e.attrs["epsilon"], dt)])])


@emits("LpNormalization")
def lp_normalization(e: Emit):
    e.out("LpNormalization", [e.input(0)], axis=int(e.attrs["axis"]), p=int(e.attrs["p"]))


@emits("RmsNorm")
def rms_norm(e: Emit):
    """x / sqrt(mean(x^2 over axes axis..) + epsilon) * scale (RMSNormalization needs opset 23)."""
    rank = e.known_rank(0, "RmsNorm")
    x, dt = e.input(0), e.dtype(0)
    axes = e.ints(range(int(e.attrs["axis"]) % rank, rank), "axes")
    ms = e.one("ReduceMean", [e.one("Mul", [x, x]), axes], keepdims=1)
    rms = e.one("Sqrt", [e.one("Add", [ms, e.scalar(e.attrs["epsilon"], dt)])])
    e.out("Mul", [e.one("Div", [x, rms]), e.as_dtype(1, dt)])


# ---- matrix products --------------------------------------------------------------------------------

def swap_last(e: Emit, i: int, flag: bool) -> str:
    if not flag or e.rank(i) == 1:
        return e.input(i)
    rank = e.known_rank(i, "a transposed matmul operand")
    return e.transpose(e.input(i), list(range(rank - 2)) + [rank - 1, rank - 2])


@emits("MatMulV2")
def matmul_v2(e: Emit):
    ta, tb = bool(e.attrs["transpose_x1"]), bool(e.attrs["transpose_x2"])
    bias = e.as_dtype(2, e.dtype(0)) if e.has(2) else None
    if e.rank(0) == 2 and e.rank(1) == 2 and e.dtype(0) in (DataType.DT_FLOAT, DataType.DT_DOUBLE):
        e.out("Gemm", [e.input(0), e.as_dtype(1, e.dtype(0)), bias], transA=int(ta), transB=int(tb))
        return
    product = [swap_last(e, 0, ta), swap_last(e, 1, tb)]
    if bias is None:
        e.out("MatMul", product)
    else:
        e.out("Add", [e.one("MatMul", product), bias])


@emits("BatchMatMulV2")
def batch_matmul_v2(e: Emit):
    e.out("MatMul", [swap_last(e, 0, bool(e.attrs["adj_x1"])), swap_last(e, 1, bool(e.attrs["adj_x2"]))])


# ---- pad, resize, space <-> depth ------------------------------------------------------------------

def symmetric_pad(e: Emit) -> None:
    """TF MirrorPad SYMMETRIC (the edge repeated): reversed slices concatenated on each padded axis."""
    rank = e.known_rank(0, "symmetric padding")
    pads = e.value(1)
    if pads is None:
        raise Refusal("symmetric padding by amounts computed at run time")
    pads = [int(p) for p in np.asarray(pads).reshape(-1)]
    axes = [int(a) % rank for a in e.attrs["axes"]] or list(range(rank))
    if any(p < 0 for p in pads):
        raise Refusal("symmetric padding with negative amounts")
    y = e.input(0)
    lowest = np.iinfo(np.int64).min
    for k, axis in enumerate(axes):
        begin, end = pads[k], pads[len(axes) + k]
        parts = []
        if begin:
            parts.append(e.one("Slice", [y, e.ints([begin - 1]), e.ints([lowest]), e.ints([axis]), e.ints([-1])]))
        parts.append(y)
        if end:
            parts.append(e.one("Slice", [y, e.ints([-1]), e.ints([-end - 1]), e.ints([axis]), e.ints([-1])]))
        if len(parts) > 1:
            y = e.one("Concat", parts, axis=axis)
    e.out("Identity", [y])


@emits("PadV3")
def pad(e: Emit):
    if str(e.attrs["mode"]).lower() == "symmetric":
        symmetric_pad(e)
        return
    mode = PAD_MODES.get(str(e.attrs["mode"]).lower())
    if mode is None:
        raise Refusal(f"pad mode '{e.attrs['mode']}' has no ONNX Pad mode")
    value = None
    if e.has(2):
        v = e.value(2)
        if v is not None:
            value = None if np.asarray(v).size == 0 else e.scalar(np.asarray(v).reshape(-1)[0], e.dtype(0))
        else:
            value = e.one("Reshape", [e.as_dtype(2, e.dtype(0)), e.ints([], "scalar_shape")])
    pads = e.value(1)
    pads = e.ints(np.asarray(pads).reshape(-1), "pads") if pads is not None else \
        e.one("Reshape", [e.int64(1), e.ints([-1], "flat")])
    e.out("Pad", [e.input(0), pads, value, e.axes(3)], mode=mode)


def _nearest_mode(e: Emit, rank: int) -> str:
    """Upsample's "simple" rounding (ceil on shrinking axes, floor on growing ones) as one ONNX mode."""
    mode = str(e.attrs["nearest_mode"])
    if mode != "simple":
        return mode
    scales = e.value(2)
    if scales is None or np.asarray(scales).size == 0:
        sizes, shape = e.value(3), e.shape(0)
        if sizes is None or shape is None or len(shape) != np.asarray(sizes).size or min(shape) < 0:
            raise Refusal("nearest rounding 'simple' with scales known only at run time")
        scales = np.asarray(sizes, np.float64) / np.maximum(np.asarray(shape, np.float64), 1)
    scales = np.asarray(scales, np.float64).reshape(-1)
    if np.all(scales >= 1):
        return "floor"
    if np.all(scales <= 1):
        return "ceil"
    raise Refusal("nearest rounding 'simple' on a resize that grows some axes and shrinks others")


def _resize_axes(e: Emit, rank: int, given: list):
    """The axes (of the channels-first view) roi/scales/sizes refer to: the axes attr, the spatial axes when
    they hold rank - 2 values, else None (all axes)."""
    if e.attrs["axes"]:
        return [int(a) % rank for a in e.attrs["axes"]]
    lengths = [np.asarray(e.value(i)).size if e.value(i) is not None else
               (e.shape(i)[0] if e.shape(i) and len(e.shape(i)) == 1 else None) for i in given[1:] if i]
    lengths = [n for n in lengths if n]
    if rank > 2 and lengths and lengths[0] == rank - 2:
        return list(range(2, rank))
    return None


def _actual_axis(a: int, rank: int, last: bool) -> int:
    """Where axis a of the channels-first view sits in the tensor (channels-last: C is the last axis)."""
    if not last:
        return a
    return 0 if a == 0 else (rank - 1 if a == 1 else a - 1)


def _full_rank(e: Emit, i: int, positions: list, default, rank: int, dtype: int, pairs: bool = False) -> str:
    """Input i (values for ``positions``) spread over every axis, the others at ``default`` (for roi:
    [starts..., ends...], default (0, 1)); a constant stays a constant, a computed one is scattered."""
    where = positions + [rank + p for p in positions] if pairs else positions
    v = e.value(i)
    if v is not None:
        full = np.asarray(default, np.float64).copy()
        full[where] = np.asarray(v, np.float64).reshape(-1)
        return e.const(full.astype(np.int64 if dtype == DataType.DT_INT64 else np.float32), hint=f"in{i}")
    base = e.const(np.asarray(default).astype(np.int64 if dtype == DataType.DT_INT64 else np.float32), hint="base")
    if dtype == DataType.DT_INT64 and v is None and e.shape(0) is not None and not e.desc(0).is_static:
        base = e.one("Shape", [e.input(0)])
    return e.one("ScatterElements", [base, e.ints(where, "where"), e.as_dtype(i, dtype)], axis=0)


def _spatial_values(e: Emit, i: int, axes, rank: int, dtype: int) -> str:
    """The values of input i for the two spatial axes only."""
    name = e.as_dtype(i, dtype)
    if axes is not None:
        return name
    # given for all axes (channels-first view): keep the spatial ones (roi: [starts..., ends...])
    keep = [2, 3, rank + 2, rank + 3] if i == 1 else [2, 3]
    return e.one("Gather", [name, e.ints(keep, "spatial")], axis=0)


def _cubic_channels_last(e: Emit, rank: int, given: list, axes, attrs: dict) -> None:
    """Cubic resize of an NHWC tensor, as onnxruntime can run it: channels-first with N and C merged into one
    axis (so that its transpose optimizer cannot move the resize back to NHWC, where onnxruntime's cubic
    cannot shrink)."""
    if rank != 4 or (axes is not None and sorted(axes) != [2, 3]):
        raise Refusal("cubic resize of a channels-last tensor other than over H and W of NHWC")
    x = e.transpose(e.input(0), to_first(rank))
    merged = e.one("Reshape", [x, e.ints([-1, 1, 0, 0], "merged")])
    inputs = [None, None, None]
    if given[0] is not None:
        roi = e.one("Reshape", [_spatial_values(e, 1, axes, rank, DataType.DT_FLOAT), e.ints([2, 2], "pairs")])
        inputs[0] = e.one("Concat", [e.const(np.array([[0, 0], [1, 1]], np.float32), hint="nc_roi"), roi], axis=1)
        inputs[0] = e.one("Reshape", [inputs[0], e.ints([-1], "flat")])
    if given[1] is not None:
        inputs[1] = e.one("Concat", [e.const(np.ones(2, np.float32), hint="nc_scales"),
                                     _spatial_values(e, 2, axes, rank, DataType.DT_FLOAT)], axis=0)
    if given[2] is not None:
        lead = e.one("Shape", [merged], end=2)
        inputs[2] = e.one("Concat", [lead, _spatial_values(e, 3, axes, rank, DataType.DT_INT64)], axis=0)
    y = e.one("Resize", [merged, *inputs], **attrs)
    out_shape = e.one("Concat", [e.one("Shape", [x], end=2), e.one("Shape", [y], start=2)], axis=0)
    e.node("Transpose", [e.one("Reshape", [y, out_shape])], e.outputs, perm=to_last(rank))


@emits("Resize")
def resize(e: Emit):
    """ONNX Resize on the tensor as it is (channels-last too), with roi/scales/sizes spread over every axis
    (onnxruntime's transpose optimizer mishandles Resize's axes attribute, so it is only used with a
    keep_aspect_ratio_policy). Cubic on channels-last runs channels-first, where onnxruntime supports it."""
    rank = e.known_rank(0, "Resize")
    given = [i if e.has(i) and (e.value(i) is None or np.asarray(e.value(i)).size) else None for i in (1, 2, 3)]
    attrs = {"mode": str(e.attrs["mode"]), "coordinate_transformation_mode": str(e.attrs["coordinate_transformation_mode"]),
             "nearest_mode": _nearest_mode(e, rank), "cubic_coeff_a": float(e.attrs["cubic_coeff_a"]),
             "exclude_outside": int(bool(e.attrs["exclude_outside"])),
             "extrapolation_value": float(e.attrs["extrapolation_value"]),
             "keep_aspect_ratio_policy": str(e.attrs["keep_aspect_ratio_policy"]),
             "antialias": 1 if e.attrs["antialias"] and e.attrs["mode"] != "nearest" else None}
    axes = _resize_axes(e, rank, given)
    last = channels_last(e.attrs["data_format"]) and rank > 2
    if attrs["mode"] == "cubic" and last and attrs["keep_aspect_ratio_policy"] == "stretch":
        _cubic_channels_last(e, rank, given, axes, attrs)
        return
    if attrs["keep_aspect_ratio_policy"] != "stretch":
        inputs = [None if given[0] is None else e.as_dtype(1, DataType.DT_FLOAT),
                  None if given[1] is None else e.as_dtype(2, DataType.DT_FLOAT),
                  None if given[2] is None else e.int64(3)]
        layout_op(e, "Resize", inputs, axes=axes, **attrs)
        return
    positions = [_actual_axis(a, rank, last) for a in (axes if axes is not None else range(rank))]
    shape = e.shape(0)
    inputs = [None, None, None]
    if given[0] is not None:
        inputs[0] = _full_rank(e, 1, positions, [0.0] * rank + [1.0] * rank, rank, DataType.DT_FLOAT, pairs=True)
    if given[1] is not None:
        inputs[1] = _full_rank(e, 2, positions, [1.0] * rank, rank, DataType.DT_FLOAT)
    if given[2] is not None:
        known = shape is not None and all(d >= 0 for d in shape)
        if not known and e.value(3) is not None:
            base = e.one("Shape", [e.input(0)])
            inputs[2] = e.one("ScatterElements", [base, e.ints(positions, "where"), e.int64(3)], axis=0)
        else:
            inputs[2] = _full_rank(e, 3, positions, list(shape) if known else [0] * rank, rank, DataType.DT_INT64)
    e.out("Resize", [e.input(0), *inputs], **attrs)


@emits("DepthToSpace")
def depth_to_space(e: Emit):
    layout_op(e, "DepthToSpace", blocksize=int(e.attrs["blocksize"]), mode=str(e.attrs["mode"]).upper())


@emits("SpaceToDepth")
def space_to_depth(e: Emit):
    if str(e.attrs["mode"]).upper() != "DCR":
        raise Refusal(f"SpaceToDepth mode {e.attrs['mode']} (ONNX has DCR only)")
    layout_op(e, "SpaceToDepth", blocksize=int(e.attrs["blocksize"]))


@emits("GridSample")
def grid_sample(e: Emit):
    e.out("GridSample", [e.input(0), e.as_dtype(1, e.dtype(0))], mode=GRID_MODES[e.attrs["mode"]],
          padding_mode=str(e.attrs["padding_mode"]), align_corners=int(bool(e.attrs["align_corners"])))


@emits("Col2Im")
def col2im(e: Emit):
    e.out("Col2Im", [e.input(0), e.int64(1), e.int64(2)], dilations=list(e.attrs["dilations"]) or None,
          pads=list(e.attrs["pads"]) or None, strides=list(e.attrs["strides"]) or None)


@emits("Attention", opset=23)
def attention(e: Emit):
    scale = e.attrs.get("scale")
    e.out("Attention", e.inputs, is_causal=int(bool(e.attrs["is_causal"])),
          kv_num_heads=int(e.attrs["kv_num_heads"]) or None, q_num_heads=int(e.attrs["q_num_heads"]) or None,
          qk_matmul_output_mode=int(e.attrs["qk_matmul_output_mode"]),
          scale=None if scale is None else float(scale), softcap=float(e.attrs["softcap"]),
          softmax_precision=11 if e.attrs["softmax_double"] else None, **_attention_windows(e))


def _attention_windows(e: Emit) -> dict:
    """Sliding-window bounds (Attention-25), only when set."""
    windows = {k: int(e.attrs[k]) for k in ("left_window_size", "right_window_size") if int(e.attrs[k]) >= 0}
    if windows:
        e.needs_opset(25)
    return windows


@emits("RotaryEmbedding", opset=23)
def rotary_embedding(e: Emit):
    e.out("RotaryEmbedding", [e.input(0), e.input(1), e.input(2), e.int64(3) if e.has(3) else None],
          interleaved=int(bool(e.attrs["interleaved"])), num_heads=int(e.attrs["num_heads"]) or None,
          rotary_embedding_dim=int(e.attrs["rotary_embedding_dim"]) or None)


@emits("AffineGrid")
def affine_grid(e: Emit):
    e.out("AffineGrid", [e.input(0), e.int64(1)], align_corners=int(bool(e.attrs["align_corners"])))


@emits("TensorScatter", opset=24)
def tensor_scatter(e: Emit):
    e.out("TensorScatter", [e.input(0), e.as_dtype(1, e.dtype(0)), e.int64(2)], axis=int(e.attrs["axis"]),
          mode=str(e.attrs["mode"]))


@emits("DeformConv")
def deform_conv(e: Emit):
    a = e.attrs
    e.out("DeformConv", [e.input(0), *same_dtype_inputs(e, (1, 2, 3, 4))], group=int(a["group"]),
          offset_group=int(a["offset_group"]), **{k: list(a[k]) or None for k in
                                                  ("kernel_shape", "strides", "dilations", "pads")})
