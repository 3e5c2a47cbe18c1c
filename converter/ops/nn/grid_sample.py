"""GridSample: sampling of 4-D NCHW input at normalised grid positions (ONNX opset 16/20 semantics as
onnxruntime computes them): bilinear, nearest and bicubic, with zeros/border/reflection padding."""
from __future__ import annotations

import numpy as np

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
    """GridSample: (x NCHW, grid N,Ho,Wo,2 of normalised (x, y) in [-1, 1]) -> N,C,Ho,Wo samples of x."""
    x, grid = np.asarray(inputs[0]), widen(inputs[1])
    n, c, h, w = x.shape
    xf = widen(x)
    align, pad = attrs["align_corners"], attrs["padding_mode"]

    def unnormalize(g, size):
        return (g + 1) / 2 * (size - 1) if align else ((g + 1) * size - 1) / 2

    gx, gy = unnormalize(grid[..., 0], w), unnormalize(grid[..., 1], h)
    bounds_x = (0.0, w - 1.0) if align else (-0.5, w - 0.5)
    bounds_y = (0.0, h - 1.0) if align else (-0.5, h - 0.5)
    if attrs["mode"] == "nearest":
        gx, gy = np.rint(gx), np.rint(gy)
    if pad == "border" and attrs["mode"] != "bicubic":  # bicubic clamps each tap instead (as onnxruntime)
        gx = np.where((gx < bounds_x[0]) | (gx > bounds_x[1]), np.clip(gx, 0, w - 1), gx)
        gy = np.where((gy < bounds_y[0]) | (gy > bounds_y[1]), np.clip(gy, 0, h - 1), gy)
    elif pad == "reflection":
        gx, gy = _reflect(gx, *bounds_x), _reflect(gy, *bounds_y)
    batch = np.arange(n).reshape(n, 1, 1)

    def pixel(ix, iy):
        """x values at integer grid positions (N,Ho,Wo) -> (N,Ho,Wo,C), padded per padding_mode."""
        ix, iy = ix.astype(np.int64), iy.astype(np.int64)
        if pad == "zeros":
            inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
            vals = xf[batch, :, np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
            return np.where(inside[..., None], vals, 0)
        if pad == "border":
            ix, iy = np.clip(ix, 0, w - 1), np.clip(iy, 0, h - 1)
        else:
            ix = np.trunc(_reflect(ix.astype(np.float64), *bounds_x)).astype(np.int64)
            iy = np.trunc(_reflect(iy.astype(np.float64), *bounds_y)).astype(np.int64)
        return xf[batch, :, iy, ix]

    mode = attrs["mode"]
    if mode == "nearest":
        out = pixel(gx, gy)
    elif mode == "bilinear":
        x0, y0 = np.floor(gx), np.floor(gy)
        dx, dy = (gx - x0)[..., None], (gy - y0)[..., None]
        out = ((1 - dy) * ((1 - dx) * pixel(x0, y0) + dx * pixel(x0 + 1, y0))
               + dy * ((1 - dx) * pixel(x0, y0 + 1) + dx * pixel(x0 + 1, y0 + 1)))
    else:
        x0, y0 = np.floor(gx) - 1, np.floor(gy) - 1
        cx, cy = _cubic_coeffs(gx - x0 - 1), _cubic_coeffs(gy - y0 - 1)
        out = 0
        for i in range(4):
            row = sum(cx[j][..., None] * pixel(x0 + j, y0 + i) for j in range(4))
            out = out + cy[i][..., None] * row
    return like(np.moveaxis(out, -1, 1), x.dtype)
