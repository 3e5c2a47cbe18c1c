"""ONNX emitters: tensor ops (shape queries, reshapes, concat/split, slicing, gather/scatter, generators),
plus TensorFlow's StridedSlice, SpaceToBatchND and BatchToSpaceND and Caffe's Crop written with ONNX ops."""
from __future__ import annotations

import numpy as np

from ...ir import DataType
from ...ops.tf_extra import _MASKS
from ..builder import onnx_type
from ..registry import Emit, Refusal, emits

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min
INT64 = DataType.DT_INT64


def scalar_input(e: Emit, i: int, dtype: int) -> str:
    """Input i as a 0-d tensor of dtype (ONNX Range and friends want true scalars)."""
    v = e.value(i)
    if v is not None:
        return e.scalar(np.asarray(v).reshape(-1)[0], dtype)
    name = e.as_dtype(i, dtype)
    return name if e.rank(i) == 0 else e.one("Reshape", [name, e.ints([], "scalar_shape")])


# ---- identity, shape queries, reshapes ------------------------------------------------------------

@emits("Identity")
def identity(e: Emit):
    e.out("Identity", [e.input(0)])


@emits("Shape")
def shape(e: Emit):
    start, end = int(e.attrs["start"]), e.attrs["end"]
    e.out("Shape", [e.input(0)], start=start or None, end=None if end is None else int(end))


@emits("Size")
def size(e: Emit):
    e.out("Size", [e.input(0)])


@emits("Reshape")
def reshape(e: Emit):
    e.out("Reshape", [e.input(0), e.int64(1)], allowzero=int(e.attrs["allowzero"]) or None)


@emits("Flatten")
def flatten(e: Emit):
    e.out("Flatten", [e.input(0)], axis=int(e.attrs["axis"]))


@emits("Squeeze")
def squeeze(e: Emit):
    e.out("Squeeze", [e.input(0), e.axes(1)])


@emits("Unsqueeze")
def unsqueeze(e: Emit):
    e.out("Unsqueeze", [e.input(0), e.axes(1)])


@emits("Transpose")
def transpose(e: Emit):
    e.out("Transpose", [e.input(0)], perm=list(e.attrs["perm"]) or None)


# ---- concat / split / slice ----------------------------------------------------------------------

@emits("ConcatD")
def concat(e: Emit):
    dtype = int(e.out_descs[0].dtype)
    e.out("Concat", [e.as_dtype(i, dtype) for i in range(len(e.inputs)) if e.has(i)],
          axis=int(e.attrs["concat_dim"]))


@emits("Split")
def split(e: Emit):
    if e.has(1):
        sizes = e.int64(1)
    elif e.attrs["split"]:
        sizes = e.ints(e.attrs["split"], "split")
    else:
        e.out("Split", [e.input(0)], axis=int(e.attrs["axis"]), num_outputs=len(e.outputs))
        return
    e.out("Split", [e.input(0), sizes], axis=int(e.attrs["axis"]))


@emits("Slice")
def slice_(e: Emit):
    e.out("Slice", [e.input(0)] + [e.int64(i) for i in range(1, 5)])


# ---- gather / scatter ---------------------------------------------------------------------------------

def indices(e: Emit, i: int) -> str:
    return e.input(i) if e.dtype(i) in (DataType.DT_INT32, INT64) else e.int64(i)


@emits("GatherV2")
def gather(e: Emit):
    e.out("Gather", [e.input(0), indices(e, 1)], axis=int(e.attrs["axis"]))


@emits("GatherElements")
def gather_elements(e: Emit):
    e.out("GatherElements", [e.input(0), indices(e, 1)], axis=int(e.attrs["axis"]))


@emits("GatherND")
def gather_nd(e: Emit):
    e.out("GatherND", [e.input(0), e.int64(1)], batch_dims=int(e.attrs["batch_dims"]) or None)


def reduction(e: Emit):
    r = str(e.attrs["reduction"])
    return None if r == "none" else r


@emits("ScatterND")
def scatter_nd(e: Emit):
    e.out("ScatterND", [e.input(0), e.int64(1), e.as_dtype(2, e.dtype(0))], reduction=reduction(e))


@emits("ScatterElements")
def scatter_elements(e: Emit):
    e.out("ScatterElements", [e.input(0), indices(e, 1), e.as_dtype(2, e.dtype(0))], axis=int(e.attrs["axis"]),
          reduction=reduction(e))


# ---- generators ---------------------------------------------------------------------------------------

@emits("Fill")
def fill(e: Emit):
    from onnx import numpy_helper
    value = np.asarray(e.attrs["value"]).reshape(-1)[:1]
    e.out("ConstantOfShape", [e.int64(0)], value=numpy_helper.from_array(value))


