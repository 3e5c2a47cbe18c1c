"""ONNX handlers: spatial sampling beside GridSample (AffineGrid, DeformConv)."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op


@onnx_op("AffineGrid", since=20)
def affine_grid(ctx: NodeContext):
    """The size input may be computed (e.g. Shape of the image): shapes follow once it is folded."""
    return ctx.op("AffineGrid", ctx.inputs[:2], {"align_corners": bool(ctx.attr("align_corners"))})


@onnx_op("DeformConv", since=19)
def deform_conv(ctx: NodeContext):
    """2-D only (the ONNX reference and onnxruntime define no other)."""
    for i in (0, 1):
        if ctx.rank(i) not in (None, 4):
            raise ctx.unsupported(f"input {i} is {ctx.rank(i)}-D; only 2-D deformable convolution (4-D tensors) "
                                  "is supported")
    attrs = {k: [int(v) for v in ctx.attr(k, [])] for k in ("kernel_shape", "strides", "dilations", "pads")}
    attrs.update(group=int(ctx.attr("group")), offset_group=int(ctx.attr("offset_group")))
    if attrs["group"] < 1 or attrs["offset_group"] < 1:
        raise ctx.fail(f"group={attrs['group']} and offset_group={attrs['offset_group']} must be positive")
    return ctx.op("DeformConv", ctx.inputs[:5], attrs)
