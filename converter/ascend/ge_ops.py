"""GE op types that map one to one (elementwise math, activations) or to nothing at all (the scheduling
ops a compiled model holds for the device: streams, events, memory clearing and copies).

The tables are data: ``SAME`` GE types whose canonical op has the same name and no attributes,
``RENAMED`` ones with another canonical name, ``ATTR_OPS`` ones whose attributes are renamed.
"""
from __future__ import annotations

import numpy as np

from ..ir import to_numpy
from .registry import GE_OPS, GeOpEntry, MapContext, ge_attr_dtype, ge_op

UNARY = ("Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Cos", "Cosh", "Erf", "Exp", "Floor",
         "Log", "Neg", "Reciprocal", "Relu", "Relu6", "Round", "Rsqrt", "Sigmoid", "Sign", "Sin", "Sinh", "Softplus",
         "Softsign", "Sqrt", "Square", "Tan", "Tanh", "LogicalNot", "IsInf", "HardSwish", "Mish")
BINARY = ("Add", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Pow", "SquaredDifference", "FloorDiv", "Equal",
          "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "BitwiseAnd", "BitwiseOr",
          "BitwiseXor")
RENAMED = {"AddV2": "Add", "Div": "RealDiv", "IsNan": "IsNaN", "Invert": "Invert", "Inv": "Reciprocal",
           "Selu": "Selu", "ReluV2": "Relu"}
# GE type -> (canonical type, {GE attr: (canonical attr, default)})
ATTR_OPS = {
    "LeakyRelu": ("LeakyRelu", {"negative_slope": ("alpha", 0.0)}),
    "Elu": ("Elu", {"alpha": ("alpha", 1.0)}),
    "Celu": ("Celu", {"alpha": ("alpha", 1.0)}),
    "HardSigmoid": ("HardSigmoid", {"alpha": ("alpha", 0.16666666), "beta": ("beta", 0.5)}),
    "Power": ("Power", {"power": ("power", 1.0), "scale": ("scale", 1.0), "shift": ("shift", 0.0)}),
    "Swish": ("Swish", {"scale": ("scale", 1.0)}),
    "ThresholdedRelu": ("ThresholdedRelu", {"alpha": ("alpha", 1.0)}),
}
# GE ops that only order work on the device; (data inputs min, max): the first input passes through
PASS_THROUGH = ("MemcpyAsync", "MemcpyAddrAsync", "Identity", "Snapshot", "StopGradient", "PreventGradient",
                "TensorMove", "ReadVariableOp", "Enter", "RefIdentity")
SCHEDULING = ("Send", "Recv", "AtomicAddrClean", "DynamicAtomicAddrClean", "NoOp", "StreamActive", "StreamSwitch",
              "StreamMerge", "LabelSet", "LabelGoto", "LabelGotoEx", "LabelSwitch", "LabelSwitchByIndex",
              "MemSet", "ControlTrigger", "EndGraph", "ModelExit")


def _same(op_type: str):
    def mapper(ctx: MapContext):
        return ctx.add(op_type, ctx.present())
    mapper.__doc__ = f"{op_type}: the canonical op of the same semantics."
    return mapper


def _register(ge_type: str, canonical: str, arity: tuple, mapper=None) -> None:
    mapper = mapper or _same(canonical)
    if ge_type in GE_OPS:
        raise RuntimeError(f"GE op {ge_type} has two mappers")
    GE_OPS[ge_type] = GeOpEntry(ge_type, mapper, arity, (mapper.__doc__ or "").strip())


for _t in UNARY:
    _register(_t, _t, (1, 1))
for _t in BINARY:
    _register(_t, _t, (2, 2))
for _t, _c in RENAMED.items():
    if _t not in ATTR_OPS:
        _register(_t, _c, (1, 2) if _c in BINARY else (1, 1))


def _attr_op(canonical: str, renames: dict):
    def mapper(ctx: MapContext):
        attrs = {new: float(ctx.attr(old, default)) for old, (new, default) in renames.items()}
        return ctx.add(canonical, ctx.present()[:1], attrs)
    mapper.__doc__ = f"{canonical} with attributes {', '.join(f'{o}->{n}' for o, (n, _) in renames.items())}."
    return mapper


for _t, (_c, _renames) in ATTR_OPS.items():
    _register(_t, _c, (1, 1), _attr_op(_c, _renames))


