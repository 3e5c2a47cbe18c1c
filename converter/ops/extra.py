"""Canonical ops for less common ONNX ops: GridSample, CumProd, RmsNorm, RotaryEmbedding, bitwise ops,
Unique, MaxUnpool, GlobalLpPool, CenterCropPad, Col2Im, signal windows, Det and Attention."""
from __future__ import annotations

import itertools

import numpy as np

from ..ir import DataType, to_numpy
from .elementwise import like, widen
from .registry import Attr, InferContext, broadcast, desc, register, same_as_input

INT64 = DataType.DT_INT64


def _ints(value) -> list:
    return [int(v) for v in np.asarray(value).reshape(-1)]


# ---- GridSample (4-D, ONNX opset 16/20 semantics as onnxruntime computes them) ---------------------

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


# ---- CumProd -------------------------------------------------------------------------------------

@register("CumProd", attrs={"axis": Attr("int", 0, "unless given as input 1"), "exclusive": Attr("bool", False),
                            "reverse": Attr("bool", False)},
          infer=same_as_input(), category="scan")
def cum_prod(inputs, attrs):
    """Running product along axis; exclusive leaves out the element itself, reverse runs from the end."""
    x = np.asarray(inputs[0])
    axis = (_ints(inputs[1]) if len(inputs) > 1 and inputs[1] is not None else [attrs["axis"]])[0] % x.ndim
    w = widen(x)
    if attrs["reverse"]:
        w = np.flip(w, axis)
    if attrs["exclusive"]:
        ones = np.ones_like(np.take(w, [0], axis=axis))
        w = np.concatenate([ones, np.take(w, np.arange(w.shape[axis] - 1), axis=axis)], axis=axis)
    out = np.cumprod(w, axis=axis, dtype=w.dtype)
    if attrs["reverse"]:
        out = np.flip(out, axis)
    return like(out, x.dtype)


# ---- RmsNorm, RotaryEmbedding ---------------------------------------------------------------------

@register("RmsNorm", attrs={"axis": Attr("int", -1, "first normalised axis; the rest follow"),
                            "epsilon": Attr("float", 1e-5)},
          infer=same_as_input(), category="nn")
def rms_norm(inputs, attrs):
    """RmsNorm: (x, scale) -> x / sqrt(mean(x^2 over axes axis..) + epsilon) * scale (computed in fp32+)."""
    x, scale = np.asarray(inputs[0]), inputs[1]
    xf = x.astype(np.float32) if x.dtype == np.float16 else x
    axes = tuple(range(attrs["axis"] % x.ndim, x.ndim))
    ms = np.mean(xf * xf, axis=axes, keepdims=True)
    y = xf / np.sqrt(ms + np.asarray(attrs["epsilon"], xf.dtype)) * widen(scale)
    return like(y, x.dtype)


@register("RotaryEmbedding", attrs={"interleaved": Attr("bool", False), "num_heads": Attr("int", 0),
                                    "rotary_embedding_dim": Attr("int", 0)},
          infer=same_as_input(), category="nn")
