"""require_constant_inputs: the inputs an op must have as constants (``ops.const_inputs``: Squeeze/Unsqueeze
axes and Pad axes, which ONNX gives as inputs) are accepted when folding made them constants and refused
otherwise (E10001 naming the op and where the value comes from): their values decide the output's shape, and an
offline model keeps them as constants."""
from __future__ import annotations

from .. import ops
from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import Graph
from .base import PassContext


def _origin(graph: Graph, ref) -> str:
    src = graph.op(ref[0])
    if src.type == "Data":
        return f"the graph input '{src.name}', known only when the model runs"
    return f"'{src.source or src.name}' ({src.type}), which is not a constant after folding"


def _check(graph: Graph) -> None:
    for op in graph.ops():
        refs = graph.inputs_of(op.name)
        for i in sorted(ops.const_inputs(op.type)):
            if i < len(refs) and refs[i] is not None and graph.const_value(refs[i]) is None:
                raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{op.source or op.name}' ({op.type}): input {i} must be "
                                 f"known when converting; it comes from {_origin(graph, refs[i])}. Make it a "
                                 "constant (an initializer) in the model, or fix with --input_shape the shapes it "
                                 "is computed from", node=op.name)
        for sub in (op.subgraphs or {}).values():
            _check(sub)


def require_constant_inputs(graph: Graph, ctx: PassContext) -> bool:
    _check(graph)
    return False
