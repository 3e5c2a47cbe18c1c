"""ONNX handlers: recurrent layers (LSTM, GRU, RNN) mapped to the canonical ops of the same names."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op

COMMON_ATTRS = ("direction", "hidden_size", "activations", "activation_alpha", "activation_beta", "clip",
                "layout")
# ONNX op -> (number of outputs, op-specific attrs)
RECURRENT = {"LSTM": (3, ("input_forget",)), "GRU": (2, ("linear_before_reset",)), "RNN": (2, ())}


@onnx_op(*RECURRENT)
def recurrent(ctx: NodeContext):
    """All outputs are always created; those the node does not use are simply not read."""
    n_out, extra = RECURRENT[ctx.op_type]
    attrs = {k: ctx.attrs[k] for k in COMMON_ATTRS + extra if k in ctx.attrs}
    return ctx.op_all_outputs(ctx.op_type, ctx.inputs, attrs, n_out)
