"""TF handlers for shape and data movement: Reshape, Squeeze, ExpandDims, Transpose, Concat, Pack,
Unpack, Split/SplitV, Slice, Pad/PadV2/MirrorPad, Shape, Size, Rank, ShapeN, Fill, Range, Tile, Gather, GatherNd,
ScatterNd and the TensorScatter ops, Where, Unique, SparseToDense, BroadcastTo, BroadcastArgs, Zeros/OnesLike,
OneHot, ReverseV2, ReverseSequence, Roll, MatrixBandPart, MatrixDeterminant and the segment reductions."""
from __future__ import annotations

import numpy as np

from ....ir import DataType
from ..registry import NodeContext, tf_op
from ._util import INT64_MAX, dtype_attr, int64
from .math import cast_index


# TF op -> (canonical op, number of inputs): the same inputs in the same order, no attributes
DIRECT = {"Range": ("Range", 3), "Tile": ("Tile", 2), "BroadcastTo": ("BroadcastTo", 2),
          "BroadcastArgs": ("BroadcastArgs", 2), "GatherNd": ("GatherND", 2), "Roll": ("Roll", 3),
          "MatrixBandPart": ("MatrixBandPart", 3), "BatchMatrixBandPart": ("MatrixBandPart", 3),
          "MatrixDeterminant": ("Det", 1),
          **{f"UnsortedSegment{k}": (f"UnsortedSegment{k}", 3) for k in ("Sum", "Max", "Min", "Prod")},
          **{f"Segment{k}": (f"Segment{k}", 2) for k in ("Sum", "Mean", "Max", "Min", "Prod")}}


def _direct(ctx: NodeContext):
    op_type, count = DIRECT[ctx.op_type]
    return ctx.op(op_type, ctx.inputs[:count])


for _type, (_, _count) in DIRECT.items():
    tf_op(_type, inputs=_count)(_direct)


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


@tf_op("Rank", inputs=1)
def rank(ctx: NodeContext):
    """The input's rank as an int32 scalar (a constant when the rank is known)."""
    shape = ctx.shape(0)
    if shape is not None:
        return [ctx.const(np.array(len(shape), np.int32), "rank")]
    dims = ctx.op("Shape", ctx.inputs[:1], suffix="shape")[0]
    size = ctx.op("Size", [dims], suffix="int64")[0]
    return ctx.op("Cast", [size], {"dst_type": int(DataType.DT_INT32)})


@tf_op("ShapeN", inputs=1)
def shape_n(ctx: NodeContext):
    """One Shape per input (out_type int32 or int64)."""
    want = dtype_attr(ctx, "out_type", DataType.DT_INT32)
    outs = []
    for i, ref in enumerate(ctx.inputs):
        dims = ctx.op("Shape", [ref], suffix=f"shape{i}")[0]
        outs.append(dims if want == DataType.DT_INT64 else
                    ctx.op("Cast", [dims], {"dst_type": int(want)}, suffix="" if i == 0 else f"cast{i}")[0])
    return outs


@tf_op("ScatterNd", inputs=3)
def scatter_nd(ctx: NodeContext):
    """(indices, updates, shape): updates summed into zeros of that shape (repeated indices add up)."""
    from ....ir import to_numpy
    zeros = ctx.op("Fill", [ctx.input(2)], {"value": np.zeros(1, to_numpy(dtype_attr(ctx, "T")))}, suffix="zeros")
    return ctx.op("ScatterND", [zeros[0], ctx.input(0), ctx.input(1)], {"reduction": "add"})


_TENSOR_SCATTER = {"TensorScatterUpdate": "none", "TensorScatterAdd": "add", "TensorScatterMax": "max",
                   "TensorScatterMin": "min"}


@tf_op(*_TENSOR_SCATTER, inputs=3)
def tensor_scatter(ctx: NodeContext):
    """(tensor, indices, updates): a copy of tensor with the indexed slices replaced, added to, max'ed, min'ed."""
    return ctx.op("ScatterND", ctx.inputs[:3], {"reduction": _TENSOR_SCATTER[ctx.op_type]})


@tf_op("TensorScatterSub", inputs=3)
def tensor_scatter_sub(ctx: NodeContext):
    negated = ctx.op("Neg", [ctx.input(2)], suffix="negated")[0]
    return ctx.op("ScatterND", [ctx.input(0), ctx.input(1), negated], {"reduction": "add"})


