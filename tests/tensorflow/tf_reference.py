"""Independent numpy references for the TF op tests (loops over output pixels, NHWC throughout)."""
from __future__ import annotations

import numpy as np


def same_pads(size: int, k: int, s: int, d: int = 1) -> tuple:
    """TF SAME padding (odd pad at the end)."""
    k_eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + k_eff - size, 0)
    return total // 2, total - total // 2


def conv_nhwc(x, w_hwio, strides=(1, 1), dilations=(1, 1), pads=((0, 0), (0, 0)), groups=1):
    """Grouped 2-D convolution, NHWC input, HWIO filter (I = C / groups)."""
    x = np.pad(x.astype(np.float64), ((0, 0), pads[0], pads[1], (0, 0)))
    n, h, w, c = x.shape
    kh, kw, ci, co = w_hwio.shape
    (sh, sw), (dh, dw) = strides, dilations
    oh, ow = (h - (kh - 1) * dh - 1) // sh + 1, (w - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((n, oh, ow, co))
    og = co // groups
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh:i * sh + (kh - 1) * dh + 1:dh, j * sw:j * sw + (kw - 1) * dw + 1:dw, :]
            for g in range(groups):
                out[:, i, j, g * og:(g + 1) * og] = np.einsum(
                    "nhwc,hwco->no", patch[..., g * ci:(g + 1) * ci], w_hwio[..., g * og:(g + 1) * og])
    return out


def depthwise_nhwc(x, w_hwcm, strides=(1, 1), pads=((0, 0), (0, 0))):
    kh, kw, c, m = w_hwcm.shape
    x = np.pad(x.astype(np.float64), ((0, 0), pads[0], pads[1], (0, 0)))
    n, h, w, _ = x.shape
    oh, ow = (h - kh) // strides[0] + 1, (w - kw) // strides[1] + 1
    out = np.zeros((n, oh, ow, c, m))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
            out[:, i, j] = np.einsum("nhwc,hwcm->ncm", patch, w_hwcm)
    return out.reshape(n, oh, ow, c * m)


def pool_nhwc(x, k, s, pads=((0, 0), (0, 0)), kind="max"):
    """Max or average pool; padding is excluded from averages (TF SAME semantics)."""
    fill = -np.inf if kind == "max" else np.nan
    x = np.pad(x.astype(np.float64), ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    n, h, w, c = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1], :]
            out[:, i, j] = patch.max(axis=(1, 2)) if kind == "max" else np.nanmean(patch, axis=(1, 2))
    return out


def conv_transpose_nhwc(x, w_hwoi, out_hw, strides, pads_begin):
    """Gradient of a conv: scatter each input pixel through the filter, then crop to out_hw."""
    n, h, w, ci = x.shape
    kh, kw, co, _ = w_hwoi.shape
    full = np.zeros((n, (h - 1) * strides[0] + kh + out_hw[0], (w - 1) * strides[1] + kw + out_hw[1], co))
    for i in range(h):
        for j in range(w):
            full[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :] += np.einsum(
                "nc,hwoc->nhwo", x[:, i, j, :].astype(np.float64), w_hwoi)
    return full[:, pads_begin[0]:pads_begin[0] + out_hw[0], pads_begin[1]:pads_begin[1] + out_hw[1], :]
