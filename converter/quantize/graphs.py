"""The graphs the quantizer works on, made by the conversion pipeline split in two:

- ``fp32_graph``: frontend + the passes before precision, with Conv+BN folding kept off for the layers
  whose fusion is skipped. Calibration runs it; it is the float reference of every check.
- ``finish``: the rest of the pipeline (input types, precision, output types, layouts) over a graph the
  quantizer has rewritten, with the user's precision options: what the .om holds.
"""
from __future__ import annotations

from dataclasses import replace
from functools import partial

from ..conversion import load_source_graph
from ..ir import Graph
from ..options import ConvertOptions
from ..passes.base import PassContext
from ..passes.fusion import fold_affine_into_conv
from ..passes.layout import assign_formats
from ..passes.pipeline import PASSES, run_passes
from ..passes.shape_inference import infer_shapes

SPLIT = [name for name, _ in PASSES].index("apply_input_types")


def _context(options: ConvertOptions) -> PassContext:
    return PassContext(options=options, framework=options.framework if options.framework is not None else 5)


def fp32_graph(options: ConvertOptions, skip_fusion=frozenset()) -> Graph:
    """Frontend + passes up to precision; BatchNorm stays after the convs named (by source) in skip_fusion."""
    graph = load_source_graph(options)
    keep = (lambda conv: (conv.source or conv.name) in skip_fusion) if skip_fusion else None
    passes = [(name, partial(fn, keep_batchnorm=keep) if fn is fold_affine_into_conv else fn)
              for name, fn in PASSES[:SPLIT]]
    run_passes(graph, _context(options), passes)
    return graph


def finish(graph: Graph, options: ConvertOptions, precision_mode: str | None = None) -> Graph:
    """Shapes and formats of the inserted ops, then the precision and boundary passes (in place)."""
    if precision_mode is not None:
        options = replace(options, precision_mode=precision_mode)
    ctx = _context(options)
    run_passes(graph, ctx, [("infer_shapes", infer_shapes), ("assign_formats", assign_formats)] + PASSES[SPLIT:])
    return graph
