"""GE tensor ops: reshapes, transposes, concat/split, slicing, gathers, padding, tiling, reductions and
arg-reductions, both the static ``...D`` variants (values as attributes) and the ones reading the values as
constant inputs."""
from __future__ import annotations

import numpy as np

from ..ir import DataType
from .registry import MapContext, ge_attr_dtype, ge_op

INT64 = np.int64
RESHAPES = ("Reshape", "Squeeze", "SqueezeV2", "SqueezeV3", "Unsqueeze", "UnsqueezeV2", "UnsqueezeV3", "ExpandDims",
            "Flatten", "FlattenV2", "ReshapeD", "ExpandDimsD")


@ge_op(*RESHAPES, inputs=(1, 2))
def reshape(ctx: MapContext):
    """Any reshape: the output descriptor holds the resulting shape; where it is not static (or no longer
    holds, the input shapes having changed) the op's own shape/axes are used."""
    shape = ctx.out_shape(0) if ctx.declared_shapes else None
    if shape is None or any(d < 0 for d in shape):
        own = _own_reshape(ctx)
        if own is not None:
            return own
        raise ctx.fail("the output shape is not static")
    return ctx.add("Reshape", [ctx.input(0), ctx.const(np.asarray(shape, INT64), "shape")])


def _ints(value) -> list:
    return [int(v) for v in np.asarray(value).reshape(-1)]


def _own_reshape(ctx: MapContext):
    """A reshape by the op's own target (TensorFlow's rules: -1 inferred), or None when it has none."""
    t = ctx.type
    if t in ("Reshape", "ReshapeD"):
        target = ctx.value(1) if t == "Reshape" else ctx.attr("shape")
        if target is None:
            return ctx.add("Reshape", ctx.inputs[:2], {"allowzero": 1}) if ctx.input(1) is not None else None
        return ctx.add("Reshape", [ctx.input(0), ctx.const(np.asarray(_ints(target), INT64), "shape")],
                       {"allowzero": 1})
    if t in ("Squeeze", "SqueezeV2", "SqueezeV3"):
        axes = ctx.value(1) if t == "SqueezeV3" else ctx.attr("axis", ctx.attr("axes", []))
        return ctx.add("Squeeze", [ctx.input(0)], {"axes": [ctx.axis(a, ctx.rank(0)) for a in _ints(axes or [])]})
    if t in ("Unsqueeze", "UnsqueezeV2", "UnsqueezeV3", "ExpandDims", "ExpandDimsD"):
        axes = ctx.value(1) if t in ("UnsqueezeV3", "ExpandDims") else ctx.attr("axes", ctx.attr("axis"))
        if axes is None:
            return None
        axes = _ints(axes)
        return ctx.add("Unsqueeze", [ctx.input(0)], {"axes": [ctx.axis(a, ctx.rank(0) + len(axes)) for a in axes]})
    if t == "Flatten":       # ONNX's Flatten: dims before axis, and from axis on, each merged into one
        return ctx.add("Flatten", [ctx.input(0)], {"axis": ctx.axis(ctx.attr("axis", 1), ctx.rank(0) + 1)})
    if t == "FlattenV2":     # Caffe's: dims axis..end_axis merged into one, the others kept
        rank = ctx.rank(0)
        axis, end = ctx.axis(ctx.attr("axis", 1), rank), ctx.axis(ctx.attr("end_axis", -1), rank)
        target = [0] * axis + [-1] + [0] * (rank - end - 1)
        return ctx.add("Reshape", [ctx.input(0), ctx.const(np.asarray(target, INT64), "shape")])
    return None


PLAIN_4D = ("NCHW", "NHWC", "HWCN", "CHWN")


