"""GridSample: sampling of N,C,*S input (4-D NCHW, 5-D NCDHW volumetric) at normalised grid positions (ONNX
opset 16/20 semantics as onnxruntime computes them): (tri)linear and nearest, bicubic for 4-D, with
zeros/border/reflection padding."""
from __future__ import annotations

import itertools

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..elementwise import like, widen
from ..registry import Attr, InferContext, desc, register


def _reflect(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Reflect coordinates into [lo, hi] (repeatedly, like onnxruntime's GsReflect)."""
    span = hi - lo
    if span <= 0:
        return np.full_like(x, lo)
    below, above = x < lo, x > hi
    d = np.where(below, lo - x, np.where(above, x - hi, 0))
    n = np.floor(d / span)
    r = d - n * span
    even = (n % 2) == 0
    low_side = np.where(even, lo + r, hi - r)
    high_side = np.where(even, hi - r, lo + r)
    return np.where(below, low_side, np.where(above, high_side, x))


def _grid_infer(ctx: InferContext):
    xs, gs = ctx.shape(0), ctx.shape(1)
    if xs is None or gs is None:
        return [desc(ctx.dtype(0), None)]
    if len(xs) < 3 or len(gs) != len(xs) or gs[-1] not in (-1, len(xs) - 2):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"GridSample: input {list(xs)} and grid {list(gs)} do not fit (a grid of "
                         f"shape N,{','.join('*' * (len(xs) - 2))},{len(xs) - 2} is needed)")
    if ctx.attrs["mode"] == "bicubic" and len(xs) != 4:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"GridSample: mode cubic takes a 4-D input only; this one is {len(xs)}-D")
    return [desc(ctx.dtype(0), (xs[0], xs[1], *gs[1:-1]))]


def _cubic_coeffs(t: np.ndarray) -> list:
    a = -0.75
    t = np.abs(t)
    return [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
            ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]


@register("GridSample", attrs={"mode": Attr("str", "bilinear", "bilinear | nearest | bicubic"),
                               "padding_mode": Attr("str", "zeros", "zeros | border | reflection"),
                               "align_corners": Attr("bool", False)},
          infer=_grid_infer, category="nn")
def grid_sample(inputs, attrs):
    """GridSample: (x N,C,*S, grid N,*O,k of normalised coordinates in [-1, 1], (x, y[, z]) order, k = len(S))
    -> N,C,*O samples of x. Bilinear (trilinear for 5-D) and nearest for any rank; bicubic for 4-D only."""
    x, grid = np.asarray(inputs[0]), widen(inputs[1])
    n, _, *sizes = x.shape
    k = len(sizes)
    if grid.shape[-1] != k:
        raise ValueError(f"grid has {grid.shape[-1]} coordinates per point; a {x.ndim}-D input needs {k}")
    mode, pad, align = attrs["mode"], attrs["padding_mode"], attrs["align_corners"]
    if mode == "bicubic" and k != 2:
        raise ValueError("bicubic GridSample needs a 4-D input")
    xf = widen(x)
    coords, bounds = [], []
    for j, size in enumerate(sizes):  # spatial axis j of x (D, H, W order) reads grid coordinate k-1-j
        g = grid[..., k - 1 - j]
        g = (g + 1) / 2 * (size - 1) if align else ((g + 1) * size - 1) / 2
        lo, hi = (0.0, size - 1.0) if align else (-0.5, size - 0.5)
        if mode == "nearest":
            g = np.rint(g)
        if pad == "border" and mode != "bicubic":  # bicubic clamps each tap instead (as onnxruntime)
            g = np.where((g < lo) | (g > hi), np.clip(g, 0, size - 1), g)
        elif pad == "reflection":
            g = _reflect(g, lo, hi)
        coords.append(g)
        bounds.append((lo, hi))
    batch = np.arange(n).reshape((n,) + (1,) * (grid.ndim - 2))

    def pixel(index):
        """x values at integer positions (one N,*O array per spatial axis) -> (N,*O,C), padded per padding_mode."""
        index = [i.astype(np.int64) for i in index]
        if pad == "zeros":
            inside = np.logical_and.reduce([(i >= 0) & (i < s) for i, s in zip(index, sizes)])
            vals = xf[(batch, slice(None), *(np.clip(i, 0, s - 1) for i, s in zip(index, sizes)))]
            return np.where(inside[..., None], vals, 0)
        if pad == "border":
            index = [np.clip(i, 0, s - 1) for i, s in zip(index, sizes)]
        else:
            index = [np.trunc(_reflect(i.astype(np.float64), *b)).astype(np.int64) for i, b in zip(index, bounds)]
        return xf[(batch, slice(None), *index)]

    if mode == "nearest":
        out = pixel(coords)
    elif mode == "bilinear":
        base = [np.floor(g) for g in coords]
        frac = [(g - b)[..., None] for g, b in zip(coords, base)]
        out = 0
        for corner in itertools.product((0, 1), repeat=k):
            weight = 1
            for f, bit in zip(frac, corner):
                weight = weight * (f if bit else 1 - f)
            out = out + weight * pixel([b + bit for b, bit in zip(base, corner)])
    else:
        gy, gx = coords
        x0, y0 = np.floor(gx) - 1, np.floor(gy) - 1
        cx, cy = _cubic_coeffs(gx - x0 - 1), _cubic_coeffs(gy - y0 - 1)
        out = 0
        for i in range(4):
            row = sum(cx[j][..., None] * pixel([y0 + i, x0 + j]) for j in range(4))
            out = out + cy[i][..., None] * row
    return like(np.moveaxis(out, -1, 1), x.dtype)
