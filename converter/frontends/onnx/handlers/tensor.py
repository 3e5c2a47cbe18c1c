"""ONNX handlers: tensor and shape ops. Plain renames are data (SIMPLE); ops whose inputs or attrs
changed between opsets (Squeeze, Unsqueeze, Split, Slice, EyeLike) have small handlers."""
from __future__ import annotations

import numpy as np

from ....ir import from_numpy
from ..reader import onnx_dtype_to_numpy
from ..registry import NodeContext, onnx_op

# ONNX op -> (canonical op, {ONNX attr: canonical attr}, since opset)
SIMPLE = {
    "Shape": ("Shape", {"start": "start", "end": "end"}, 1),
    "Size": ("Size", {}, 1),
    "Reshape": ("Reshape", {"allowzero": "allowzero"}, 1),
    "Transpose": ("Transpose", {"perm": "perm"}, 1),
    "Concat": ("ConcatD", {"axis": "concat_dim"}, 1),
    "Slice": ("Slice", {}, 10),
    "Gather": ("GatherV2", {"axis": "axis"}, 1),
    "GatherElements": ("GatherElements", {"axis": "axis"}, 1),
    "GatherND": ("GatherND", {"batch_dims": "batch_dims"}, 1),
    "ScatterND": ("ScatterND", {"reduction": "reduction"}, 1),
    "ScatterElements": ("ScatterElements", {"axis": "axis", "reduction": "reduction"}, 1),
    "Scatter": ("ScatterElements", {"axis": "axis"}, 1),
    "ConstantOfShape": ("Fill", {"value": "value"}, 1),
    "Range": ("Range", {}, 1),
    "Expand": ("BroadcastTo", {}, 1),
    "Tile": ("Tile", {}, 1),
    "OneHot": ("OneHot", {"axis": "axis"}, 1),
    "NonZero": ("NonZero", {}, 1),
    "Trilu": ("Trilu", {"upper": "upper"}, 1),
    "Einsum": ("Einsum", {"equation": "equation"}, 1),
    "Compress": ("Compress", {"axis": "axis"}, 1),
    "ReverseSequence": ("ReverseSequence", {"batch_axis": "batch_axis", "time_axis": "time_axis"}, 1),
}

# canonical attrs holding one axis of input 0: (dims the output adds, ONNX default); None = no axis
AXIS_ATTRS = {
    "ConcatD": {"concat_dim": (0, None)}, "GatherV2": {"axis": (0, 0)},
    "GatherElements": {"axis": (0, 0)}, "ScatterElements": {"axis": (0, 0)}, "OneHot": {"axis": (1, -1)},
    "Compress": {"axis": (0, None)}, "ReverseSequence": {"batch_axis": (0, 1), "time_axis": (0, 0)},
}


def _ints(value) -> list:
    return [int(v) for v in np.asarray(value).reshape(-1)]


def simple(ctx: NodeContext):
    """An op whose ONNX inputs map one to one and whose attrs are renamed."""
    op_type, renames, _ = SIMPLE[ctx.op_type]
    attrs = {new: ctx.attrs[old] for old, new in renames.items() if old in ctx.attrs}
    for name, (extra, default) in AXIS_ATTRS.get(op_type, {}).items():
        axis = attrs.get(name, default)
        if axis is not None:
            attrs[name] = ctx.axis(axis, 0, extra)
    return ctx.op(op_type, ctx.inputs, attrs)


for _onnx_type, (_, _, _since) in SIMPLE.items():
    onnx_op(_onnx_type, since=_since)(simple)


@onnx_op("Flatten")
def flatten(ctx: NodeContext):
    """axis is a position between dims, in [-rank, rank] (rank: everything goes to the first output dim)."""
    axis = int(ctx.attr("axis"))
    if axis != ctx.rank(0):
        axis = ctx.axis(axis)
    return ctx.op("Flatten", ctx.inputs, {"axis": axis})


def _axes(ctx: NodeContext, required: bool):
    """Squeeze/Unsqueeze axes: an attr before opset 13, an input from 13 on; None when that input is not a
    constant yet (it stays an input of the op: folding may make it one, passes/constants.py checks)."""
    if ctx.opset < 13:
        return list(ctx.attr("axes", []))
    if ctx.input(1) is None:
        if required:
            ctx.require_input(1, "axes")
        return []
    value = ctx.value(1)
    return None if value is None else _ints(value)


@onnx_op("Squeeze")
def squeeze(ctx: NodeContext):
    axes = _axes(ctx, False)
    if axes is None:
        return ctx.op("Squeeze", [ctx.input(0), ctx.input(1)])
    return ctx.op("Squeeze", [ctx.input(0)], {"axes": ctx.axes(axes)})


@onnx_op("Unsqueeze")
def unsqueeze(ctx: NodeContext):
    axes = _axes(ctx, True)
    if axes is None:
        return ctx.op("Unsqueeze", [ctx.input(0), ctx.input(1)])
    return ctx.op("Unsqueeze", [ctx.input(0)], {"axes": ctx.axes(axes, 0, len(axes))})


@onnx_op("Split")
def split(ctx: NodeContext):
    """Sizes from the split attr (< 13) or a constant split input (13+); else num_outputs equal chunks."""
    n = len(ctx.node.output)
    if ctx.attr("num_outputs") is not None and int(ctx.attr("num_outputs")) != n:
        raise ctx.fail(f"num_outputs={ctx.attr('num_outputs')} but the node has {n} outputs")
    attrs = {"axis": ctx.axis(ctx.attr("axis", 0)), "num_split": n}
    inputs = [ctx.input(0)]
    if ctx.opset < 13:
        attrs["split"] = list(ctx.attr("split", []))
    elif ctx.input(1) is not None:
        value = ctx.value(1)
        if value is None:
            inputs.append(ctx.input(1))
        else:
            attrs["split"] = _ints(value)
    return ctx.op("Split", inputs, attrs, n_out=n)


@onnx_op("Slice")
def slice_attrs(ctx: NodeContext):
    """Slice before opset 10: starts/ends/axes attrs become int64 constant inputs."""
    inputs = [ctx.input(0)]
    for key in ("starts", "ends", "axes"):
        if key in ctx.attrs:
            inputs.append(ctx.const(np.array(ctx.attrs[key], np.int64), f"_{key}"))
    return ctx.op("Slice", inputs)


@onnx_op("EyeLike")
def eye_like(ctx: NodeContext):
    attrs = {"k": ctx.attr("k")}
    if ctx.attr("dtype") is not None:
        attrs["dtype"] = int(from_numpy(onnx_dtype_to_numpy(ctx.attr("dtype"))))
    return ctx.op("EyeLike", [ctx.input(0)], attrs)
