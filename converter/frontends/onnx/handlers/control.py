"""ONNX handlers: control ops."""
from __future__ import annotations

import numpy as np

from ....errors import UNKNOWN_INPUT
from ....ir import DataType, TensorDesc
from ..registry import NodeContext, onnx_op
from ..scope import free_names, value_info_desc
from .elementwise import onnx_type_to_datatype


@onnx_op("Dropout", ignores=("seed", "ratio", "is_test"))
def dropout(ctx: NodeContext):
    """Dropout as it runs in inference: the identity, with an all-true mask. Training mode (opset 12's
    training_mode input) draws a random mask: refused unless the ratio is a constant 0, where it is the same."""
    if ctx.input(2) is not None:
        training = ctx.value(2)
        if training is None:
            raise ctx.unsupported("training_mode is not a constant; only inference (training_mode=false) is "
                                  "converted: make it a constant false, or remove the Dropout")
        ratio = ctx.value(1) if ctx.input(1) is not None else np.float32(0.5)
        if bool(np.asarray(training).reshape(-1)[0]) and (ratio is None or float(np.asarray(ratio).reshape(-1)[0])):
            raise ctx.unsupported("training_mode=true drops random elements; only inference is converted: "
                                  "set training_mode to false, or remove the Dropout")
    return identity(ctx)


@onnx_op("Identity")
def identity(ctx: NodeContext):
    """Identity (and Dropout in inference: the mask output, if used, is all true)."""
    outs = ctx.op("Identity", [ctx.input(0)], n_out=1)
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        shape_ref = ctx.op("Shape", [ctx.input(0)], n_out=1, suffix="_mask_shape")[0]
        mask = ctx.op("Fill", [shape_ref], {"value": np.array([True])}, n_out=1, suffix="_mask")[0]
        outs.append(mask)
    return outs


@onnx_op("Constant")
def constant(ctx: NodeContext):
    for key in ("value", "value_float", "value_int", "value_floats", "value_ints"):
        if key in ctx.attrs:
            v = ctx.attrs[key]
            dtype = np.float32 if "float" in key else (np.int64 if "int" in key else None)
            arr = np.asarray(v, dtype=dtype) if dtype is not None else np.asarray(v)
            name = ctx.builder.graph.unique_name(ctx.node.output[0])
            ctx.builder.graph.add_const(name, arr, source=ctx.node.name or None)
            return [(name, 0)]
    raise ctx.unsupported(f"attributes {list(ctx.attrs)} are not supported (sparse_value, value_string(s))")


SEQUENCE_OPS = ["SequenceConstruct", "SequenceInsert", "SequenceErase", "SequenceAt", "SequenceLength",
                "SplitToSequence", "ConcatFromSequence"]


@onnx_op("StringNormalizer", since=10)
@onnx_op(*SEQUENCE_OPS, since=11)
def sequence_op(ctx: NodeContext):
    """Sequence ops and StringNormalizer map one to one (sequences are lists at run time)."""
    return ctx.op(ctx.op_type, ctx.inputs, dict(ctx.attrs))


@onnx_op("SequenceEmpty", since=11)
def sequence_empty(ctx: NodeContext):
    attrs = {}
    if "dtype" in ctx.attrs:
        attrs["dtype"] = onnx_type_to_datatype(ctx.attrs["dtype"])
    return ctx.op("SequenceEmpty", [], attrs)


INLINED_CONST_SIZE = 1024   # outer constants up to this many elements are copied into the bodies reading them


def _captured(ctx: NodeContext, names: list) -> tuple:
    """The outer tensors a body reads, split into (names passed in as Data ops, {name: value} of the small
    constants copied into the body): axes, shapes and the like must be constants inside the body too, where
    they are folded."""
    passed, inlined = [], {}
    for name in names:
        value = ctx.builder.value(ctx.refs[name])
        if value is not None and np.asarray(value).size <= INLINED_CONST_SIZE:
            inlined[name] = value
        else:
            passed.append(name)
    return passed, inlined


def _body_input_desc(vi, like) -> TensorDesc:
    """A body input's desc as the body declares it; an undeclared element type is the one of ``like`` (the
    desc of the value that feeds it, when known), as ONNX type inference has it."""
    d = value_info_desc(vi)
    kind = vi.type.WhichOneof("value")
    if like is not None and (kind is None or kind == "tensor_type" and not vi.type.tensor_type.elem_type):
        d.dtype = d.origin_dtype = like.dtype
        if like.dtype == DataType.DT_VARIANT:
            d.attrs = dict(like.attrs)
    return d