@tf_op("Where", inputs=1)
def where(ctx: NodeContext):
    """The coordinates of the true (non-zero) entries: int64 [count, rank]."""
    coords = ctx.op("NonZero", ctx.inputs[:1], suffix="nonzero")[0]
    return ctx.op("Transpose", [coords], {"perm": [1, 0]})


@tf_op("Unique", inputs=1)
def unique(ctx: NodeContext):
    """(x 1-D) -> the distinct values in order of first occurrence, and each value's index among them."""
    values, _, inverse, _ = ctx.op("Unique", ctx.inputs[:1], {"sorted": False}, n_out=4, suffix="unique")
    index = cast_index(ctx, inverse, "out_idx", DataType.DT_INT32)
    return [ctx.op("Identity", [values])[0], index[0] if index else inverse]


@tf_op("SparseToDense", inputs=4)
def sparse_to_dense(ctx: NodeContext):
    """(indices [N, rank] / [N] / scalar, output_shape, values [N] or scalar, default) -> dense tensor."""
    indices = ctx.input(0)
    index_shape = ctx.shape(0)
    if index_shape is None or len(index_shape) > 2:
        raise ctx.fail("sparse_indices must have a known rank of 0, 1 or 2")
    if len(index_shape) < 2:
        target = ctx.const(np.array([-1, 1], np.int64), "indices_shape")
        indices = ctx.op("Reshape", [indices, target], suffix="indices")[0]
    count = ctx.op("Shape", [indices], {"end": 1}, suffix="count")[0]
    values = ctx.op("BroadcastTo", [ctx.input(2), count], suffix="values")[0]
    dense = ctx.op("BroadcastTo", [ctx.input(3), ctx.input(1)], suffix="defaults")[0]
    return ctx.op("ScatterND", [dense, indices, values])




@tf_op("ReverseSequence", inputs=2)
def reverse_sequence(ctx: NodeContext):
    """The first seq_lengths[b] entries along seq_dim reversed, for each b along batch_dim."""
    attrs = {"time_axis": ctx.axis(int(ctx.require_attr("seq_dim"))),
             "batch_axis": ctx.axis(int(ctx.attr("batch_dim", 0)))}
    return ctx.op("ReverseSequence", ctx.inputs[:2], attrs)


def _diagonal_args(ctx: NodeContext, k_input: int) -> list:
    """k (input k_input of the V2/V3 forms; 0 for V1) as a constant when the node has none."""
    if ctx.op_type.endswith(("V2", "V3")):
        return [ctx.input(k_input)]
    return [ctx.const(np.array(0, np.int32), "k")]


def _check_align(ctx: NodeContext) -> None:
    align = str(ctx.attr("align", "RIGHT_LEFT"))
    if align not in ("RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT"):
        raise ctx.fail(f"align '{align}' is not one of TF's four")     # one diagonal: no alignment to apply


@tf_op("MatrixDiag", "BatchMatrixDiag", inputs=1)
@tf_op("MatrixDiagV2", "MatrixDiagV3", inputs=5)
def matrix_diag(ctx: NodeContext):
    """(diagonal[, k, num_rows, num_cols, padding_value]) -> matrices; V1 is k=0 on a square."""
    _check_align(ctx)
    if ctx.op_type.endswith(("V2", "V3")):
        return ctx.op("MatrixDiag", ctx.inputs[:5])
    from ....ir import to_numpy
    minus_one = ctx.const(np.array(-1, np.int32), "size")
    zero = ctx.const(np.zeros((), to_numpy(dtype_attr(ctx, "T"))), "padding")
    return ctx.op("MatrixDiag", [ctx.input(0), ctx.const(np.array(0, np.int32), "k"), minus_one, minus_one, zero])


@tf_op("MatrixDiagPart", "BatchMatrixDiagPart", inputs=1)
@tf_op("MatrixDiagPartV2", "MatrixDiagPartV3", inputs=3)
def matrix_diag_part(ctx: NodeContext):
    _check_align(ctx)
    return ctx.op("MatrixDiagPart", [ctx.input(0)] + _diagonal_args(ctx, 1))


@tf_op("MatrixSetDiag", "BatchMatrixSetDiag", inputs=2)
@tf_op("MatrixSetDiagV2", "MatrixSetDiagV3", inputs=3)
def matrix_set_diag(ctx: NodeContext):
    _check_align(ctx)
    return ctx.op("MatrixSetDiag", [ctx.input(0), ctx.input(1)] + _diagonal_args(ctx, 2))
