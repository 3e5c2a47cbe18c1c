"""Linear algebra ops: Det (determinants of square matrices, batched)."""
from __future__ import annotations

import numpy as np

from .elementwise import like, widen
from .registry import InferContext, desc, register


def _det_infer(ctx: InferContext):
    s = ctx.shape(0)
    return [desc(ctx.dtype(0), None if s is None else s[:-2])]


@register("Det", infer=_det_infer, category="tensor")
def det(inputs, attrs):
    """Det: (x [..., M, M]) -> determinants [...]."""
    x = np.asarray(inputs[0])
    return like(np.linalg.det(widen(x)), x.dtype)
