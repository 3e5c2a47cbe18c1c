"""Col2Im: rebuild an N-d image from its sliding blocks (ONNX Col2Im), summing where blocks overlap."""
from __future__ import annotations

import itertools

import numpy as np

from ..elementwise import like, widen
from ..registry import Attr, InferContext, desc, flat_ints, register


def _col2im_infer(ctx: InferContext):
    s, image, block = ctx.shape(0), ctx.value(1), ctx.value(2)
    if s is None or image is None or block is None or s[1] == -1:
        return [desc(ctx.dtype(0), None)]
    return [desc(ctx.dtype(0), (s[0], s[1] // int(np.prod(flat_ints(block))), *flat_ints(image)))]


@register("Col2Im", attrs={"dilations": Attr("ints", []), "pads": Attr("ints", []), "strides": Attr("ints", [])},
          infer=_col2im_infer, category="nn")
def col2im(inputs, attrs):
    """Col2Im: (cols N,C*prod(block),L, image_shape, block_shape) -> N,C,*image summing the sliding blocks."""
    cols, image, block = np.asarray(inputs[0]), flat_ints(inputs[1]), flat_ints(inputs[2])
    r = len(image)
    dil = attrs["dilations"] or [1] * r
    strides = attrs["strides"] or [1] * r
    pads = attrs["pads"] or [0] * (2 * r)
    n, ckk, _ = cols.shape
    c = ckk // int(np.prod(block))
    padded = [image[i] + pads[i] + pads[i + r] for i in range(r)]
    counts = [(padded[i] - dil[i] * (block[i] - 1) - 1) // strides[i] + 1 for i in range(r)]
    work = widen(cols).reshape(n, c, *block, *counts)
    out = np.zeros((n, c, *padded), work.dtype)
    for k in itertools.product(*(range(b) for b in block)):
        index = tuple(slice(k[i] * dil[i], k[i] * dil[i] + strides[i] * (counts[i] - 1) + 1, strides[i])
                      for i in range(r))
        out[(slice(None), slice(None)) + index] += work[(slice(None), slice(None)) + k]
    crop = tuple(slice(pads[i], pads[i] + image[i]) for i in range(r))
    return like(out[(slice(None), slice(None)) + crop], cols.dtype)