@emits("Range")
def range_(e: Emit):
    dtype = e.dtype(0)
    e.out("Range", [scalar_input(e, i, dtype) for i in range(3)])


@emits("BroadcastTo")
def broadcast_to(e: Emit):
    e.out("Expand", [e.input(0), e.int64(1)])


@emits("Tile")
def tile(e: Emit):
    e.out("Tile", [e.input(0), e.int64(1)])


@emits("OneHot")
def one_hot(e: Emit):
    e.out("OneHot", [e.input(0), e.input(1), e.input(2)], axis=int(e.attrs["axis"]))


@emits("NonZero")
def non_zero(e: Emit):
    e.out("NonZero", [e.input(0)])


@emits("Trilu")
def trilu(e: Emit):
    k = scalar_input(e, 1, INT64) if e.has(1) else None
    e.out("Trilu", [e.input(0), k], upper=int(e.attrs["upper"]))


@emits("EyeLike")
def eye_like(e: Emit):
    dtype = int(e.attrs["dtype"])
    e.out("EyeLike", [e.input(0)], k=int(e.attrs["k"]), dtype=onnx_type(dtype) if dtype else None)


@emits("Einsum")
def einsum(e: Emit):
    e.out("Einsum", [e.as_dtype(i, e.dtype(0)) for i in range(len(e.inputs))], equation=str(e.attrs["equation"]))


@emits("Compress")
def compress(e: Emit):
    axis = e.attrs["axis"]
    e.out("Compress", [e.input(0), e.as_dtype(1, DataType.DT_BOOL)], axis=None if axis is None else int(axis))


@emits("ReverseSequence")
def reverse_sequence(e: Emit):
    e.out("ReverseSequence", [e.input(0), e.int64(1)], batch_axis=int(e.attrs["batch_axis"]),
          time_axis=int(e.attrs["time_axis"]))


@emits("Unique")
def unique(e: Emit):
    axis = e.attrs["axis"]
    e.out("Unique", [e.input(0)], axis=None if axis is None else int(axis), sorted=int(bool(e.attrs["sorted"])))


@emits("CenterCropPad")
def center_crop_pad(e: Emit):
    e.out("CenterCropPad", [e.input(0), e.int64(1)], axes=list(e.attrs["axes"]) or None)


@emits("Det")
def det(e: Emit):
    e.out("Det", [e.input(0)])


# ---- TensorFlow / Caffe slicing ops ---------------------------------------------------------------------

def _element(e: Emit, i: int, k: int) -> str:
    """Element k of 1-D input i as a 1-element int64 vector."""
    v = e.value(i)
    if v is not None:
        return e.ints([int(np.asarray(v).reshape(-1)[k])], f"in{i}_{k}")
    return e.one("Slice", [e.int64(i), e.ints([k], "start"), e.ints([k + 1], "end")])


@emits("StridedSlice")
def strided_slice(e: Emit):
    """TF StridedSlice: one Slice over the input axes, then Squeeze (shrink_axis) and Unsqueeze (new_axis).
    begin/end may be computed; strides must be constant and the input rank known."""
    rank = e.known_rank(0, "StridedSlice")
    strides = e.value(3)
    if strides is None:
        raise Refusal("strides computed at run time")
    strides = [int(s) for s in np.asarray(strides).reshape(-1)]
    masks = {m: int(e.attrs[m]) for m in _MASKS}
    spec = len(strides)
    real = sum(1 for i in range(spec) if not (masks["new_axis_mask"] >> i) & 1 and not (masks["ellipsis_mask"] >> i) & 1)
    starts, ends, steps, axes, squeeze, unsqueeze = [], [], [], [], [], []
    dim, out_dim = 0, 0
    for i, step in enumerate(strides):
        bit = 1 << i
        if masks["ellipsis_mask"] & bit:
            covered = rank - real
            dim, out_dim = dim + covered, out_dim + covered
            continue
        if masks["new_axis_mask"] & bit:
            unsqueeze.append(out_dim)
            out_dim += 1
            continue
        if masks["shrink_axis_mask"] & bit:
            if masks["begin_mask"] & bit:
                start = e.ints([0 if step > 0 else -1], "start")
            else:
                start = _element(e, 1, i)
            # [b, b + 1), except b = -1 whose end is the end of the axis
            is_last = e.one("Equal", [start, e.ints([-1], "minus_one")])
            end = e.one("Where", [is_last, e.ints([INT64_MAX], "max"), e.one("Add", [start, e.ints([1], "one")])])
            starts.append(start), ends.append(end), steps.append(e.ints([1], "one")), axes.append(dim)
            squeeze.append(dim)
            dim += 1
            continue
        start = e.ints([0 if step > 0 else INT64_MAX], "start") if masks["begin_mask"] & bit else _element(e, 1, i)
        end = e.ints([INT64_MAX if step > 0 else INT64_MIN], "end") if masks["end_mask"] & bit else _element(e, 2, i)
        starts.append(start), ends.append(end), steps.append(e.ints([step], "step")), axes.append(dim)
        dim, out_dim = dim + 1, out_dim + 1
    y = e.input(0)
    if axes:
        y = e.one("Slice", [y, e.one("Concat", starts, axis=0), e.one("Concat", ends, axis=0), e.ints(axes, "axes"),
                            e.one("Concat", steps, axis=0)])
    if squeeze:
        y = e.one("Squeeze", [y, e.ints(squeeze, "squeeze")])
    if unsqueeze:
        y = e.one("Unsqueeze", [y, e.ints(unsqueeze, "unsqueeze")])
    e.out("Identity", [y])


