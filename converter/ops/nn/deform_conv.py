"""DeformConv (ONNX opset 19, 2-D): a convolution whose kernel taps are moved by learned offsets (and
optionally scaled by a mask), sampling the input bilinearly (zero outside the image)."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..elementwise import like, widen
from ..registry import Attr, InferContext, desc, register
from ._spatial import effective_kernel, spatial_list, spatial_pads


def _params(attrs: dict, w_shape) -> tuple:
    kernel = list(attrs["kernel_shape"]) or [int(d) for d in w_shape[2:]]
    strides = spatial_list(attrs["strides"], 2, 1, "strides")
    dilations = spatial_list(attrs["dilations"], 2, 1, "dilations")
    pads = spatial_pads(attrs["pads"], 2)
    return kernel, strides, dilations, pads


def _out_sizes(in_sizes, kernel, strides, dilations, pads) -> list:
    return [-1 if size < 0 else (size + pads[a] + pads[a + 2] - k) // s + 1
            for a, (size, k, s) in enumerate(zip(in_sizes, effective_kernel(kernel, dilations), strides))]


def _deform_infer(ctx: InferContext):
    x, w = ctx.shape(0), ctx.shape(1)
    if x is None or w is None or len(x) != 4 or len(w) != 4:
        return [desc(ctx.dtype(0), None)]
    kernel, strides, dilations, pads = _params(ctx.attrs, w)
    return [desc(ctx.dtype(0), (x[0], w[0], *_out_sizes(x[2:], kernel, strides, dilations, pads)))]


def _bilinear(image: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """image [N, C, H, W] sampled at (y, x) [N, C, ...] per (n, c), zero outside."""
    n_, c_, h, w = image.shape
    y0, x0 = np.floor(y).astype(np.int64), np.floor(x).astype(np.int64)
    ly, lx = y - y0, x - x0
    flat = image.reshape(n_ * c_, h * w)
    rows = np.arange(n_ * c_).reshape(n_, c_, *([1] * (y.ndim - 2)))
    out = np.zeros(y.shape, image.dtype)
    for dy, wy in ((0, 1 - ly), (1, ly)):
        for dx, wx in ((0, 1 - lx), (1, lx)):
            yy, xx = y0 + dy, x0 + dx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            values = flat[rows, np.clip(yy, 0, h - 1) * w + np.clip(xx, 0, w - 1)]
            out += np.where(inside, values, 0) * wy * wx
    return out


@register("DeformConv", attrs={"kernel_shape": Attr("ints", []), "strides": Attr("ints", []),
                               "dilations": Attr("ints", []), "pads": Attr("ints", []), "group": Attr("int", 1),
                               "offset_group": Attr("int", 1)},
          infer=_deform_infer, category="nn")
def deform_conv(inputs, attrs):
    """DeformConv: (x [N,C,H,W], w [oC, C/group, kH, kW], offset [N, offset_group*2*kH*kW, oH, oW], b?,
    mask [N, offset_group*kH*kW, oH, oW]?) -> [N, oC, oH, oW]: each tap (i, j) of output (h, w) samples x at
    (h*stride - pad + i*dilation + dy, w*stride - pad + j*dilation + dx), times the mask, convolved with w."""
    x, w, offset = (widen(np.asarray(t)) for t in inputs[:3])
    bias, mask = (list(inputs[3:5]) + [None] * 2)[:2]
    dtype = np.asarray(inputs[0]).dtype
    if x.ndim != 4 or w.ndim != 4:
        raise GraphError(INVALID_ARGUMENT_VALUE, "DeformConv: only 2-D inputs (N, C, H, W) are supported")
    kernel, strides, dilations, pads = _params(attrs, w.shape)
    n, c, height, width = x.shape
    groups, offset_groups = attrs["group"], attrs["offset_group"]
    kh, kw = kernel
    oh, ow = _out_sizes([height, width], kernel, strides, dilations, pads)
    if (c != w.shape[1] * groups or w.shape[0] % groups or c % offset_groups
            or offset.shape != (n, offset_groups * 2 * kh * kw, oh, ow)
            or (mask is not None and np.shape(mask) != (n, offset_groups * kh * kw, oh, ow))):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"DeformConv: x {list(x.shape)}, w {list(w.shape)}, offset "
                         f"{list(offset.shape)} and mask {None if mask is None else list(np.shape(mask))} do not fit "
                         f"group={groups}, offset_group={offset_groups} and an output of {oh}x{ow}")
    offset = offset.reshape(n, offset_groups, kh, kw, 2, oh, ow)
    base_y = (np.arange(kh) * dilations[0])[:, None] + (np.arange(oh) * strides[0] - pads[0])[None, :]  # [kh, oh]
    base_x = (np.arange(kw) * dilations[1])[:, None] + (np.arange(ow) * strides[1] - pads[1])[None, :]  # [kw, ow]
    per_channel = np.arange(c) // (c // offset_groups)          # the offset group of each input channel
    offset = offset[:, per_channel]                                           # [N, C, kh, kw, 2, oh, ow]
    ys = base_y[:, None, :, None] + offset[:, :, :, :, 0]                     # [N, C, kh, kw, oh, ow]
    xs = base_x[None, :, None, :] + offset[:, :, :, :, 1]
    cols = _bilinear(x, ys, xs)
    if mask is not None:
        cols = cols * widen(np.asarray(mask)).reshape(n, offset_groups, kh, kw, oh, ow)[:, per_channel]
    cols = cols.reshape(n, groups, c // groups, kh, kw, oh, ow)
    wg = w.reshape(groups, w.shape[0] // groups, c // groups, kh, kw)
    y = np.einsum("ngckluv,gockl->ngouv", cols, wg).reshape(n, w.shape[0], oh, ow)
    if bias is not None:
        y = y + widen(np.asarray(bias)).reshape(1, -1, 1, 1)
    return like(y, dtype)
