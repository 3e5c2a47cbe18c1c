"""Canonical ops with TensorFlow semantics and no ONNX twin: SpaceToBatchND and BatchToSpaceND (block
moves between the spatial dims 1..M and the batch dim), and StridedSlice for run-time slice bounds."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from .registry import Attr, by_kernel_on_shapes, register


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
