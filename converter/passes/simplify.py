"""Graph simplification: drop Identity-like ops and prune ops that no output depends on."""
from __future__ import annotations

from ..ir import Graph
from .base import PassContext

PASSTHROUGH = {"Identity"}


def remove_identity(graph: Graph, ctx: PassContext | None = None) -> bool:
    """Identity (and Dropout, which frontends map to Identity) ops are bypassed and removed."""
    changed = False
    for op in list(graph.ops()):
        if op.type not in PASSTHROUGH:
            continue
        refs = graph.inputs_of(op.name)
        if not refs or refs[0] is None:
            continue
        src = refs[0]
        name = op.outputs[0].name
        graph.replace_uses((op.name, 0), src)
        graph.remove(op.name)
        if graph.desc(src).name is None:
            graph.desc(src).name = name
        changed = True
    return changed


def prune_dead_ops(graph: Graph, ctx: PassContext | None = None) -> bool:
    """Remove ops that no model output depends on (model inputs are always kept): in a DAG those are the ops
    no one reads (but NetOutput), then the ops only they read, and so on."""
    out = graph.net_output()
    if out is None:
        return False
    unread = [name for name in graph.unread_ops() if name != out.name]
    removed = False
    while unread:
        name = unread.pop()
        if name not in graph or graph.has_consumers(name) or graph.op(name).type == "Data":
            continue
        producers = {src for src in graph.producers(name)}
        graph.remove(name)
        removed = True
        unread.extend(src for src in producers if src != out.name and not graph.has_consumers(src))
    return removed
