"""Control-flow ops whose bodies are subgraphs (If, Loop, Scan, SequenceMap: Op.subgraphs); shape inference
and execution of the bodies live in the shape-inference pass and the runtime, which own graph traversal."""
from __future__ import annotations

from .registry import Attr, register


def scan_axis(axes: list, k: int, rank: int) -> int:
    """Scan axis ``k`` of ``axes`` (default 0) made non-negative for a tensor of ``rank``."""
    axis = int(axes[k]) if k < len(axes) else 0
    return axis + rank if axis < 0 else axis


@register("If", attrs={}, infer=None, category="control")
def if_op(inputs, attrs):
    """Runs subgraph then_branch or else_branch (inputs after the condition feed the branch's Data ops)."""
    raise RuntimeError("If is executed by the runtime, which runs the chosen subgraph")


@register("Loop", attrs={"num_carried": Attr("int", 0)}, infer=None, category="control")
def loop(inputs, attrs):
    """ONNX Loop over subgraph body: inputs (max trip count?, condition?, carried..., outer...)."""
    raise RuntimeError("Loop is executed by the runtime, which runs the body")


@register("Scan", attrs={"num_states": Attr("int", 0), "num_scan_inputs": Attr("int"),
                         "scan_input_directions": Attr("ints", []), "scan_input_axes": Attr("ints", []),
                         "scan_output_directions": Attr("ints", []), "scan_output_axes": Attr("ints", []),
                         "batched": Attr("bool", False, "opset 8: input 0 is sequence_lens (or absent); every other "
                                                        "input and output has a batch axis 0, scanned along axis 1")},
          infer=None, category="control")
def scan(inputs, attrs):
    """ONNX Scan over subgraph body: inputs (states..., scan inputs..., outer...); the body runs once per slice
    of the scan inputs along their axes (directions 1: from the end), states carried, per-iteration outputs
    stacked along the scan output axes. Batched (opset 8): (sequence_lens?, ...) and the same per batch element,
    outputs zero-padded past each element's length."""
    raise RuntimeError("Scan is executed by the runtime, which runs the body")


@register("SequenceMap", attrs={"num_inputs": Attr("int", 1, "inputs mapped over (sequences) or passed whole; "
                                                                "the rest are outer values the body reads")},
          infer=None, category="control")
def sequence_map(inputs, attrs):
    """ONNX SequenceMap over subgraph body: (sequence, more sequences or tensors..., outer...) -> one sequence
    per body output: the body runs on the i-th element of every sequence input (tensor inputs whole)."""
    raise RuntimeError("SequenceMap is executed by the runtime, which runs the body")
