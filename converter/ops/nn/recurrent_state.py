"""Ops that carry a recurrent state between decoding steps (ONNX opset 27): LinearAttention (linear,
gated, delta and gated-delta recurrences with grouped KV heads) and CausalConvWithState (a causal
depthwise 1-D convolution that keeps its last k - 1 input positions).

Both compute in fp32 (fp64 inputs in fp64) whatever their input dtype, as the ONNX reference does; the
state of LinearAttention accumulates over every step, so it keeps fp32 under allow_mix_precision."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..elementwise import like, widen
from ..registry import Attr, InferContext, desc, register

UPDATE_RULES = ("linear", "gated", "delta", "gated_delta")


def _heads(x: np.ndarray, heads: int) -> np.ndarray:
    """(B, T, H * D) -> (B, H, T, D)."""
    b, t, hd = x.shape
    if heads <= 0 or hd % heads:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"LinearAttention: last dim {hd} is not a multiple of {heads} heads")
    return x.reshape(b, t, heads, hd // heads).transpose(0, 2, 1, 3)


def _div(dim: int, heads: int) -> int:
    return -1 if dim < 0 or heads <= 0 else dim // heads


def _linear_attention_infer(ctx: InferContext):
    q, v = ctx.shape(0), ctx.shape(2)
    hq, hkv = ctx.attrs["q_num_heads"], ctx.attrs["kv_num_heads"]
    state_dtype = ctx.dtype(3) if ctx.has(3) else ctx.dtype(0)
    if q is None or v is None or len(q) != 3 or len(v) != 3:
        return [desc(ctx.dtype(0), None), desc(state_dtype, None)]
    dk, dv = _div(q[2], hq), _div(v[2], hkv)
    return [desc(ctx.dtype(0), (q[0], q[1], -1 if dv < 0 else hq * dv)), desc(state_dtype, (q[0], hkv, dk, dv))]


@register("LinearAttention", attrs={"q_num_heads": Attr("int"), "kv_num_heads": Attr("int"),
                                    "scale": Attr("float", 0.0, "0: 1/sqrt(head size of the query)"),
                                    "update_rule": Attr("str", "gated_delta", " | ".join(UPDATE_RULES))},
          infer=_linear_attention_infer, category="nn", traits={"keep_fp32_mix"})
def linear_attention(inputs, attrs):
    """LinearAttention: (q [B,T,Hq*dk], k [B,T,Hkv*dk], v [B,T,Hkv*dv], past_state?, decay?, beta?) ->
    (output [B,T,Hq*dv], present_state [B,Hkv,dk,dv]): per step S = exp(g) S (gated), v -= S^T k and
    v *= beta (delta), S += k v^T, o = scale q^T S (each KV head's state read by its query heads)."""
    q, k, v = (np.asarray(x) for x in inputs[:3])
    past, decay, beta = (list(inputs[3:6]) + [None] * 3)[:3]
    rule, hq, hkv = attrs["update_rule"], attrs["q_num_heads"], attrs["kv_num_heads"]
    if rule not in UPDATE_RULES or hkv <= 0 or hq % hkv:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"LinearAttention: update_rule '{rule}' with {hq} query and {hkv} KV heads "
                         "is not valid")
    gated, delta = rule in ("gated", "gated_delta"), rule in ("delta", "gated_delta")
    if (decay is None) == gated or (beta is None) == delta:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"LinearAttention: update_rule '{rule}' needs "
                         f"{'a' if gated else 'no'} decay and {'a' if delta else 'no'} beta input")
    q4, k4, v4 = (widen(_heads(x, h)) for x, h in ((q, hq), (k, hkv), (v, hkv)))
    b, _, t, dk = q4.shape
    cdt = q4.dtype
    for name, x, allowed in (("decay", decay, (hkv, hkv * dk)), ("beta", beta, (hkv, 1))):
        if x is not None and (np.ndim(x) != 3 or np.shape(x)[:2] != (b, t) or np.shape(x)[2] not in allowed):
            raise GraphError(INVALID_ARGUMENT_VALUE, f"LinearAttention: {name} is {list(np.shape(x))}; it must be [{b}, {t}, n] "
                             f"with n in {sorted(set(allowed))}")
    if decay is not None:
        decay = widen(np.asarray(decay))
        per_head = decay.shape[-1] == hkv
        decay = decay.reshape(b, t, hkv, 1).transpose(0, 2, 1, 3) if per_head else _heads(decay, hkv)
    if beta is not None:
        beta = widen(np.asarray(beta))
        beta = beta.reshape(b, t, beta.shape[-1], 1).transpose(0, 2, 1, 3)
    state = (np.zeros((b, hkv, dk, v4.shape[3]), cdt) if past is None else
             np.array(widen(np.asarray(past)), dtype=cdt))
    scale = attrs["scale"] or 1.0 / np.sqrt(dk)
    out = np.empty((b, hq, t, v4.shape[3]), cdt)
    for i in range(t):
        k_t, v_t = k4[:, :, i], v4[:, :, i]
        if gated:
            state = state * np.exp(decay[:, :, i])[..., None]
        if delta:
            v_t = beta[:, :, i] * (v_t - np.einsum("bhdm,bhd->bhm", state, k_t))
        state = state + k_t[..., :, None] * v_t[..., None, :]
        read = np.repeat(state, hq // hkv, axis=1) if hq != hkv else state
        out[:, :, i] = scale * np.einsum("bhd,bhdm->bhm", q4[:, :, i], read)
    output = out.transpose(0, 2, 1, 3).reshape(b, t, -1)
    return [like(output, q.dtype), like(state, q.dtype if past is None else np.asarray(past).dtype)]


def _causal_conv_infer(ctx: InferContext):
    x, w = ctx.shape(0), ctx.shape(1)
    state = None
    if x is not None and w is not None and len(x) == 3 and len(w) == 3:
        state = (x[0], x[1], -1 if w[2] < 0 else w[2] - 1)
    return [desc(ctx.dtype(0), x), desc(ctx.dtype(0), state)]


@register("CausalConvWithState", attrs={"activation": Attr("str", "none", "none | silu | swish")},
          infer=_causal_conv_infer, category="nn")
def causal_conv_with_state(inputs, attrs):
    """CausalConvWithState: (x [B,C,L], weight [C,1,k], bias [C]?, past_state [B,C,k-1]?) -> (y [B,C,L],
    present_state): depthwise convolution of past_state (zeros) followed by x, with no look-ahead; an
    optional SiLU; the state is the last k - 1 positions of that sequence."""
    x, w = np.asarray(inputs[0]), np.asarray(inputs[1])
    bias, past = (list(inputs[2:4]) + [None] * 2)[:2]
    if x.ndim != 3 or w.ndim != 3 or w.shape[0] != x.shape[1] or w.shape[1] != 1:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"CausalConvWithState: input {list(x.shape)} and weight {list(w.shape)} are not "
                         "(B, C, L) and (C, 1, k)")
    k = w.shape[2]
    pad = np.zeros((x.shape[0], x.shape[1], k - 1), x.dtype) if past is None else np.asarray(past, x.dtype)
    seq = np.concatenate([pad, x], axis=2)
    sf, wf = widen(seq), widen(w)[:, 0]
    length = x.shape[2]
    y = np.zeros(x.shape, sf.dtype)
    for j in range(k):
        y += sf[:, :, j:j + length] * wf[:, j][None, :, None]
    if bias is not None:
        y += widen(np.asarray(bias))[None, :, None]
    if attrs["activation"] in ("silu", "swish"):
        y = y / (1 + np.exp(-y))
    elif attrs["activation"] != "none":
        raise GraphError(INVALID_ARGUMENT_VALUE, f"CausalConvWithState: activation '{attrs['activation']}' is not none, silu "
                         "or swish")
    return [like(y, x.dtype), seq[:, :, seq.shape[2] - (k - 1):]]
