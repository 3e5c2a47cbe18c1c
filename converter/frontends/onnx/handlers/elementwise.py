"""ONNX handlers: elementwise ops (arithmetic, comparisons, logic, unary math, Sum/Max/Min/Mean,
Cast/CastLike, Where)."""
from __future__ import annotations

import numpy as np

from ....ir import from_numpy, to_numpy
from ....ops import registry as op_registry
from ..reader import onnx_dtype_to_numpy
from ..registry import NodeContext, onnx_op

# ONNX op type -> canonical op type, for nodes that map one-to-one (attrs named like the canonical op's)
ONE_TO_ONE = {
    "Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "RealDiv", "Pow": "Pow", "Mod": "Mod",
    "Equal": "Equal", "Less": "Less", "Greater": "Greater",
    "LessOrEqual": "LessEqual", "GreaterOrEqual": "GreaterEqual",
    "And": "LogicalAnd", "Or": "LogicalOr", "Xor": "LogicalXor", "Not": "LogicalNot",
    "Sqrt": "Sqrt", "Reciprocal": "Reciprocal", "Exp": "Exp", "Log": "Log", "Erf": "Erf",
    "Neg": "Neg", "Abs": "Abs", "Floor": "Floor", "Ceil": "Ceil", "Round": "Round", "Sign": "Sign",
    "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin", "Acos": "Acos", "Atan": "Atan",
    "Sinh": "Sinh", "Cosh": "Cosh", "Asinh": "Asinh", "Acosh": "Acosh", "Atanh": "Atanh",
    "IsNaN": "IsNaN", "IsInf": "IsInf", "Where": "Select",
}


def declared_attrs(ctx: NodeContext, canonical: str) -> dict:
    """The node's attributes that the canonical op declares (ONNX names and defaults are shared)."""
    spec = op_registry.get(canonical)
    return {k: ctx.attrs[k] for k in spec.attrs if k in ctx.attrs}


def known_dtype(ctx: NodeContext, i: int):
    """The numpy dtype of input i if it is already known (a graph input or a constant), else None."""
    d = ctx.desc(i)
    if d is None or ctx.builder.graph.op(ctx.input(i)[0]).type not in ("Data", "Const"):
        return None
    return to_numpy(d.dtype)


def emit_one_to_one(ctx: NodeContext, table: dict) -> list:
    canonical = table[ctx.op_type]
    return ctx.op(canonical, ctx.inputs, declared_attrs(ctx, canonical))


@onnx_op(*ONE_TO_ONE)
def one_to_one(ctx: NodeContext):
    if ctx.opset < 7 and len(ctx.inputs) == 2:
        return _legacy_broadcast(ctx)
    return emit_one_to_one(ctx, ONE_TO_ONE)


def _legacy_broadcast(ctx: NodeContext) -> list:
    """Binary ops before opset 7: with broadcast=1, B's dims line up with A's from ``axis`` on (by default
    from the end, which is numpy broadcasting); B gets trailing 1-dims so that numpy broadcasting agrees."""
    a, b = ctx.inputs
    axis = ctx.attr("axis")
    if ctx.attr("broadcast", 0) and axis is not None:
        rank_a, shape_b = ctx.rank(0), ctx.shape(1)
        if rank_a is None or shape_b is None or any(d < 0 for d in shape_b):
            raise ctx.fail("broadcast with axis needs A's rank and B's shape (set --input_shape)")
        axis = ctx.axis(axis)
        trailing = rank_a - axis - len(shape_b)
        if trailing < 0:
            raise ctx.fail(f"B of shape {list(shape_b)} does not fit A's {rank_a} dims from axis {axis}")
        if trailing:
            new_shape = ctx.const(np.array(list(shape_b) + [1] * trailing, np.int64), "_b_shape")
            b = ctx.op("Reshape", [b, new_shape], suffix="_b_aligned", n_out=1)[0]
    return ctx.op(ONE_TO_ONE[ctx.op_type], [a, b])


def chain(ctx: NodeContext, op_type: str, inputs: list) -> list:
    """Fold ``inputs`` left to right with a binary op; the last op carries the node's output name.
    A single input becomes op(x, x), which is x for Maximum/Minimum."""
    if len(inputs) == 1:
        inputs = [inputs[0], inputs[0]]
    acc = inputs[0]
    for i, ref in enumerate(inputs[1:], start=1):
        last = i == len(inputs) - 1
        acc = ctx.op(op_type, [acc, ref], suffix="" if last else f"_{i}")[0]
    return [acc]


@onnx_op("Max")
def max_(ctx: NodeContext):
    """ONNX Max over N broadcasting inputs -> a chain of Maximum."""
    return chain(ctx, "Maximum", [r for r in ctx.inputs if r is not None])


@onnx_op("Min")
def min_(ctx: NodeContext):
    """ONNX Min over N broadcasting inputs -> a chain of Minimum."""
    return chain(ctx, "Minimum", [r for r in ctx.inputs if r is not None])


@onnx_op("Sum")
def sum_(ctx: NodeContext):
    """ONNX Sum -> AddN."""
    return ctx.op("AddN", [r for r in ctx.inputs if r is not None])


@onnx_op("Mean")
def mean(ctx: NodeContext):
    """ONNX Mean -> AddN, then Mul by 1/N (Mul keeps the dtype of its first input)."""
    inputs = [r for r in ctx.inputs if r is not None]
    total = ctx.op("AddN", inputs, suffix="_sum")[0]
    scale = ctx.const(np.array(1.0 / len(inputs), known_dtype(ctx, 0) or np.float32), suffix="_scale")
    return ctx.op("Mul", [total, scale])


def onnx_type_to_datatype(onnx_type: int) -> int:
    """Our DataType for an ONNX TensorProto type (E10041 for types we cannot compute with)."""
    return int(from_numpy(onnx_dtype_to_numpy(onnx_type)))


def _cast_attrs(ctx: NodeContext) -> dict:
    """saturate (opset 19+: float8 targets) and round_mode (opset 24+: float8 e8m0 targets), recorded when they
    differ from the defaults (so the .om of a model without them stays as it was)."""
    saturate = bool(ctx.attr("saturate", 1))
    round_mode = ctx.choice("round_mode", {m: m for m in ("up", "down", "nearest")}, "up")
    return {**({} if saturate else {"saturate": False}), **({} if round_mode == "up" else {"round_mode": round_mode})}


@onnx_op("Cast")
def cast(ctx: NodeContext):
    """ONNX Cast: attr ``to`` (a TensorProto type) -> dst_type (our DataType)."""
    return ctx.op("Cast", [ctx.input(0)], {"dst_type": onnx_type_to_datatype(ctx.require_attr("to")),
                                           **_cast_attrs(ctx)})


@onnx_op("CastLike")
def cast_like(ctx: NodeContext):
    """ONNX CastLike: a Cast when the target's dtype is known now (graph input or constant)."""
    dtype = known_dtype(ctx, 1)
    if dtype is not None:
        return ctx.op("Cast", [ctx.input(0)], {"dst_type": int(from_numpy(dtype)), **_cast_attrs(ctx)})
    return ctx.op("CastLike", [ctx.input(0), ctx.input(1)], _cast_attrs(ctx))
