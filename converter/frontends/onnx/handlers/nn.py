"""ONNX handlers: nn ops (conv, pooling, normalisation, matmul/gemm, pad, resize, depth/space)."""
from __future__ import annotations

import numpy as np

from ....errors import GraphError
from ..registry import NodeContext, onnx_op

CONV_BY_RANK = {1: "Conv1D", 2: "Conv2D", 3: "Conv3D"}
CONV_TRANSPOSE_BY_RANK = {1: "Conv1DTranspose", 2: "Conv2DTranspose", 3: "Conv3DTranspose"}
CHANNELS_FIRST = {1: "NCHW", 2: "NCHW", 3: "NCDHW"}


def refuse(ctx: NodeContext, why: str) -> GraphError:
    return GraphError("E11009", f"node '{ctx.name}' ({ctx.node.op_type}): {why}", node=ctx.name)


def input_rank(ctx: NodeContext, i: int) -> int | None:
    """Rank of input i from its constant value or its (possibly still unknown) desc."""
    value = ctx.value(i)
    if value is not None:
        return value.ndim
    d = ctx.desc(i)
    return None if d is None or d.shape is None else len(d.shape)


def spatial_rank(ctx: NodeContext, weight_input: int | None = 1) -> int:
    """Number of spatial axes: from the weight rank, the kernel_shape attr, or the input rank."""
    candidates = [input_rank(ctx, weight_input) if weight_input is not None else None, None, input_rank(ctx, 0)]
    if ctx.attr("kernel_shape"):
        candidates[1] = len(ctx.attr("kernel_shape")) + 2
    for rank in candidates:
        if rank is not None:
            return rank - 2
    raise GraphError("E10001", f"node '{ctx.name}' ({ctx.node.op_type}): cannot tell the spatial rank (weights "
                     "are not constant and no shape is known); give --input_shape", node=ctx.name)


def only_first_output(ctx: NodeContext, what: str) -> None:
    if any(name for name in list(ctx.node.output)[1:]):
        raise refuse(ctx, f"only output 0 is supported ({what} is not)")


def window_attrs(ctx: NodeContext, n: int, *, dilations: bool = True) -> dict:
    """strides/dilations/pads/auto_pad as explicit spatial lists."""
    attrs = {
        "strides": list(ctx.attr("strides") or [1] * n),
        "pads": list(ctx.attr("pads") or [0] * (2 * n)),
        "auto_pad": ctx.attr("auto_pad") or "NOTSET",
    }
    if dilations:
        attrs["dilations"] = list(ctx.attr("dilations") or [1] * n)
    return attrs


# ---- convolution --------------------------------------------------------------------------------

@onnx_op("Conv")
def conv(ctx: NodeContext):
    n = spatial_rank(ctx)
    attrs = window_attrs(ctx, n)
    attrs.update(groups=ctx.attr("group", 1), data_format=CHANNELS_FIRST[n])
    return ctx.op(CONV_BY_RANK[n], ctx.inputs[:3], attrs)


@onnx_op("ConvTranspose")
def conv_transpose(ctx: NodeContext):
    n = spatial_rank(ctx)
    attrs = window_attrs(ctx, n)
    attrs.update(groups=ctx.attr("group", 1), data_format=CHANNELS_FIRST[n],
                 output_padding=list(ctx.attr("output_padding") or [0] * n),
                 output_shape=list(ctx.attr("output_shape") or [])[-n:] if ctx.attr("output_shape") else [])
    return ctx.op(CONV_TRANSPOSE_BY_RANK[n], ctx.inputs[:3], attrs)
