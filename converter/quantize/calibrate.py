"""Calibration: run the fp32 graph on the calibration batches, feed each enabled layer's input activations
to its algorithm (IFMR or HFMG), quantize its weights with ARQ, and return the record of every layer.

IFMR needs three looks at the data (min/max, the percentile histogram, the error of each candidate);
HFMG one. The captured activations of all batches are kept in memory between looks when they fit in
CACHE_BYTES, else the graph is run again for each look.
"""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, ConverterError
from ..ir import Graph
from ..runtime import Session
from ..runtime.inputs import model_feeds
from . import algorithms as algo
from .config import asymmetric, fusion_skipped
from .record import LayerRecord

CACHE_BYTES = 1 << 30


def probe_session(graph: Graph, refs: list) -> tuple:
    """A Session over a copy of the graph whose outputs end with ``refs`` (and how many outputs precede)."""
    probe = graph.copy()
    out = probe.net_output()
    first = len(probe.inputs_of(out.name))
    for i, ref in enumerate(refs):
        probe.connect(ref, out.name, first + i)
    return Session(probe), first


class _Activations:
    """The captured layer inputs of each batch: cached while they fit, recomputed otherwise."""

    def __init__(self, graph: Graph, refs: list, data, batches: list):
        self.graph, self.data, self.batches = graph, data, batches
        self.session, self.first = probe_session(graph, refs)
        self.cache, self.cached_bytes, self.cache_ok = [], 0, True

    def __iter__(self):
        if self.cache_ok and len(self.cache) == len(self.batches):
            yield from self.cache
            return
        self.cache, self.cached_bytes = [], 0
        for i in self.batches:
            outs = self.session.run_outputs(model_feeds(self.graph, self.data.batch(i)))[self.first:]
            outs = [np.asarray(o, np.float32) for o in outs]
            if self.cache_ok:
                self.cached_bytes += sum(o.nbytes for o in outs)
                if self.cached_bytes <= CACHE_BYTES:
                    self.cache.append(outs)
                else:
                    self.cache_ok, self.cache = False, []
            yield outs


def _check_finite(x: np.ndarray, layer: str) -> None:
    if not np.isfinite(x).all():
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"the input of layer '{layer}' has NaN or inf values on the calibration "
                             "data; quantization needs finite activations (check the data's range)", node=layer)


def calibrate_activations(graph: Graph, layers: list, config: dict, data, batches: list) -> dict:
    """layer name -> (scale_d, offset_d) for the enabled layers."""
    enabled = [lay for lay in layers if config[lay.name]["quant_enable"]]
    if not enabled:
        return {}
    refs = []
    for lay in enabled:
        ref = graph.inputs_of(lay.op)[0]
        if ref not in refs:
            refs.append(ref)
    slot = {lay.name: refs.index(graph.inputs_of(lay.op)[0]) for lay in enabled}
    params = {lay.name: config[lay.name]["activation_quant_params"] for lay in enabled}
    acts = _Activations(graph, refs, data, batches)
    ifmr = [lay.name for lay in enabled if params[lay.name]["act_algo"] == "ifmr"]
    hists = {lay.name: algo.Histogram(params[lay.name]["num_of_bins"]) for lay in enabled
             if params[lay.name]["act_algo"] == "hfmg"}
    lo = {n: np.inf for n in ifmr}
    hi = {n: -np.inf for n in ifmr}
    for outs in acts:                          # look 1: HFMG histograms, IFMR min/max
        for name in slot:
            x = outs[slot[name]]
            _check_finite(x, name)
            if name in hists:
                hists[name].add(x)
            else:
                lo[name], hi[name] = min(lo[name], float(x.min())), max(hi[name], float(x.max()))
    result = {n: algo.hfmg_result(h, asymmetric(config, n)) for n, h in hists.items()}
    if not ifmr:
        return result
    counts = {n: np.zeros(algo.IFMR_HIST_BINS, np.int64) for n in ifmr}
    for outs in acts:                          # look 2: IFMR percentile histograms over [min, max]
        for n in ifmr:
            top = hi[n] if hi[n] > lo[n] else lo[n] + 1.0
            counts[n] += np.histogram(outs[slot[n]], algo.IFMR_HIST_BINS, (lo[n], top))[0]
    searches = {}
    for n in ifmr:
        p = params[n]
        top = hi[n] if hi[n] > lo[n] else lo[n] + 1.0
        min_init, max_init = algo.percentile_bounds(counts[n], lo[n], top, p["max_percentile"],
                                                    p["min_percentile"])
        if hi[n] <= lo[n]:
            min_init, max_init = lo[n], hi[n]
        searches[n] = algo.IfmrSearch(min_init, max_init, p, asymmetric(config, n))
    for outs in acts:                          # look 3: the error of every IFMR candidate
        for n in ifmr:
            searches[n].add(outs[slot[n]])
    result.update({n: s.best() for n, s in searches.items()})
    return result


def layer_weight(graph: Graph, layer) -> np.ndarray:
    return graph.const_value(graph.inputs_of(layer.op)[1])


def calibrate(graph: Graph, layers: list, config: dict, data, batches: list) -> dict:
    """The record: layer name -> LayerRecord, for the enabled layers, in layer order."""
    acts = calibrate_activations(graph, layers, config, data, batches)
    skipped = fusion_skipped(config)
    records = {}
    for lay in layers:
        if lay.name not in acts:
            continue
        wp = config[lay.name]["weight_quant_params"]
        _, scale_w = algo.arq_weights(layer_weight(graph, lay), wp["channel_wise"])
        scale_d, offset_d = acts[lay.name]
        records[lay.name] = LayerRecord(float(scale_d), int(offset_d), [float(s) for s in scale_w],
                                        [0] * scale_w.size, lay.is_conv and lay.name in skipped)
    return records