@ge_op("TransposeD", "Transpose", inputs=(1, 2))
def transpose(ctx: MapContext):
    """Permute the dims by ``perm`` (attribute, or constant input 1). A transpose GE inserted only to change
    the layout (its output keeps the input's origin shape and format) is nothing in origin layout."""
    perm = ctx.attr("perm") if ctx.type == "TransposeD" else ctx.require_value(1, "perm").reshape(-1).tolist()
    perm = [int(p) for p in perm]
    src = ctx.op.input_descs[0]
    dst = ctx.op.outputs[0] if ctx.op.outputs else None
    if (src is not None and dst is not None and src.format != dst.format and src.format in PLAIN_4D
            and dst.format in PLAIN_4D and ctx.fmt(0) == ctx.out_format(0)
            and tuple(ctx.shape(0) or ()) == tuple(ctx.out_shape(0) or ())):
        return [ctx.input(0)]
    return ctx.add("Transpose", [ctx.input(0)], {"perm": perm})


@ge_op("ConcatV2D", "ConcatD", "ConcatV2", "Concat", "ConcatV3", inputs=(1, 256))
def concat(ctx: MapContext):
    """Join along concat_dim (ConcatV2: axis is the last input; Concat: the first)."""
    xs = list(ctx.present())
    if ctx.type in ("ConcatV2D", "ConcatD"):
        axis = ctx.require("concat_dim")
    elif ctx.type == "Concat":
        axis, xs = int(ctx.require_value(0, "concat_dim").reshape(-1)[0]), xs[1:]
    else:
        axis, xs = int(ctx.require_value(len(xs) - 1, "axis").reshape(-1)[0]), xs[:-1]
    rank = len(ctx.shape_of(xs[0]))
    return ctx.add("ConcatD", xs, {"concat_dim": ctx.axis(axis, rank)})


@ge_op("Pack", inputs=(1, 256))
def pack(ctx: MapContext):
    """Stack the inputs along a new axis."""
    xs = ctx.present()
    rank = len(ctx.shape_of(xs[0])) + 1
    axis = ctx.axis(ctx.attr("axis", 0), rank)
    parts = [ctx.add("Unsqueeze", [x], {"axes": [axis]}, suffix=f"expand{k}")[0] for k, x in enumerate(xs)]
    return ctx.add("ConcatD", parts, {"concat_dim": axis})


@ge_op("Unpack", inputs=(1, 1))
def unpack(ctx: MapContext):
    """Split along axis into single slices and drop that axis."""
    rank = ctx.rank(0)
    axis = ctx.axis(ctx.attr("axis", 0), rank)
    num = int(ctx.attr("num", ctx.shape(0)[axis]))
    parts = ctx.add("Split", [ctx.input(0)], {"axis": axis, "num_split": num}, n_out=num, suffix="split")
    return [ctx.add("Squeeze", [p], {"axes": [axis]}, suffix=f"squeeze{k}")[0] for k, p in enumerate(parts)]


@ge_op("SplitD", "SplitVD", "Split", "SplitV", inputs=(1, 3))
def split(ctx: MapContext):
    """Split along split_dim into num_split equal parts (SplitD) or the given sizes (SplitVD)."""
    n_out = len(ctx.op.outputs)
    if ctx.type == "SplitD":
        x, axis, sizes = ctx.input(0), ctx.require("split_dim"), []
    elif ctx.type == "SplitVD":
        x, axis, sizes = ctx.input(0), ctx.require("split_dim"), [int(s) for s in ctx.require("size_splits")]
    elif ctx.type == "Split":
        x, axis, sizes = ctx.input(1), int(ctx.require_value(0, "split_dim").reshape(-1)[0]), []
    else:
        x = ctx.input(0)
        sizes = [int(s) for s in ctx.require_value(1, "size_splits").reshape(-1)]
        axis = int(ctx.require_value(2, "split_dim").reshape(-1)[0])
    rank = len(ctx.shape_of(x))
    axis = ctx.axis(axis, rank)
    if -1 in sizes:
        total = ctx.shape_of(x)[axis]
        sizes[sizes.index(-1)] = total - (sum(sizes) + 1)
    attrs = {"axis": axis, "split": sizes} if sizes else {"axis": axis, "num_split": n_out}
    return ctx.add("Split", [x], attrs, n_out=n_out)


MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


