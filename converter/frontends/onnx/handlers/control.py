"""ONNX handlers: control ops."""
from __future__ import annotations

import numpy as np

from ..registry import NodeContext, onnx_op  # noqa: F401


@onnx_op("Identity", "Dropout")
def identity(ctx: NodeContext):
    """Identity, and Dropout in inference (mask output, if used, is all true)."""
    outs = ctx.op("Identity", [ctx.input(0)], n_out=1)
    if len(ctx.node.output) > 1 and ctx.node.output[1]:
        from ...builder import GraphBuilder  # noqa: F401
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
    raise NotImplementedError(f"Constant node '{ctx.name}' with attributes {list(ctx.attrs)}")


SEQUENCE_OPS = ["SequenceConstruct", "SequenceInsert", "SequenceErase", "SequenceAt", "SequenceLength",
                "SplitToSequence", "ConcatFromSequence"]


@onnx_op("StringNormalizer", since=10)
@onnx_op(*SEQUENCE_OPS, since=11)
def sequence_op(ctx: NodeContext):
    """Sequence ops and StringNormalizer map one to one (sequences are lists at run time)."""
    return ctx.op(ctx.node.op_type, ctx.inputs, dict(ctx.attrs))


@onnx_op("SequenceEmpty", since=11)
def sequence_empty(ctx: NodeContext):
    attrs = {}
    if "dtype" in ctx.attrs:
        from onnx.helper import tensor_dtype_to_np_dtype

        from ....ir import from_numpy
        attrs["dtype"] = int(from_numpy(tensor_dtype_to_np_dtype(ctx.attrs["dtype"])))
    return ctx.op("SequenceEmpty", [], attrs)
