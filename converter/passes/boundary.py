"""Model boundaries for chaining networks: fp16 / NC1HWC0 inputs and outputs, and --output_type.

--input_fp16_nodes makes those Data ops fp16 (so no entrance Cast); --is_input_adjust_hw_layout
also makes them NC1HWC0. Per output, --output_type / --is_output_fp16 / --is_output_adjust_hw_layout
choose the dtype (and NC1HWC0 layout) the output leaves with; a Cast is inserted only when the
producing op computes in another dtype. NC1HWC0 is recorded on the descriptors (the tensor is stored
5-D there); the CPU runtime computes in the origin layout and converts at those descriptors, as the
device does natively, so no TransData op appears at the boundary.
"""
from __future__ import annotations

from ..errors import INVALID_ARGUMENT_VALUE, NODE_NOT_FOUND, NOT_A_GRAPH_INPUT, ConverterError
from ..ir import DataType, Graph, Op, from_name, to_numpy
from ..ops.layout import c0_for, nc1hwc0_shape
from .base import PassContext
from .input_shapes import _find_input
from .precision import FLOATS, cast_ref

FP16 = DataType.DT_FLOAT16


def _bools(values) -> list:
    return [bool(v) for v in values or ()]


def apply_input_types(graph: Graph, ctx: PassContext) -> bool:
    """--input_fp16_nodes: those inputs arrive as fp16 (E10016 unknown name, E10017 not a graph input)."""
    names = list(ctx.options.input_fp16_nodes or ())
    for name in names:
        op = _find_input(graph, name)
        if op is None:
            if name in graph:
                raise ConverterError(NOT_A_GRAPH_INPUT,
                                     f"--input_fp16_nodes: '{name}' is a {graph.op(name).type} op, not a "
                                     "model input", option="--input_fp16_nodes", node=name)
            raise ConverterError(NODE_NOT_FOUND, f"--input_fp16_nodes: '{name}' is not an input of the model",
                                 option="--input_fp16_nodes", node=name)
        d = op.outputs[0]
        if d.dtype not in FLOATS:
            raise ConverterError(INVALID_ARGUMENT_VALUE,
                                 f"--input_fp16_nodes: input '{name}' is {DataType(d.dtype).name}, not "
                                 "a float input", option="--input_fp16_nodes", node=name)
        d.origin_dtype = d.origin_dtype or d.dtype
        d.dtype = FP16
    return bool(names)


def _wanted_outputs(graph: Graph, ctx: PassContext) -> list:
    """Per model output: (dtype or None for 'origin', NC1HWC0?)."""
    n = len(graph.output_refs())
    wanted = [[None, False] for _ in range(n)]
    out_nodes = list(ctx.options.out_nodes or ())
    for i, flag in enumerate(_bools(ctx.options.is_output_adjust_hw_layout)):
        if flag and i < n:
            wanted[i] = [FP16, True]
    for i, flag in enumerate(_bools(ctx.options.is_output_fp16)):
        if i < n:
            wanted[i][0] = FP16 if flag else wanted[i][0]
    if ctx.options.output_type:
        for w in wanted:
            w[0] = from_name(ctx.options.output_type)
    for name, idx, type_name in ctx.options.output_type_per_node or ():
        matches = [i for i, (n_, ix) in enumerate(out_nodes) if n_ == name and (ix or 0) == int(idx)]
        if not matches:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"--output_type: '{name}:{idx}' is not in --out_nodes",
                                 option="--output_type", node=name)
        for i in matches:
            wanted[i][0] = from_name(type_name)
    return wanted


def apply_output_types(graph: Graph, ctx: PassContext) -> bool:
    """Give each output the dtype it must leave with (origin dtype unless an option says otherwise)."""
    out = graph.net_output()
    if out is None:
        return False
    changed = False
    cache: dict = {}
    for i, (ref, (dtype, _)) in enumerate(zip(graph.output_refs(), _wanted_outputs(graph, ctx))):
        d = graph.desc(ref)
        want = dtype if dtype is not None else (d.origin_dtype or d.dtype)
        if d.dtype == want:
            continue
        if d.dtype in FLOATS and want in FLOATS:
            new = cast_ref(graph, ref, want, cache)
        else:
            cast = graph.add(Op(graph.unique_name(f"{ref[0]}_cast_out{i}"), "Cast", {"dst_type": int(want)},
                                [d.copy(dtype=int(want), name=None)]), [ref])
            new = (cast.name, 0)
        graph.connect(new, out.name, i)
        changed = True
    return changed


def _to_5hd(d) -> None:
    if d.format in ("NC1HWC0",):
        return
    if d.shape is None or len(d.shape) != 4 or d.format not in ("NCHW", "NHWC"):
        raise ConverterError(INVALID_ARGUMENT_VALUE,
                             f"tensor '{d.name}' is {d.format} {list(d.shape or [])}; only 4-D NCHW/NHWC "
                             "tensors can be adjusted to NC1HWC0")
    d.origin_format, d.origin_shape = d.format, tuple(d.shape)
    d.shape = nc1hwc0_shape(d.shape, d.format, c0_for(to_numpy(d.dtype)))
    d.format = "NC1HWC0"


def apply_hw_layouts(graph: Graph, ctx: PassContext) -> bool:
    """Record NC1HWC0 on the inputs (--is_input_adjust_hw_layout) and outputs (--is_output_adjust_hw_layout),
    and on those an Ascend IR source declares NC1HWC0 (graph.meta, set by the lowering)."""
    changed = False
    for name in graph.meta.get("nc1hwc0_inputs", ()):
        _to_5hd(graph.op(name).outputs[0])
        changed = True
    refs = graph.output_refs()
    for k in graph.meta.get("nc1hwc0_outputs", ()):
        _to_5hd(graph.desc(refs[k]))
        changed = True
    names = list(ctx.options.input_fp16_nodes or ())
    for name, flag in zip(names, _bools(ctx.options.is_input_adjust_hw_layout)):
        if flag:
            _to_5hd(_find_input(graph, name).outputs[0])
            changed = True
    for ref, (_, hw) in zip(graph.output_refs(), _wanted_outputs(graph, ctx)):
        if hw:
            _to_5hd(graph.desc(ref))
            changed = True
    return changed
