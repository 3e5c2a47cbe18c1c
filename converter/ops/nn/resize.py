"""Resize with ONNX semantics (nearest / linear / cubic, every coordinate transformation mode), N-d, separable.

scales, sizes and roi are given for all axes of the channels-first view of x (NCHW order also when
data_format is NHWC), for ``axes`` when that attr is set, or for the spatial axes only when they
have rank - 2 entries. Coordinates are computed in float32 like onnxruntime; where a source
coordinate lands within an ulp of a rounding tie, a nearest index may differ from onnxruntime's.
"""
from __future__ import annotations

import math

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..registry import Attr, InferContext, desc, register
from ._spatial import compute_dtype, from_nchw, shape_from_nchw, shape_to_nchw, to_nchw

F32 = np.float32

# TensorFlow's resize rules (mode, align_corners, half_pixel_centers) -> Resize attrs, after TF's kernels
# (used by the TF frontend and by GE's ResizeBilinearV2/ResizeNearestNeighborV2, which keep TF's attrs)
TF_RESIZE_MODES = {
    ("linear", True, False): {"coordinate_transformation_mode": "align_corners"},
    ("linear", False, True): {"coordinate_transformation_mode": "half_pixel"},
    ("linear", False, False): {"coordinate_transformation_mode": "asymmetric"},
    ("nearest", True, False): {"coordinate_transformation_mode": "align_corners", "nearest_mode": "round_prefer_ceil"},
    ("nearest", False, True): {"coordinate_transformation_mode": "tf_half_pixel_for_nn", "nearest_mode": "floor"},
    ("nearest", False, False): {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
    # TF's bicubic kernel uses a = -0.5 with half-pixel centers and Keys' a = -0.75 otherwise
    ("cubic", True, False): {"coordinate_transformation_mode": "align_corners", "cubic_coeff_a": -0.75},
    ("cubic", False, True): {"coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.5,
                             "exclude_outside": True},
    ("cubic", False, False): {"coordinate_transformation_mode": "asymmetric", "cubic_coeff_a": -0.75},
}

RESIZE_ATTRS = {
    "mode": Attr("str", "nearest", "nearest | linear | cubic"),
    "coordinate_transformation_mode": Attr("str", "half_pixel"),
    "nearest_mode": Attr("str", "round_prefer_floor",
                         "round_prefer_floor | round_prefer_ceil | floor | ceil | simple (per axis: ceil down, floor up)"),
    "cubic_coeff_a": Attr("float", -0.75),
    "exclude_outside": Attr("bool", False),
    "extrapolation_value": Attr("float", 0.0),
    "antialias": Attr("bool", False, "linear/cubic: a filter stretched by 1 / scale when an axis shrinks"),
    "axes": Attr("ints", [], "axes scales/sizes/roi refer to; [] = all (or spatial when rank-2 entries)"),
    "keep_aspect_ratio_policy": Attr("str", "stretch", "stretch | not_larger | not_smaller"),
    "data_format": Attr("str", "NCHW"),
}


def _given(v):
    return v is not None and np.asarray(v).size > 0


class ResizePlan:
    """Which axes change, to what size, with which scale (float32, as onnxruntime) and roi."""

    from_scales = False  # the output lengths come from scales (not sizes): align_corners uses in * scale

    def __init__(self, shape, roi, scales, sizes, attrs: dict):
        rank = len(shape)
        count = np.asarray(sizes if _given(sizes) else scales).size if (_given(sizes) or _given(scales)) else 0
        if attrs.get("axes"):
            self.axes = [int(a) % rank for a in attrs["axes"]]
        elif count == rank - 2 and rank > 2:
            self.axes = list(range(2, rank))
        else:
            self.axes = list(range(rank))
        n = len(self.axes)
        in_sizes = [shape[a] for a in self.axes]
        self.roi = np.asarray(roi, F32).reshape(-1) if _given(roi) else np.array([0] * n + [1] * n, F32)
        if self.roi.size != 2 * n:
            raise GraphError(INVALID_ARGUMENT_VALUE, f"Resize: roi has {self.roi.size} values, expected {2 * n}")
        if _given(sizes):
            sizes = [int(s) for s in np.asarray(sizes).reshape(-1)]
            self._check(len(sizes), n, "sizes")
            policy = attrs.get("keep_aspect_ratio_policy", "stretch")
            if policy != "stretch":  # one scale for every axis; the coordinates use it too
                pick = min if policy == "not_larger" else max
                scale = pick(F32(s) / F32(i) for s, i in zip(sizes, in_sizes))
                self.out_sizes = [int(math.floor(float(scale) * i + 0.5)) for i in in_sizes]
                self.scales = [scale] * n
            else:
                self.out_sizes = sizes
                self.scales = [F32(o) / F32(i) if i > 0 else F32(1) for o, i in zip(sizes, in_sizes)]
        elif _given(scales):
            self.from_scales = True
            self.scales = [F32(s) for s in np.asarray(scales, F32).reshape(-1)]
            self._check(len(self.scales), n, "scales")
            # floor(in * scale) in float32 (5 * 2.8f is 14), also for tf_crop_and_resize: onnxruntime
            # ignores the roi extent here
            self.out_sizes = [int(math.floor(F32(i) * s)) if i >= 0 else -1 for i, s in zip(in_sizes, self.scales)]
        else:
            raise GraphError(INVALID_ARGUMENT_VALUE, "Resize needs scales or sizes")
        self.in_sizes = in_sizes

    @staticmethod
    def _check(got: int, want: int, what: str):
        if got != want:
            raise GraphError(INVALID_ARGUMENT_VALUE, f"Resize: {what} has {got} values, expected {want}")

    def output_shape(self, shape) -> tuple:
        out = list(shape)
        for a, o in zip(self.axes, self.out_sizes):
            out[a] = o
        return tuple(out)


def source_coordinates(mode: str, out_len: int, in_len: int, scale, roi_start, roi_end,
                       from_scales: bool = False) -> np.ndarray:
    """Float32 source coordinate of every output index (ONNX coordinate_transformation_mode). align_corners
    divides by length_resized - 1, where length_resized is in_len * scale when the lengths come from scales
    (fractional: the ONNX reference and its node tests; onnxruntime uses the floored out_len)."""
    o = np.arange(out_len, dtype=F32)
    scale = F32(scale)
    if mode == "half_pixel":
        return (o + F32(0.5)) / scale - F32(0.5)
    if mode == "pytorch_half_pixel":
        return (o + F32(0.5)) / scale - F32(0.5) if out_len > 1 else np.zeros(out_len, F32)
    if mode == "half_pixel_symmetric":
        adjustment = F32(out_len) / (scale * F32(in_len))
        offset = F32(in_len) / F32(2) * (F32(1) - adjustment)
        return offset + (o + F32(0.5)) / scale - F32(0.5)
    if mode == "align_corners":
        resized = F32(in_len) * scale if from_scales else F32(out_len)
        return o * F32(in_len - 1) / (resized - F32(1)) if out_len > 1 else np.zeros(out_len, F32)
    if mode == "asymmetric":
        return o / scale
    if mode == "tf_half_pixel_for_nn":
        return (o + F32(0.5)) / scale
    if mode == "tf_crop_and_resize":
        start, end, last = F32(roi_start), F32(roi_end), F32(in_len - 1)
        if out_len > 1:
            return start * last + o * (end - start) * last / F32(out_len - 1)
        return np.full(out_len, F32(0.5) * (start + end) * last, F32)
    raise GraphError(INVALID_ARGUMENT_VALUE, f"Resize: coordinate_transformation_mode '{mode}' is not supported")


NEAREST_ROUNDING = {
    "round_prefer_floor": lambda x: np.where(x - np.floor(x) == F32(0.5), np.floor(x), np.floor(x + F32(0.5))),
    "round_prefer_ceil": lambda x: np.floor(x + F32(0.5)),
    "floor": np.floor,
    "ceil": np.ceil,
}


def _nearest_taps(x, in_len, attrs, scale):
    """"simple" is Upsample / Resize-10's rule: ceil when this axis shrinks, floor when it grows."""
    mode = attrs["nearest_mode"]
    if mode == "simple":
        mode = "ceil" if scale < 1 else "floor"
    rounding = NEAREST_ROUNDING.get(mode)
    if rounding is None:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"Resize: nearest_mode '{mode}' is not one of "
                         f"{sorted(NEAREST_ROUNDING) + ['simple']}")
    idx = np.clip(rounding(x).astype(np.int64), 0, in_len - 1)
    return [idx], None


