"""The conversion pipeline: every pass, once, in order, with why it sits where it does."""
from __future__ import annotations

import logging
from collections import Counter

from ..errors import INTERNAL_ERROR, ConverterError, GraphError
from ..ir import Graph
from .aipp import insert_aipp
from .base import PassContext
from .constants import require_constant_inputs
from .boundary import apply_hw_layouts, apply_input_types, apply_output_types
from .fusion import fold_affine_into_conv
from .input_shapes import apply_input_shapes, record_gears
from .layout import assign_formats
from .outputs import select_outputs
from .precision import set_precision
from .shape_inference import infer_shapes
from .simplify import prune_dead_ops, remove_identity

log = logging.getLogger("converter.passes")

PASSES = [
    # Fix the inputs first: everything below needs static shapes where the user gave them.
    ("apply_input_shapes", apply_input_shapes),
    # Choose outputs early so dead branches are not inferred or folded at all.
    ("select_outputs", select_outputs),
    ("prune_dead_ops", prune_dead_ops),
    ("remove_identity", remove_identity),
    # Shapes and constants together until stable: Shape->Gather->Concat->Reshape chains fold here.
    ("infer_shapes", infer_shapes),
    # Per-channel affine ops into convs (needs constants folded first; it infers the shapes again when it
    # rewired something), then clean up.
    ("fold_affine_into_conv", fold_affine_into_conv),
    ("prune_dead_ops", prune_dead_ops),
    # Inputs that must be constants (Squeeze/Unsqueeze/Pad axes given as ONNX inputs) are by now, or refused.
    ("require_constant_inputs", require_constant_inputs),
    # Formats last: they depend on final ranks.
    ("assign_formats", assign_formats),
    # AIPP (--insert_op_conf) after shapes and formats are fixed (it checks the model's C/H/W and layout) and
    # before precision, so the uint8 image input does not get fp16 Casts: Data becomes the uint8 image and
    # an Aipp op produces the float tensor the model read before.
    ("insert_aipp", insert_aipp),
    # Gears (multi-profile shapes) are recorded on the inputs as the model finally takes them (after AIPP).
    ("record_gears", record_gears),
    # Precision: fp16 inputs first (so no entrance Cast is made for them), then per-op precision with
    # Casts where dtypes meet, then the dtypes outputs leave with, then NC1HWC0 boundary descriptors.
    ("apply_input_types", apply_input_types),
    ("set_precision", set_precision),
    ("apply_output_types", apply_output_types),
    ("apply_hw_layouts", apply_hw_layouts),
    # Weights replaced by fp16 copies are dead now.
    ("prune_dead_ops", prune_dead_ops),
]


# A single-op description (--singleop) declares its inputs completely, dynamic dims and ranges included.
SINGLE_OP_PASSES = [p for p in PASSES if p[0] != "apply_input_shapes"]

# What `--mode=1 --dump_mode=1` shows: the parsed graph with shapes inferred, before precision.
SHAPE_PASSES = PASSES[:PASSES.index(("assign_formats", assign_formats)) + 1]


def _op_counts(graph: Graph) -> Counter:
    return Counter(op.type for op in graph.ops() if op.type not in ("Data", "NetOutput"))


def run_passes(graph: Graph, ctx: PassContext, passes=None) -> Graph:
    """Run ``passes`` (default PASSES) over the graph; a failure names the pass and those before it.
    With --log=info/debug the op counts before and after are logged (and each pass at debug)."""
    done = []
    before = _op_counts(graph)
    for name, fn in passes or PASSES:
        try:
            changed = fn(graph, ctx)
            log.debug("pass %s: %s, %d ops", name, "changed" if changed else "no change", len(graph))
        except ConverterError:
            raise
        except Exception as exc:
            before = ", ".join(done) or "none"
            raise GraphError(INTERNAL_ERROR, f"internal error in pass {name} (after {before}): "
                             f"{type(exc).__name__}: {exc}") from exc
        done.append(name)
    after = _op_counts(graph)
    for op_type in sorted(set(before) | set(after)):
        if before[op_type] != after[op_type]:
            log.info("ops %-20s %5d -> %5d", op_type, before[op_type], after[op_type])
    log.info("ops total %d -> %d", sum(before.values()), sum(after.values()))
    return graph
