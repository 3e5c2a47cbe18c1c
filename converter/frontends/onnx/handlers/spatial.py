"""ONNX handlers: spatial sampling beside GridSample (AffineGrid)."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op


@onnx_op("AffineGrid", since=20)
def affine_grid(ctx: NodeContext):
    """The size input may be computed (e.g. Shape of the image): shapes follow once it is folded."""
    return ctx.op("AffineGrid", ctx.inputs[:2], {"align_corners": bool(ctx.attr("align_corners"))})
