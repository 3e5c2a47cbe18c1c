"""TensorFlow's image ops on NHWC tensors, computed as TF's CPU kernels compute them (float32 coordinates):
CropAndResize (boxes of a batch resized to one size, bilinear or nearest), ResizeArea (each output pixel the
average of the input area it covers) and ExtractImagePatches (each output pixel the flattened kh x kw x C patch
around it)."""
from __future__ import annotations

import math

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType
from .registry import Attr, InferContext, desc, register

F32 = np.float32


def _pair(value, name: str, what: str) -> tuple:
    pair = np.asarray(value).reshape(-1)
    if pair.size != 2 or np.any(pair < 1):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: {what} must be two positive sizes, not {pair.tolist()}")
    return int(pair[0]), int(pair[1])


def _image(value, name: str) -> np.ndarray:
    image = np.asarray(value)
    if image.ndim != 4 or image.shape[1] < 1 or image.shape[2] < 1:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: the image must be NHWC with a non-empty height and width")
    return image


def _sized_infer(batch_of, size_input: int):
    def infer(ctx: InferContext):
        size = ctx.value(size_input)
        height, width = (-1, -1) if size is None else (int(s) for s in np.asarray(size).reshape(-1)[:2])
        image = ctx.shape(0)
        channels = image[3] if image is not None and len(image) == 4 else -1
        return [desc(DataType.DT_FLOAT, (batch_of(ctx), height, width, channels))]
    return infer


def _boxes_count(ctx: InferContext) -> int:
    boxes = ctx.shape(1)
    return boxes[0] if boxes is not None and len(boxes) == 2 else -1


def _image_batch(ctx: InferContext) -> int:
    image = ctx.shape(0)
    return image[0] if image is not None and len(image) == 4 else -1


# ---- CropAndResize --------------------------------------------------------------------------------

def _crop_coordinates(start, end, image_len: int, crop_len: int) -> np.ndarray:
    """(boxes, crop_len) source coordinates in float32, as TF computes them."""
    start, end = start.astype(F32), end.astype(F32)
    if crop_len > 1:
        scale = (end - start) * F32(image_len - 1) / F32(crop_len - 1)
        return start[:, None] * F32(image_len - 1) + np.arange(crop_len, dtype=F32)[None, :] * scale[:, None]
    middle = (0.5 * (start + end).astype(np.float64) * (image_len - 1)).astype(F32)   # a double in TF
    return middle[:, None]


@register("CropAndResize", attrs={"method": Attr("str", "bilinear"), "extrapolation_value": Attr("float", 0.0)},
          infer=_sized_infer(_boxes_count, 3), category="nn", param_inputs={1})
def crop_and_resize(inputs, attrs):
    """CropAndResize: (image NHWC, boxes [B, 4] normalised y1 x1 y2 x2, box_index [B], crop_size [2]) ->
    [B, crop_h, crop_w, C] float32; samples outside the image get extrapolation_value."""
    image = _image(inputs[0], "CropAndResize")
    boxes = np.asarray(inputs[1], F32).reshape(-1, 4)
    index = np.asarray(inputs[2]).reshape(-1).astype(np.int64)
    crop_h, crop_w = _pair(inputs[3], "CropAndResize", "crop_size")
    if not np.all(np.isfinite(boxes)) or len(index) != len(boxes):
        raise GraphError(INVALID_ARGUMENT_VALUE, "CropAndResize: boxes must be finite, one box_index per box")
    if np.any((index < 0) | (index >= image.shape[0])):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"CropAndResize: box_index must lie in [0, {image.shape[0]})")
    _, height, width, channels = image.shape
    ys = _crop_coordinates(boxes[:, 0], boxes[:, 2], height, crop_h)
    xs = _crop_coordinates(boxes[:, 1], boxes[:, 3], width, crop_w)
    ys, xs = np.broadcast_to(ys, (len(boxes), crop_h)), np.broadcast_to(xs, (len(boxes), crop_w))
    inside = ((ys >= 0) & (ys <= height - 1))[:, :, None] & ((xs >= 0) & (xs <= width - 1))[:, None, :]
    src = image.astype(F32)[index]                                         # (B, H, W, C)
    batch = np.arange(len(boxes))[:, None, None]
    if attrs["method"] == "nearest":
        yi = np.clip(_round_half_away(ys), 0, height - 1)[:, :, None]
        xi = np.clip(_round_half_away(xs), 0, width - 1)[:, None, :]
        out = src[batch, yi, xi]
    elif attrs["method"] == "bilinear":
        top, left = np.floor(ys), np.floor(xs)
        y_lerp, x_lerp = (ys - top).astype(F32), (xs - left).astype(F32)
        top = np.clip(top, 0, height - 1).astype(np.int64)
        bottom = np.clip(np.ceil(ys), 0, height - 1).astype(np.int64)
        left = np.clip(left, 0, width - 1).astype(np.int64)
        right = np.clip(np.ceil(xs), 0, width - 1).astype(np.int64)

        def at(y, x):
            return src[batch, y[:, :, None], x[:, None, :]]

        xl = x_lerp[:, None, :, None]
        upper = at(top, left) + (at(top, right) - at(top, left)) * xl
        lower = at(bottom, left) + (at(bottom, right) - at(bottom, left)) * xl
        out = upper + (lower - upper) * y_lerp[:, :, None, None]
    else:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"CropAndResize: method '{attrs['method']}' is not bilinear or nearest")
    return np.where(inside[..., None], out, F32(attrs["extrapolation_value"])).astype(F32).reshape(
        len(boxes), crop_h, crop_w, channels)


