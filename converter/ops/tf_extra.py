"""Canonical ops with TensorFlow semantics and no ONNX twin: SpaceToBatchND and BatchToSpaceND (block
moves between the spatial dims 1..M and the batch dim), StridedSlice for run-time slice bounds, BroadcastArgs,
MatrixBandPart, Roll and one diagonal of matrices (MatrixDiag, MatrixDiagPart, MatrixSetDiag)."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from .registry import Attr, by_kernel_on_shapes, desc, register


def _block(value, name: str) -> list:
    block = [int(b) for b in np.asarray(value).reshape(-1)]
    if not block or any(b < 1 for b in block):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: block_shape {block} must hold positive values")
    return block


def _pairs(value, m: int, name: str, what: str) -> np.ndarray:
    pairs = np.asarray(value, dtype=np.int64).reshape(-1, 2)
    if pairs.shape[0] != m or np.any(pairs < 0):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: {what} must be {m} non-negative [begin, end] pairs")
    return pairs


def _block_inputs(inputs, name: str, what: str):
    """(x, block_shape as a list, [M, 2] paddings or crops) of SpaceToBatchND / BatchToSpaceND, checked."""
    block = _block(inputs[1], name)
    return np.asarray(inputs[0]), block, _pairs(inputs[2], len(block), name, what)


@register("SpaceToBatchND", infer=by_kernel_on_shapes, category="tensor")
def space_to_batch_nd(inputs, attrs):
    """SpaceToBatchND: (x, block_shape [M], paddings [M, 2]) pads dims 1..M, then moves block tiles to batch."""
    x, block, pads = _block_inputs(inputs, "SpaceToBatchND", "paddings")
    m = len(block)
    widths = [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)] * (x.ndim - 1 - m)
    x = np.pad(x, widths)
    batch, spatial, rest = x.shape[0], x.shape[1:1 + m], x.shape[1 + m:]
    if any(s % b for s, b in zip(spatial, block)):
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"SpaceToBatchND: padded spatial size {spatial} is not divisible by {block}")
    split = [batch]
    for s, b in zip(spatial, block):
        split += [s // b, b]
    x = x.reshape(split + list(rest))
    order = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + list(range(1 + 2 * m, x.ndim))
    out_spatial = [s // b for s, b in zip(spatial, block)]
    return np.ascontiguousarray(x.transpose(order)).reshape([batch * int(np.prod(block))] + out_spatial + list(rest))


@register("BatchToSpaceND", infer=by_kernel_on_shapes, category="tensor")
def batch_to_space_nd(inputs, attrs):
    """BatchToSpaceND: (x, block_shape [M], crops [M, 2]) moves batch tiles back into dims 1..M, then crops."""
    x, block, crops = _block_inputs(inputs, "BatchToSpaceND", "crops")
    m = len(block)
    total = int(np.prod(block))
    if x.shape[0] % total:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"BatchToSpaceND: batch {x.shape[0]} is not divisible by {total}")
    batch, spatial, rest = x.shape[0] // total, x.shape[1:1 + m], x.shape[1 + m:]
    x = x.reshape(block + [batch] + list(spatial) + list(rest))
    order = [m]
    for i in range(m):
        order += [m + 1 + i, i]
    order += list(range(2 * m + 1, x.ndim))
    x = x.transpose(order).reshape([batch] + [s * b for s, b in zip(spatial, block)] + list(rest))
    index = (slice(None),) + tuple(slice(int(c[0]), x.shape[1 + i] - int(c[1])) for i, c in enumerate(crops))
    return np.ascontiguousarray(x[index])


_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def strided_slice_index(begin, end, strides, attrs) -> tuple:
    """The numpy index equal to a TF StridedSlice spec (numpy's slice clamping is TF's)."""
    index = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if attrs["ellipsis_mask"] & bit:
            index.append(Ellipsis)
        elif attrs["new_axis_mask"] & bit:
            index.append(None)
        elif attrs["shrink_axis_mask"] & bit:
            index.append(0 if attrs["begin_mask"] & bit and s > 0 else (-1 if attrs["begin_mask"] & bit else int(b)))
        else:
            index.append(slice(None if attrs["begin_mask"] & bit else int(b),
                               None if attrs["end_mask"] & bit else int(e), int(s)))
    return tuple(index)


@register("StridedSlice", attrs={m: Attr("int", 0) for m in _MASKS}, infer=by_kernel_on_shapes, category="tensor")
def strided_slice(inputs, attrs):
    """StridedSlice: (x, begin, end, strides) with TF's five bit masks; for begin/end/strides that are only
    known at run time (the frontend lowers constant ones to Slice/Squeeze/Unsqueeze)."""
    x = np.asarray(inputs[0])
    begin, end, strides = (np.asarray(v, dtype=np.int64).reshape(-1) for v in inputs[1:4])
    if np.any(strides == 0):
        raise GraphError(INVALID_ARGUMENT_VALUE, "StridedSlice: strides must not be 0")
    return np.array(x[strided_slice_index(begin, end, strides, attrs)])


@register("BroadcastArgs", infer=by_kernel_on_shapes, category="tensor")
def broadcast_args(inputs, attrs):
    """BroadcastArgs: (shape s0, shape s1) -> the shape both broadcast to (TF's broadcast_dynamic_shape)."""
    s0, s1 = (np.asarray(v).reshape(-1) for v in inputs[:2])
    try:
        shape = np.broadcast_shapes(tuple(int(d) for d in s0), tuple(int(d) for d in s1))
    except ValueError:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"BroadcastArgs: shapes {s0.tolist()} and {s1.tolist()} do not broadcast") \
            from None
    return np.array(shape, dtype=s0.dtype)