def _body_graph(ctx: NodeContext, body, name: str, leading: list, outer_names: list, inlined: dict):
    """A subgraph for an ONNX body: Data ops for the body's own inputs (``leading`` descs), then one per outer
    tensor it reads (``inlined`` ones become Consts), then its nodes and a NetOutput."""
    from ....ir import Graph, Op
    from ...builder import GraphBuilder
    sub = Graph(name)
    local = {}
    for outer, value in inlined.items():
        const = sub.add_const(sub.unique_name(outer), value)
        const.outputs[0].name = outer
        local[outer] = (const.name, 0)
    for i, (vi_name, d) in enumerate(leading):
        data = sub.unique_name(vi_name)
        sub.add_data(data, d, i)
        local[vi_name] = (data, 0)
    for j, outer in enumerate(outer_names):
        d = ctx.builder.graph.desc(ctx.refs[outer])
        data = sub.unique_name(outer)
        sub.add_data(data, d.copy(name=outer), len(leading) + j)
        local[outer] = (data, 0)
    outs = ctx.frontend.convert_nodes(body, GraphBuilder(sub), local)
    sub.add(Op(sub.unique_name("NetOutput"), "NetOutput", attrs={"output_names": [vi.name for vi in body.output]}),
            outs)
    return sub


@onnx_op("Loop")
def loop_op(ctx: NodeContext):
    """Loop: the body becomes a subgraph with Data ops (iteration, condition, carried..., outer...)."""
    body = ctx.require_attr("body")
    outer, inlined = _captured(ctx, [n for n in free_names(body) if n in ctx.refs])
    fixed = [TensorDesc(DataType.DT_INT64, ()), TensorDesc(DataType.DT_BOOL, ())]
    leading = [(vi.name, _body_input_desc(vi, fixed[k] if k < 2 else ctx.desc(k))) for k, vi in enumerate(body.input)]
    sub = _body_graph(ctx, body, f"{ctx.name}_body", leading, outer, inlined)
    n_carried = len(ctx.node.input) - 2
    refs = ctx.op("Loop", [ctx.input(0), ctx.input(1)] + [ctx.input(2 + k) for k in range(n_carried)]
                  + [ctx.refs[n] for n in outer], {"num_carried": n_carried})
    ctx.builder.graph.op(refs[0][0]).subgraphs = {"body": sub}
    return refs


@onnx_op("If")
def if_op(ctx: NodeContext):
    """If: with a constant condition the chosen branch is inlined; otherwise both branches become
    subgraphs (Data ops for the outer tensors they read, in order) of a canonical If op."""
    conv = ctx.frontend
    then_g, else_g = ctx.require_attr("then_branch"), ctx.require_attr("else_branch")
    cond = ctx.value(0)
    if cond is not None:
        if cond.size != 1:
            raise ctx.fail(f"the condition holds {cond.size} values; it must hold one")
        branch = then_g if bool(cond.reshape(-1)[0]) else else_g
        outs = conv.convert_nodes(branch, ctx.builder, dict(ctx.refs))
        return [ctx.op("Identity", [r], n_out=1, suffix=f"_out{i}")[0] for i, r in enumerate(outs)]
    names = []
    for name in free_names(then_g) + free_names(else_g):
        if name not in names:
            names.append(name)
    missing = [n for n in names if n not in ctx.refs]
    if missing:
        raise ctx.fail(f"reads unknown tensors {missing}", UNKNOWN_INPUT)
    names, inlined = _captured(ctx, names)
    subgraphs = {key: _body_graph(ctx, body, f"{ctx.name}_{key}", [], names, inlined)
                 for key, body in (("then_branch", then_g), ("else_branch", else_g))}
    refs = ctx.op("If", [ctx.input(0)] + [ctx.refs[n] for n in names])
    ctx.builder.graph.op(refs[0][0]).subgraphs = subgraphs
    return refs


