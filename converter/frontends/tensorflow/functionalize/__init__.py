"""TF1 control flow -> functional If/While nodes, on the GraphDef, before the nodes are converted.

Graphs built with control flow v1 (tf.cond, tf.while_loop, dynamic_rnn, scan) hold Switch/Merge groups and
frames of Enter/Merge/Switch/LoopCond/NextIteration/Exit. As TensorFlow's functionalize_control_flow and GE's
TF parser do, loops (innermost first, ``loops``) and then conditionals (``conds``) are replaced by While and If
nodes whose bodies are library functions; the handlers turn those into the canonical Loop and If. TensorArray
handle edges are dropped first (``tensor_arrays``): the flow carries the array. Nodes that no output needs,
through data or control edges, are dropped before, so a stray training-only construct does not matter.
"""
from __future__ import annotations

from .conds import functionalize_conds
from .graph_edit import CONTROL_FLOW_OPS, MERGE, SWITCH, NodeMap, check_arity, refusal
from .loops import functionalize_loops
from .tensor_arrays import HANDLE_OPS, drop_handles

__all__ = ["CONTROL_FLOW_OPS", "functionalize", "needs_functionalize"]


def needs_functionalize(nodes) -> bool:
    return any(n.op in CONTROL_FLOW_OPS or n.op in HANDLE_OPS for n in nodes)


def functionalize(graphdef, library: dict, keep: set) -> dict:
    """Rewrite graphdef's nodes in place: only the nodes named in ``keep`` stay (control edges to the others
    are dropped), TF1 loops become While and conditionals If nodes with their bodies added to ``library``.
    Returns counts {"loops": n, "conds": n}."""
    nodes = NodeMap(n for n in graphdef.node if n.name in keep)
    check_arity(nodes.values())
    nodes.strip_control_inputs(set())
    drop_handles(nodes)
    loops = functionalize_loops(nodes, library) if any(n.op not in SWITCH + MERGE and n.op in CONTROL_FLOW_OPS
                                                        for n in nodes.values()) else 0
    conds = functionalize_conds(nodes, library)
    new = list(nodes.values())
    del graphdef.node[:]          # the removed nodes stay valid on their own;
    graphdef.node.extend(new)     # extend copies each one once (Const tensors included)
    return {"loops": loops, "conds": conds}


def leftover_control_flow(nodes) -> None:
    """E11009 when a node the outputs need is still a Switch/Merge (a tensor that only one branch defines)."""
    for n in nodes:
        if n.op in CONTROL_FLOW_OPS:
            raise refusal(f"'{n.name}' ({n.op}) is not part of a complete tf.cond or tf.while_loop: an output "
                          "depends on a tensor that only one branch of a conditional computes", n.name)
