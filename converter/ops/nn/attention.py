"""Transformer ops: Attention (ONNX opset 23-25 scaled dot-product attention with KV cache, masks, sliding
windows and grouped KV heads; BLAS products, grouped heads by broadcasting instead of copies), RotaryEmbedding
and TensorScatter (KV cache writes)."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..elementwise import like, widen
from ..registry import Attr, InferContext, desc, register, same_as_input
from .matmul import product


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


# ---- Attention (ONNX opset 23-25: scaled dot-product attention with cache, masks, windows, GQA) ------

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


def _position_bias(sq: int, skv: int, offset, causal: bool, left: int, right: int, dtype) -> np.ndarray:
    """0 where key j may be seen by the query at absolute position p = i + offset, -inf elsewhere: j <= p when
    causal, p - left <= j <= p + right for each window bound >= 0 (-1: unbounded); offset may be per batch."""
    j = np.arange(skv).reshape(1, skv)
    off = np.reshape(offset, (-1, 1, 1, 1)) if np.ndim(offset) else offset
    p = np.arange(sq).reshape(sq, 1) + off
    seen = np.ones(np.broadcast_shapes(np.shape(p), j.shape), bool)
    if causal:
        seen &= j <= p
    if left >= 0:
        seen &= j >= p - left
    if right >= 0:
        seen &= j <= p + right
    return np.where(seen, dtype.type(0), dtype.type(-np.inf))


@register("Attention", attrs={"is_causal": Attr("bool", False), "kv_num_heads": Attr("int", 0),
                              "q_num_heads": Attr("int", 0), "qk_matmul_output_mode": Attr("int", 0),
                              "scale": Attr("any", None, "float; None = 1/sqrt(head size)"),
                              "softcap": Attr("float", 0.0),
                              "left_window_size": Attr("int", -1, "keys before the query position it may "
                                                                  "see (-1: all)"),
                              "right_window_size": Attr("int", -1, "keys after it (-1: all)"),
                              "softmax_double": Attr("bool", False, "softmax in float64 (ONNX softmax_precision "
                                                                    "DOUBLE); else fp32, or fp64 for fp64 inputs")},
          infer=_attention_infer, category="nn")
def attention(inputs, attrs):
    """Attention: (q, k, v, mask?, past_key?, past_value?, nonpad_kv_seqlen?) -> (y, present_key,
    present_value, qk) -- softmax(q k^T * scale + bias) v with a KV cache, causal/boolean/additive
    masks, sliding windows (opset 25), grouped KV heads and an optional tanh softcap."""
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
    left, right = int(attrs["left_window_size"]), int(attrs["right_window_size"])
    if attrs["is_causal"] or left >= 0 or right >= 0:
        offset = (past_k.shape[2] if past_k is not None else
                  (np.asarray(nonpad).reshape(-1) - sq if nonpad is not None else 0))
        bias = bias + _position_bias(sq, skv, offset, bool(attrs["is_causal"]), left, right, cdt)
    if nonpad is not None:
        keep = np.arange(skv) < np.asarray(nonpad).reshape(-1, 1)
        bias = bias + np.where(keep, cdt.type(0), cdt.type(-np.inf)).reshape(-1, 1, 1, skv)
    # grouped KV heads: the q heads of a group (B, Hkv, reps, S, D) share their k/v head by broadcasting
    batch, heads, kv_heads = qf.shape[0], qf.shape[1], kf.shape[1]
    grouped = (batch, kv_heads, heads // kv_heads, sq)
    raw = product((qf * root).reshape(*grouped, -1), (np.swapaxes(kf, -1, -2) * root)[:, :, None])
    raw = raw.reshape(batch, heads, sq, skv)
    qk = np.tanh(raw / attrs["softcap"]) * attrs["softcap"] if attrs["softcap"] > 0 else raw
    scores = qk + bias
    # what the 4th output exposes, as onnxruntime does: 0 raw q.k, 1 after softcap, 2 plus mask, 3 softmax
    exposed = {0: raw, 1: qk, 2: scores}.get(attrs["qk_matmul_output_mode"])
    logits = scores.astype(np.float64) if attrs["softmax_double"] else scores
    top = np.max(logits, axis=-1, keepdims=True)
    weights = np.exp(logits - np.where(np.isneginf(top), 0, top))
    weights = weights / np.where(weights.sum(-1, keepdims=True) == 0, 1, weights.sum(-1, keepdims=True))
    weights = np.where(np.isneginf(np.max(bias, axis=-1, keepdims=True)), 0, weights).astype(cdt, copy=False)
    if exposed is None:
        exposed = weights
    y = product(weights.reshape(*grouped, skv), vf[:, :, None]).reshape(batch, heads, sq, -1)
    if q.ndim == 3:
        y = np.transpose(y, (0, 2, 1, 3)).reshape(y.shape[0], y.shape[2], -1)
    return [like(y, dt), like(present_k, dt), like(present_v, dt), like(np.broadcast_to(exposed, qk.shape), dt)]


@register("TensorScatter", attrs={"axis": Attr("int", -2, "the sequence axis (not 0, the batch)"),
                                  "mode": Attr("str", "linear", "linear | circular")},
          infer=same_as_input(), category="tensor")
def tensor_scatter(inputs, attrs):
    """TensorScatter: (past_cache, update, write_indices [batch]?) -> the cache with update written along axis
    from each batch's write index (0 when absent); circular mode wraps the positions around the axis."""
    cache, update = np.asarray(inputs[0]), np.asarray(inputs[1])
    index = inputs[2] if len(inputs) > 2 and inputs[2] is not None else np.zeros(cache.shape[0], np.int64)
    axis = attrs["axis"] % cache.ndim if cache.ndim else 0
    index = np.asarray(index).astype(np.int64).reshape(-1)
    steps, room = (update.shape[axis], cache.shape[axis]) if cache.ndim == update.ndim else (-1, -1)
    if axis == 0 or cache.ndim != update.ndim or any(a != b for k, (a, b) in enumerate(zip(cache.shape, update.shape))
                                                     if k != axis) or steps > room or index.size != cache.shape[0]:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"TensorScatter: update {list(update.shape)} with {index.size} write "
                         f"indices does not fit cache {list(cache.shape)} along axis {attrs['axis']}")
    positions = index[:, None] + np.arange(steps)[None, :]                      # [batch, steps]
    if attrs["mode"] == "circular":
        positions = positions % room
    elif positions.size and (positions.min() < 0 or positions.max() >= room):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"TensorScatter: write indices {index.tolist()} plus {steps} "
                         f"updates run past the {room} positions of the cache (mode linear)")
    out = cache.copy()
    moved_out, moved_update = np.moveaxis(out, axis, 1), np.moveaxis(update, axis, 1)   # [batch, seq, ...]
    for b in range(cache.shape[0]):
        moved_out[b, positions[b]] = moved_update[b]
    return out
