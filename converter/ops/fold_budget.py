"""How much constant folding may create. Folding an op whose inputs are all constants replaces it by its
result, which is written into the .om; without a limit, a 120-byte Tile or ConstantOfShape model becomes a
gigabyte of weights (or a MemoryError). ATC keeps such ops and computes them on the device at run time, and
so do we: an op whose result would exceed the budget is not folded (its outputs still get their shapes).

The rule, per fold: the result may always be as large as FOLD_GROWTH times the bytes of the source
constants it derives from (a Cast int8 -> fp32, a Transpose or Concat of weights, BatchNorm folding: data the
model file already holds); beyond that a fold may create at most FOLD_MAX_BYTES (TensorFlow grappler's limit
for a materialised constant, 10 MiB), and all such expanding folds of one graph together at most
FOLD_GRAPH_BYTES. "Derives from" follows chains: a folded constant carries the source bytes of its inputs, so
Tile(Tile(Tile(c))) cannot grow FOLD_GROWTH times per step.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, to_numpy

FOLD_MAX_BYTES = 10 << 20       # one expanding fold (TF grappler: max_constant_size_in_bytes)
FOLD_GROWTH = 4                 # free growth over the source constants' bytes
FOLD_GRAPH_BYTES = 64 << 20     # all expanding folds of one graph


def _state(graph: Graph) -> dict:
    return graph.meta.setdefault("fold_budget", {"origin": {}, "spent": 0})


def source_bytes(graph: Graph, refs: list, values: list) -> int:
    """The bytes of source constants the (constant) inputs derive from, each input counted once."""
    origin = _state(graph)["origin"]
    total, seen = 0, set()
    for ref, value in zip(refs, values):
        if ref is None or ref[0] in seen or value is None:
            continue
        seen.add(ref[0])
        total += origin.get(ref[0], getattr(value, "nbytes", 0))
    return total


def output_bytes(descs) -> int | None:
    """The bytes of outputs with these descs, None when a shape or dtype is not known."""
    total = 0
    for d in descs:
        if d is None or d.shape is None or any(int(x) < 0 for x in d.shape):
            return None
        try:
            itemsize = to_numpy(d.dtype).itemsize
        except (KeyError, TypeError, ValueError):
            return None
        total += int(np.prod([int(x) for x in d.shape], dtype=object)) * itemsize
    return total


def allows(graph: Graph, origin: int, nbytes: int) -> bool:
    """Whether a fold creating ``nbytes`` from ``origin`` source bytes fits the budget (it is then charged)."""
    if nbytes <= FOLD_GROWTH * origin:
        return True
    state = _state(graph)
    if nbytes > FOLD_MAX_BYTES or state["spent"] + nbytes > FOLD_GRAPH_BYTES:
        return False
    state["spent"] += nbytes
    return True


def record(graph: Graph, const_names: list, origin: int) -> None:
    """The Consts a fold created derive from ``origin`` source bytes."""
    table = _state(graph)["origin"]
    for name in const_names:
        table[name] = origin
