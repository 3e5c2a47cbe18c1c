"""ONNX emitters: LinearAttention and CausalConvWithState (opset 27), one to one."""
from __future__ import annotations

from ..registry import Emit, emits


@emits("LinearAttention", opset=27)
def linear_attention(e: Emit):
    e.out("LinearAttention", e.inputs[:6], q_num_heads=int(e.attrs["q_num_heads"]),
          kv_num_heads=int(e.attrs["kv_num_heads"]), scale=float(e.attrs["scale"]),
          update_rule=str(e.attrs["update_rule"]))


@emits("CausalConvWithState", opset=27)
def causal_conv_with_state(e: Emit):
    e.out("CausalConvWithState", [e.input(0), *(e.as_dtype(i, e.dtype(0)) for i in (1, 2, 3))],
          activation=str(e.attrs["activation"]))
