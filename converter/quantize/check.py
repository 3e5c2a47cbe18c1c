"""How good is the int8 model: outputs against the fp32 graph on held-out inputs (cosine similarity per
sample, top-1 agreement per row of the last axis), and a per-layer bisect that quantizes one layer at a
time in the fp32 graph and names the layer whose quantization alone moves the outputs most.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph
from ..runtime import Session
from ..runtime.inputs import model_feeds
from .rewrite import apply_record


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity per sample (axis 0), in float64; equal zero vectors count as 1."""
    a = a.astype(np.float64).reshape(a.shape[0] if a.ndim else 1, -1)
    b = b.astype(np.float64).reshape(a.shape)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    dot = (a * b).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where((na > 0) & (nb > 0), dot / (na * nb), np.where(na == nb, 1.0, 0.0))
    return cos


def top1_classes(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, np.float64)
    return np.argmax(a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1), axis=-1)


class _Tally:
    def __init__(self, name: str):
        self.name, self.cos, self.agree, self.rows, self.max_abs, self.classes = name, [], 0, 0, 0.0, set()
        self.top_got, self.top_ref = [], []

    def add(self, got: np.ndarray, ref: np.ndarray) -> None:
        got = np.asarray(got, np.float64).reshape(np.shape(ref))
        self.cos.extend(cosines(got, ref).tolist())
        t_got, t_ref = top1_classes(got), top1_classes(ref)
        self.agree += int((t_got == t_ref).sum())
        self.rows += t_ref.size
        self.classes.update(t_ref.tolist())
        self.top_got.extend(t_got.tolist())
        self.top_ref.extend(t_ref.tolist())
        self.max_abs = max(self.max_abs, float(np.abs(got - ref).max(initial=0.0)))

    def report(self, labels=None) -> dict:
        """The figures; with ``labels`` (true class per row, in batch order) also the accuracy of both models."""
        cos = np.asarray(self.cos)
        out = {"name": self.name, "samples": int(cos.size), "cosine_mean": float(cos.mean()),
               "cosine_min": float(cos.min()), "top1_agreement": self.agree / max(self.rows, 1),
               "top1_rows": self.rows, "distinct_top1": len(self.classes), "max_abs_error": self.max_abs}
        if labels is not None and len(labels) == self.rows:
            labels = np.asarray(labels).reshape(-1)
            out["accuracy"] = float((np.asarray(self.top_got) == labels).mean())
            out["reference_accuracy"] = float((np.asarray(self.top_ref) == labels).mean())
        return out


def _runner(model):
    session = model if isinstance(model, Session) else Session(model)
    return session, lambda feeds: session.run_outputs(model_feeds(session.graph, feeds))


def tally(pairs, names=None, labels=None) -> list:
    """The report of every output (see _Tally.report) over ``pairs``: (outputs, reference outputs) per batch."""
    tallies = None
    for got, ref in pairs:
        tallies = tallies or [_Tally(names[k] if names else str(k)) for k in range(len(ref))]
        for t, g, r in zip(tallies, got, ref):
            t.add(np.asarray(g), np.asarray(r))
    return [t.report(labels) for t in tallies or ()]


def passes(output: dict, min_cosine: float, min_top1: float) -> bool:
    """The PASS rule: every sample's cosine >= min_cosine and top-1 agreement >= min_top1."""
    return output["cosine_min"] >= min_cosine and output["top1_agreement"] >= min_top1


def compare(reference: Graph, quantized, data, batches: list, min_cosine: float = 0.99,
            min_top1: float = 0.95, labels=None) -> dict:
    """Outputs of ``quantized`` (an .om path, Graph or Session) against the fp32 ``reference`` graph; with
    ``labels`` (the true class of every row of the batches, in order) also both models' accuracy."""
    ref_session, run_ref = _runner(reference)
    _, run_q = _runner(quantized)

    def pairs():
        for i in batches:
            feeds = data.batch(i)
            yield run_q(feeds), run_ref(feeds)

    outputs = tally(pairs(), ref_session.output_names, labels)
    for o in outputs:
        o["passed"] = passes(o, min_cosine, min_top1)
    return {"batches": len(batches), "min_cosine": min_cosine, "min_top1": min_top1, "outputs": outputs,
            "passed": all(o["passed"] for o in outputs)}


def reference_outputs(reference: Graph, data, batches: list) -> tuple:
    """(feeds, fp32 outputs) of every batch, to compare several quantized variants against."""
    _, run_ref = _runner(reference)
    feeds = [data.batch(i) for i in batches]
    return feeds, [run_ref(f) for f in feeds]


def bisect(reference: Graph, layers: list, records: dict, data, batches: list) -> list:
    """Per recorded layer: the outputs' worst mean cosine and top-1 agreement when only that layer is
    quantized; sorted so that the layer that hurts most comes first."""
    feeds, refs = reference_outputs(reference, data, batches)
    rows = []
    for name, rec in records.items():
        _, run_one = _runner(apply_record(reference.copy(), layers, {name: rec}))
        reports = tally((run_one(f), r) for f, r in zip(feeds, refs))
        rows.append({"layer": name, "cosine": min(r["cosine_mean"] for r in reports),
                     "top1_agreement": min(r["top1_agreement"] for r in reports)})
    rows.sort(key=lambda r: (r["cosine"], r["layer"]))
    return rows


def format_report(report: dict) -> str:
    lines = [(f"{'output':32s} {'samples':>7s} {'cos mean':>9s} {'cos min':>9s} {'top-1':>7s} {'classes':>7s}  "
              "result")]
    for o in report["outputs"]:
        lines.append(f"{o['name'][:32]:32s} {o['samples']:7d} {o['cosine_mean']:9.6f} {o['cosine_min']:9.6f} "
                     f"{o['top1_agreement']:7.2%} {o['distinct_top1']:7d}  {'PASS' if o['passed'] else 'FAIL'}")
    if report.get("bisect"):
        worst = report["bisect"][0]
        lines.append(f"layer whose quantization hurts most: {worst['layer']} (alone: cosine {worst['cosine']:.6f}, "
                     f"top-1 {worst['top1_agreement']:.2%})")
        for row in report["bisect"][1:5]:
            lines.append(f"  then {row['layer']}: cosine {row['cosine']:.6f}, top-1 {row['top1_agreement']:.2%}")
    lines.append("quantized model: " + ("PASSED" if report["passed"] else "FAILED") +
                 f" (cosine >= {report['min_cosine']}, top-1 agreement >= {report['min_top1']:.0%})")
    return "\n".join(lines)
