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


def _c_round(v) -> int:
    """C's round(): halves away from zero."""
    return int(math.copysign(math.floor(abs(float(v)) + 0.5), float(v)))


def _roi_pool_infer(ctx: InferContext):
    xs, rs = ctx.shape(0), ctx.shape(1)
    return [desc(ctx.dtype(0), (rs[0] if rs is not None else -1, xs[1] if xs is not None else -1,
                                ctx.attrs["pooled_h"], ctx.attrs["pooled_w"]))]


@register("ROIPooling", attrs={"pooled_h": Attr("int"), "pooled_w": Attr("int"), "spatial_scale": Attr("float", 1.0)},
          infer=_roi_pool_infer, category="detection")
def roi_pooling(inputs, attrs):
    """Caffe ROIPooling (= ONNX MaxRoiPool): X [N, C, H, W], rois [R, 5] (batch, x1, y1, x2, y2); each roi,
    scaled and rounded, is split into pooled_h x pooled_w bins that are max-pooled (empty bins give 0)."""
    x, rois = inputs[0], np.asarray(inputs[1], np.float32)
    ph_n, pw_n, scale = attrs["pooled_h"], attrs["pooled_w"], attrs["spatial_scale"]
    _, c, h, w = x.shape
    out = np.zeros((rois.shape[0], c, ph_n, pw_n), x.dtype)
    for r, roi in enumerate(rois):
        b = int(roi[0])
        x1, y1, x2, y2 = (_c_round(v * np.float32(scale)) for v in roi[1:5])
        rh, rw = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        bh, bw = np.float32(rh) / np.float32(ph_n), np.float32(rw) / np.float32(pw_n)  # float, as Caffe computes
        for ph in range(ph_n):
            hs = min(max(int(np.floor(np.float32(ph) * bh)) + y1, 0), h)
            he = min(max(int(np.ceil(np.float32(ph + 1) * bh)) + y1, 0), h)
            for pw in range(pw_n):
                ws = min(max(int(np.floor(np.float32(pw) * bw)) + x1, 0), w)
                we = min(max(int(np.ceil(np.float32(pw + 1) * bw)) + x1, 0), w)
                if he > hs and we > ws:
                    out[r, :, ph, pw] = x[b, :, hs:he, ws:we].max(axis=(1, 2))
    return out
