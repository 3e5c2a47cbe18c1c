"""A minimal graph evaluator for these tests (registry kernels in topological order); the lead's
runtime Session replaces it later."""
from __future__ import annotations

import numpy as np

from converter.ops import registry


def evaluate(graph, feeds: dict) -> dict:
    """Run ``graph`` on ``feeds`` (Data op name -> array); returns model output name -> array."""
    values = {}
    outputs = {}
    for op in graph.topo_order():
        refs = graph.inputs_of(op.name)
        args = [None if r is None else values[r] for r in refs]
        if op.type == "Data":
            results = [np.asarray(feeds[op.name])]
        elif op.type == "Const":
            results = [np.asarray(op.value)]
        elif op.type == "NetOutput":
            outputs = dict(zip(op.attrs["output_names"], args))
            continue
        else:
            spec = registry.get(op.type)
            results = registry.run_kernel(spec, args, spec.normalize(op.attrs, op.name))
        for i, value in enumerate(results):
            values[(op.name, i)] = value
    return outputs