@register("MatrixBandPart", infer=lambda ctx: [desc(ctx.dtype(0), ctx.shape(0))], category="tensor")
def matrix_band_part(inputs, attrs):
    """MatrixBandPart: (x [..., M, N], num_lower, num_upper) -> x with the entries outside the band zeroed (a
    negative count keeps that whole triangle)."""
    x = np.asarray(inputs[0])
    if x.ndim < 2:
        raise GraphError(INVALID_ARGUMENT_VALUE, "MatrixBandPart: the input must have at least 2 dims")
    lower, upper = (int(np.asarray(v).reshape(-1)[0]) for v in inputs[1:3])
    rows, cols = np.arange(x.shape[-2])[:, None], np.arange(x.shape[-1])[None, :]
    keep = ((lower < 0) | (rows - cols <= lower)) & ((upper < 0) | (cols - rows <= upper))
    return np.where(keep, x, np.zeros((), x.dtype))


@register("Roll", infer=lambda ctx: [desc(ctx.dtype(0), ctx.shape(0))], category="tensor")
def roll(inputs, attrs):
    """Roll: (x, shift, axis) -> x rotated by shift along axis (lists: one shift per axis, repeated axes add)."""
    x = np.asarray(inputs[0])
    shift, axis = (np.asarray(v).reshape(-1).astype(np.int64) for v in inputs[1:3])
    if shift.size != axis.size or np.any((axis < -x.ndim) | (axis >= x.ndim)):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"Roll: shift {shift.tolist()} and axis {axis.tolist()} must pair up, axes "
                         f"within the rank {x.ndim}")
    return np.roll(x, tuple(int(s) for s in shift), tuple(int(a) for a in axis))


# ---- one diagonal of the innermost matrices (TF MatrixDiag*, MatrixSetDiag*: the k-th diagonal) -------

def _diagonal_index(rows: int, cols: int, k: int) -> tuple:
    """(row indices, column indices) of diagonal k of a rows x cols matrix."""
    length = max(min(rows + min(k, 0), cols - max(k, 0)), 0)
    steps = np.arange(length)
    return steps + max(-k, 0), steps + max(k, 0)


def _single_k(value, name: str) -> int:
    k = np.asarray(value).reshape(-1)
    if k.size == 0 or k.size > 2 or (k.size == 2 and k[0] != k[1]):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: only one diagonal is supported (k {k.tolist()} names a band)")
    return int(k[0])


@register("MatrixDiag", infer=by_kernel_on_shapes, category="tensor")
def matrix_diag(inputs, attrs):
    """MatrixDiag: (diagonal [..., L], k, num_rows, num_cols, padding_value) -> matrices with the values on
    diagonal k and padding elsewhere (num_rows/num_cols -1: the smallest that hold the diagonal)."""
    diagonal = np.asarray(inputs[0])
    k = _single_k(inputs[1], "MatrixDiag")
    rows, cols = (int(np.asarray(v).reshape(-1)[0]) for v in inputs[2:4])
    length = diagonal.shape[-1]
    rows = length + max(-k, 0) if rows < 0 else rows
    cols = length + max(k, 0) if cols < 0 else cols
    r, c = _diagonal_index(rows, cols, k)
    if len(r) != length:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"MatrixDiag: a diagonal of {length} values does not fit diagonal {k} of a "
                         f"{rows} x {cols} matrix")
    out = np.full(diagonal.shape[:-1] + (rows, cols), np.asarray(inputs[4]).reshape(-1)[0], diagonal.dtype)
    out[..., r, c] = diagonal
    return out


@register("MatrixDiagPart", infer=by_kernel_on_shapes, category="tensor")
def matrix_diag_part(inputs, attrs):
    """MatrixDiagPart: (x [..., M, N], k) -> diagonal k of each innermost matrix."""
    x = np.asarray(inputs[0])
    r, c = _diagonal_index(x.shape[-2], x.shape[-1], _single_k(inputs[1], "MatrixDiagPart"))
    return np.array(x[..., r, c])


@register("MatrixSetDiag", infer=lambda ctx: [desc(ctx.dtype(0), ctx.shape(0))], category="tensor")
def matrix_set_diag(inputs, attrs):
    """MatrixSetDiag: (x [..., M, N], diagonal, k) -> x with diagonal k replaced."""
    x = np.array(inputs[0], copy=True)
    r, c = _diagonal_index(x.shape[-2], x.shape[-1], _single_k(inputs[2], "MatrixSetDiag"))
    x[..., r, c] = np.asarray(inputs[1])
    return x