def _linear_taps(x, in_len, attrs, scale):
    x = np.clip(x, 0, in_len - 1)
    i0 = np.floor(x).astype(np.int64)
    w1 = (x - i0).astype(F32)
    return [i0, np.minimum(i0 + 1, in_len - 1)], [F32(1) - w1, w1]


def _cubic_taps(x, in_len, attrs, scale):
    a = F32(attrs["cubic_coeff_a"])
    base = np.floor(x)
    t = (x - base).astype(F32)
    base = base.astype(np.int64)

    def near(d):   # |d| <= 1
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d):    # 1 < |d| < 2
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    idx = [base + k for k in (-1, 0, 1, 2)]
    if attrs["exclude_outside"]:
        weights = [np.where((i < 0) | (i >= in_len), F32(0), w) for i, w in zip(idx, weights)]
        total = sum(weights)
        weights = [w / total for w in weights]
    return [np.clip(i, 0, in_len - 1) for i in idx], weights


def _cubic_kernel(d: np.ndarray, a) -> np.ndarray:
    d = np.abs(d)
    return np.where(d <= 1, ((a + 2) * d - (a + 3)) * d * d + 1,
                    np.where(d < 2, ((a * d - 5 * a) * d + 8 * a) * d - 4 * a, 0))


def _antialias_taps(kernel, radius: float):
    """Taps of an antialiasing filter (ONNX Resize antialias=1, linear or cubic): when an axis shrinks, the
    kernel is stretched by 1 / scale and its weights normalised; the taps nearest the source coordinate
    (edge-clamped, or dropped with exclude_outside)."""

    def taps(x, in_len, attrs, scale):
        scale = min(float(scale), 1.0)
        start = int(np.floor(-radius / scale) + 1)
        n = 2 - 2 * start
        x = x.astype(np.float64)
        base = np.floor(x)
        ratio = np.where(x == base, 1.0, x - base)
        base = base.astype(np.int64) - (x == np.floor(x))    # prefer the pixel left of an integer coordinate
        offsets = np.arange(start, start + n)
        weights = kernel(scale * (offsets[None, :] - ratio[:, None]), attrs)
        idx = base[:, None] + offsets[None, :]
        if attrs["exclude_outside"]:
            weights = np.where((idx < 0) | (idx >= in_len), 0.0, weights)
        total = weights.sum(axis=1, keepdims=True)
        weights = weights / np.where(total == 0, 1.0, total)
        idx = np.clip(idx, 0, in_len - 1)
        return [idx[:, k] for k in range(n)], [weights[:, k].astype(F32) for k in range(n)]

    return taps


