"""Printing and saving verify reports (JSON schema: schemas/verify-report.schema.json)."""
from __future__ import annotations

import json

from ..fileio import write_text_atomic


def _num(v, fmt="{:.3g}") -> str:
    return "-" if v is None else fmt.format(v)


def format_report(report: dict) -> str:
    lines = [f"{'output':32s} {'shape':18s} {'max_abs':>10s} {'max_rel':>10s} {'cosine':>10s}  result"]
    for o in report["outputs"]:
        lines.append(f"{o['name'][:32]:32s} {str(o.get('shape', '-')):18s} {_num(o.get('max_abs_error')):>10s} "
                     f"{_num(o.get('max_rel_error')):>10s} {_num(o.get('cosine'), '{:.6f}'):>10s}  "
                     f"{'PASS' if o['passed'] else 'FAIL: ' + o.get('reason', '')}")
    b = report.get("bisect")
    if b is not None:
        if b.get("found"):
            lines.append(f"first diverging op: {b['op']} ({b['type']}, source node {b.get('source_node')}) "
                         f"tensor {b['tensor']}: max_abs {_num(b.get('max_abs_error'))}, max_rel "
                         f"{_num(b.get('max_rel_error'))}, cosine {_num(b.get('cosine'), '{:.6f}')}")
        else:
            lines.append(f"bisect: no diverging intermediate tensor among {b['checked']} compared")
    t = report.get("tolerance")
    if t:
        which = {"fp16": "the fp16 defaults", "fp32": "the fp32 defaults"}.get(t.get("defaults"), "as given")
        lines.append(f"tolerance ({which}): |error| <= {t['atol']:g}"
                     + (f" + {t['peak_atol']:g} * max|ref|" if t.get("peak_atol") else "")
                     + f" + {t['rtol']:g} * |ref|, cosine >= {t['min_cosine']:g}")
    lines.append("verify: " + ("PASSED" if report["passed"] else "FAILED"))
    return "\n".join(lines)


def write_report(report: dict, path: str) -> None:
    """Atomic write of the JSON report (E13004 when it cannot be written)."""
    write_text_atomic(path, json.dumps(report, indent=2, sort_keys=True), option="--json")