def rotary_embedding(inputs, attrs):
    """RotaryEmbedding: (x [B,H,S,D] or [B,S,H*D], cos, sin, position_ids?) -> x with its first
    rotary_embedding_dim features of each head rotated (halves, or interleaved pairs)."""
    x, cos, sin = np.asarray(inputs[0]), widen(inputs[1]), widen(inputs[2])
    pos = inputs[3] if len(inputs) > 3 else None
    xf = widen(x)
    if x.ndim == 4:
        xf = np.transpose(xf, (0, 2, 1, 3))
    else:
        xf = xf.reshape(x.shape[0], x.shape[1], attrs["num_heads"], -1)
    dim = attrs["rotary_embedding_dim"] or xf.shape[3]
    rot, keep = xf[..., :dim], xf[..., dim:]
    if pos is not None:
        cos, sin = cos[pos], sin[pos]
    cos, sin = cos[:, :, None, :dim // 2], sin[:, :, None, :dim // 2]
    x1, x2 = (rot[..., 0::2], rot[..., 1::2]) if attrs["interleaved"] else np.split(rot, 2, axis=-1)
    real, imag = cos * x1 - sin * x2, sin * x1 + cos * x2
    if attrs["interleaved"]:
        rot = np.stack([real, imag], axis=-1).reshape(rot.shape)
    else:
        rot = np.concatenate([real, imag], axis=-1)
    out = np.concatenate([rot, keep], axis=-1)
    out = out.reshape(x.shape) if x.ndim == 3 else np.transpose(out, (0, 2, 1, 3))
    return like(out, x.dtype)


# ---- bitwise ops ---------------------------------------------------------------------------------

_BITWISE = {"BitwiseAnd": (np.bitwise_and, "a & b"), "BitwiseOr": (np.bitwise_or, "a | b"),
            "BitwiseXor": (np.bitwise_xor, "a ^ b"), "LeftShift": (np.left_shift, "a << b"),
            "RightShift": (np.right_shift, "a >> b")}


def _bitwise(fn):
    def kernel(inputs, attrs):
        a, b = np.asarray(inputs[0]), np.asarray(inputs[1])
        return like(fn(a, b.astype(a.dtype, copy=False)), a.dtype)
    return kernel


for _name, (_fn, _doc) in _BITWISE.items():
    register(_name, infer=broadcast(), category="bitwise", doc=f"{_name}: (a, b) -> {_doc} (integers)")(
        _bitwise(_fn))


@register("Invert", infer=same_as_input(), category="bitwise")
def invert(inputs, attrs):
    """Invert: (x) -> ~x (bitwise not of integers)."""
    return np.invert(np.asarray(inputs[0]))


# ---- Unique --------------------------------------------------------------------------------------

def _unique_infer(ctx: InferContext):
    shape, axis = ctx.shape(0), ctx.attrs["axis"]
    if shape is None:
        y = None
    elif axis is None:
        y = (-1,)
    else:
        y = list(shape)
        y[axis % len(shape)] = -1
    n_in = None if shape is None else (int(np.prod(shape)) if axis is None and -1 not in shape else
                                       (shape[axis % len(shape)] if axis is not None else -1))
    return [desc(ctx.dtype(0), y), desc(INT64, (-1,)), desc(INT64, None if n_in is None else (n_in,)),
            desc(INT64, (-1,))]


@register("Unique", attrs={"axis": Attr("any", None, "int, or None to flatten"), "sorted": Attr("bool", True)},
          infer=_unique_infer, category="tensor")
def unique(inputs, attrs):
    """Unique: (x) -> (unique values or slices along axis, first-occurrence indices, inverse indices,
    counts), in sorted order or in order of first occurrence."""
    x = np.asarray(inputs[0])
    axis = attrs["axis"]
    if axis is None:
        y, first, inverse, counts = np.unique(x.reshape(-1), return_index=True, return_inverse=True,
                                              return_counts=True)
        ax = 0
    else:
        ax = int(axis) % x.ndim
        y, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True,
                                              axis=ax)
    inverse = inverse.reshape(-1)
    if not attrs["sorted"]:
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        y, first, counts, inverse = np.take(y, order, axis=ax), first[order], counts[order], rank[inverse]
    return [y.astype(x.dtype, copy=False), first.astype(np.int64), inverse.astype(np.int64),
            counts.astype(np.int64)]


# ---- MaxUnpool, GlobalLpPool ---------------------------------------------------------

def _unpool_shape(in_shape, attrs) -> tuple:
    k, s = attrs["kernel_shape"], attrs["strides"] or [1] * len(attrs["kernel_shape"])
    pads = attrs["pads"] or [0] * (2 * len(k))
    r = len(k)
    return tuple(in_shape[:2]) + tuple(
        (d - 1) * s[i] + k[i] - pads[i] - pads[i + r] if d != -1 else -1 for i, d in enumerate(in_shape[2:]))


def _unpool_infer(ctx: InferContext):
    if ctx.has(2):
        v = ctx.value(2)
        return [desc(ctx.dtype(0), None if v is None else _ints(v))]
    s = ctx.shape(0)
    return [desc(ctx.dtype(0), None if s is None else _unpool_shape(s, ctx.attrs))]


@register("MaxUnpool", attrs={"kernel_shape": Attr("ints"), "strides": Attr("ints", []), "pads": Attr("ints", [])},
          infer=_unpool_infer, category="nn")