TAPS = {"nearest": _nearest_taps, "linear": _linear_taps, "cubic": _cubic_taps}
ANTIALIAS_TAPS = {"linear": _antialias_taps(lambda d, attrs: np.clip(1 - np.abs(d), 0, 1), 1.0),
                  "cubic": _antialias_taps(lambda d, attrs: _cubic_kernel(d, attrs["cubic_coeff_a"]), 2.0)}


def _apply_axis(y: np.ndarray, axis: int, idx: list, weights) -> np.ndarray:
    if weights is None:
        return np.take(y, idx[0], axis=axis)
    shape = [1] * y.ndim
    shape[axis] = -1
    out = None
    for i, w in zip(idx, weights):
        term = np.take(y, i, axis=axis) * w.reshape(shape)
        out = term if out is None else out + term
    return out


def resize_nchw(x: np.ndarray, roi, scales, sizes, attrs: dict) -> np.ndarray:
    """ONNX Resize on a channels-first tensor (the kernel body)."""
    mode = attrs["mode"].lower()
    taps = TAPS.get(mode)
    if attrs.get("antialias") and mode != "nearest":
        taps = ANTIALIAS_TAPS.get(mode)
    if taps is None:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"Resize: mode '{attrs['mode']}' is not one of {sorted(TAPS)}")
    plan = ResizePlan(x.shape, roi, scales, sizes, attrs)
    if plan.output_shape(x.shape) == tuple(x.shape):
        return x.copy()  # onnxruntime copies the input when no size changes, whatever the scales and roi
    coord_mode = attrs["coordinate_transformation_mode"]
    y = x if mode == "nearest" else x.astype(compute_dtype(x.dtype), copy=False)
    outside = []
    n = len(plan.axes)
    for k, (axis, in_len, out_len, scale) in enumerate(zip(plan.axes, plan.in_sizes, plan.out_sizes, plan.scales)):
        if out_len == in_len and scale == 1:
            continue  # onnxruntime leaves an unscaled axis alone whatever the coordinate mode (even its roi)
        coords = source_coordinates(coord_mode, out_len, in_len, scale, plan.roi[k], plan.roi[n + k],
                                    plan.from_scales)
        if coord_mode == "tf_crop_and_resize":
            outside.append((axis, (coords < 0) | (coords > in_len - 1)))
        idx, weights = taps(coords, in_len, attrs, scale)
        y = _apply_axis(y, axis, idx, weights)
    if outside:
        mask = np.zeros(y.shape, bool)
        for axis, out_mask in outside:
            shape = [1] * y.ndim
            shape[axis] = -1
            mask |= out_mask.reshape(shape)
        y = np.where(mask, y.dtype.type(attrs["extrapolation_value"]), y)
    return y.astype(x.dtype, copy=False)


