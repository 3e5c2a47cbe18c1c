"""ONNX handlers: Reduce* (axes as attribute or, from opset 13/18, as an input), ArgMax/ArgMin, CumSum,
CumProd and TopK. Constant axes/axis/k inputs become attributes; computed ones stay input 1 of the
canonical op."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op

REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
              "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp")


def constant_or_input(ctx: NodeContext, i: int):
    """(flat int list, None) when input i is absent or constant, else (None, its ref) to keep as an input."""
    ref = ctx.input(i)
    if ref is None:
        return [], None
    value = ctx.value(i)
    if value is None:
        return None, ctx.input(i)
    return [int(v) for v in value.reshape(-1)], None


def scalar_or_input(ctx: NodeContext, i: int, what: str):
    """(int, None) when input i is a constant with one value, else (None, its ref) to keep as an input."""
    ref = ctx.require_input(i, what)
    value = ctx.value(i)
    if value is None:
        return None, ref
    if value.size != 1:
        raise ctx.fail(f"input {i} ({what}) holds {value.size} values; it must hold one")
    return int(value.reshape(-1)[0]), None


@onnx_op(*REDUCTIONS)
def reduce(ctx: NodeContext):
    """Reduce*: axes from the attribute (old opsets) or the optional input 1 (ReduceSum 13+, others 18+)."""
    axes, axes_ref = (ctx.attr("axes"), None) if ctx.attr("axes") is not None else constant_or_input(ctx, 1)
    attrs = {"keepdims": bool(ctx.attr("keepdims")),
             "noop_with_empty_axes": bool(ctx.attr("noop_with_empty_axes", 0))}
    if axes_ref is not None:
        return ctx.op(ctx.op_type, [ctx.input(0), axes_ref], attrs)
    return ctx.op(ctx.op_type, [ctx.input(0)], {"axes": ctx.axes(axes), **attrs})


@onnx_op("ArgMax", "ArgMin")
def arg_reduce(ctx: NodeContext):
    attrs = {"axis": ctx.axis(ctx.attr("axis")), "keepdims": bool(ctx.attr("keepdims")),
             "select_last_index": bool(ctx.attr("select_last_index", 0))}
    return ctx.op(ctx.op_type, [ctx.input(0)], attrs)


@onnx_op("CumSum")
@onnx_op("CumProd", since=26)
def cumulative(ctx: NodeContext):
    """CumSum, CumProd: a constant axis input becomes the axis attribute."""
    attrs = {"exclusive": bool(ctx.attr("exclusive")), "reverse": bool(ctx.attr("reverse"))}
    axis, axis_ref = scalar_or_input(ctx, 1, "axis")
    if axis_ref is not None:
        return ctx.op(ctx.op_type, [ctx.input(0), axis_ref], attrs)
    return ctx.op(ctx.op_type, [ctx.input(0)], {"axis": ctx.axis(axis), **attrs})


@onnx_op("TopK")
def top_k(ctx: NodeContext):
    """TopK: k is an attribute before opset 10 and an input (made an attribute when constant) from 10 on."""
    attrs = {"axis": ctx.axis(ctx.attr("axis")),
             "largest": bool(ctx.attr("largest", 1)), "sorted": bool(ctx.attr("sorted", 1))}
    if ctx.opset < 10:
        return ctx.op("TopK", [ctx.input(0)], {"k": int(ctx.require_attr("k")), **attrs}, n_out=2)
    k, k_ref = scalar_or_input(ctx, 1, "k")
    if k_ref is not None:
        return ctx.op("TopK", [ctx.input(0), k_ref], attrs, n_out=2)
    return ctx.op("TopK", [ctx.input(0)], {"k": k, **attrs}, n_out=2)