def max_unpool(inputs, attrs):
    """MaxUnpool: (x, indices into the flattened output, output_shape?) -> zeros with x scattered in."""
    x, idx = np.asarray(inputs[0]), np.asarray(inputs[1])
    shape = _ints(inputs[2]) if len(inputs) > 2 and inputs[2] is not None else _unpool_shape(x.shape, attrs)
    out = np.zeros(int(np.prod(shape)), x.dtype)
    out[idx.reshape(-1)] = x.reshape(-1)
    return out.reshape(shape)


def _global_lp_infer(ctx: InferContext):
    s = ctx.shape(0)
    return [desc(ctx.dtype(0), None if s is None else (*s[:2], *[1] * (len(s) - 2)))]


@register("GlobalLpPool", attrs={"p": Attr("int", 2)}, infer=_global_lp_infer, category="nn")
def global_lp_pool(inputs, attrs):
    """GlobalLpPool: (x N,C,...) -> (sum |x|^p)^(1/p) over all spatial axes (kept as size 1)."""
    x = np.asarray(inputs[0])
    xf, p = widen(x), attrs["p"]
    total = np.sum(np.abs(xf) ** p, axis=tuple(range(2, x.ndim)), keepdims=True)
    return like(total ** (1.0 / p), x.dtype)


# ---- CenterCropPad, Col2Im -----------------------------------------------------------------------

def _crop_pad_shape(shape, target, axes) -> list:
    out = list(shape)
    for a, t in zip(axes or range(len(shape)), target):
        out[a % len(shape)] = int(t)
    return out


def _center_crop_pad_infer(ctx: InferContext):
    s, t = ctx.shape(0), ctx.value(1)
    if s is None:
        return [desc(ctx.dtype(0), None)]
    if t is None:
        axes = ctx.attrs["axes"] or range(len(s))
        return [desc(ctx.dtype(0), [-1 if (a % len(s)) in [b % len(s) for b in axes] else d
                                    for a, d in enumerate(s)])]
    return [desc(ctx.dtype(0), _crop_pad_shape(s, _ints(t), ctx.attrs["axes"]))]


@register("CenterCropPad", attrs={"axes": Attr("ints", [], "empty = all axes")}, infer=_center_crop_pad_infer,
          category="tensor")
