"""FrameworkOp (GE's AI CPU host for ops of the source framework): the op carries the original TensorFlow
NodeDef (attribute ``node_def``, framework_type 3); we decode it and convert it with our TensorFlow
frontend, as if the node stood alone in a graph whose inputs are the FrameworkOp's inputs."""
from __future__ import annotations

import numpy as np
from google.protobuf.message import DecodeError

from ..errors import GraphError
from ..framework import Framework
from ..proto import tf_graph_pb2 as tfpb
from .ge_graph import GeOp


def embedded_node(op: GeOp):
    """The TensorFlow NodeDef inside a FrameworkOp, or None when it holds none we can read."""
    raw = op.attrs.get("node_def")
    framework = int(op.attrs.get("framework_type", Framework.TENSORFLOW))
    if not isinstance(raw, (bytes, bytearray)) or framework != Framework.TENSORFLOW:
        return None
    node = tfpb.NodeDef()
    try:
        node.ParseFromString(bytes(raw))
    except DecodeError:
        return None
    return node if node.op else None


def framework_op_problem(op: GeOp) -> str | None:
    """Why a FrameworkOp cannot run (for the all-at-once E11009 list), or None."""
    from ..frontends.tensorflow.registry import find_handler
    from ..frontends.tensorflow import handlers  # noqa: F401  (fill the handler table)
    node = embedded_node(op)
    if node is None:
        number = int(op.attrs.get("framework_type", -1))
        kind = Framework(number).label if number in tuple(Framework) else "unknown framework"
        return f"FrameworkOp ({kind} op {op.attrs.get('original_type', '?')} without a readable node_def)"
    if find_handler(node.op) is None:
        return f"FrameworkOp (TensorFlow {node.op})"
    return None


def _tensor_proto(value: np.ndarray) -> tfpb.TensorProto:
    from ..frontends.tensorflow.reader import tf_type_of
    from ..ir import from_numpy
    t = tfpb.TensorProto()
    t.dtype = tf_type_of(from_numpy(value.dtype))
    t.tensor_shape.dim.extend([tfpb.TensorShapeProto.Dim(size=int(d)) for d in value.shape])
    t.tensor_content = np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<")).tobytes()
    return t


def convert_tf_node(lowering, owner: GeOp, node, inputs: list, n_out: int) -> list:
    """Convert one TF NodeDef with our frontend, its data inputs being ``inputs`` (canonical refs; constants
    become Const nodes so the handler sees their values). Returns one ref per output."""
    from ..frontends.tensorflow.convert import TfConverter
    from ..frontends.tensorflow.reader import tf_type_of
    graph = lowering.graph
    gd = tfpb.GraphDef()
    feeds = []
    names = []
    for k, ref in enumerate(inputs):
        item = gd.node.add()
        item.name = f"_input{k}"
        value = graph.const_value(ref)
        desc = graph.desc(ref)
        if value is not None:
            item.op = "Const"
            item.attr["dtype"].type = tf_type_of(desc.dtype)
            item.attr["value"].tensor.CopyFrom(_tensor_proto(np.asarray(value)))
        else:
            item.op = "Placeholder"
            item.attr["dtype"].type = tf_type_of(desc.dtype)
            if desc.shape is not None:
                item.attr["shape"].shape.dim.extend([tfpb.TensorShapeProto.Dim(size=int(d)) for d in desc.shape])
            feeds.append(ref)
        names.append(item.name)
    main = gd.node.add()
    main.CopyFrom(node)
    main.name = owner.name
    del main.input[:]
    main.input.extend(names)
    for key in [k for k in main.attr if k.startswith("_")]:
        del main.attr[key]
    try:
        sub = TfConverter(gd, out_nodes=[(owner.name, i) for i in range(max(n_out, 1))], all_inputs=True).convert()
    except GraphError as exc:
        raise GraphError(exc.code, f"op '{owner.name}' (FrameworkOp, TensorFlow {node.op}): {exc.message}",
                         node=owner.name) from None
    return lowering.splice(sub, feeds, owner)


def lower_framework_op(lowering, op: GeOp) -> list:
    node = embedded_node(op)
    refs = [r for r in lowering.op_inputs(op) if r is not None]
    return convert_tf_node(lowering, op, node, refs, len(op.outputs))
