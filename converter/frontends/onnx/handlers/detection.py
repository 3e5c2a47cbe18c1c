"""ONNX handlers: detection post-processing ops."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op


@onnx_op("NonMaxSuppression", since=10)
def non_max_suppression(ctx: NodeContext):
    return ctx.op("NonMaxSuppression", ctx.inputs, {"center_point_box": int(ctx.attr("center_point_box", 0))})
