"""TF handlers for elementwise math, activations, casts, reductions, matrix products, Cumsum, TopKV2 and
Erfc/Log1p/Expm1 compositions (binary, unary and reduction ops are tables: TF type -> canonical type)."""
from __future__ import annotations

import numpy as np

from ....ir import DataType
from ..registry import NodeContext, tf_op
from ._util import dtype_attr

# TF binary op -> canonical op (same input order, numpy broadcasting)
BINARY = {
    "Add": "Add", "AddV2": "Add", "Sub": "Sub", "Mul": "Mul", "RealDiv": "RealDiv", "Div": "RealDiv",
    "TruncateDiv": "RealDiv", "FloorDiv": "FloorDiv", "FloorMod": "Mod", "Maximum": "Maximum",
    "Minimum": "Minimum", "SquaredDifference": "SquaredDifference", "Pow": "Pow",
    "Equal": "Equal", "Less": "Less", "Greater": "Greater", "LessEqual": "LessEqual",
    "GreaterEqual": "GreaterEqual", "LogicalAnd": "LogicalAnd", "LogicalOr": "LogicalOr", "Atan2": "Atan2",
    "BitwiseAnd": "BitwiseAnd", "BitwiseOr": "BitwiseOr", "BitwiseXor": "BitwiseXor", "LeftShift": "LeftShift",
    "RightShift": "RightShift",
}
# TF unary op -> canonical op
UNARY = {
    "Sqrt": "Sqrt", "Rsqrt": "Rsqrt", "Exp": "Exp", "Log": "Log", "Neg": "Neg", "Abs": "Abs",
    "Square": "Square", "Reciprocal": "Reciprocal", "Inv": "Reciprocal", "Floor": "Floor", "Ceil": "Ceil",
    "Round": "Round", "Sign": "Sign", "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin",
    "Acos": "Acos", "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh", "Erf": "Erf", "Asinh": "Asinh",
    "Acosh": "Acosh", "Atanh": "Atanh", "Rint": "Round", "LogicalNot": "LogicalNot", "IsNan": "IsNaN",
    "IsInf": "IsInf", "Invert": "Invert",
    "Relu": "Relu", "Relu6": "Relu6", "Elu": "Elu", "Selu": "Selu", "Sigmoid": "Sigmoid", "Tanh": "Tanh",
    "Softplus": "Softplus", "Softsign": "Softsign",
}
# TF reduction -> canonical reduction (axes from input 1, keep_dims attr); All/Any reduce booleans
REDUCE = {"Mean": "ReduceMean", "Sum": "ReduceSum", "Max": "ReduceMax", "Min": "ReduceMin", "Prod": "ReduceProd",
          "All": "ReduceMin", "Any": "ReduceMax", "EuclideanNorm": "ReduceL2"}


def _binary(ctx: NodeContext):
    return ctx.op(BINARY[ctx.op_type], ctx.inputs[:2])


def _unary(ctx: NodeContext):
    return ctx.op(UNARY[ctx.op_type], ctx.inputs[:1])


tf_op(*BINARY, inputs=2)(_binary)
tf_op(*UNARY, inputs=1)(_unary)


@tf_op("NotEqual", inputs=2)
def not_equal(ctx: NodeContext):
    eq = ctx.op("Equal", ctx.inputs[:2], suffix="equal")
    return ctx.op("LogicalNot", eq)


@tf_op("AddN", inputs=1)
def add_n(ctx: NodeContext):
    return ctx.op("AddN", ctx.inputs)


@tf_op("LeakyRelu", inputs=1)
def leaky_relu(ctx: NodeContext):
    return ctx.op("LeakyRelu", ctx.inputs[:1], {"alpha": float(ctx.attr("alpha", 0.2))})


@tf_op("Softmax", "LogSoftmax", inputs=1)
def softmax(ctx: NodeContext):
    return ctx.op(ctx.op_type, ctx.inputs[:1], {"axis": -1})


@tf_op("ClipByValue", inputs=3)
def clip_by_value(ctx: NodeContext):
    return ctx.op("ClipByValue", ctx.inputs[:3])


