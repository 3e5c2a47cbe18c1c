"""Helpers shared by every frontend: the one "all unsupported ops at once" error."""
from __future__ import annotations

from ..errors import UNSUPPORTED_OP, UnsupportedOpError


def report_unsupported(missing: dict, framework: str = "ONNX", advice: dict | None = None) -> UnsupportedOpError:
    """E11009 listing every op type without a converter, with counts and up to 3 example node names.

    missing: op type -> node names; advice: op type -> an extra hint for that type (e.g. how to
    rewrite TF1 control flow).
    """
    parts, hints = [], []
    for op_type, names in sorted(missing.items()):
        example = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        parts.append(f"{op_type} x{len(names)} (e.g. {example})")
        hint = (advice or {}).get(op_type)
        if hint and hint not in hints:
            hints.append(hint)
    return UnsupportedOpError(
        UNSUPPORTED_OP, f"{len(missing)} {framework} op type(s) have no converter: " + "; ".join(parts) + ". "
        + "".join(h + " " for h in hints)
        + "Run 'omtool ops' for the supported list; replace these ops in the source model or open an issue "
        "with the model.")
