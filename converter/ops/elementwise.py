"""Canonical ops: elementwise family (binary with numpy broadcasting, variadic AddN, unary math,
comparisons and logic, Cast, Select). Kernels keep the input dtype; fp16 is computed in fp32."""
from __future__ import annotations

import numpy as np

from ..ir import DataType, from_numpy, to_numpy
from .casting import cast_to
from .registry import Attr, InferContext, broadcast, desc, register, same_as_input
from .special import erf
from .workspace import output_for

BOOL = DataType.DT_BOOL


# ---- numeric helpers shared by the activation and reduce families ---------------------------

def widen(a) -> np.ndarray:
    """The array to compute with: fp16 is promoted to fp32 (numpy would otherwise compute in fp16)."""
    a = np.asarray(a)
    return a.astype(np.float32) if a.dtype == np.float16 else a


def like(result, dtype) -> np.ndarray:
    """``result`` cast back to ``dtype`` (no copy when it already has it)."""
    return np.asarray(result).astype(dtype, copy=False)


def is_int(a) -> bool:
    return np.asarray(a).dtype.kind in "iu"


def float_unary(fn):
    """A kernel applying ``fn`` to input 0 in fp32 (for fp16) and returning the input dtype."""

    def kernel(inputs, attrs):
        x = np.asarray(inputs[0])
        with np.errstate(all="ignore"):
            return like(fn(widen(x)), x.dtype)

    return kernel


# ---- binary arithmetic ----------------------------------------------------------------------

def trunc_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Division like ONNX Div: true division for floats, truncation toward zero for integers."""
    if not (is_int(a) and is_int(b)):
        if a.dtype.kind == "f" and b.dtype.kind == "f":
            return np.true_divide(a, b, out=output_for((a, b), np.broadcast_shapes(a.shape, b.shape),
                                                       np.result_type(a, b)))
        return a / b
    q = np.floor_divide(a, b)
    remainder = a - q * b
    fix = (remainder != 0) & ((a < 0) != (b < 0))
    return q + fix.astype(q.dtype)


def power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pow; integer bases with fractional or negative exponents go through float64 like C pow."""
    if is_int(a) and (not is_int(b) or np.any(b < 0)):
        return np.power(a.astype(np.float64), b.astype(np.float64))
    return np.power(a, b)


def modulo(a: np.ndarray, b: np.ndarray, fmod: int) -> np.ndarray:
    """ONNX Mod: fmod=0 takes the divisor's sign (integer mod), fmod=1 the dividend's (C fmod)."""
    return np.fmod(a, b) if fmod else np.mod(a, b)


def _into_output(ufunc):
    """``ufunc(a, b)`` written into an output from the session's workspace, possibly in place of a donated
    input (numeric dtypes)."""

    def fn(a, b, attrs):
        if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return ufunc(a, b)
        return ufunc(a, b, out=output_for((a, b), np.broadcast_shapes(a.shape, b.shape), np.result_type(a, b)))

    return fn


# name -> (function of (a, b, attrs), attrs spec, doc)
_ARITHMETIC = {
    "Add": (_into_output(np.add), {}, "a + b"),
    "Sub": (_into_output(np.subtract), {}, "a - b"),
    "Mul": (_into_output(np.multiply), {}, "a * b"),
    "RealDiv": (lambda a, b, at: trunc_divide(a, b), {}, "a / b (integers truncate toward zero, ONNX Div)"),
    "Pow": (lambda a, b, at: power(a, b), {}, "a ** b, in the base's dtype"),
    "Maximum": (lambda a, b, at: np.maximum(a, b), {}, "elementwise max"),
    "Minimum": (lambda a, b, at: np.minimum(a, b), {}, "elementwise min"),
    "SquaredDifference": (lambda a, b, at: (a - b) * (a - b), {}, "(a - b) ** 2"),
    "FloorDiv": (lambda a, b, at: np.floor_divide(a, b), {}, "floor(a / b)"),
    "Mod": (lambda a, b, at: modulo(a, b, at["fmod"]), {"fmod": Attr("int", 0)},
            "remainder; fmod=0 sign of divisor, fmod=1 sign of dividend"),
    "Atan2": (lambda a, b, at: np.arctan2(a, b), {}, "the angle of the point (b, a): atan2(a, b) (TF Atan2(y, x))"),
}

_COMPARE = {
    "Equal": (np.equal, "a == b"),
    "Less": (np.less, "a < b"),
    "Greater": (np.greater, "a > b"),
    "LessEqual": (np.less_equal, "a <= b"),
    "GreaterEqual": (np.greater_equal, "a >= b"),
    "LogicalAnd": (np.logical_and, "a and b"),
    "LogicalOr": (np.logical_or, "a or b"),
    "LogicalXor": (np.logical_xor, "a xor b"),
}


def _arithmetic_kernel(fn):
    def kernel(inputs, attrs):
        a, b = np.asarray(inputs[0]), np.asarray(inputs[1])
        with np.errstate(all="ignore"):
            y = fn(widen(a), widen(b), attrs)
            if attrs.get("_epilogue") == "Relu":   # fused by the session (registry epilogues): y is ours
                np.maximum(y, y.dtype.type(0), out=y)
            return like(y, a.dtype)

    return kernel


def _compare_kernel(fn):
    def kernel(inputs, attrs):
        return fn(np.asarray(inputs[0]), np.asarray(inputs[1]))

    return kernel


# traits (registry.TRAITS) of the table ops in this module
_TRAITS = {name: {"keep_fp32_mix"} for name in ("RealDiv", "Pow", "Sqrt", "Rsqrt", "Exp", "Log", "Erf", "Reciprocal")}

