"""ONNX emitters: elementwise ops (arithmetic with numpy's type promotion, comparisons, logic, unary
math, Cast, Select)."""
from __future__ import annotations

import numpy as np

from ...ir import DataType, from_numpy
from ..builder import numpy_of, onnx_type
from ..registry import Emit, Refusal, emits

# canonical -> ONNX, for ops whose inputs must share one type (numpy promotes; the result keeps input 0's)
ARITHMETIC = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "RealDiv": "Div", "Maximum": "Max", "Minimum": "Min",
              "AddN": "Sum"}
COMPARE = {"Equal": "Equal", "Less": "Less", "Greater": "Greater", "LessEqual": "LessOrEqual",
           "GreaterEqual": "GreaterOrEqual", "LogicalAnd": "And", "LogicalOr": "Or", "LogicalXor": "Xor"}
UNARY = {"Sqrt": "Sqrt", "Exp": "Exp", "Log": "Log", "Erf": "Erf", "Reciprocal": "Reciprocal",
         "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin", "Acos": "Acos", "Atan": "Atan",
         "Sinh": "Sinh", "Cosh": "Cosh", "Asinh": "Asinh", "Acosh": "Acosh", "Atanh": "Atanh",
         "Neg": "Neg", "Abs": "Abs", "Sign": "Sign", "IsNaN": "IsNaN", "LogicalNot": "Not"}
ROUNDING = {"Floor": "Floor", "Ceil": "Ceil", "Round": "Round"}


def is_float(dtype: int) -> bool:
    return numpy_of(dtype).kind == "f"


def promoted(e: Emit, indices) -> int:
    """numpy's result dtype of the given inputs, as a DataType."""
    return int(from_numpy(np.result_type(*(numpy_of(e.dtype(i)) for i in indices))))


def same_typed(e: Emit, indices) -> tuple:
    """(input names all in their promoted dtype, that dtype)."""
    target = promoted(e, indices)
    return [e.as_dtype(i, target) for i in indices], target


def keep_dtype(e: Emit, op_type: str, names: list, computed: int, wanted: int, **attrs) -> None:
    """op_type(names) computed in ``computed``, written to the outputs in ``wanted``."""
    if computed == wanted:
        e.out(op_type, names, **attrs)
    else:
        e.node("Cast", [e.one(op_type, names, **attrs)], e.outputs, to=onnx_type(wanted))


@emits(*ARITHMETIC)
def arithmetic(e: Emit):
    present = [i for i in range(len(e.inputs)) if e.has(i)] or [0]   # none: e.dtype(0) refuses the damaged op
    names, target = same_typed(e, present)
    keep_dtype(e, ARITHMETIC[e.op.type], names, target, e.dtype(present[0]))


@emits(*COMPARE)
def compare(e: Emit):
    names, _ = same_typed(e, [0, 1])
    e.out(COMPARE[e.op.type], names)


@emits(*UNARY)
def unary(e: Emit):
    e.out(UNARY[e.op.type], [e.input(0)])


@emits(*ROUNDING)
def rounding(e: Emit):
    if is_float(e.dtype(0)):
        e.out(ROUNDING[e.op.type], [e.input(0)])
    else:  # integers are already whole numbers
        e.out("Identity", [e.input(0)])


@emits("IsInf")
def is_inf(e: Emit):
    e.out("IsInf", [e.input(0)], detect_negative=int(e.attrs["detect_negative"]),
          detect_positive=int(e.attrs["detect_positive"]))


@emits("Square")
def square(e: Emit):
    e.out("Mul", [e.input(0), e.input(0)])


@emits("Rsqrt")
def rsqrt(e: Emit):
    e.out("Reciprocal", [e.one("Sqrt", [e.input(0)])])


@emits("SquaredDifference")
def squared_difference(e: Emit):
    names, target = same_typed(e, [0, 1])
    diff = e.one("Sub", names)
    keep_dtype(e, "Mul", [diff, diff], target, e.dtype(0))


@emits("Pow")
def power(e: Emit):
    base, exponent = e.dtype(0), e.dtype(1)
    if is_float(base):
        e.out("Pow", [e.input(0), e.input(1)])
        return
    # integer base: numpy computes in float64 when the exponent is a float (or negative), then casts back
    wide = e.as_dtype(0, DataType.DT_DOUBLE)
    exp = e.as_dtype(1, DataType.DT_DOUBLE) if is_float(exponent) else e.input(1)
    keep_dtype(e, "Pow", [wide, exp], DataType.DT_DOUBLE, base)


@emits("Mod")
def mod(e: Emit):
    names, target = same_typed(e, [0, 1])
    if e.attrs["fmod"] or not is_float(target):
        keep_dtype(e, "Mod", names, target, e.dtype(0), fmod=int(e.attrs["fmod"]))
        return
    # numpy's float mod takes the divisor's sign: fmod, then add the divisor where the signs differ
    a, b = names
    r = e.one("Mod", [a, b], fmod=1)
    zero = e.scalar(0, target)
    differ = e.one("Xor", [e.one("Less", [r, zero]), e.one("Less", [b, zero])])
    fix = e.one("And", [e.one("Not", [e.one("Equal", [r, zero])]), differ])
    keep_dtype(e, "Where", [fix, e.one("Add", [r, b]), r], target, e.dtype(0))


@emits("FloorDiv")
def floor_div(e: Emit):
    names, target = same_typed(e, [0, 1])
    a, b = names
    if is_float(target):
        keep_dtype(e, "Floor", [e.one("Div", [a, b])], target, e.dtype(0))
        return
    # integer Div truncates toward zero; floor is one less where the division is inexact and signs differ
    q = e.one("Div", [a, b])
    inexact = e.one("Not", [e.one("Equal", [e.one("Mul", [q, b]), a])])
    zero = e.scalar(0, target)
    differ = e.one("Xor", [e.one("Less", [a, zero]), e.one("Less", [b, zero])])
    fix = e.one("Cast", [e.one("And", [inexact, differ])], to=onnx_type(target))
    keep_dtype(e, "Sub", [q, fix], target, e.dtype(0))


def _cast_attrs(e: Emit) -> dict:
    """saturate=0 (float8 targets) only when set; a round_mode other than "up" needs opset 24, not emitted."""
    if e.attrs["round_mode"] != "up":
        raise Refusal(f"round_mode={e.attrs['round_mode']!r} (float8 e8m0) needs ONNX opset 24")
    return {} if e.attrs["saturate"] else {"saturate": 0}


@emits("Cast")
def cast(e: Emit):
    e.out("Cast", [e.input(0)], to=onnx_type(e.attrs["dst_type"], f"Cast '{e.op.name}'"), **_cast_attrs(e))


@emits("CastLike")
def cast_like(e: Emit):
    e.out("CastLike", [e.input(0), e.input(1)], **_cast_attrs(e))


@emits("Select")
def select(e: Emit):
    cond = e.as_dtype(0, DataType.DT_BOOL)
    target = promoted(e, [1, 2])
    keep_dtype(e, "Where", [cond, e.as_dtype(1, target), e.as_dtype(2, target)], target, e.dtype(1))


@emits("Bitcast", opset=26)
def bitcast(e: Emit):
    e.out("BitCast", [e.input(0)], to=onnx_type(e.attrs["dst_type"]))