@ge_op("StridedSliceD", "StridedSlice", "StridedSliceV2", inputs=(1, 5))
def strided_slice(ctx: MapContext):
    """TensorFlow's StridedSlice with its five masks (begin/end/strides as attributes for the D variant)."""
    if ctx.type == "StridedSliceD":
        begin, end, strides = (np.asarray(ctx.require(k), INT64) for k in ("begin", "end", "strides"))
    else:
        begin, end = ctx.require_value(1, "begin"), ctx.require_value(2, "end")
        strides = ctx.value(3) if ctx.input(3) is not None else np.ones_like(begin)
    refs = [ctx.const(np.asarray(v, INT64).reshape(-1), name) for v, name in
            ((begin, "begin"), (end, "end"), (strides, "strides"))]
    attrs = {m: int(ctx.attr(m, 0)) for m in MASKS}
    return ctx.add("StridedSlice", [ctx.input(0)] + refs, attrs)


@ge_op("SliceD", "Slice", inputs=(1, 3))
def slice_(ctx: MapContext):
    """x[offsets : offsets + size] per dim (size -1: to the end)."""
    if ctx.type == "SliceD":
        offsets, size = np.asarray(ctx.require("offsets"), INT64), np.asarray(ctx.require("size"), INT64)
    else:
        offsets = ctx.require_value(1, "offsets").astype(INT64).reshape(-1)
        size = ctx.require_value(2, "size").astype(INT64).reshape(-1)
    ends = np.where(size < 0, np.iinfo(INT64).max, offsets + size)
    return ctx.add("Slice", [ctx.input(0), ctx.const(offsets, "starts"), ctx.const(ends, "ends")])


@ge_op("GatherV2D", "GatherV2", "Gather", inputs=(2, 3))
def gather(ctx: MapContext):
    """Take entries of x along axis (attribute for the D variant, input 2 for GatherV2)."""
    if ctx.type == "GatherV2D":
        axis = ctx.attr("axis", 0)
    elif ctx.type == "GatherV2":
        axis = int(ctx.require_value(2, "axis").reshape(-1)[0])
    else:
        axis = 0
    axis = ctx.axis(axis, ctx.rank(0))
    return ctx.add("GatherV2", ctx.inputs[:2], {"axis": axis})


@ge_op("GatherNd", inputs=(2, 2))
def gather_nd(ctx: MapContext):
    """Index tuples in the last dim of indices pick slices of x."""
    return ctx.add("GatherND", ctx.inputs[:2], {"batch_dims": 0})


@ge_op("PadD", "Pad", "PadV2", "PadV3", "PadV3D", "MirrorPad", inputs=(1, 3))
def pad(ctx: MapContext):
    """Pad with [[begin, end], ...] per dim: constant (Pad/PadD/PadV2/PadV3 constant mode) or mirrored."""
    if ctx.type in ("PadD", "PadV3D"):
        paddings = np.asarray(ctx.require("paddings"), INT64).reshape(-1, 2)
    else:
        paddings = ctx.require_value(1, "paddings").astype(INT64).reshape(-1, 2)
    if ctx.type == "PadV3" and ctx.attr("paddings_contiguous", True) is False:
        paddings = paddings.reshape(-1).reshape(2, -1).T
    mode = str(ctx.attr("mode", "constant")).lower()
    mode = {"symmetric": "symmetric", "reflect": "reflect", "edge": "edge"}.get(mode, "constant")
    pads = ctx.const(np.concatenate([paddings[:, 0], paddings[:, 1]]), "pads")
    inputs = [ctx.input(0), pads]
    if ctx.type == "PadV3D" and ctx.has_attr("constant_values"):
        inputs.append(ctx.const(np.asarray(ctx.attr("constant_values"), ctx.np_dtype(0)),
                                "value"))
    elif ctx.type in ("PadV2", "PadV3") and ctx.input(2) is not None:
        inputs.append(ctx.input(2))
    return ctx.add("PadV3", inputs, {"mode": mode})