@ge_op(*PASS_THROUGH, inputs=(1, 1))
def pass_through(ctx: MapContext):
    """Copies and identities: the input itself."""
    return [ctx.input(0)]


@ge_op(*SCHEDULING, inputs=(0, 64))
def scheduling(ctx: MapContext):
    """Device scheduling (events, streams, clearing memory for atomic adds): nothing to compute."""
    return []


@ge_op("Cast", inputs=(1, 1))
def cast(ctx: MapContext):
    """Cast to dst_type (GE's attribute numbering; the output descriptor says the same)."""
    dst = ctx.attr("dst_type", ctx.attr("DstT"))
    dtype = ge_attr_dtype(dst, ctx.name) if dst is not None else ctx.out_dtype(0)
    return ctx.add("Cast", [ctx.input(0)], {"dst_type": int(dtype)})


@ge_op("TransData", "TransDataRNN", "TransDataD", inputs=(1, 1))
def trans_data(ctx: MapContext):
    """A change of device layout: in origin layout the tensor is unchanged (the descriptors carry any
    reshape or dtype change, which the lowering applies)."""
    return [ctx.input(0)]


@ge_op("Gelu", inputs=(1, 1))
def gelu(ctx: MapContext):
    """Gelu as the device computes it: the tanh approximation."""
    return ctx.add("Gelu", [ctx.input(0)], {"approximate": "tanh"})


@ge_op("AddN", "AccumulateNV2", inputs=(1, 64))
def add_n(ctx: MapContext):
    """Sum of all inputs."""
    return ctx.add("AddN", ctx.present())


@ge_op("Muls", "Adds", "Subs", "Maxs", "Mins", inputs=(1, 1))
def scalar_op(ctx: MapContext):
    """x op value, with the scalar in the ``value`` attribute."""
    canonical = {"Muls": "Mul", "Adds": "Add", "Subs": "Sub", "Maxs": "Maximum", "Mins": "Minimum"}[ctx.type]
    scalar = ctx.const(np.asarray(ctx.require("value"), to_numpy(ctx.dtype(0))), "value")
    return ctx.add(canonical, [ctx.input(0), scalar])


@ge_op("Axpy", inputs=(2, 2))
def axpy(ctx: MapContext):
    """x2 + alpha * x1."""
    alpha = ctx.const(np.asarray(ctx.attr("alpha", 1.0), to_numpy(ctx.dtype(0))), "alpha")
    scaled = ctx.add("Mul", [ctx.input(0), alpha], suffix="scaled")[0]
    return ctx.add("Add", [ctx.input(1), scaled])


@ge_op("FusedMulAdd", inputs=(3, 3))
def fused_mul_add(ctx: MapContext):
    """x1 * x2 + x3."""
    product = ctx.add("Mul", [ctx.input(0), ctx.input(1)], suffix="mul")[0]
    return ctx.add("Add", [product, ctx.input(2)])


@ge_op("ClipByValue", inputs=(3, 3))
def clip_by_value(ctx: MapContext):
    """min(max(x, clip_value_min), clip_value_max)."""
    return ctx.add("ClipByValue", ctx.inputs[:3])


@ge_op("Select", "SelectV2", inputs=(3, 3))
def select(ctx: MapContext):
    """condition ? x1 : x2 (numpy broadcasting)."""
    return ctx.add("Select", ctx.inputs[:3])


@ge_op("NotEqual", inputs=(2, 2))
def not_equal(ctx: MapContext):
    """not (x1 == x2)."""
    eq = ctx.add("Equal", ctx.inputs[:2], suffix="equal")[0]
    return ctx.add("LogicalNot", [eq])


@ge_op("FloorMod", inputs=(2, 2))
def floor_mod(ctx: MapContext):
    """x1 - floor(x1 / x2) * x2 (the result takes the divisor's sign)."""
    return ctx.add("Mod", ctx.inputs[:2], {"fmod": 0})


@ge_op("ZerosLike", "OnesLike", inputs=(1, 1))
def fill_like(ctx: MapContext):
    """A tensor of zeros (ones) shaped like x."""
    value = np.zeros((), to_numpy(ctx.dtype(0))) if ctx.type == "ZerosLike" else np.ones((), to_numpy(ctx.dtype(0)))
    shape = ctx.const(np.asarray(ctx.shape(0), np.int64), "shape")
    return ctx.add("BroadcastTo", [ctx.const(value, "value"), shape])