def _optional(inputs, i):
    return inputs[i] if len(inputs) > i else None


@register("Resize", attrs=RESIZE_ATTRS, infer=lambda ctx: _resize_infer(ctx), category="nn", param_inputs={1, 2})
def resize(inputs, attrs):
    """Resize: (x, roi?, scales?, sizes?) with ONNX Resize semantics."""
    x = inputs[0]
    fmt = attrs.get("data_format", "NCHW")
    y = resize_nchw(to_nchw(x, fmt), _optional(inputs, 1), _optional(inputs, 2), _optional(inputs, 3), attrs)
    return from_nchw(y, fmt)


def _resize_infer(ctx: InferContext):
    shape = ctx.shape(0)
    if shape is None:
        return [desc(ctx.dtype(0), None)]
    fmt = ctx.attrs.get("data_format", "NCHW")
    shape = shape_to_nchw(tuple(shape), fmt)
    roi, scales, sizes = ctx.value(1), ctx.value(2), ctx.value(3)
    sizes_unknown = ctx.has(3) and sizes is None
    scales_unknown = ctx.has(2) and scales is None and not _given(sizes)
    roi_unknown = (ctx.has(1) and roi is None
                   and ctx.attrs["coordinate_transformation_mode"] == "tf_crop_and_resize")
    if sizes_unknown or scales_unknown or roi_unknown or not (_given(sizes) or _given(scales)):
        return [desc(ctx.dtype(0), _unknown_resized(shape, ctx))]
    plan = ResizePlan(shape, roi, scales, sizes, ctx.attrs)
    return [desc(ctx.dtype(0), shape_from_nchw(plan.output_shape(shape), fmt))]


def _unknown_resized(shape, ctx: InferContext):
    """Shape with -1 on every axis Resize may change (batch and channels kept for spatial resizes)."""
    fmt = ctx.attrs.get("data_format", "NCHW")
    rank = len(shape)
    counts = [ctx.shape(i) for i in (3, 2) if ctx.has(i) and ctx.shape(i) is not None]
    if ctx.attrs.get("axes"):
        axes = {a % rank for a in ctx.attrs["axes"]}
    elif counts and tuple(counts[0]) == (rank - 2,) and rank > 2:
        axes = set(range(2, rank))
    else:
        axes = set(range(rank))
    out = [-1 if i in axes else d for i, d in enumerate(shape)]
    return shape_from_nchw(tuple(out), fmt)
