"""Accuracy-based automatic calibration, as AMCT's accuracy_based_auto_calibration does it: when the model
quantized in every enabled layer misses the accuracy target, rank the layers by their sensitivity to
quantization and roll the most sensitive ones back to float (quant_enable false) until the target is met.

What AMCT does (its "accuracy-based automatic quantization" guide page and the common/auto_calibration code
of its open-source release: binary_search_strategy.py, cosine_similarity_sensitivity.py,
accuracy_based_auto_calibration_base.py), and what we do:
- Sensitivity "layer" (AMCT's default, CosineSimilarity): every quantized layer as a single-op network fed the
  fp32 model's own input activations; the cosine similarity of its fake-quant output with its fp32 output
  over all the data (AMCT stores 0.5 + 0.5 * cos, the same order). Least similar = most sensitive.
  Sensitivity "output" (AMCT takes a user's sensitivity object too; this one is ours): check.bisect, the
  model's output cosine (mean over the samples, worst output) with only that layer quantized. It costs a model
  run per layer and batch, but it sees how much of a layer's error the rest of the network amplifies, which
  the single-layer cosine does not.
- Accuracy: AMCT asks the user's evaluator and its metric_eval(original, new) -> (satisfied, loss). Ours is
  the PASS rule of the check (check.passes): the fake-quant graph against the fp32 graph on the calibration
  batches, every sample's cosine >= min_cosine and top-1 agreement >= min_top1 for every output.
- Strategy (AMCT's default, BinarySearch): if the fully quantized model passes, nothing is rolled back.
  Otherwise a binary search over k, the number of most sensitive layers rolled back (k = 1 .. n - 1), for
  the smallest k that passes, assuming that rolling back more layers never hurts; the last passing
  configuration is kept. When only rolling back every layer would pass, AMCT writes no model: E10001 here.
- The search re-uses the records of the layers that stay quantized: their calibration reads the fp32 graph,
  so it would give the same factors again (AMCT recalibrates for each candidate).
- Files: AMCT writes accuracy_based_auto_calibration_final_config.json, ..._ranking_information.json and
  ..._record.json (the search history); ours are OUT_quant_config.json (the final config),
  OUT_auto_calibration_ranking.json and OUT_auto_calibration_record.json (see workflow).
"""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, VALUE_OUT_OF_RANGE, ConverterError
from ..ir import Graph
from ..runtime import Session
from ..runtime.inputs import model_feeds
from .calibrate import probe_session
from .check import bisect, passes, reference_outputs, tally
from .layers import QuantLayer
from .rewrite import apply_record, quantize_layer

SENSITIVITIES = ("layer", "output")


def check_targets(min_cosine: float, min_top1: float, sensitivity: str = "layer") -> None:
    """E10013 unless 0 <= min_cosine <= 1 and 0 <= min_top1 <= 1 (NaN fails too)."""
    for option, value in (("--min-cosine", min_cosine), ("--min-top1", min_top1)):
        if not 0.0 <= value <= 1.0:
            raise ConverterError(VALUE_OUT_OF_RANGE, f"{option} {value}: the accuracy target of --auto-calibration must "
                                 "be between 0 and 1", option=option)
    if sensitivity not in SENSITIVITIES:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"--sensitivity '{sensitivity}': use layer (AMCT's single-layer cosine) or "
                             "output (the model's output cosine with only that layer quantized)", option="--sensitivity")