@ge_op("TileD", "Tile", inputs=(1, 2))
def tile(ctx: MapContext):
    """Repeat x ``multiples`` times per dim."""
    if ctx.type == "TileD":
        multiples = ctx.const(np.asarray(ctx.require("multiples"), INT64), "multiples")
    else:
        multiples = ctx.const(ctx.require_value(1, "multiples").astype(INT64).reshape(-1), "multiples")
    return ctx.add("Tile", [ctx.input(0), multiples])


@ge_op("BroadcastToD", "BroadcastTo", "ExpandD", "Expand", inputs=(1, 2))
def broadcast_to(ctx: MapContext):
    """x broadcast to ``shape``."""
    shape = ctx.attr("shape") if ctx.type in ("BroadcastToD", "ExpandD") else ctx.require_value(1, "shape")
    return ctx.add("BroadcastTo", [ctx.input(0), ctx.const(np.asarray(shape, INT64).reshape(-1), "shape")])


@ge_op("FillD", "Fill", inputs=(1, 2))
def fill(ctx: MapContext):
    """A tensor of ``dims`` filled with value (FillD: value is input 0, dims an attribute)."""
    if ctx.type == "FillD":
        value, dims = ctx.input(0), np.asarray(ctx.require("dims"), INT64)
    else:
        value, dims = ctx.input(1), ctx.require_value(0, "dims").astype(INT64).reshape(-1)
    return ctx.add("BroadcastTo", [value, ctx.const(dims, "dims")])


REDUCTIONS = {"ReduceMax": "ReduceMax", "ReduceMin": "ReduceMin", "ReduceSum": "ReduceSum",
              "ReduceMean": "ReduceMean", "ReduceProd": "ReduceProd", "ReduceAll": "ReduceMin",
              "ReduceAny": "ReduceMax", "ReduceLogSumExp": "ReduceLogSumExp"}


@ge_op(*REDUCTIONS, *(t + "D" for t in REDUCTIONS), inputs=(1, 2))
def reduce(ctx: MapContext):
    """Reduce over ``axes`` (attribute for the D variant, constant input 1 otherwise); keep_dims keeps them."""
    base = ctx.type[:-1] if ctx.type.endswith("D") and ctx.type[:-1] in REDUCTIONS else ctx.type
    axes = ctx.require("axes") if ctx.type != base else ctx.require_value(1, "axes").reshape(-1).tolist()
    rank = ctx.rank(0)
    axes = [ctx.axis(a, rank) for a in (axes if isinstance(axes, list) else [axes])]
    if not axes:
        axes = list(range(rank))
    x = ctx.input(0)
    if base in ("ReduceAll", "ReduceAny"):
        x = ctx.add("Cast", [x], {"dst_type": int(DataType.DT_UINT8)}, suffix="as_int")[0]
    y = ctx.add(REDUCTIONS[base], [x], {"axes": axes, "keepdims": bool(ctx.attr("keep_dims", False))})
    if base in ("ReduceAll", "ReduceAny"):
        y = ctx.add("Cast", y, {"dst_type": int(DataType.DT_BOOL)}, suffix="as_bool")
    return y


@ge_op("ArgMaxD", "ArgMaxV2", "ArgMinD", "ArgMin", "ArgMax", inputs=(1, 2))
def arg_reduce(ctx: MapContext):
    """Index of the largest (smallest) entry along ``dimension``; the axis is dropped."""
    canonical = "ArgMax" if ctx.type.startswith("ArgMax") else "ArgMin"
    if ctx.type.endswith("D"):
        dim = ctx.require("dimension")
    else:
        dim = int(ctx.require_value(1, "dimension").reshape(-1)[0])
    idx = ctx.add(canonical, [ctx.input(0)], {"axis": ctx.axis(dim, ctx.rank(0)), "keepdims": False})
    dtype = ctx.attr("dtype", ctx.attr("output_type"))
    want = ge_attr_dtype(dtype, ctx.name) if isinstance(dtype, int) else ctx.out_dtype(0)
    return ctx.add("Cast", idx, {"dst_type": int(want)}, suffix="index_type")