def center_crop_pad(inputs, attrs):
    """CenterCropPad: (x, shape) -> x centre-cropped or zero-padded (extra on the end) to shape on axes."""
    x, target = np.asarray(inputs[0]), _ints(inputs[1])
    axes = [a % x.ndim for a in (attrs["axes"] or range(x.ndim))]
    crop, place = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for a, t in zip(axes, target):
        d = x.shape[a]
        if t < d:
            crop[a] = slice((d - t) // 2, (d - t) // 2 + t)
        elif t > d:
            place[a] = slice((t - d) // 2, (t - d) // 2 + d)
    out = np.zeros(_crop_pad_shape(x.shape, target, axes), x.dtype)
    out[tuple(place)] = x[tuple(crop)]
    return out


def _col2im_infer(ctx: InferContext):
    s, image, block = ctx.shape(0), ctx.value(1), ctx.value(2)
    if s is None or image is None or block is None or s[1] == -1:
        return [desc(ctx.dtype(0), None)]
    return [desc(ctx.dtype(0), (s[0], s[1] // int(np.prod(_ints(block))), *_ints(image)))]


@register("Col2Im", attrs={"dilations": Attr("ints", []), "pads": Attr("ints", []), "strides": Attr("ints", [])},
          infer=_col2im_infer, category="nn")
def col2im(inputs, attrs):
    """Col2Im: (cols N,C*prod(block),L, image_shape, block_shape) -> N,C,*image summing the sliding blocks."""
    cols, image, block = np.asarray(inputs[0]), _ints(inputs[1]), _ints(inputs[2])
    r = len(image)
    dil = attrs["dilations"] or [1] * r
    strides = attrs["strides"] or [1] * r
    pads = attrs["pads"] or [0] * (2 * r)
    n, ckk, _ = cols.shape
    c = ckk // int(np.prod(block))
    padded = [image[i] + pads[i] + pads[i + r] for i in range(r)]
    counts = [(padded[i] - dil[i] * (block[i] - 1) - 1) // strides[i] + 1 for i in range(r)]
    work = widen(cols).reshape(n, c, *block, *counts)
    out = np.zeros((n, c, *padded), work.dtype)
    for k in itertools.product(*(range(b) for b in block)):
        index = tuple(slice(k[i] * dil[i], k[i] * dil[i] + strides[i] * (counts[i] - 1) + 1, strides[i])
                      for i in range(r))
        out[(slice(None), slice(None)) + index] += work[(slice(None), slice(None)) + k]
    crop = tuple(slice(pads[i], pads[i] + image[i]) for i in range(r))
    return like(out[(slice(None), slice(None)) + crop], cols.dtype)


# ---- signal windows, Det --------------------------------------------------------------------------

_WINDOWS = {
    "hann": lambda t: 0.5 - 0.5 * np.cos(t),
    "hamming": lambda t: 25.0 / 46.0 - 21.0 / 46.0 * np.cos(t),
    "blackman": lambda t: 0.42 - 0.5 * np.cos(t) + 0.08 * np.cos(2 * t),
}


def _window_infer(ctx: InferContext):
    v = ctx.value(0)
    return [desc(ctx.attrs["dtype"], (-1,) if v is None else (int(np.asarray(v).reshape(-1)[0]),))]


@register("Window", attrs={"window": Attr("str", "hann", "hann | hamming | blackman"),
                           "periodic": Attr("bool", True), "dtype": Attr("dtype", int(DataType.DT_FLOAT))},
          infer=_window_infer, category="signal")
def window(inputs, attrs):
    """Window: (size) -> a Hann/Hamming/Blackman window of that length (periodic: denominator size)."""
    size = int(np.asarray(inputs[0]).reshape(-1)[0])
    denom = size if attrs["periodic"] else size - 1
    t = 2 * np.pi * np.arange(size, dtype=np.float64) / max(denom, 1)
    return _WINDOWS[attrs["window"]](t).astype(to_numpy(attrs["dtype"]))


def _det_infer(ctx: InferContext):
    s = ctx.shape(0)
    return [desc(ctx.dtype(0), None if s is None else s[:-2])]


@register("Det", infer=_det_infer, category="tensor")
def det(inputs, attrs):
    """Det: (x [..., M, M]) -> determinants [...]."""
    x = np.asarray(inputs[0])
    return like(np.linalg.det(widen(x)), x.dtype)


# ---- Attention (ONNX opset 23/24: scaled dot-product attention with cache, masks, GQA) --------------

def _heads_first(t: np.ndarray, heads: int) -> np.ndarray:
    """[B, S, H*D] -> [B, H, S, D]; 4-D input is already heads-first."""
    if t.ndim == 4:
        return t
    return np.transpose(t.reshape(t.shape[0], t.shape[1], heads, -1), (0, 2, 1, 3))


def _attention_infer(ctx: InferContext):
    q, k, v = ctx.shape(0), ctx.shape(1), ctx.shape(2)
    dt = ctx.dtype(0)
    if q is None or k is None or v is None:
        return [desc(dt, None)] * 4
    past = ctx.shape(4) if ctx.has(4) else None
    if len(q) == 4:
        batch, hq, sq, hkv, skv, dk, dv = q[0], q[1], q[2], k[1], k[2], k[3], v[3]
    else:
        hq, hkv = ctx.attrs["q_num_heads"], ctx.attrs["kv_num_heads"]
        batch, sq, skv = q[0], q[1], k[1]
        dk = -1 if k[2] == -1 else k[2] // hkv
        dv = -1 if v[2] == -1 else v[2] // hkv
    total = skv if past is None else (-1 if -1 in (past[2], skv) else past[2] + skv)
    y = (batch, hq, sq, dv) if len(q) == 4 else (batch, sq, -1 if dv == -1 else hq * dv)
    return [desc(dt, y), desc(dt, (batch, hkv, total, dk)), desc(dt, (batch, hkv, total, dv)),
            desc(dt, (batch, hq, sq, total))]


def _causal_bias(sq: int, skv: int, offset, dtype) -> np.ndarray:
    """0 where key j may be seen by query i (j <= i + offset), -inf elsewhere; offset may be per batch."""
    i = np.arange(sq).reshape(sq, 1)
    j = np.arange(skv).reshape(1, skv)
    off = np.reshape(offset, (-1, 1, 1, 1)) if np.ndim(offset) else offset
    return np.where(j <= i + off, dtype.type(0), dtype.type(-np.inf))


@register("Attention", attrs={"is_causal": Attr("bool", False), "kv_num_heads": Attr("int", 0),
                              "q_num_heads": Attr("int", 0), "qk_matmul_output_mode": Attr("int", 0),
                              "scale": Attr("any", None, "float; None = 1/sqrt(head size)"),
                              "softcap": Attr("float", 0.0)},
          infer=_attention_infer, category="nn")
def attention(inputs, attrs):
    """Attention: (q, k, v, mask?, past_key?, past_value?, nonpad_kv_seqlen?) -> (y, present_key,
    present_value, qk) -- softmax(q k^T * scale + bias) v with a KV cache, causal/boolean/additive
    masks, grouped KV heads and an optional tanh softcap."""
    q, k, v = (np.asarray(t) for t in inputs[:3])
    mask, past_k, past_v, nonpad = (list(inputs[3:7]) + [None] * 4)[:4]
    dt = q.dtype
    qf, kf, vf = (_heads_first(widen(t), attrs[h]) for t, h in
                  ((q, "q_num_heads"), (k, "kv_num_heads"), (v, "kv_num_heads")))
    if past_k is not None:
        kf = np.concatenate([widen(past_k), kf], axis=2)
        vf = np.concatenate([widen(past_v), vf], axis=2)
    present_k, present_v = kf, vf
    sq, skv = qf.shape[2], kf.shape[2]
    cdt = qf.dtype
    scale = attrs["scale"] if attrs["scale"] is not None else 1.0 / np.sqrt(qf.shape[3])
    root = cdt.type(np.sqrt(scale))
    bias = np.zeros((sq, skv), cdt)
    if mask is not None:
        mask = np.asarray(mask)
        missing = skv - mask.shape[-1]
        if missing > 0:
            mask = np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, missing)],
                          constant_values=False if mask.dtype == np.bool_ else -np.inf)
        mask = np.where(mask, cdt.type(0), cdt.type(-np.inf)) if mask.dtype == np.bool_ else widen(mask)
        bias = bias + mask
    if attrs["is_causal"]:
        offset = (past_k.shape[2] if past_k is not None else
                  (np.asarray(nonpad).reshape(-1) - sq if nonpad is not None else 0))
        bias = bias + _causal_bias(sq, skv, offset, cdt)
    if nonpad is not None:
        keep = np.arange(skv) < np.asarray(nonpad).reshape(-1, 1)
        bias = bias + np.where(keep, cdt.type(0), cdt.type(-np.inf)).reshape(-1, 1, 1, skv)
    if qf.shape[1] != kf.shape[1]:
        reps = qf.shape[1] // kf.shape[1]
        kf, vf = np.repeat(kf, reps, axis=1), np.repeat(vf, reps, axis=1)
    raw = np.matmul(qf * root, np.swapaxes(kf, -1, -2) * root)
    qk = np.tanh(raw / attrs["softcap"]) * attrs["softcap"] if attrs["softcap"] > 0 else raw
    scores = qk + bias
    # what the 4th output exposes, as onnxruntime does: 0 raw q.k, 1 after softcap, 2 plus mask, 3 softmax
    exposed = {0: raw, 1: qk, 2: scores}.get(attrs["qk_matmul_output_mode"])
    top = np.max(scores, axis=-1, keepdims=True)
    weights = np.exp(scores - np.where(np.isneginf(top), 0, top))
    weights = weights / np.where(weights.sum(-1, keepdims=True) == 0, 1, weights.sum(-1, keepdims=True))
    weights = np.where(np.isneginf(np.max(bias, axis=-1, keepdims=True)), 0, weights)
    if exposed is None:
        exposed = weights
    y = np.matmul(weights, vf)
    if q.ndim == 3:
        y = np.transpose(y, (0, 2, 1, 3)).reshape(y.shape[0], y.shape[2], -1)
    return [like(y, dt), like(present_k, dt), like(present_v, dt), like(np.broadcast_to(exposed, qk.shape), dt)]