@tf_op("Select", "SelectV2", inputs=3)
def select(ctx: NodeContext):
    """SelectV2 broadcasts. Select (v1) takes a cond of x's shape, a scalar, or a rank-1 cond that picks rows of a
    higher-rank x: that one is reshaped to (n, 1, ...); when the ranks are not known before run time, the cond is
    reshaped to its shape followed by rank(x) - rank(cond) ones, which covers the three cases."""
    cond = ctx.input(0)
    cond_shape, x_shape = ctx.shape(0), ctx.shape(1)
    if ctx.op_type == "Select" and (cond_shape is None or x_shape is None):
        cond = _v1_condition(ctx)
    elif ctx.op_type == "Select" and len(cond_shape) == 1 and len(x_shape) > 1:
        target = ctx.const(np.array([-1] + [1] * (len(x_shape) - 1), np.int64), "cond_shape")
        cond = ctx.op("Reshape", [cond, target], suffix="cond")[0]
    return ctx.op("Select", [cond, ctx.input(1), ctx.input(2)])


def _v1_condition(ctx: NodeContext):
    """cond reshaped to shape(cond) + [1] * (rank(x) - rank(cond)), computed at run time."""
    cond_shape = ctx.op("Shape", [ctx.input(0)], suffix="cond_shape")[0]
    ranks = [ctx.op("Size", [ref], suffix=f"rank{i}")[0]
             for i, ref in enumerate((ctx.op("Shape", [ctx.input(1)], suffix="x_shape")[0], cond_shape))]
    extra = ctx.op("Sub", ranks, suffix="extra_rank")[0]
    ones = ctx.op("Fill", [ctx.op("Reshape", [extra, ctx.const(np.array([1], np.int64), "one_dim")],
                                  suffix="extra_dims")[0]], {"value": np.array([1], np.int64)}, suffix="ones")[0]
    target = ctx.op("ConcatD", [cond_shape, ones], {"concat_dim": 0}, suffix="cond_target")[0]
    return ctx.op("Reshape", [ctx.input(0), target], suffix="cond")[0]


@tf_op("Cast", inputs=1)
def cast(ctx: NodeContext):
    return ctx.op("Cast", ctx.inputs[:1], {"dst_type": int(dtype_attr(ctx, "DstT"))})


def cast_index(ctx: NodeContext, ref, key: str, default=DataType.DT_INT64):
    """Index-producing ops give int64 canonically; add a Cast when the node asks for another type."""
    want = dtype_attr(ctx, key, default)
    if want == DataType.DT_INT64:
        return None
    return ctx.op("Cast", [ref], {"dst_type": int(want)})


@tf_op(*REDUCE, inputs=2)
def reduce(ctx: NodeContext):
    """Constant axes become the axes attr; run-time axes stay input 1. No axes: nothing is reduced."""
    attrs = {"keepdims": bool(ctx.attr("keep_dims", False)), "noop_with_empty_axes": True}
    axes = ctx.value(1)
    if axes is None:
        return ctx.op(REDUCE[ctx.op_type], ctx.inputs[:2], attrs)
    attrs["axes"] = [int(a) for a in np.asarray(axes).reshape(-1)]
    return ctx.op(REDUCE[ctx.op_type], ctx.inputs[:1], attrs)


@tf_op("ArgMax", "ArgMin", inputs=2)
def arg_reduce(ctx: NodeContext):
    axis = ctx.require_int(1, "dimension")
    ref = ctx.op(ctx.op_type, ctx.inputs[:1], {"axis": axis, "keepdims": False},
                 suffix="" if dtype_attr(ctx, "output_type", DataType.DT_INT64) == DataType.DT_INT64 else "int64")
    return cast_index(ctx, ref[0], "output_type") or ref


@tf_op("MatMul", inputs=2)
def mat_mul(ctx: NodeContext):
    attrs = {"transpose_x1": bool(ctx.attr("transpose_a", False)), "transpose_x2": bool(ctx.attr("transpose_b", False))}
    return ctx.op("MatMulV2", ctx.inputs[:2], attrs)


@tf_op("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", inputs=2)
def batch_mat_mul(ctx: NodeContext):
    attrs = {"adj_x1": bool(ctx.attr("adj_x", False)), "adj_x2": bool(ctx.attr("adj_y", False))}
    return ctx.op("BatchMatMulV2", ctx.inputs[:2], attrs)


@tf_op("Einsum", inputs=1)
def einsum(ctx: NodeContext):
    return ctx.op("Einsum", ctx.inputs, {"equation": str(ctx.require_attr("equation"))})


