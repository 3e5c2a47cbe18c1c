"""Measure post-training quantization (omtool quantize) per model and algorithm: int8 .om vs the fp32 graph on
held-out inputs (cosine per sample, top-1 agreement), .om weight bytes int8 vs fp16, and time; where the
held-out inputs have labels (NAME_held_labels.npy), each model's accuracy too ("fp32 acc" the source
model's, "acc" the .om's).

Models: resnet50 and mobilenetv2 from tools/make_trained_models.py (really trained; give its OUT_DIR) or from
tools/make_trained_like.py (generated), and the real trained digits CNN committed in tests/data/quantize.

Rows: fp16 (the plain fp16 .om, for scale), each algorithm, with --auto-calibration each algorithm again with
AMCT's accuracy-based auto calibration (the most sensitive layers left in float until the calibration data
meet --min-cosine / --min-top1; "layers" then counts the quantized ones and the layers left in float are
listed), and with --skip-worst N the first algorithm again with the N layers that the per-layer bisect (on one
calibration batch) names as hurting most left in float (quant_enable false in the config).

Run: python tools/make_trained_models.py /tmp/qmodels      (torch; or tools/make_trained_like.py)
     python tools/quantize_report.py /tmp/qmodels [--models resnet50,mobilenetv2,digits] [--algos ifmr,hfmg]
                                     [--skip-worst N] [--auto-calibration [--min-cosine C --min-top1 T]
                                     [--sensitivity layer|output]]
                                     [--calib N --held N]  (the first N images of each file)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from converter import api
from converter.errors import ConverterError
from converter.options import ConvertOptions
from converter.quantize import quantize
from converter.quantize.check import bisect, compare
from converter.quantize.data import BatchSource
from converter.quantize.graphs import fp32_graph
from converter.quantize.layers import find_layers

DIGITS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "quantize")


def sources(folder: str, name: str) -> tuple:
    """(model, calibration, held-out, held-out labels or None)."""
    if name == "digits":
        return (os.path.join(DIGITS, "digits_cnn.onnx"), os.path.join(DIGITS, "digits_calib.npy"),
                os.path.join(DIGITS, "digits_test.npy"), os.path.join(DIGITS, "digits_test_labels.npy"))
    paths = [os.path.join(folder, f"{name}{s}") for s in (".onnx", "_calib.npy", "_held.npy", "_held_labels.npy")]
    return tuple(paths[:3]) + (paths[3] if os.path.exists(paths[3]) else None,)


def weights_size(path: str) -> int:
    """Bytes of the .om's weights (without the 512-byte alignment that its WEIGHTS_DATA partition also holds)."""
    from tests.helpers import weight_bytes
    return weight_bytes(path)


def row(name: str, label: str, om: str, layers: int, took: float, graph, held_data, n_calib: int, fp16: int,
        labels, n_held: int):
    report = compare(graph, om, held_data, list(range(n_held)), labels=labels)
    for o in report["outputs"]:
        acc = (f"{o['reference_accuracy']:8.2%} {o['accuracy']:7.2%}" if "accuracy" in o else f"{'-':>8s} {'-':>7s}")
        print(f"{name:12s} {label:7s} {layers:6d} {n_calib:5d} {o['samples']:5d} "
              f"{o['cosine_mean']:9.6f} {o['cosine_min']:9.6f} {o['top1_agreement']:7.2%} "
              f"{o['distinct_top1']:7d} {acc} {weights_size(om):10d} {fp16:10d} {took:10.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default="")
    ap.add_argument("--models", default="resnet50,mobilenetv2,digits")
    ap.add_argument("--algos", default="ifmr,hfmg")
    ap.add_argument("--skip-worst", type=int, default=0)
    ap.add_argument("--auto-calibration", action="store_true")
    ap.add_argument("--min-cosine", type=float, default=0.99)
    ap.add_argument("--min-top1", type=float, default=0.95)
    ap.add_argument("--sensitivity", default="layer", help="auto calibration's ranking: layer or output")
    ap.add_argument("--calib", type=int, default=0, help="calibration batches used (default: all)")
    ap.add_argument("--held", type=int, default=0, help="held-out batches used (default: all)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="quantize_report_") as out:
        report(a, out)


def report(a, out: str) -> None:
    """The table for the models and algorithms of the command line; files go to ``out``."""
    print(f"{'model':12s} {'algo':7s} {'layers':>6s} {'calib':>5s} {'held':>5s} {'cos mean':>9s} {'cos min':>9s} "
          f"{'top-1':>7s} {'classes':>7s} {'fp32 acc':>8s} {'acc':>7s} {'int8 .om':>10s} {'fp16 .om':>10s} {'quantize s':>10s}")
    for name in a.models.split(","):
        model, calib, held, labels = sources(a.folder, name)
        opts = ConvertOptions(framework=5, model=model, output=os.path.join(out, name))
        fp16_om = api.convert(ConvertOptions(framework=5, model=model, output=os.path.join(out, name + "_fp16")))
        fp16 = weights_size(fp16_om)
        graph = fp32_graph(opts)
        held_data = BatchSource(graph, [held], option="held")
        n_calib = min(a.calib or 1 << 30, len(BatchSource(graph, [calib])))
        n_held = min(a.held or 1 << 30, len(held_data))
        if labels:
            batch = next(iter(held_data.inputs.values()))[1][0]
            labels = np.load(labels).reshape(-1)[:n_held * batch]
        ctx = (graph, held_data, n_calib, fp16, labels, n_held)
        row(name, "fp16", fp16_om, 0, 0.0, *ctx)
        first = None
        for algo in a.algos.split(","):
            start = time.time()
            res = quantize(opts, [calib], batch_num=n_calib, act_algo=algo)
            first = first or (algo, res)
            row(name, algo, res.om, len(res.layers), time.time() - start, *ctx)
            if a.auto_calibration:
                start = time.time()
                try:
                    res = quantize(opts, [calib], batch_num=n_calib, act_algo=algo, auto_calibration=True,
                                   min_cosine=a.min_cosine, min_top1=a.min_top1, sensitivity=a.sensitivity)
                except ConverterError as exc:
                    print(f"{name} {algo}-auto: {exc}", flush=True)
                    continue
                row(name, f"{algo}-auto", res.om, len(res.layers), time.time() - start, *ctx)
                auto = res.auto_calibration
                print(f"{name} {algo}-auto: {len(auto['rolled_back'])} of {len(res.layers) + len(auto['rolled_back'])} "
                      f"layers left in float ({', '.join(auto['rolled_back']) or 'none'}); {len(auto['history'])} "
                      "configurations tried: " + "; ".join(f"{len(h['rolled_back'])} in float: cos min "
                                                           f"{h['cosine_min']:.5f} top-1 {h['top1_agreement']:.1%}"
                                                           for h in auto["history"]), flush=True)
        if a.skip_worst:
            algo, res = first
            calib_data = BatchSource(graph, [calib])
            worst = [r["layer"] for r in bisect(graph, find_layers(graph), res.records, calib_data, [0])]
            cfg = os.path.join(out, f"{name}_skip.json")
            with open(cfg, "w") as f:
                json.dump({"batch_num": n_calib, **{w: {"quant_enable": False} for w in worst[:a.skip_worst]}}, f)
            start = time.time()
            res = quantize(opts, [calib], config_path=cfg, act_algo=algo)
            row(name, f"{algo}-{a.skip_worst}", res.om, len(res.layers), time.time() - start, *ctx)
            print(f"{name}: left in float: {', '.join(worst[:a.skip_worst])}", flush=True)


if __name__ == "__main__":
    main()
