"""ONNX handlers: control ops."""
from __future__ import annotations

import numpy as np

from ....errors import UNKNOWN_INPUT
from ..registry import NodeContext, onnx_op
from ..scope import free_names, value_info_desc
from .elementwise import onnx_type_to_datatype


@onnx_op("Identity", "Dropout")
def identity(ctx: NodeContext):
    """Identity, and Dropout in inference (mask output, if used, is all true)."""
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


def _body_graph(ctx: NodeContext, body, name: str, leading: list, outer_names: list):
    """A subgraph for an ONNX body: Data ops for the body's own inputs (``leading`` descs), then one per outer
    tensor it reads, then its nodes and a NetOutput."""
    from ....ir import Graph, Op
    from ...builder import GraphBuilder
    sub = Graph(name)
    local = {}
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
    from ....ir import TensorDesc
    body = ctx.require_attr("body")
    outer = [n for n in free_names(body) if n in ctx.refs]
    leading = []
    for k, vi in enumerate(body.input):
        d = value_info_desc(vi) if vi.type.HasField("tensor_type") else TensorDesc(shape=None)
        leading.append((vi.name, d))
    sub = _body_graph(ctx, body, f"{ctx.name}_body", leading, outer)
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
    subgraphs = {key: _body_graph(ctx, body, f"{ctx.name}_{key}", [], names)
                 for key, body in (("then_branch", then_g), ("else_branch", else_g))}
    refs = ctx.op("If", [ctx.input(0)] + [ctx.refs[n] for n in names])
    ctx.builder.graph.op(refs[0][0]).subgraphs = subgraphs
    return refs
