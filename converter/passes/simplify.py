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
    """Remove ops that no model output depends on (model inputs are always kept)."""
    out = graph.net_output()
    if out is None:
        return False
    live = graph.ancestors(out.name) | {out.name}
    dead = [op.name for op in graph.ops() if op.name not in live and op.type != "Data"]
    for name in dead:
        graph.remove(name)
    return bool(dead)
