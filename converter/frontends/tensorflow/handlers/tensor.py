"""TF handlers for shape and data movement: Reshape, Squeeze, ExpandDims, Transpose, Concat, Pack,
Unpack, Split/SplitV, Slice, Pad/PadV2/MirrorPad, Shape, Size, Fill, Range, Tile, Gather, BroadcastTo,
Zeros/OnesLike, OneHot and ReverseV2."""
from __future__ import annotations

import numpy as np

from ....ir import DataType
from ..registry import NodeContext, tf_op
from ._util import INT64_MAX, dtype_attr, int64
from .math import cast_index


@tf_op("Reshape", inputs=2)
def reshape(ctx: NodeContext):
    """TF has no "0 copies the input dim" rule, hence allowzero."""
    shape = ctx.value(1)
    target = ctx.const(int64(shape).reshape(-1), "shape") if shape is not None else ctx.input(1)
    return ctx.op("Reshape", [ctx.input(0), target], {"allowzero": 1})


@tf_op("Squeeze", inputs=1)
def squeeze(ctx: NodeContext):
    return ctx.op("Squeeze", ctx.inputs[:1], {"axes": [int(a) for a in ctx.attr("squeeze_dims", [])]})


@tf_op("ExpandDims", inputs=2)
def expand_dims(ctx: NodeContext):
    return ctx.op("Unsqueeze", ctx.inputs[:1], {"axes": [ctx.require_int(1, "axis")]})


@tf_op("Transpose", inputs=2)
def transpose(ctx: NodeContext):
    perm = ctx.require_value(1, "perm")
    return ctx.op("Transpose", ctx.inputs[:1], {"perm": [int(p) for p in np.asarray(perm).reshape(-1)]})


@tf_op("ConcatV2", "Concat", inputs=2)
def concat(ctx: NodeContext):
    """ConcatV2(values..., axis); the old Concat(axis, values...)."""
    if ctx.op_type == "Concat":
        axis, values = ctx.require_int(0, "concat_dim"), ctx.inputs[1:]
    else:
        axis, values = ctx.require_int(len(ctx.inputs) - 1, "axis"), ctx.inputs[:-1]
    return ctx.op("ConcatD", values, {"concat_dim": axis})


@tf_op("Pack", inputs=1)
def pack(ctx: NodeContext):
    """tf.stack: each value gets a new axis, then they are joined along it."""
    axis = int(ctx.attr("axis", 0))
    parts = [ctx.op("Unsqueeze", [ref], {"axes": [axis]}, suffix=f"expand{i}")[0]
             for i, ref in enumerate(ctx.inputs)]
    if len(parts) == 1:
        return ctx.op("Identity", parts)
    return ctx.op("ConcatD", parts, {"concat_dim": axis})


@tf_op("Unpack", inputs=1)
def unpack(ctx: NodeContext):
    """tf.unstack: split into num pieces of size 1 along axis, then drop that axis."""
    axis, num = int(ctx.attr("axis", 0)), int(ctx.require_attr("num"))
    pieces = ctx.op("Split", ctx.inputs[:1], {"axis": axis, "num_split": num}, n_out=num, suffix="split")
    outs = []
    for i, piece in enumerate(pieces):
        outs += ctx.op("Squeeze", [piece], {"axes": [axis]}, suffix="" if i == 0 else f"squeeze{i}")
    return outs


@tf_op("Split", inputs=2)
def split(ctx: NodeContext):
    num = int(ctx.require_attr("num_split"))
    axis = ctx.require_int(0, "split_dim")
    return ctx.op("Split", ctx.inputs[1:2], {"axis": axis, "num_split": num}, n_out=num)


@tf_op("SplitV", inputs=3)
def split_v(ctx: NodeContext):
    """Sizes may hold one -1 (the rest of the axis): then the pieces are Slices counted from both ends."""
    sizes = [int(s) for s in np.asarray(ctx.require_value(1, "size_splits")).reshape(-1)]
    axis = ctx.require_int(2, "split_dim")
    if -1 not in sizes:
        return ctx.op("Split", ctx.inputs[:1], {"axis": axis, "split": sizes}, n_out=len(sizes))
    hole = sizes.index(-1)
    bounds = []
    for i, size in enumerate(sizes):
        if i <= hole:
            start = sum(sizes[:i])
            end = start + size if i < hole else -sum(sizes[hole + 1:])
        else:
            end = -sum(sizes[i + 1:])
            start = end - size
        bounds.append((start if start < 0 or i <= hole else INT64_MAX, end if end != 0 or i < hole else INT64_MAX))
    axes = ctx.const(int64([axis]), "axes")
    outs = []
    for i, (start, end) in enumerate(bounds):
        starts, ends = ctx.const(int64([start]), f"starts{i}"), ctx.const(int64([end]), f"ends{i}")
        outs += ctx.op("Slice", [ctx.input(0), starts, ends, axes], suffix="" if i == 0 else f"slice{i}")
    return outs


@tf_op("Slice", inputs=3)
def slice_(ctx: NodeContext):
    """tf.slice(x, begin, size): size -1 means "to the end". Run-time begin/size compute the ends."""
    begin, size = ctx.value(1), ctx.value(2)
    if begin is None or size is None:
        return ctx.op("Slice", [ctx.input(0), ctx.input(1), _run_time_ends(ctx)])
    begin, size = int64(begin).reshape(-1), int64(size).reshape(-1)
    ends = np.where(size < 0, INT64_MAX, begin + size)
    inputs = [ctx.input(0), ctx.const(begin, "starts"), ctx.const(ends, "ends"),
              ctx.const(np.arange(len(begin), dtype=np.int64), "axes")]
    return ctx.op("Slice", inputs)


