"""RoiAlign (ONNX semantics, as onnxruntime computes it): per region of interest, bins sampled on a regular
grid with bilinear interpolation, averaged (avg) or max-pooled (max: the largest weighted corner value)."""
from __future__ import annotations

import math

import numpy as np

from .registry import Attr, InferContext, desc, register


def _infer(ctx: InferContext):
    xs, rs = ctx.shape(0), ctx.shape(1)
    n = rs[0] if rs is not None else -1
    c = xs[1] if xs is not None else -1
    return [desc(ctx.dtype(0), (n, c, ctx.attrs["output_height"], ctx.attrs["output_width"]))]


def _axis_samples(start: float, size: float, bins: int, grid: int, limit: int):
    """Per bin and sample along one axis: (low index, high index, low weight, high weight, valid)."""
    pos = start + (np.arange(bins)[:, None] + (np.arange(grid)[None, :] + 0.5) / grid) * (size / bins)
    valid = (pos >= -1.0) & (pos <= limit)
    pos = np.clip(pos, 0.0, None)
    low = np.floor(pos).astype(np.int64)
    at_edge = low >= limit - 1
    low = np.where(at_edge, limit - 1, low)
    high = np.where(at_edge, limit - 1, low + 1)
    pos = np.where(at_edge, low.astype(pos.dtype), pos)
    frac = pos - low
    return low, high, 1.0 - frac, frac, valid


@register("RoiAlign", attrs={"mode": Attr("str", "avg"), "output_height": Attr("int", 1),
                             "output_width": Attr("int", 1), "sampling_ratio": Attr("int", 0),
                             "spatial_scale": Attr("float", 1.0),
                             "coordinate_transformation_mode": Attr("str", "half_pixel")},
          infer=_infer, category="detection")
def roi_align(inputs, attrs):
    """Inputs: X [N, C, H, W], rois [R, 4] (x1, y1, x2, y2), batch_indices [R]."""
    x, rois, batch = np.asarray(inputs[0], np.float32), np.asarray(inputs[1], np.float32), inputs[2]
    oh, ow = attrs["output_height"], attrs["output_width"]
    scale = attrs["spatial_scale"]
    half = attrs["coordinate_transformation_mode"] == "half_pixel"
    offset = 0.5 if half else 0.0
    _, c, h, w = x.shape
    out = np.zeros((rois.shape[0], c, oh, ow), np.float32)
    for r, (x1, y1, x2, y2) in enumerate(rois):
        sw, sh = x1 * scale - offset, y1 * scale - offset
        rw, rh = x2 * scale - offset - sw, y2 * scale - offset - sh
        if not half:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        gh = attrs["sampling_ratio"] or int(math.ceil(rh / oh))
        gw = attrs["sampling_ratio"] or int(math.ceil(rw / ow))
        if gh <= 0 or gw <= 0:
            continue
        yl, yh, wyl, wyh, vy = _axis_samples(sh, rh, oh, gh, h)
        xl, xh, wxl, wxh, vx = _axis_samples(sw, rw, ow, gw, w)
        img = x[int(batch[r])]                                   # (C, H, W)
        # corner values per (bin_y, sample_y, bin_x, sample_x)
        ix = lambda yy, xx: img[:, yy[:, :, None, None], xx[None, None, :, :]]  # noqa: E731
        weights = [(wyl[:, :, None, None] * wxl[None, None]), (wyl[:, :, None, None] * wxh[None, None]),
                   (wyh[:, :, None, None] * wxl[None, None]), (wyh[:, :, None, None] * wxh[None, None])]
        corners = [ix(yl, xl), ix(yl, xh), ix(yh, xl), ix(yh, xh)]
        valid = (vy[:, :, None, None] & vx[None, None])
        if attrs["mode"] == "max":
            vals = np.max([wt * v for wt, v in zip(weights, corners)], axis=0)
            vals = np.where(valid, vals, 0.0)
            out[r] = vals.max(axis=(2, 4))
        else:
            vals = sum(wt * v for wt, v in zip(weights, corners))
            vals = np.where(valid, vals, 0.0)
            out[r] = vals.sum(axis=(2, 4)) / (gh * gw)
    return out.astype(inputs[0].dtype, copy=False)
