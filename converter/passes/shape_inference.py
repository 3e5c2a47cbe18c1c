"""The shape-inference pass: shapes, dtypes and constant folding over the whole graph until stable (the work
is done by converter.ops.inference with each op's infer function and kernel)."""
from __future__ import annotations

import logging

from ..ir import Graph
from ..ops.inference import infer_graph
from .base import PassContext

log = logging.getLogger("converter.passes")


def infer_shapes(graph: Graph, ctx: PassContext | None = None, fold: bool = True) -> bool:
    """Run inference (and constant folding) in topological order, repeating until stable; a graph that does
    not settle within the round limit is reported as a conversion warning."""

    def warn(message: str) -> None:
        if ctx is None:
            log.warning("%s", message)
        elif message not in ctx.warnings:
            ctx.warnings.append(message)

    return infer_graph(graph, fold, warn)
