"""ONNX handlers: ops with a recurrent state for decoding (LinearAttention, CausalConvWithState, opset 27)."""
from __future__ import annotations

from ....ops.nn.recurrent_state import UPDATE_RULES
from ..registry import NodeContext, onnx_op


@onnx_op("LinearAttention", since=27)
def linear_attention(ctx: NodeContext):
    """chunk_size is a tuning hint of chunk-parallel kernels: the result does not depend on it."""
    hq, hkv = int(ctx.require_attr("q_num_heads")), int(ctx.require_attr("kv_num_heads"))
    if hkv <= 0 or hq <= 0 or hq % hkv:
        raise ctx.fail(f"q_num_heads={hq} must be a positive multiple of kv_num_heads={hkv}")
    rule = ctx.choice("update_rule", {r: r for r in UPDATE_RULES})
    gated, delta = rule in ("gated", "gated_delta"), rule in ("delta", "gated_delta")
    for i, name, needed in ((4, "decay", gated), (5, "beta", delta)):
        if (ctx.input(i) is not None) != needed:
            raise ctx.fail(f"update_rule '{rule}' {'needs' if needed else 'takes no'} input {i} ({name})")
    for i in range(3):
        if ctx.rank(i) not in (None, 3):
            raise ctx.fail(f"input {i} is {ctx.rank(i)}-D; query, key and value are (B, T, H * D)")
    attrs = {"q_num_heads": hq, "kv_num_heads": hkv, "scale": float(ctx.attr("scale")), "update_rule": rule}
    return ctx.op_all_outputs("LinearAttention", ctx.inputs[:6], attrs, 2)


@onnx_op("CausalConvWithState", since=27)
def causal_conv_with_state(ctx: NodeContext):
    activation = ctx.choice("activation", {a: a for a in ("none", "silu", "swish")})
    for i in (0, 1):
        if ctx.rank(i) not in (None, 3):
            raise ctx.fail(f"input {i} is {ctx.rank(i)}-D; input and weight are 3-D")
    return ctx.op_all_outputs("CausalConvWithState", ctx.inputs[:4], {"activation": activation}, 2)