def _run_time_ends(ctx: NodeContext):
    """begin + size, or the index type's maximum where size is negative."""
    from ....ir import to_numpy
    index_type = to_numpy(dtype_attr(ctx, "Index", DataType.DT_INT32))
    zero, big = ctx.const(np.zeros((), index_type), "zero"), ctx.const(np.array(np.iinfo(index_type).max), "max")
    to_end = ctx.op("Less", [ctx.input(2), zero], suffix="to_end")[0]
    summed = ctx.op("Add", [ctx.input(1), ctx.input(2)], suffix="end")[0]
    return ctx.op("Select", [to_end, big, summed], suffix="ends")[0]


_PAD_MODES = {"Pad": "constant", "PadV2": "constant", "MirrorPad": None}
_MIRROR_MODES = {"REFLECT": "reflect", "SYMMETRIC": "symmetric"}


@tf_op("Pad", "MirrorPad", inputs=2)
@tf_op("PadV2", inputs=3)
def pad(ctx: NodeContext):
    """Pad/PadV2 (constant, PadV2 with a value input) and MirrorPad (REFLECT / SYMMETRIC)."""
    mode = _PAD_MODES[ctx.op_type]
    if mode is None:
        mode = _MIRROR_MODES.get(str(ctx.attr("mode", "REFLECT")).upper())
        if mode is None:
            raise ctx.fail(f"MirrorPad mode {ctx.attr('mode')} is not REFLECT or SYMMETRIC")
    inputs = [ctx.input(0), _begins_then_ends(ctx)]
    if ctx.op_type == "PadV2":
        inputs.append(ctx.input(2))
    return ctx.op("PadV3", inputs, {"mode": mode})


def _begins_then_ends(ctx: NodeContext):
    """TF paddings [[begin, end] per dim] as PadV3's [begins..., ends...]."""
    pads = ctx.value(1)
    if pads is not None:
        if pads.ndim != 2 or pads.shape[1:] != (2,):
            raise ctx.fail(f"paddings has shape {list(pads.shape)}; it must be [rank, 2]")
        return ctx.const(int64(pads).T.reshape(-1), "paddings")
    moved = ctx.op("Transpose", [ctx.input(1)], {"perm": [1, 0]}, suffix="paddings_t")[0]
    return ctx.op("Reshape", [moved, ctx.const(int64([-1]), "paddings_shape")], suffix="paddings")[0]


@tf_op("Shape", "Size", inputs=1)
def shape(ctx: NodeContext):
    want_int64 = dtype_attr(ctx, "out_type", DataType.DT_INT32) == DataType.DT_INT64
    ref = ctx.op(ctx.op_type, ctx.inputs[:1], suffix="" if want_int64 else "int64")
    return cast_index(ctx, ref[0], "out_type", DataType.DT_INT32) or ref


@tf_op("Fill", inputs=2)
def fill(ctx: NodeContext):
    value = ctx.require_scalar(1, "value").reshape(1)
    return ctx.op("Fill", ctx.inputs[:1], {"value": value})


@tf_op("Range", inputs=3)
def range_(ctx: NodeContext):
    return ctx.op("Range", ctx.inputs[:3])


@tf_op("Tile", inputs=2)
def tile(ctx: NodeContext):
    return ctx.op("Tile", ctx.inputs[:2])


@tf_op("BroadcastTo", inputs=2)
def broadcast_to(ctx: NodeContext):
    return ctx.op("BroadcastTo", ctx.inputs[:2])


@tf_op("GatherV2", inputs=3)
@tf_op("Gather", inputs=2)
def gather(ctx: NodeContext):
    if int(ctx.attr("batch_dims", 0)) != 0:
        raise ctx.fail("GatherV2 with batch_dims != 0 is not supported")
    axis = ctx.require_int(2, "axis") if ctx.op_type == "GatherV2" else 0
    return ctx.op("GatherV2", ctx.inputs[:2], {"axis": axis})


@tf_op("ZerosLike", "OnesLike", inputs=1)
def filled_like(ctx: NodeContext):
    from ....ir import to_numpy
    value = np.array([1 if ctx.op_type == "OnesLike" else 0], dtype=to_numpy(dtype_attr(ctx, "T")))
    shape_ref = ctx.op("Shape", ctx.inputs[:1], suffix="shape")[0]
    return ctx.op("Fill", [shape_ref], {"value": value})


@tf_op("OneHot", inputs=4)
def one_hot(ctx: NodeContext):
    """OneHot(indices, depth, on_value, off_value): the values become the [off, on] constant. TF gives
    negative indices an all-off row where the canonical op counts them from the end, so they are
    moved out of range (to depth) first."""
    on, off = ctx.require_scalar(2, "on_value"), ctx.require_scalar(3, "off_value")
    values = ctx.const(np.array([off, on], dtype=on.dtype), "values")
    zero = ctx.const(np.zeros((), np.int32), "zero")
    negative = ctx.op("Less", [ctx.input(0), zero], suffix="negative")[0]
    indices = ctx.op("Select", [negative, ctx.input(1), ctx.input(0)], suffix="indices")[0]
    return ctx.op("OneHot", [indices, ctx.input(1), values], {"axis": int(ctx.attr("axis", -1))})


@tf_op("ReverseV2", inputs=2)
def reverse(ctx: NodeContext):
    """Reversed along the given axes: a Slice with step -1 on each."""
    axes = int64(ctx.require_value(1, "axis")).reshape(-1)
    inputs = [ctx.input(0), ctx.const(np.full(len(axes), -1, np.int64), "starts"),
              ctx.const(np.full(len(axes), np.iinfo(np.int64).min, np.int64), "ends"), ctx.const(axes, "axes"),
              ctx.const(np.full(len(axes), -1, np.int64), "steps")]
    return ctx.op("Slice", inputs)
