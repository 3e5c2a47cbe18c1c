"""Accuracy cost of the precision modes on the ONNX light zoo: per model, cosine similarity and max
absolute error of force_fp16 and allow_mix_precision outputs against force_fp32 (our fp32 conversion,
which matches the stored reference outputs).

Run: python tools/precision_report.py [MODEL ...]
"""
from __future__ import annotations

import os
import sys
import tempfile

import numpy as np
import onnx

MODES = ("force_fp16", "allow_mix_precision")


def measure(name: str, modes=MODES) -> dict:
    """{mode: (cosine, max_abs_error)} for one light-zoo model."""
    from converter import api
    from converter.options import ConvertOptions
    from converter.runtime import Session
    from converter.verify import Tolerance, compare_arrays
    from tests.models.test_onnx_light_zoo import LIGHT, light_inputs
    path = os.path.join(LIGHT, f"light_{name}.onnx")
    feeds = light_inputs(onnx.load(path))
    results = {}
    with tempfile.TemporaryDirectory() as work:
        outs = {}
        for mode in ("force_fp32",) + tuple(modes):
            om = api.convert(ConvertOptions(framework=5, model=path, output=os.path.join(work, mode),
                                            precision_mode=mode))
            outs[mode] = list(Session(om).run(feeds).values())[0]
        for mode in modes:
            r = compare_arrays(outs[mode], outs["force_fp32"], Tolerance(atol=np.inf, rtol=0.0, min_cosine=0.0))
            results[mode] = (r["cosine"], r["max_abs_error"])
    return results


def main(names: list) -> None:
    from tests.models.test_onnx_light_zoo import MODELS
    print(f"{'model':14s} " + " ".join(f"{m + ' cos':>26s} {'max_abs':>9s}" for m in MODES))
    for name in names or MODELS:
        res = measure(name)
        print(f"{name:14s} " + " ".join(f"{res[m][0]:26.6f} {res[m][1]:9.2e}" for m in MODES))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(sys.argv[1:])