@tf_op("Cumsum", "Cumprod", inputs=2)
def cumulative(ctx: NodeContext):
    axis = ctx.require_int(1, "axis")
    attrs = {"axis": axis, "exclusive": bool(ctx.attr("exclusive", False)), "reverse": bool(ctx.attr("reverse", False))}
    return ctx.op({"Cumsum": "CumSum", "Cumprod": "CumProd"}[ctx.op_type], ctx.inputs[:1], attrs)


@tf_op("TopKV2", inputs=2)
def top_k(ctx: NodeContext):
    """Values and int32 indices of the k largest entries of the last axis."""
    k = ctx.require_int(1, "k")
    values, indices = ctx.op("TopK", ctx.inputs[:1], {"k": k, "axis": -1, "largest": True,
                                                      "sorted": bool(ctx.attr("sorted", True))}, n_out=2)
    cast = ctx.op("Cast", [indices], {"dst_type": int(dtype_attr(ctx, "index_type", DataType.DT_INT32))},
                  suffix="indices")
    return [values, cast[0]]


def _one_like(ctx: NodeContext):
    return _scalar_like(ctx, 1, "one")


def _scalar_like(ctx: NodeContext, value, suffix: str):
    """A scalar constant of the node's type T."""
    from ....ir import to_numpy
    return ctx.const(np.array(value, dtype=to_numpy(dtype_attr(ctx, "T", DataType.DT_FLOAT))), suffix)


@tf_op("TruncateMod", inputs=2)
def truncate_mod(ctx: NodeContext):
    """C's remainder: the sign of the dividend."""
    return ctx.op("Mod", ctx.inputs[:2], {"fmod": 1})


@tf_op("IsFinite", inputs=1)
def is_finite(ctx: NodeContext):
    nan = ctx.op("IsNaN", ctx.inputs[:1], suffix="nan")[0]
    inf = ctx.op("IsInf", ctx.inputs[:1], suffix="inf")[0]
    either = ctx.op("LogicalOr", [nan, inf], suffix="not_finite")[0]
    return ctx.op("LogicalNot", [either])


# x op y, and 0 where y is 0 (DivNoNan, MulNoNan), or where x is 0 (Xlogy, Xdivy)
_GUARDED = {"DivNoNan": ("RealDiv", 1), "MulNoNan": ("Mul", 1), "Xlogy": ("Log", 0), "Xdivy": ("RealDiv", 0)}


@tf_op(*_GUARDED, inputs=2)
def guarded(ctx: NodeContext):
    op_type, zero_input = _GUARDED[ctx.op_type]
    zero = _scalar_like(ctx, 0, "zero")
    x, y = ctx.input(0), ctx.input(1)
    if ctx.op_type == "Xlogy":
        value = ctx.op("Mul", [x, ctx.op("Log", [y], suffix="log")[0]], suffix="value")[0]
    else:
        value = ctx.op(op_type, [x, y], suffix="value")[0]
    is_zero = ctx.op("Equal", [ctx.input(zero_input), zero], suffix="is_zero")[0]
    return ctx.op("Select", [is_zero, zero, value])


@tf_op("L2Loss", inputs=1)
def l2_loss(ctx: NodeContext):
    """sum(x ** 2) / 2."""
    square = ctx.op("Square", ctx.inputs[:1], suffix="square")[0]
    total = ctx.op("ReduceSum", [square], {"keepdims": False}, suffix="sum")[0]
    return ctx.op("Mul", [total, _scalar_like(ctx, 0.5, "half")])


@tf_op("Erfc", inputs=1)
def erfc(ctx: NodeContext):
    """1 - erf(x) (Keras' exact gelu freezes to it)."""
    erf = ctx.op("Erf", ctx.inputs[:1], suffix="erf")
    return ctx.op("Sub", [_one_like(ctx), erf[0]])


@tf_op("Log1p", inputs=1)
def log1p(ctx: NodeContext):
    shifted = ctx.op("Add", [ctx.input(0), _one_like(ctx)], suffix="plus_one")
    return ctx.op("Log", shifted)


@tf_op("Expm1", inputs=1)
def expm1(ctx: NodeContext):
    exp = ctx.op("Exp", ctx.inputs[:1], suffix="exp")
    return ctx.op("Sub", [exp[0], _one_like(ctx)])
