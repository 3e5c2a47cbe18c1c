"""TensorArrayV3 handles: every TensorArray op reads the array's handle (a resource that Enter, Identity and
Switch pass around) and its flow (a float scalar that orders the reads after the writes). On our IR the flow
carries the array itself (a sequence), so the handle edges are dropped: each TensorArray op keeps its other
inputs in order and is marked "_handle_dropped". A handle that does not come from a TensorArrayV3 is refused."""
from __future__ import annotations

from .graph_edit import ENTER, EXIT, MERGE, SWITCH, NodeMap, refusal

# Ops that take the handle as input 0 (what follows it is the op's own input list).
HANDLE_OPS = ("TensorArrayReadV3", "TensorArrayWriteV3", "TensorArrayGatherV3", "TensorArrayScatterV3",
              "TensorArraySizeV3", "TensorArrayConcatV3", "TensorArraySplitV3", "TensorArrayCloseV3")
CREATE = "TensorArrayV3"
_PASS_THROUGH = ENTER + EXIT + SWITCH + MERGE + ("Identity", "Snapshot")


def _source(nodes: NodeMap, ref: tuple):
    for _ in range(256):
        node = nodes.nodes.get(ref[0])
        if node is None or node.op not in _PASS_THROUGH or not NodeMap.data_inputs(node):
            return node, ref
        ref = NodeMap.data_inputs(node)[0]
    return None, ref


def drop_handles(nodes: NodeMap) -> int:
    """Remove the handle input of every TensorArray op; returns how many ops were changed."""
    count = 0
    for node in nodes.values():
        if node.op not in HANDLE_OPS or "_handle_dropped" in node.attr:
            continue
        data = [s for s in node.input if not s.startswith("^")]
        if not data:
            raise refusal(f"{node.op} node '{node.name}' has no TensorArray handle input", node.name)
        src, ref = _source(nodes, NodeMap.data_inputs(node)[0])
        if src is None or src.op != CREATE or ref[1] != 0:
            raise refusal(f"{node.op} node '{node.name}' reads a TensorArray handle that does not come from a "
                          "TensorArrayV3", node.name)
        handle = data[0]
        kept = list(node.input)
        kept.remove(handle)
        del node.input[:]
        node.input.extend(kept)
        node.attr["_handle_dropped"].b = True
        count += 1
    return count
