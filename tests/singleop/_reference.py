"""Numpy references for the single-op suite, written from the ops' definitions (TensorFlow / Ascend IR
conventions) with plain loops and numpy, independently of converter/ops."""
from __future__ import annotations

import math

import numpy as np


def conv2d_nchw(x, w, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), groups=1, bias=None):
    """x [N, C, H, W], w [O, C/groups, kh, kw]; pads (top, bottom, left, right)."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pads[0], pads[1]), (pads[2], pads[3])))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    sh, sw = strides
    dh, dw = dilations
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (wd - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(oh):
            for j in range(ow):
                patch = x[:, g * cg:(g + 1) * cg, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                          j * sw:j * sw + dw * (kw - 1) + 1:dw]
                y[:, oc, i, j] = np.sum(patch * w[oc], axis=(1, 2, 3))
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


def conv2d_transpose_nchw(dy, w, strides, pads, out_hw):
    """The gradient of a convolution w.r.t. its input: w [C_dy, C_dx, kh, kw] (dy channels first), every dy
    value scattered through the kernel, then the padding cut off; result [N, C_dx, out_h, out_w]."""
    n, cdy, h, wd = dy.shape
    _, cdx, kh, kw = w.shape
    sh, sw = strides
    full = np.zeros((n, cdx, (h - 1) * sh + kh, (wd - 1) * sw + kw))
    for i in range(h):
        for j in range(wd):
            full[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += np.einsum("nc,cdhw->ndhw", dy[:, :, i, j], w)
    top, left = pads[0], pads[2]
    return full[:, :, top:top + out_hw[0], left:left + out_hw[1]]


def same_pads(size, k, s):
    total = max((math.ceil(size / s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def pool_nchw(x, k, s, pads, mode, count_pad=False, ceil=False):
    """Max / average pooling with explicit pads (top, bottom, left, right); the average excludes padding
    unless count_pad."""
    n, c, h, w = x.shape
    kh, kw = k
    sh, sw = s
    t, b, left, r = pads
    rnd = math.ceil if ceil else math.floor
    oh = rnd((h + t + b - kh) / sh) + 1
    ow = rnd((w + left + r - kw) / sw) + 1
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * sh - t, j * sw - left
            h1, w1 = min(h0 + kh, h + b), min(w0 + kw, w + r)
            window = x[:, :, max(h0, 0):min(h1, h), max(w0, 0):min(w1, w)]
            if mode == "max":
                y[:, :, i, j] = window.max(axis=(2, 3))
            else:
                count = (h1 - h0) * (w1 - w0) if count_pad else window.shape[2] * window.shape[3]
                y[:, :, i, j] = window.sum(axis=(2, 3)) / count
    return y


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def lrn_nhwc(x, radius, bias, alpha, beta):
    """TensorFlow's LRN: x / (bias + alpha * sum of squares over channels c-radius..c+radius) ** beta."""
    c = x.shape[-1]
    sq = x.astype(np.float64) ** 2
    out = np.zeros_like(sq)
    for ch in range(c):
        lo, hi = max(0, ch - radius), min(c, ch + radius + 1)
        out[..., ch] = x[..., ch] / (bias + alpha * sq[..., lo:hi].sum(axis=-1)) ** beta
    return out


def resize_bilinear_nhwc(x, oh, ow, half_pixel=False):
    """TensorFlow's ResizeBilinear (align_corners false): source = dst * in / out (+0.5 shifts when half_pixel)."""
    n, h, w, c = x.shape
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            si = (i + 0.5) * h / oh - 0.5 if half_pixel else i * h / oh
            sj = (j + 0.5) * w / ow - 0.5 if half_pixel else j * w / ow
            si, sj = max(si, 0.0), max(sj, 0.0)
            i0, j0 = min(int(si), h - 1), min(int(sj), w - 1)
            i1, j1 = min(i0 + 1, h - 1), min(j0 + 1, w - 1)
            fi, fj = si - i0, sj - j0
            y[:, i, j] = ((1 - fi) * (1 - fj) * x[:, i0, j0] + (1 - fi) * fj * x[:, i0, j1]
                          + fi * (1 - fj) * x[:, i1, j0] + fi * fj * x[:, i1, j1])
    return y


def resize_nearest_nhwc(x, oh, ow):
    """TensorFlow's ResizeNearestNeighbor (align_corners false, no half-pixel centers): floor(dst * in / out)."""
    n, h, w, c = x.shape
    rows = [min(int(math.floor(i * h / oh)), h - 1) for i in range(oh)]
    cols = [min(int(math.floor(j * w / ow)), w - 1) for j in range(ow)]
    return x[:, rows][:, :, cols]


def strided_slice(x, begin, end, strides, begin_mask=0, end_mask=0, shrink_axis_mask=0):
    index = []
    for d, (b, e, s) in enumerate(zip(begin, end, strides)):
        if shrink_axis_mask >> d & 1:
            index.append(b)
            continue
        index.append(slice(None if begin_mask >> d & 1 else b, None if end_mask >> d & 1 else e, s))
    return x[tuple(index)]


def space_to_depth_nhwc(x, block):
    n, h, w, c = x.shape
    y = x.reshape(n, h // block, block, w // block, block, c)
    return y.transpose(0, 1, 3, 2, 4, 5).reshape(n, h // block, w // block, block * block * c)


def depth_to_space_nhwc(x, block):
    n, h, w, c = x.shape
    y = x.reshape(n, h, w, block, block, c // (block * block))
    return y.transpose(0, 1, 3, 2, 4, 5).reshape(n, h * block, w * block, c // (block * block))


def lstm_onnx(x, w, r, b, h0, c0):
    """One direction of ONNX's LSTM (gates i, o, f, c; sigmoid / tanh)."""
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    hidden = r.shape[-1]
    h, c = h0.astype(np.float64), c0.astype(np.float64)
    wb, rb = b[:4 * hidden], b[4 * hidden:]
    ys = []
    for t in range(x.shape[0]):
        gates = x[t] @ w.T + h @ r.T + wb + rb
        i, o, f, g = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        ys.append(h)
    return np.stack(ys)[:, None], h[None], c[None]


def erf(x):
    return np.vectorize(math.erf)(x.astype(np.float64))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
