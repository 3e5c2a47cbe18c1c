"""Apply --input_shape to the model inputs, validate it against the model, and refuse unfixed dynamic dims."""
from __future__ import annotations

from ..configs.gears import format_gears
from ..errors import (INPUT_SHAPE_RANK_MISMATCH, INVALID_ARGUMENT_VALUE, NODE_NOT_FOUND, NON_POSITIVE_STATIC_DIM,
                      NOT_A_GRAPH_INPUT, ConverterError)
from ..ir import DataType, Graph
from .base import PassContext


def _find_input(graph: Graph, name: str):
    """The Data op for a user-given name: op name, source tensor name, or TF-style `name:0`."""
    candidates = [name]
    if name.endswith(":0"):
        candidates.append(name[:-2])
    for op in graph.data_ops():
        if op.name in candidates or op.outputs[0].name in candidates:
            return op
    return None


def apply_input_shapes(graph: Graph, ctx: PassContext) -> bool:
    """Set each named input's shape from --input_shape (E10016/E10049/E10011), then check no input
    keeps an unknown dim that the user did not ask for (E10001)."""
    changed = False
    given = set()
    opts = ctx.options
    dynamic_opts = any((opts.dynamic_batch_size, opts.dynamic_image_size, opts.dynamic_dims))
    ranges = dict(ctx.options.input_shape_range or ())
    for name, dims in ctx.options.input_shape or ():
        op = _find_input(graph, name)
        if op is None:
            if name in graph and graph.op(name).type != "Data":
                raise ConverterError(NOT_A_GRAPH_INPUT, f"--input_shape: '{name}' is not a model input (it is a "
                                     f"{graph.op(name).type} op); inputs are: {_names(graph)}",
                                     option="--input_shape", node=name)
            raise ConverterError(NODE_NOT_FOUND, f"--input_shape: '{name}' is not an input of the model; inputs are: "
                                 f"{_names(graph)}", option="--input_shape", node=name)
        dims = tuple(int(d) for d in dims)
        desc = op.outputs[0]
        if desc.shape is not None and len(desc.shape) != len(dims):
            raise ConverterError(INPUT_SHAPE_RANK_MISMATCH,
                                 f"--input_shape: input '{name}' has {len(desc.shape)} dims in the model "
                                 f"{_fmt(desc.shape)} but {len(dims)} were given", option="--input_shape", node=name)
        for d in dims:
            if d == 0 or d < -1:
                raise ConverterError(NON_POSITIVE_STATIC_DIM,
                                     f"--input_shape: dim {d} of input '{name}' must be a positive "
                                     "integer (or -1 for a dynamic dim)", option="--input_shape", node=name)
        if -1 in dims and not dynamic_opts:
            desc.shape_range = tuple((d, d) if d != -1 else (1, -1) for d in dims)
        desc.shape = dims
        desc.origin_shape = dims
        given.add(op.name)
        changed = True
    for name, rng in ranges.items():
        op = _find_input(graph, name)
        if op is None:
            raise ConverterError(NODE_NOT_FOUND, f"--input_shape_range: '{name}' is not an input of the model; inputs "
                                 f"are: {_names(graph)}", option="--input_shape_range", node=name)
        op.outputs[0].shape = tuple(lo if lo == hi else -1 for lo, hi in rng)
        op.outputs[0].shape_range = tuple(rng)
        given.add(op.name)
    for op in graph.data_ops():
        desc = op.outputs[0]
        if op.name in given or desc.dtype == DataType.DT_VARIANT:   # (sequences and optionals have no shape)
            continue
        if desc.shape is None or any(d < 0 for d in desc.shape):
            raise ConverterError(INVALID_ARGUMENT_VALUE,
                                 f"input '{op.name}' has a dynamic shape {_fmt(desc.shape)} in the model; "
                                 f"set it with --input_shape=\"{op.name}:{_example(desc.shape)}\"",
                                 option="--input_shape", node=op.name)
    return changed


def _names(graph: Graph) -> str:
    return ", ".join(f"{op.name}{_fmt(op.outputs[0].shape)}" for op in graph.data_ops())


def _fmt(shape) -> str:
    return "[?]" if shape is None else "[" + ",".join("?" if d < 0 else str(d) for d in shape) + "]"


def _example(shape) -> str:
    """A sample value: known dims kept, unknown batch 1, unknown spatial dims of a 4-D/5-D input 224."""
    if shape is None:
        return "1,3,224,224"
    spatial = range(2, len(shape)) if len(shape) in (4, 5) else ()
    return ",".join(str(d) if d >= 0 else ("224" if i in spatial else "1") for i, d in enumerate(shape))


def _gear_shapes(graph: Graph, ctx: PassContext) -> tuple:
    """(gear type, [ {input: shape} per profile ]) from --dynamic_batch_size/_image_size/_dims."""
    descs = {op.name: op.outputs[0] for op in graph.data_ops() if op.outputs[0].shape is not None}
    inputs = [(n, d.shape) for n, d in descs.items()]
    if ctx.options.dynamic_batch_size:
        gears = [{n: tuple(b if i == 0 and d == -1 else d for i, d in enumerate(s)) for n, s in inputs}
                 for b in ctx.options.dynamic_batch_size]
        return "dynamic_batch_size", gears
    if ctx.options.dynamic_image_size:
        gears = []
        for h, w in ctx.options.dynamic_image_size:
            gear = {}
            for n, s in inputs:  # H and W positions by each input's own format (an AIPP image is NHWC)
                hw = (1, 2) if descs[n].format == "NHWC" else (len(s) - 2, len(s) - 1)
                size = {hw[0]: h, hw[1]: w}
                gear[n] = tuple(size.get(i, d) if d == -1 else d for i, d in enumerate(s))
            gears.append(gear)
        return "dynamic_image_size", gears
    if ctx.options.dynamic_dims:
        gears = []
        for values in ctx.options.dynamic_dims:
            it = iter(values)
            gears.append({n: tuple(next(it) if d == -1 else d for d in s) for n, s in inputs})
        return "dynamic_dims", gears
    return None, []


def record_gears(graph: Graph, ctx: PassContext) -> bool:
    """Multi-profile models: record every gear (the full input shapes of each profile) as model attrs, so
    the runtime accepts exactly those shapes, as a device does."""
    kind, gears = _gear_shapes(graph, ctx)
    if not kind:
        return False
    graph.meta.setdefault("model_attrs", {}).update({"dynamic_gear_type": kind, "dynamic_gears": format_gears(gears)})
    return True