def _round_half_away(v: np.ndarray) -> np.ndarray:
    """C roundf: halves away from zero."""
    return (np.sign(v) * np.floor(np.abs(v) + F32(0.5))).astype(np.int64)


# ---- ResizeArea -----------------------------------------------------------------------------------

def _area_weights(in_len: int, out_len: int, align_corners: bool) -> tuple:
    """(out_len, in_len) float32 coverage weights of each input cell in each output cell, and the scale."""
    scale = F32(in_len - 1) / F32(out_len - 1) if align_corners and out_len > 1 else F32(in_len) / F32(out_len)
    weights = np.zeros((out_len, in_len), np.float64)
    for o in range(out_len):
        start, stop = F32(o) * scale, F32(o + 1) * scale
        for i in range(math.floor(start), math.ceil(stop)):
            if i < start:
                part = scale if i + 1 > stop else F32(i + 1) - start
            else:
                part = stop - F32(i) if i + 1 > stop else F32(1.0)
            weights[o, min(max(i, 0), in_len - 1)] += F32(part)
    return weights, scale


@register("ResizeArea", attrs={"align_corners": Attr("bool", False)}, infer=_sized_infer(_image_batch, 1),
          category="nn")
def resize_area(inputs, attrs):
    """ResizeArea: (images NHWC, size [2]) -> float32 images, each pixel the area-weighted mean of the input
    pixels its box covers (TF's area resize; exact up to the order of float sums)."""
    image = _image(inputs[0], "ResizeArea")
    out_h, out_w = _pair(inputs[1], "ResizeArea", "size")
    wy, sy = _area_weights(image.shape[1], out_h, attrs["align_corners"])
    wx, sx = _area_weights(image.shape[2], out_w, attrs["align_corners"])
    scale = np.float64(F32(1.0 / float(sy * sx)))
    out = np.einsum("yh,nhwc,xw->nyxc", wy, image.astype(np.float64), wx, optimize=True) * scale
    return out.astype(F32)


# ---- ExtractImagePatches --------------------------------------------------------------------------

def _patch_geometry(size: int, kernel: int, stride: int, rate: int, auto_pad: str) -> tuple:
    """(output length, padding before) of one spatial axis."""
    span = (kernel - 1) * rate + 1
    if auto_pad == "VALID":
        return max(-(-(size - span + 1) // stride), 0), 0
    out = -(-size // stride)
    return out, max((out - 1) * stride + span - size, 0) // 2


def _patches_infer(ctx: InferContext):
    shape = ctx.shape(0)
    if shape is None or len(shape) != 4:
        return [desc(ctx.dtype(0), None)]
    (kh, kw), (sh, sw), (rh, rw) = ctx.attrs["kernel_shape"], ctx.attrs["strides"], ctx.attrs["dilations"]
    dims = [(-1 if n < 0 else _patch_geometry(n, k, s, r, ctx.attrs["auto_pad"])[0])
            for n, k, s, r in ((shape[1], kh, sh, rh), (shape[2], kw, sw, rw))]
    depth = -1 if shape[3] < 0 else kh * kw * shape[3]
    return [desc(ctx.dtype(0), (shape[0], dims[0], dims[1], depth))]


@register("ExtractImagePatches", attrs={"kernel_shape": Attr("ints"), "strides": Attr("ints", [1, 1]),
                                        "dilations": Attr("ints", [1, 1]), "auto_pad": Attr("str", "VALID")},
          infer=_patches_infer, category="nn")
def extract_image_patches(inputs, attrs):
    """ExtractImagePatches: NHWC -> [N, out_h, out_w, kh * kw * C], each patch flattened row, column, channel
    (zeros outside the image under SAME padding)."""
    image = _image(inputs[0], "ExtractImagePatches")
    n, height, width, channels = image.shape
    (kh, kw), (sh, sw), (rh, rw) = attrs["kernel_shape"], attrs["strides"], attrs["dilations"]
    out_h, top = _patch_geometry(height, kh, sh, rh, attrs["auto_pad"])
    out_w, left = _patch_geometry(width, kw, sw, rw, attrs["auto_pad"])
    rows = (np.arange(out_h) * sh - top)[:, None] + np.arange(kh) * rh        # (out_h, kh)
    cols = (np.arange(out_w) * sw - left)[:, None] + np.arange(kw) * rw       # (out_w, kw)
    valid = ((rows >= 0) & (rows < height))[:, None, :, None] & ((cols >= 0) & (cols < width))[None, :, None, :]
    picked = image[:, np.clip(rows, 0, height - 1)[:, None, :, None], np.clip(cols, 0, width - 1)[None, :, None, :]]
    picked = np.where(valid[None, ..., None], picked, np.zeros((), image.dtype))   # (n, oh, ow, kh, kw, c)
    return picked.reshape(n, out_h, out_w, kh * kw * channels)
