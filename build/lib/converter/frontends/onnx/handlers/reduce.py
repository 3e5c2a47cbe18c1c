"""ONNX handlers: Reduce* (axes as attribute or, from opset 13/18, as an input), ArgMax/ArgMin, CumSum
and TopK. Constant axes/axis/k inputs become attributes; computed ones stay input 1 of the canonical op."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op
from .elementwise import known_shape

REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp")


def input_rank(ctx: NodeContext) -> int | None:
    shape = known_shape(ctx, 0)
    return None if shape is None else len(shape)


def normalize_axes(ctx: NodeContext, axes) -> list:
    """Axes made non-negative when the input rank is known now; left as given otherwise."""
    rank = input_rank(ctx)
    axes = [int(a) for a in axes]
    return [a % rank for a in axes] if rank else axes


def normalize_axis(ctx: NodeContext, axis: int) -> int:
    return normalize_axes(ctx, [axis])[0]


def constant_or_input(ctx: NodeContext, i: int):
    """(flat int list, None) when input i is absent or constant, else (None, its ref) to keep as an input."""
    ref = ctx.input(i)
    if ref is None:
        return [], None
    value = ctx.value(i) if ref[0] in ctx.builder.graph else None
    if value is None:
        return None, ctx.input(i)
    return [int(v) for v in value.reshape(-1)], None


@onnx_op(*REDUCTIONS)
def reduce(ctx: NodeContext):
    """Reduce*: axes from the attribute (old opsets) or the optional input 1 (ReduceSum 13+, others 18+)."""
    axes, axes_ref = (ctx.attr("axes"), None) if ctx.attr("axes") is not None else constant_or_input(ctx, 1)
    attrs = {"keepdims": bool(ctx.attr("keepdims", 1)),
             "noop_with_empty_axes": bool(ctx.attr("noop_with_empty_axes", 0))}
    if axes_ref is not None:
        return ctx.op(ctx.node.op_type, [ctx.input(0), axes_ref], attrs)
    return ctx.op(ctx.node.op_type, [ctx.input(0)], {"axes": normalize_axes(ctx, axes), **attrs})


@onnx_op("ArgMax", "ArgMin")
def arg_reduce(ctx: NodeContext):
    attrs = {"axis": normalize_axis(ctx, ctx.attr("axis", 0)), "keepdims": bool(ctx.attr("keepdims", 1)),
             "select_last_index": bool(ctx.attr("select_last_index", 0))}
    return ctx.op(ctx.node.op_type, [ctx.input(0)], attrs)


@onnx_op("CumSum")
def cum_sum(ctx: NodeContext):
    """CumSum: a constant axis input becomes the axis attribute."""
    attrs = {"exclusive": bool(ctx.attr("exclusive", 0)), "reverse": bool(ctx.attr("reverse", 0))}
    axis, axis_ref = constant_or_input(ctx, 1)
    if axis_ref is not None:
        return ctx.op("CumSum", [ctx.input(0), axis_ref], attrs)
    return ctx.op("CumSum", [ctx.input(0)], {"axis": normalize_axis(ctx, axis[0]), **attrs})


@onnx_op("TopK")
def top_k(ctx: NodeContext):
    """TopK: k is an attribute before opset 10 and an input (made an attribute when constant) from 10 on."""
    attrs = {"axis": normalize_axis(ctx, ctx.attr("axis", -1)),
             "largest": bool(ctx.attr("largest", 1)), "sorted": bool(ctx.attr("sorted", 1))}
    if ctx.opset < 10:
        return ctx.op("TopK", [ctx.input(0)], {"k": int(ctx.attr("k")), **attrs}, n_out=2)
    k, k_ref = constant_or_input(ctx, 1)
    if k_ref is not None:
        return ctx.op("TopK", [ctx.input(0), k_ref], attrs, n_out=2)
    return ctx.op("TopK", [ctx.input(0)], {"k": k[0], **attrs}, n_out=2)
