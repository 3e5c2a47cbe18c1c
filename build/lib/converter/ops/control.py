"""Control-flow ops whose bodies are subgraphs (Op.subgraphs); shape inference and execution of the
bodies live in the shape-inference pass and the runtime, which own graph traversal."""
from __future__ import annotations

from .registry import Attr, register


@register("If", attrs={}, infer=None, category="control")
def if_op(inputs, attrs):
    """Runs subgraph then_branch or else_branch (inputs after the condition feed the branch's Data ops)."""
    raise RuntimeError("If is executed by the runtime, which runs the chosen subgraph")


@register("Loop", attrs={"num_carried": Attr("int", 0)}, infer=None, category="control")
def loop(inputs, attrs):
    """ONNX Loop over subgraph body: inputs (max trip count?, condition?, carried..., outer...)."""
    raise RuntimeError("Loop is executed by the runtime, which runs the body")
