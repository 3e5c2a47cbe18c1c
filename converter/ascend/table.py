"""The GE op table, complete: every mapper module imported (explicitly, so none is forgotten), and the
lookups the lowering, the fusion planner, `omtool ops` and the ONNX export use."""
from __future__ import annotations

from . import ge_nn, ge_ops, ge_tensor  # noqa: F401  (each fills GE_OPS)
from .registry import GE_OPS, GeOpEntry


def find(op_type: str) -> GeOpEntry | None:
    """The table row of a GE op type, or None when we cannot run it."""
    return GE_OPS.get(op_type)


def supported_types() -> list:
    """The GE op types a compiled model may hold (for `omtool ops` and docs)."""
    return sorted(GE_OPS)
