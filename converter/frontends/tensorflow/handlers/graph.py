"""TF handlers for graph plumbing: Const, Placeholder, and the nodes that vanish on our IR
(Identity, IdentityN, StopGradient, Snapshot, NoOp, ...): they hand their inputs through."""
from __future__ import annotations

import numpy as np

from ....ir import Op, TensorDesc, from_numpy
from ..registry import NodeContext, tf_op


@tf_op("Const")
def const(ctx: NodeContext):
    """A constant; one value spread over a large shape (the reader gives a zero-stride view, see
    reader.tensor_to_array) becomes Fill(shape, value), computed at run time, as ATC keeps such ops."""
    value = ctx.attr("value")
    if value is None:
        raise ctx.fail("Const node without a value")
    value = np.asarray(value)
    if value.size > 1 and not any(value.strides):
        shape = ctx.builder.const(np.array(value.shape, np.int64), f"{ctx.name}/shape", source=ctx.name)
        op = ctx.builder.graph.add(Op(ctx.name, "Fill", {"value": np.array(value.reshape(-1)[:1])},
                                      outputs=[TensorDesc(dtype=from_numpy(value.dtype), shape=value.shape)]),
                                   [shape])
        op.source = ctx.name
    else:
        op = ctx.builder.graph.add_const(ctx.name, value, source=ctx.name)
    op.outputs[0].name = f"{ctx.name}:0"
    return [(ctx.name, 0)]


@tf_op("Placeholder")
def placeholder(ctx: NodeContext):
    """Inputs are made by the converter before any node (Data ops in file order)."""
    return [(ctx.name, 0)]


@tf_op("PlaceholderWithDefault", inputs=1)
def placeholder_with_default(ctx: NodeContext):
    """Not named in --input_shape (else it is an input, made before any node): its default value (input 0)."""
    return passthrough(ctx)


@tf_op("Identity", "StopGradient", "Snapshot", "PreventGradient", "CheckNumerics", "EnsureShape",
       "FakeParam", "DebugIdentity", "IdentityN")
def passthrough(ctx: NodeContext):
    """Inference no-ops: each output is the matching input (IdentityN has N of them). A node that is a
    model output keeps a real Identity op so that --out_nodes can name it (TF2 graphs end in one)."""
    if ctx.name not in ctx.converter.output_node_names:
        return list(ctx.inputs)
    return [ctx.op("Identity", [ref], suffix="" if i == 0 else f"out{i}")[0] for i, ref in enumerate(ctx.inputs)]


@tf_op("NoOp", "Assert", "PrintV2")
def no_op(ctx: NodeContext):
    """Nothing to compute for inference (Assert checks, PrintV2 logs: both have no outputs)."""
    return []


@tf_op("Print", inputs=1)
def print_(ctx: NodeContext):
    """tf.compat.v1.Print: logs its data inputs and hands input 0 through."""
    if ctx.name not in ctx.converter.output_node_names:
        return [ctx.input(0)]
    return ctx.op("Identity", [ctx.input(0)])