@onnx_op("Scan", since=8)
def scan_8(ctx: NodeContext):
    """Scan-8: input 0 is sequence_lens (optional), the others have a batch axis 0 and scan along axis 1;
    the body sees one batch element."""
    body = ctx.require_attr("body")
    m = int(ctx.require_attr("num_scan_inputs"))
    n = len(ctx.node.input) - 1 - m
    if n < 0 or len(body.input) != n + m:
        raise ctx.fail(f"num_scan_inputs={m} does not fit {len(ctx.node.input)} inputs and a body of "
                       f"{len(body.input)} inputs")
    directions = [int(v) for v in ctx.attr("directions", [])]
    if directions and (len(directions) != m or any(v not in (0, 1) for v in directions)):
        raise ctx.fail(f"directions {directions}: one 0 (forward) or 1 (reverse) per scan input")
    explicit = [ctx.input(1 + k) for k in range(n + m)]
    if any(ref is None for ref in explicit):
        raise ctx.fail("a state or scan input is empty")
    outer, inlined = _captured(ctx, [name for name in free_names(body) if name in ctx.refs])
    leading = [(vi.name, _body_input_desc(vi, None)) for vi in body.input]
    sub = _body_graph(ctx, body, f"{ctx.name}_body", leading, outer, inlined)
    refs = ctx.op("Scan", [ctx.input(0)] + explicit + [ctx.refs[name] for name in outer],
                  {"num_states": n, "num_scan_inputs": m, "scan_input_directions": directions, "batched": True})
    ctx.builder.graph.op(refs[0][0]).subgraphs = {"body": sub}
    return refs


@onnx_op("Scan", since=9)
def scan_op(ctx: NodeContext):
    """Scan: the body becomes a subgraph with Data ops (states..., scan input slices..., outer...)."""
    body = ctx.require_attr("body")
    m = int(ctx.require_attr("num_scan_inputs"))
    n = len(ctx.node.input) - m
    if n < 0 or len(body.input) != n + m:
        raise ctx.fail(f"num_scan_inputs={m} does not fit {len(ctx.node.input)} inputs and a body of "
                       f"{len(body.input)} inputs")
    if any(ctx.input(k) is None for k in range(n + m)):
        raise ctx.fail("a state or scan input is empty")
    lists = {key: [int(v) for v in ctx.attr(key, [])] for key in
             ("scan_input_directions", "scan_input_axes", "scan_output_directions", "scan_output_axes")}
    k_out = len(body.output) - n
    for key, count in (("scan_input_directions", m), ("scan_input_axes", m), ("scan_output_directions", k_out),
                       ("scan_output_axes", k_out)):
        if lists[key] and len(lists[key]) != count:
            raise ctx.fail(f"{key} has {len(lists[key])} entries; it needs {count}")
    for key in ("scan_input_directions", "scan_output_directions"):
        if any(v not in (0, 1) for v in lists[key]):
            raise ctx.fail(f"{key} {lists[key]}: directions are 0 (forward) or 1 (reverse)")
    outer, inlined = _captured(ctx, [name for name in free_names(body) if name in ctx.refs])
    leading = [(vi.name, _body_input_desc(vi, ctx.desc(k))) for k, vi in enumerate(body.input)]
    sub = _body_graph(ctx, body, f"{ctx.name}_body", leading, outer, inlined)
    refs = ctx.op("Scan", [ctx.input(k) for k in range(n + m)] + [ctx.refs[name] for name in outer],
                  {"num_states": n, "num_scan_inputs": m, **lists})
    ctx.builder.graph.op(refs[0][0]).subgraphs = {"body": sub}
    return refs


@onnx_op("SequenceMap", since=17)
def sequence_map_op(ctx: NodeContext):
    """SequenceMap: the body becomes a subgraph with Data ops (one element of each sequence input, the tensor
    inputs whole, then the outer values it reads)."""
    body = ctx.require_attr("body")
    count = len(ctx.node.input)
    if len(body.input) != count or len(body.output) != len(ctx.node.output):
        raise ctx.fail(f"the body takes {len(body.input)} inputs and gives {len(body.output)} outputs; the node has "
                       f"{count} inputs and {len(ctx.node.output)} outputs")
    if any(ctx.input(k) is None for k in range(count)):
        raise ctx.fail("an input is empty")
    outer, inlined = _captured(ctx, [n for n in free_names(body) if n in ctx.refs])
    leading = []
    for k, vi in enumerate(body.input):
        d = ctx.desc(k)
        if d is not None and d.dtype == DataType.DT_VARIANT:   # the body sees one element
            d = TensorDesc(d.attrs.get("elem_dtype") or DataType.DT_FLOAT, None)
        leading.append((vi.name, _body_input_desc(vi, d)))
    sub = _body_graph(ctx, body, f"{ctx.name}_body", leading, outer, inlined)
    refs = ctx.op("SequenceMap", [ctx.input(k) for k in range(count)] + [ctx.refs[n] for n in outer],
                  {"num_inputs": count})
    ctx.builder.graph.op(refs[0][0]).subgraphs = {"body": sub}
    return refs
