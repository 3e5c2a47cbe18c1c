"""TensorFlow's segment reductions: rows of data reduced by segment id. Unsorted ones (UnsortedSegmentSum/Max/
Min/Prod) take the number of segments and ignore negative ids, and give empty segments the reduction's identity
(0, the lowest or highest value, 1); sorted ones (SegmentSum/Mean/Max/Min/Prod) have max(id) + 1 segments and give
empty segments 0 (SegmentProd: 1)."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from .registry import InferContext, desc, register

REDUCERS = {"Sum": np.add, "Max": np.maximum, "Min": np.minimum, "Prod": np.multiply, "Mean": np.add}


def _identity(kind: str, dtype) -> object:
    if kind == "Max":
        return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min
    if kind == "Min":
        return np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max
    return 1 if kind == "Prod" else 0


def _reduce(data: np.ndarray, ids: np.ndarray, count: int, kind: str, name: str) -> tuple:
    """(per-segment reduction, number of rows in each segment)."""
    if ids.shape != data.shape[:ids.ndim]:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: segment_ids of shape {list(ids.shape)} must be a prefix of the data's "
                         f"{list(data.shape)}")
    if np.any(ids >= count):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: segment ids must be below the number of segments {count}")
    rows = data.reshape((-1,) + data.shape[ids.ndim:])
    flat = ids.reshape(-1)
    keep = flat >= 0
    out = np.full((count,) + rows.shape[1:], _identity(kind, data.dtype), data.dtype)
    REDUCERS[kind].at(out, flat[keep], rows[keep])
    return out, np.bincount(flat[keep], minlength=count)[:count]


def _unsorted_infer(ctx: InferContext):
    count, data, ids = ctx.value(2), ctx.shape(0), ctx.shape(1)
    segments = -1 if count is None else int(np.asarray(count).reshape(-1)[0])
    if data is None or ids is None:
        return [desc(ctx.dtype(0), None)]
    return [desc(ctx.dtype(0), (segments,) + tuple(data[len(ids):]))]


def _sorted_infer(ctx: InferContext):
    data, ids = ctx.shape(0), ctx.value(1)
    if data is None:
        return [desc(ctx.dtype(0), None)]
    segments = -1 if ids is None or np.asarray(ids).size == 0 else int(np.asarray(ids).max()) + 1
    return [desc(ctx.dtype(0), (segments,) + tuple(data[1:]))]


def _unsorted(kind: str):
    name = f"UnsortedSegment{kind}"

    def kernel(inputs, attrs):
        data, ids = np.asarray(inputs[0]), np.asarray(inputs[1]).astype(np.int64)
        return _reduce(data, ids, int(np.asarray(inputs[2]).reshape(-1)[0]), kind, name)[0]
    return kernel


def _sorted(kind: str):
    name = f"Segment{kind}"

    def kernel(inputs, attrs):
        data, ids = np.asarray(inputs[0]), np.asarray(inputs[1]).astype(np.int64).reshape(-1)
        if np.any(ids < 0) or np.any(np.diff(ids) < 0):
            raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: segment ids must be sorted and non-negative")
        count = int(ids.max()) + 1 if ids.size else 0
        out, sizes = _reduce(data, ids, count, kind, name)
        empty = (sizes == 0).reshape((-1,) + (1,) * (out.ndim - 1))
        if kind == "Mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                out = (out / np.maximum(sizes, 1).reshape(empty.shape)).astype(data.dtype)
        return np.where(empty, np.array(1 if kind == "Prod" else 0, data.dtype), out)
    return kernel


for _kind in ("Sum", "Max", "Min", "Prod"):
    register(f"UnsortedSegment{_kind}", infer=_unsorted_infer, category="reduce",
             doc=f"UnsortedSegment{_kind}: (data, segment_ids, num_segments) -> per-segment {_kind.lower()}"
             )(_unsorted(_kind))
for _kind in ("Sum", "Mean", "Max", "Min", "Prod"):
    register(f"Segment{_kind}", infer=_sorted_infer, category="reduce",
             doc=f"Segment{_kind}: (data, sorted segment_ids) -> per-segment {_kind.lower()}")(_sorted(_kind))