def layer_sensitivity(graph: Graph, layers: list, records: dict, data, batches: list) -> dict:
    """Layer name -> cosine similarity of the layer's fake-quant output with its fp32 output, both computed
    from the fp32 model's input of the layer (a quantized copy of each layer sits beside the original)."""
    probe = graph.copy()
    by_name = {lay.name: lay for lay in layers}
    refs = []
    for name, rec in records.items():
        lay = by_name[name]
        op = probe.op(lay.op)
        twin = probe.add(op.clone(probe.unique_name(f"{op.name}_sensitivity")), probe.inputs_of(op.name))
        quantize_layer(probe, QuantLayer(twin.name, name, lay.type, lay.channel_wise_ok), rec)
        refs += [(op.name, 0), (twin.name, 0)]
    session, first = probe_session(probe, refs)
    sums = np.zeros((len(records), 3))           # per layer: a.b, a.a, b.b
    for i in batches:
        outs = session.run_outputs(model_feeds(probe, data.batch(i)))[first:]
        for k in range(len(records)):
            a = np.asarray(outs[2 * k], np.float64).ravel()
            b = np.asarray(outs[2 * k + 1], np.float64).ravel()
            sums[k] += (a @ b, a @ a, b @ b)
    result = {}
    for name, (ab, aa, bb) in zip(records, sums):
        result[name] = 1.0 if aa == 0 and bb == 0 else (0.0 if aa == 0 or bb == 0 else float(ab / np.sqrt(aa * bb)))
    return result


class _Evaluator:
    """The PASS rule for a set of quantized layers, against fp32 outputs computed once."""

    def __init__(self, graph: Graph, layers: list, data, batches: list, min_cosine: float, min_top1: float):
        self.graph, self.layers, self.min_cosine, self.min_top1 = graph, layers, min_cosine, min_top1
        self.feeds, self.refs = reference_outputs(graph, data, batches)

    def __call__(self, records: dict) -> dict:
        session = Session(apply_record(self.graph.copy(), self.layers, records))
        outputs = tally((session.run_outputs(model_feeds(session.graph, f)), r) for f, r in zip(self.feeds, self.refs))
        return {"passed": all(passes(o, self.min_cosine, self.min_top1) for o in outputs),
                "cosine_min": min(o["cosine_min"] for o in outputs),
                "cosine_mean": min(o["cosine_mean"] for o in outputs),
                "top1_agreement": min(o["top1_agreement"] for o in outputs)}


def ranking(graph: Graph, layers: list, records: dict, data, batches: list, sensitivity: str) -> list:
    """[[layer, cosine], ...], most sensitive first."""
    if sensitivity == "output":
        return [[row["layer"], row["cosine"]] for row in bisect(graph, layers, records, data, batches)]
    cosine = layer_sensitivity(graph, layers, records, data, batches)
    return [[name, cosine[name]] for name in sorted(records, key=lambda name: (cosine[name], name))]


def auto_calibrate(graph: Graph, layers: list, records: dict, data, batches: list, min_cosine: float,
                   min_top1: float, sensitivity: str = "layer") -> tuple:
    """(records of the layers left quantized, {"ranking": [[layer, cosine], ...] most sensitive first,
    "history": [one entry per evaluated configuration], "rolled_back": [layer, ...]})."""
    check_targets(min_cosine, min_top1, sensitivity)
    evaluate = _Evaluator(graph, layers, data, batches, min_cosine, min_top1)
    history = []

    def trial(rolled_back: list) -> bool:
        result = evaluate({k: v for k, v in records.items() if k not in rolled_back})
        history.append({"rolled_back": list(rolled_back), **result})
        return result["passed"]

    info = {"ranking": [], "history": history, "rolled_back": []}
    if trial([]):
        return records, info
    info["ranking"] = ranking(graph, layers, records, data, batches, sensitivity)
    order = [name for name, _ in info["ranking"]]
    lo, hi, best = 1, len(order) - 1, None
    while lo <= hi:
        k = (lo + hi) // 2
        if trial(order[:k]):
            best, hi = k, k - 1
        else:
            lo = k + 1
    if best is None:
        worst = history[0]
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"--auto-calibration: the quantized model misses the target (cosine >= "
                             f"{min_cosine} per sample, top-1 agreement >= {min_top1:.0%}; quantized: cosine min "
                             f"{worst['cosine_min']:.6f}, top-1 {worst['top1_agreement']:.2%}) unless every one of its "
                             f"{len(order)} layer(s) is left in float; nothing written. Lower --min-cosine / --min-top1 "
                             "or give more representative --calibration-data", option="--auto-calibration")
    info["rolled_back"] = order[:best]
    return {k: v for k, v in records.items() if k not in info["rolled_back"]}, info
