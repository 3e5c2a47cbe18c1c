"""ONNX handlers: transformer building blocks beside Attention (TensorScatter KV cache writes, SwiGLU)."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op


@onnx_op("TensorScatter", since=24)
def tensor_scatter(ctx: NodeContext):
    axis = ctx.axis(int(ctx.attr("axis")))
    if axis == 0:
        raise ctx.fail("axis 0 is the batch axis; the sequence axis must be another")
    mode = ctx.choice("mode", {"linear": "linear", "circular": "circular"})
    return ctx.op("TensorScatter", ctx.inputs[:3], {"axis": axis, "mode": mode})


@onnx_op("SwiGLU", since=28)
def swiglu(ctx: NodeContext):
    """Y = Swish_alpha(A) * B, as Swish and Mul (A and B have one shape: no broadcasting)."""
    a, b = ctx.shape(0), ctx.shape(1)
    if a is not None and b is not None and (len(a) != len(b) or any(x != y and -1 not in (x, y) for x, y in zip(a, b))):
        raise ctx.fail(f"inputs A {list(a)} and B {list(b)} must have the same shape")
    gate = ctx.op("Swish", [ctx.input(0)], {"scale": float(ctx.attr("alpha"))}, n_out=1, suffix="_swish")[0]
    return ctx.op("Mul", [gate, ctx.input(1)])
