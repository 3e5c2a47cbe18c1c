"""ONNX handlers: Reduce* (axes as attribute or, from opset 13/18, as a constant input), ArgMax/ArgMin,
CumSum and TopK (constant axis/k inputs become attributes)."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op

REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp")


def input_rank(ctx: NodeContext) -> int | None:
    shape = ctx.desc(0).shape
    return None if shape is None else len(shape)


def normalize_axes(ctx: NodeContext, axes) -> list:
    """Axes made non-negative when the input rank is known now; left as given otherwise."""
    rank = input_rank(ctx)
    axes = [int(a) for a in axes]
    return [a % rank for a in axes] if rank else axes


def normalize_axis(ctx: NodeContext, axis: int) -> int:
    return normalize_axes(ctx, [axis])[0]


@onnx_op(*REDUCTIONS)
def reduce(ctx: NodeContext):
    """Reduce*: axes from the attribute (old opsets) or the optional constant input 1 (ReduceSum 13+, others 18+)."""
    if ctx.attr("axes") is not None:
        axes = ctx.attr("axes")
    elif ctx.input(1) is not None:
        axes = ctx.require_value(1, "axes").reshape(-1).tolist()
    else:
        axes = []
    attrs = {"axes": normalize_axes(ctx, axes), "keepdims": bool(ctx.attr("keepdims", 1)),
             "noop_with_empty_axes": bool(ctx.attr("noop_with_empty_axes", 0))}
    return ctx.op(ctx.node.op_type, [ctx.input(0)], attrs)


@onnx_op("ArgMax", "ArgMin")
def arg_reduce(ctx: NodeContext):
    attrs = {"axis": normalize_axis(ctx, ctx.attr("axis", 0)), "keepdims": bool(ctx.attr("keepdims", 1)),
             "select_last_index": bool(ctx.attr("select_last_index", 0))}
    return ctx.op(ctx.node.op_type, [ctx.input(0)], attrs)


@onnx_op("CumSum")
def cum_sum(ctx: NodeContext):
    """CumSum: the axis input must be constant; it becomes the axis attribute."""
    axis = int(ctx.require_value(1, "axis").reshape(-1)[0])
    attrs = {"axis": normalize_axis(ctx, axis), "exclusive": bool(ctx.attr("exclusive", 0)),
             "reverse": bool(ctx.attr("reverse", 0))}
    return ctx.op("CumSum", [ctx.input(0)], attrs)


@onnx_op("TopK")
def top_k(ctx: NodeContext):
    """TopK: k is an attribute before opset 10 and a constant input from opset 10 on."""
    k = ctx.attr("k") if ctx.opset < 10 else int(ctx.require_value(1, "k").reshape(-1)[0])
    attrs = {"k": int(k), "axis": normalize_axis(ctx, ctx.attr("axis", -1)),
             "largest": bool(ctx.attr("largest", 1)), "sorted": bool(ctx.attr("sorted", 1))}
    return ctx.op("TopK", [ctx.input(0)], attrs, n_out=2)
