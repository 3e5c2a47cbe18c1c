"""Random model inputs that respect each input's dtype and shape (seeded, reproducible)."""
from __future__ import annotations

import numpy as np

from ..errors import ConverterError
from ..ir import Graph, to_numpy


def random_inputs(graph: Graph, seed: int = 0, int_high: int = 2) -> dict:
    """One array per model input: floats in [0, 1), ints in [0, int_high) (valid as indices), bools."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for op in graph.data_ops():
        d = op.outputs[0]
        if not d.is_static:
            raise ConverterError("E10001", f"input '{op.name}' has a dynamic shape {list(d.shape or [])}; "
                                 "give its data with --input", node=op.name)
        dt = to_numpy(d.dtype)
        if dt.kind == "f":
            feeds[op.name] = rng.random(d.shape).astype(dt)
        elif dt.kind == "b":
            feeds[op.name] = rng.random(d.shape) < 0.5
        else:
            feeds[op.name] = rng.integers(0, int_high, size=d.shape).astype(dt)
    return feeds
