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
    return {k: v for k, v in ctx.attrs.items() if k in spec.attrs}


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
    return emit_one_to_one(ctx, ONE_TO_ONE)


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


@onnx_op("Cast")
def cast(ctx: NodeContext):
    """ONNX Cast: attr ``to`` (a TensorProto type) -> dst_type (our DataType)."""
    return ctx.op("Cast", [ctx.input(0)], {"dst_type": onnx_type_to_datatype(ctx.require_attr("to"))})


@onnx_op("CastLike")
def cast_like(ctx: NodeContext):
    """ONNX CastLike: a Cast when the target's dtype is known now (graph input or constant)."""
    dtype = known_dtype(ctx, 1)
    if dtype is not None:
        return ctx.op("Cast", [ctx.input(0)], {"dst_type": int(from_numpy(dtype))})
    return ctx.op("CastLike", [ctx.input(0), ctx.input(1)])
