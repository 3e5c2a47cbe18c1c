"""Unique: the distinct values (or slices along an axis) of a tensor with their indices and counts."""
from __future__ import annotations

import numpy as np

from ..ir import DataType
from .registry import Attr, InferContext, desc, register

INT64 = DataType.DT_INT64


def _unique_infer(ctx: InferContext):
    shape, axis = ctx.shape(0), ctx.attrs["axis"]
    if shape is None:
        y = None
    elif axis is None:
        y = (-1,)
    else:
        y = list(shape)
        y[axis % len(shape)] = -1
    n_in = None if shape is None else (int(np.prod(shape)) if axis is None and -1 not in shape else
                                       (shape[axis % len(shape)] if axis is not None else -1))
    return [desc(ctx.dtype(0), y), desc(INT64, (-1,)), desc(INT64, None if n_in is None else (n_in,)),
            desc(INT64, (-1,))]


@register("Unique", attrs={"axis": Attr("any", None, "int, or None to flatten"), "sorted": Attr("bool", True)},
          infer=_unique_infer, category="tensor")
def unique(inputs, attrs):
    """Unique: (x) -> (unique values or slices along axis, first-occurrence indices, inverse indices,
    counts), in sorted order or in order of first occurrence."""
    x = np.asarray(inputs[0])
    axis = attrs["axis"]
    if axis is None:
        y, first, inverse, counts = np.unique(x.reshape(-1), return_index=True, return_inverse=True,
                                              return_counts=True)
        ax = 0
    else:
        ax = int(axis) % x.ndim
        y, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True,
                                              axis=ax)
    inverse = inverse.reshape(-1)
    if not attrs["sorted"]:
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        y, first, counts, inverse = np.take(y, order, axis=ax), first[order], counts[order], rank[inverse]
    return [y.astype(x.dtype, copy=False), first.astype(np.int64), inverse.astype(np.int64),
            counts.astype(np.int64)]