def _constant_ints(e: Emit, i: int, what: str) -> list:
    v = e.value(i)
    if v is None:
        raise Refusal(f"{what} computed at run time")
    return [int(x) for x in np.asarray(v).reshape(-1)]


def _block_args(e: Emit, pairs: str) -> tuple:
    """(static input shape, block_shape, the [begin, end] pairs flattened, M) of Space/BatchND ops."""
    shape = e.static_shape(0, e.op.type)
    block = _constant_ints(e, 1, "block_shape")
    return shape, block, _constant_ints(e, 2, pairs), len(block)


@emits("SpaceToBatchND")
def space_to_batch_nd(e: Emit):
    shape, block, pads, m = _block_args(e, "paddings")
    padded = [shape[1 + i] + pads[2 * i] + pads[2 * i + 1] for i in range(m)]
    rest = list(shape[1 + m:])
    x = e.input(0)
    if any(pads):
        full = [0] * len(shape) * 2
        for i in range(m):
            full[1 + i], full[len(shape) + 1 + i] = pads[2 * i], pads[2 * i + 1]
        x = e.one("Pad", [x, e.ints(full, "pads")])
    split = [shape[0]]
    for s, b in zip(padded, block):
        split += [s // b, b]
    x = e.one("Reshape", [x, e.ints(split + rest, "split_shape")])
    order = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
    x = e.transpose(x, order)
    out = [shape[0] * int(np.prod(block))] + [s // b for s, b in zip(padded, block)] + rest
    e.out("Reshape", [x, e.ints(out, "shape")])


@emits("BatchToSpaceND")
def batch_to_space_nd(e: Emit):
    shape, block, crops, m = _block_args(e, "crops")
    batch = shape[0] // int(np.prod(block))
    spatial, rest = list(shape[1:1 + m]), list(shape[1 + m:])
    x = e.one("Reshape", [e.input(0), e.ints(block + [batch] + spatial + rest, "split_shape")])
    order = [m]
    for i in range(m):
        order += [m + 1 + i, i]
    order += list(range(2 * m + 1, 2 * m + 1 + len(rest)))
    x = e.transpose(x, order)
    grown = [s * b for s, b in zip(spatial, block)]
    x = e.one("Reshape", [x, e.ints([batch] + grown + rest, "shape")])
    if any(crops):
        starts = [crops[2 * i] for i in range(m)]
        ends = [grown[i] - crops[2 * i + 1] for i in range(m)]
        x = e.one("Slice", [x, e.ints(starts, "starts"), e.ints(ends, "ends"), e.ints(range(1, 1 + m), "axes")])
    e.out("Identity", [x])


@emits("Crop")
def crop(e: Emit):
    """Caffe Crop: x cut to the reference's dims from axis on, starting at the offsets."""
    rank = e.known_rank(0, "Crop")
    axis = int(e.attrs["axis"]) % rank
    axes = list(range(axis, rank))
    offsets = list(e.attrs["offsets"]) or [0]
    starts = [offsets[i] if len(offsets) > 1 else offsets[0] for i in range(len(axes))]
    ref = e.shape(1)
    if ref is not None and all(ref[a] >= 0 for a in axes):
        ends = e.ints([s + ref[a] for s, a in zip(starts, axes)], "ends")
    else:
        sizes = e.one("Gather", [e.one("Shape", [e.input(1)]), e.ints(axes, "axes")])
        ends = e.one("Add", [sizes, e.ints(starts, "offsets")])
    e.out("Slice", [e.input(0), e.ints(starts, "starts"), ends, e.ints(axes, "axes")])
