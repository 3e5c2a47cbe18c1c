"""Independent numpy references for Caffe layers, written loop-first from Caffe's C++ semantics
(not from our kernels): convolution, deconvolution, pooling, LRN, Normalize, PriorBox, DetectionOutput."""
from __future__ import annotations

import math

import numpy as np


def conv(x, w, b, stride, pad, dilation=(1, 1), group=1):
    """Direct convolution: a sum over kernel offsets of strided input slices times weight columns."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h + 2 * pad[0] - (dilation[0] * (kh - 1) + 1)) // stride[0] + 1
    ow = (wd + 2 * pad[1] - (dilation[1] * (kw - 1) + 1)) // stride[1] + 1
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    y = np.zeros((n, o, oh, ow))
    og = o // group
    for g in range(group):
        xg, wg = xp[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                hs, ws = i * dilation[0], j * dilation[1]
                patch = xg[:, :, hs:hs + stride[0] * (oh - 1) + 1:stride[0], ws:ws + stride[1] * (ow - 1) + 1:stride[1]]
                y[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, wg[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def deconv(x, w, b, stride, pad, group=1):
    """Caffe Deconvolution: weights (C_in, C_out/group, kh, kw); out = s*(H-1) + k - 2p."""
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    cg = c // group
    full = np.zeros((n, og * group, stride[0] * (h - 1) + kh, stride[1] * (wd - 1) + kw))
    for ic in range(c):
        g = ic // cg
        for i in range(h):
            for j in range(wd):
                full[:, g * og:(g + 1) * og, i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw] += \
                    x[:, ic, i, j][:, None, None, None] * w[ic][None]
    y = full[:, :, pad[0]:full.shape[2] - pad[0], pad[1]:full.shape[3] - pad[1]]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y


def pool(x, k, s, p, mode, ceil=True):
    """Caffe PoolingLayer::Forward_cpu, literally."""
    n, c, h, w = x.shape

    def out_size(size, kk, ss, pp):
        span = size + 2 * pp - kk
        o = (int(math.ceil(span / ss)) if ceil else span // ss) + 1
        if pp and (o - 1) * ss >= size + pp:
            o -= 1
        return o

    oh, ow = out_size(h, k[0], s[0], p[0]), out_size(w, k[1], s[1], p[1])
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            hs, ws = i * s[0] - p[0], j * s[1] - p[1]
            he, we = min(hs + k[0], h + p[0]), min(ws + k[1], w + p[1])
            size = (he - hs) * (we - ws)
            hs, ws, he, we = max(hs, 0), max(ws, 0), min(he, h), min(we, w)
            win = x[:, :, hs:he, ws:we]
            y[:, :, i, j] = win.max(axis=(2, 3)) if mode == "MAX" else win.sum(axis=(2, 3)) / size
    return y


def max_pool_mask(x, k, s, p, ceil=True):
    """Caffe MAX pooling with the mask top (PoolingLayer::Forward_cpu, literally): the mask holds h * W + w of
    the first largest element of each window (strict >, from -FLT_MAX), as float."""
    n, c, h, w = x.shape

    def out_size(size, kk, ss, pp):
        span = size + 2 * pp - kk
        o = (int(math.ceil(span / ss)) if ceil else span // ss) + 1
        if pp and (o - 1) * ss >= size + pp:
            o -= 1
        return o

    oh, ow = out_size(h, k[0], s[0], p[0]), out_size(w, k[1], s[1], p[1])
    y = np.full((n, c, oh, ow), -np.finfo(np.float32).max)
    mask = np.full((n, c, oh, ow), -1.0)
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    hs, ws = max(i * s[0] - p[0], 0), max(j * s[1] - p[1], 0)
                    he, we = min(i * s[0] - p[0] + k[0], h), min(j * s[1] - p[1] + k[1], w)
                    for hh in range(hs, he):
                        for ww in range(ws, we):
                            if x[b, ch, hh, ww] > y[b, ch, i, j]:
                                y[b, ch, i, j] = x[b, ch, hh, ww]
                                mask[b, ch, i, j] = hh * w + ww
    return y, mask


def lrn_across(x, size, alpha, beta, k):
    c = x.shape[1]
    y = np.zeros_like(x, dtype=np.float64)
    half = (size - 1) // 2
    for ch in range(c):
        lo, hi = max(0, ch - half), min(c, ch + size - half)
        scale = k + alpha / size * np.sum(x[:, lo:hi].astype(np.float64) ** 2, axis=1)
        y[:, ch] = x[:, ch] * scale ** -beta
    return y


def lrn_within(x, size, alpha, beta):
    """Caffe: x * (1 + alpha * avgpool(x^2, size, pad=(size-1)/2))^-beta."""
    pad = (size - 1) // 2
    avg = pool(x.astype(np.float64) ** 2, (size, size), (1, 1), (pad, pad), "AVE")
    return x * (1 + alpha * avg) ** -beta


def normalize(x, scale, across_spatial, channel_shared, eps):
    y = np.zeros_like(x, dtype=np.float64)
    for n in range(x.shape[0]):
        if across_spatial:
            y[n] = x[n] / math.sqrt(float(np.sum(x[n].astype(np.float64) ** 2)) + eps)
        else:
            y[n] = x[n] / np.sqrt(np.sum(x[n].astype(np.float64) ** 2, axis=0) + eps)
        if channel_shared:
            y[n] *= scale[0]
        else:
            y[n] *= scale.reshape(-1, 1, 1)
    return y


def prior_box(feat_hw, img_hw, min_sizes, max_sizes, ratios, flip, clip, variance, step=None, offset=0.5):
    ars = [1.0]
    for r in ratios:
        if all(abs(r - a) >= 1e-6 for a in ars):
            ars.append(r)
            if flip:
                ars.append(1 / r)
    lh, lw = feat_hw
    ih, iw = img_hw
    sh, sw = (step, step) if step else (ih / lh, iw / lw)
    out = []
    for h in range(lh):
        for w in range(lw):
            cx, cy = (w + offset) * sw, (h + offset) * sh
            for s, mn in enumerate(min_sizes):
                mn = int(mn)
                boxes = [(mn, mn)]
                if max_sizes:
                    side = math.sqrt(mn * int(max_sizes[s]))
                    boxes.append((side, side))
                for ar in ars:
                    if abs(ar - 1) < 1e-6:
                        continue
                    boxes.append((mn * math.sqrt(ar), mn / math.sqrt(ar)))
                for bw, bh in boxes:
                    out += [(cx - bw / 2) / iw, (cy - bh / 2) / ih, (cx + bw / 2) / iw, (cy + bh / 2) / ih]
    out = np.array(out)
    if clip:
        out = np.clip(out, 0, 1)
    var = np.array([variance[i % len(variance)] if len(variance) == 4 else variance[0] for i in range(out.size)])
    return np.stack([out, var]).reshape(1, 2, -1)


def _iou(a, b):
    if b[0] > a[2] or b[2] < a[0] or b[1] > a[3] or b[3] < a[1]:
        return 0.0
    iw, ih = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    inter = iw * ih
    area = lambda z: 0.0 if z[2] < z[0] or z[3] < z[1] else (z[2] - z[0]) * (z[3] - z[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def detection_output(loc, conf, priors, num_classes, nms_threshold, top_k, keep_top_k, conf_threshold,
                     code_type="CENTER_SIZE", background=0):
    """SSD DetectionOutputLayer::Forward_cpu with share_location and variance not in target."""
    rows = []
    n = loc.shape[0]
    pb = priors.reshape(2, -1, 4)
    for img in range(n):
        lp = loc[img].reshape(-1, 4)
        cp = conf[img].reshape(-1, num_classes)
        boxes = []
        for p, v, l in zip(pb[0], pb[1], lp):
            if code_type == "CORNER":
                boxes.append(p + v * l)
                continue
            pw, ph = p[2] - p[0], p[3] - p[1]
            pcx, pcy = (p[0] + p[2]) / 2, (p[1] + p[3]) / 2
            cx, cy = v[0] * l[0] * pw + pcx, v[1] * l[1] * ph + pcy
            w, h = math.exp(v[2] * l[2]) * pw, math.exp(v[3] * l[3]) * ph
            boxes.append(np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]))
        dets = []
        for c in range(num_classes):
            if c == background:
                continue
            cand = sorted([(cp[i, c], i) for i in range(len(boxes)) if cp[i, c] > conf_threshold],
                          key=lambda t: -t[0])[:top_k]
            kept = []
            for score, i in cand:
                if all(_iou(boxes[i], boxes[j]) <= nms_threshold for j in kept):
                    kept.append(i)
            dets += [(cp[i, c], c, i) for i in kept]
        if keep_top_k > -1:
            dets = sorted(dets, key=lambda t: -t[0])[:keep_top_k]
        for score, c, i in sorted(dets, key=lambda t: (t[1], -t[0])):
            rows.append([img, c, score, *boxes[i]])
    if not rows:
        return np.array([[[[i, -1, -1, -1, -1, -1, -1] for i in range(n)]]], dtype=np.float64)
    return np.array(rows).reshape(1, 1, -1, 7)