@ge_op("Shape", "ShapeN", "Size", "Rank", inputs=(1, 64))
def shape_of(ctx: MapContext):
    """Shape (or size, or rank) of static inputs, as constants of the output dtype."""
    outs = []
    for k, ref in enumerate(ctx.present()):
        shape = ctx.shape_of(ref)
        if shape is None or any(d < 0 for d in shape):
            raise ctx.fail("the input shape is not static")
        value = {"Size": int(np.prod(shape, dtype=INT64)), "Rank": len(shape)}.get(ctx.type, list(shape))
        outs.append(ctx.const(np.asarray(value, ctx.out_np_dtype(k)), f"value{k}"))
        if ctx.type != "ShapeN":
            break
    return outs


@ge_op("SpaceToDepth", "DepthToSpace", inputs=(1, 1))
def depth_space(ctx: MapContext):
    """Move block_size x block_size spatial blocks into channels (and back); TF's DCR order."""
    fmt = str(ctx.attr("data_format", ctx.fmt(0))).upper()
    attrs = {"blocksize": int(ctx.require("block_size")), "mode": str(ctx.attr("mode", "DCR")).upper(),
             "data_format": fmt if fmt in ("NCHW", "NHWC") else "NHWC"}
    return ctx.add(ctx.type, [ctx.input(0)], attrs)


@ge_op("ReverseV2D", "ReverseV2", inputs=(1, 2))
def reverse(ctx: MapContext):
    """Reverse the given axes."""
    axes = ctx.attr("axis") if ctx.type == "ReverseV2D" else ctx.require_value(1, "axis").reshape(-1).tolist()
    rank = ctx.rank(0)
    x = ctx.input(0)
    for a in axes:
        a = ctx.axis(a, rank)
        x = ctx.add("Slice", [x, ctx.const(np.asarray([-1], INT64), f"start{a}"),
                              ctx.const(np.asarray([np.iinfo(INT64).min], INT64), f"end{a}"),
                              ctx.const(np.asarray([a], INT64), f"axis{a}"),
                              ctx.const(np.asarray([-1], INT64), f"step{a}")], suffix=f"reverse{a}")[0]
    return [x]


@ge_op("OneHotD", "OneHot", inputs=(1, 4))
def one_hot(ctx: MapContext):
    """indices -> a new depth-long axis holding on_value at the index, off_value elsewhere."""
    if ctx.type == "OneHotD":
        depth, on, off = ctx.require("depth"), ctx.input(1), ctx.input(2)
    else:
        depth, on, off = int(ctx.require_value(1, "depth").reshape(-1)[0]), ctx.input(2), ctx.input(3)
    values = ctx.add("ConcatD", [ctx.add("Reshape", [r, ctx.const(np.asarray([1], INT64), f"one{k}")],
                                         suffix=f"value{k}")[0] for k, r in enumerate((off, on))],
                     {"concat_dim": 0}, suffix="values")[0]
    depth_ref = ctx.const(np.asarray(depth, INT64), "depth")
    return ctx.add("OneHot", [ctx.input(0), depth_ref, values], {"axis": int(ctx.attr("axis", -1))})


# ---- HiAI IR (the Kirin converter's op types, in HiAI .om files) ------------------------------------

@ge_op("CastT", inputs=(1, 1))
def hiai_cast(ctx: MapContext):
    """HiAI CastT: cast to dst_dtype (GE's attribute numbering)."""
    dst = ctx.attr("dst_dtype")
    dtype = ge_attr_dtype(dst, ctx.name) if dst is not None else ctx.out_dtype(0)
    return ctx.add("Cast", [ctx.input(0)], {"dst_type": int(dtype)})


@ge_op("Permute", inputs=(1, 1))
def hiai_permute(ctx: MapContext):
    """HiAI Permute: transpose by ``order``."""
    return ctx.add("Transpose", [ctx.input(0)], {"perm": [int(p) for p in ctx.require("order")]})
