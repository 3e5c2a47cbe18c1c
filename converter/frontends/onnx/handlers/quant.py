"""ONNX handlers: quantization ops (QDQ and QOperator formats), mapped one to one onto the ONNX-named
canonical ops of converter/ops/quant.py."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op
from .elementwise import onnx_type_to_datatype
from .nn import spatial_rank, window_attrs


def emit(ctx: NodeContext, op_type: str, inputs, attrs: dict | None = None, n_out: int | None = None) -> list:
    """The ONNX-named canonical op (its output shapes are inferred as soon as the handler returns, so a
    Conv reading its weight through a DequantizeLinear sees the weight's rank)."""
    return ctx.op(op_type, inputs, attrs, n_out=n_out)


def _qdq_attrs(ctx: NodeContext) -> dict:
    """axis (opset 13+), block_size (opset 21+: blocked quantization) and output_dtype (21+)."""
    block = int(ctx.attr("block_size", 0) or 0)
    if block < 0:
        raise ctx.fail(f"block_size={block} must not be negative")
    out_type = ctx.attr("output_dtype", 0)
    return {"axis": int(ctx.attr("axis", 1)), "block_size": block,
            "output_dtype": onnx_type_to_datatype(out_type) if out_type else 0}


@onnx_op("QuantizeLinear", since=10)
def quantize_linear(ctx: NodeContext):
    attrs = _qdq_attrs(ctx)
    attrs["saturate"] = int(ctx.attr("saturate", 1))
    return emit(ctx, "QuantizeLinear", ctx.inputs[:3], attrs)


@onnx_op("DequantizeLinear", since=10)
def dequantize_linear(ctx: NodeContext):
    return emit(ctx, "DequantizeLinear", ctx.inputs[:3], _qdq_attrs(ctx))


@onnx_op("DynamicQuantizeLinear", since=11)
def dynamic_quantize_linear(ctx: NodeContext):
    return emit(ctx, "DynamicQuantizeLinear", ctx.inputs[:1], {}, n_out=3)


@onnx_op("MatMulInteger", since=10)
def matmul_integer(ctx: NodeContext):
    return emit(ctx, "MatMulInteger", ctx.inputs[:4])


@onnx_op("QLinearMatMul", since=10)
def qlinear_matmul(ctx: NodeContext):
    return emit(ctx, "QLinearMatMul", ctx.inputs[:8])


def _conv_attrs(ctx: NodeContext, weight_input: int) -> dict:
    attrs = window_attrs(ctx, spatial_rank(ctx, weight_input))
    attrs["groups"] = int(ctx.attr("group"))
    return attrs


@onnx_op("ConvInteger", since=10)
def conv_integer(ctx: NodeContext):
    return emit(ctx, "ConvInteger", ctx.inputs[:4], _conv_attrs(ctx, 1))


@onnx_op("QLinearConv", since=10)
def qlinear_conv(ctx: NodeContext):
    return emit(ctx, "QLinearConv", ctx.inputs[:9], _conv_attrs(ctx, 3))