for _name, (_fn, _attrs, _doc) in _ARITHMETIC.items():
    register(_name, attrs=_attrs, infer=broadcast(0), category="elementwise", doc=_doc,
             traits=_TRAITS.get(_name, ()), epilogues={"Relu"} if _name in ("Add", "Sub", "Mul") else ())(
        _arithmetic_kernel(_fn))

for _name, (_fn, _doc) in _COMPARE.items():
    register(_name, infer=broadcast(out_dtype=BOOL), category="elementwise", doc=_doc)(_compare_kernel(_fn))


@register("AddN", infer=broadcast(0), category="elementwise")
def add_n(inputs, attrs):
    """Sum of any number of broadcasting inputs (ONNX Sum)."""
    arrays = [np.asarray(x) for x in inputs if x is not None]
    total = widen(arrays[0])
    for x in arrays[1:]:
        total = total + widen(x)
    return like(total, arrays[0].dtype)


# ---- unary math -----------------------------------------------------------------------------

def _sign_keeping(fn):
    """Unary kernel that also accepts integers (computed in their own dtype)."""

    def kernel(inputs, attrs):
        x = np.asarray(inputs[0])
        return like(fn(widen(x)), x.dtype)

    return kernel


# name -> (fn on the widened input, doc); kernels return the input dtype
_UNARY_FLOAT = {
    "Sqrt": (np.sqrt, "square root"),
    "Rsqrt": (lambda x: 1 / np.sqrt(x), "1 / sqrt(x)"),
    "Exp": (np.exp, "e ** x"),
    "Log": (np.log, "natural logarithm"),
    "Erf": (erf, "error function"),
    "Reciprocal": (lambda x: 1 / x, "1 / x"),
    "Floor": (np.floor, "round down"),
    "Ceil": (np.ceil, "round up"),
    "Round": (np.round, "round half to even"),
    "Sin": (np.sin, "sine"), "Cos": (np.cos, "cosine"), "Tan": (np.tan, "tangent"),
    "Asin": (np.arcsin, "arc sine"), "Acos": (np.arccos, "arc cosine"), "Atan": (np.arctan, "arc tangent"),
    "Sinh": (np.sinh, "hyperbolic sine"), "Cosh": (np.cosh, "hyperbolic cosine"),
    "Asinh": (np.arcsinh, "inverse hyperbolic sine"), "Acosh": (np.arccosh, "inverse hyperbolic cosine"),
    "Atanh": (np.arctanh, "inverse hyperbolic tangent"),
}

_UNARY_ANY = {
    "Neg": (np.negative, "-x"),
    "Abs": (np.abs, "|x|"),
    "Square": (lambda x: x * x, "x * x"),
    "Sign": (np.sign, "-1, 0 or 1"),
}

for _name, (_fn, _doc) in _UNARY_FLOAT.items():
    register(_name, infer=same_as_input(), category="elementwise", doc=_doc,
             traits=_TRAITS.get(_name, ()))(float_unary(_fn))

for _name, (_fn, _doc) in _UNARY_ANY.items():
    register(_name, infer=same_as_input(), category="elementwise", doc=_doc)(_sign_keeping(_fn))


def _bool_like_input(ctx: InferContext):
    return [desc(BOOL, ctx.shape(0))]


@register("LogicalNot", infer=_bool_like_input, category="elementwise")
def logical_not(inputs, attrs):
    """not x"""
    return np.logical_not(inputs[0])


@register("IsNaN", infer=_bool_like_input, category="elementwise")
def is_nan(inputs, attrs):
    """True where x is NaN."""
    return np.isnan(inputs[0])


@register("IsInf", attrs={"detect_negative": Attr("int", 1), "detect_positive": Attr("int", 1)},
          infer=_bool_like_input, category="elementwise")
def is_inf(inputs, attrs):
    """True where x is +inf (if detect_positive) or -inf (if detect_negative)."""
    x = np.asarray(inputs[0])
    pos = np.isposinf(x) if attrs["detect_positive"] else np.zeros(x.shape, bool)
    neg = np.isneginf(x) if attrs["detect_negative"] else np.zeros(x.shape, bool)
    return pos | neg


# ---- type conversion and selection ----------------------------------------------------------

def _cast_infer(ctx: InferContext):
    return [desc(ctx.attrs["dst_type"], ctx.shape(0))]


@register("Cast", attrs={"dst_type": Attr("dtype", doc="a converter.ir.DataType number"),
                         "saturate": Attr("bool", True, "float8 targets: clip out-of-range values (ONNX saturate)"),
                         "round_mode": Attr("str", "up", "float8 e8m0 targets: up | down | nearest")},
          infer=_cast_infer, category="elementwise")
def cast(inputs, attrs):
    """Convert to dst_type (floats to integers truncate toward zero; ops/casting.py for the narrow types)."""
    return cast_to(inputs[0], attrs["dst_type"], attrs["saturate"], attrs["round_mode"])


@register("CastLike", attrs={"saturate": Attr("bool", True), "round_mode": Attr("str", "up")},
          infer=lambda ctx: [desc(ctx.dtype(1), ctx.shape(0))], category="elementwise")
def cast_like(inputs, attrs):
    """Convert input 0 to the dtype of input 1 (ONNX CastLike when that dtype is not yet known)."""
    target = np.asarray(inputs[1]).dtype
    return cast_to(inputs[0], from_numpy(target), attrs["saturate"], attrs["round_mode"])


@register("Select", infer=broadcast(1), category="elementwise")
def select(inputs, attrs):
    """cond ? x : y with numpy broadcasting (ONNX Where)."""
    cond, x, y = (np.asarray(v) for v in inputs[:3])
    return like(np.where(cond, x, y), x.dtype)
