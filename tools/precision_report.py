"""Accuracy cost of the precision modes on the ONNX light zoo: per model, cosine similarity and max
absolute error of force_fp16 and allow_mix_precision outputs against force_fp32 (our fp32 conversion,
which matches the stored reference outputs). The light models' constant weights make their softmax
outputs nearly uniform, so the figures are also given for the logits (the final Softmax's input, selected
with --out_nodes), where fp16 rounding is visible.

Run: python tools/precision_report.py [MODEL ...]
"""
from __future__ import annotations

import os
import sys
import tempfile

import numpy as np
import onnx

MODES = ("force_fp16", "allow_mix_precision")


def logits_tensor(model: onnx.ModelProto):
    """The input tensor of the model's final Softmax, if it ends with one."""
    last = model.graph.node[-1]
    return last.input[0] if last.op_type == "Softmax" else None


def measure(name: str, modes=MODES, logits: bool = False) -> dict:
    """{mode: (cosine, max_abs_error)} for one light-zoo model (at its logits when asked)."""
    from converter import api
    from converter.framework import Framework
    from converter.options import ConvertOptions
    from converter.runtime import Session
    from converter.verify import Tolerance, compare_arrays
    from tests.models.test_onnx_light_zoo import LIGHT, light_inputs
    path = os.path.join(LIGHT, f"light_{name}.onnx")
    model = onnx.load(path)
    feeds = light_inputs(model)
    out_nodes = ((logits_tensor(model), None),) if logits and logits_tensor(model) else ()
    results = {}
    with tempfile.TemporaryDirectory() as work:
        outs = {}
        for mode in ("force_fp32",) + tuple(modes):
            om = api.convert(ConvertOptions(framework=Framework.ONNX, model=path, output=os.path.join(work, mode),
                                            precision_mode=mode, out_nodes=out_nodes))
            outs[mode] = list(Session(om).run(feeds).values())[0]
        for mode in modes:
            r = compare_arrays(outs[mode], outs["force_fp32"], Tolerance(atol=np.inf, rtol=0.0, min_cosine=0.0))
            results[mode] = (r["cosine"], r["max_abs_error"])
    return results


def _fmt(cosine, max_abs) -> str:
    if cosine is None:
        return f"{'fp16 overflow (inf/nan)':>26s} {'-':>9s}"
    return f"{cosine:26.8f} {max_abs:9.2e}"


def main(names: list) -> None:
    from tests.models.test_onnx_light_zoo import MODELS
    for logits in (False, True):
        print(f"\n{'at the logits' if logits else 'at the model output'}")
        print(f"{'model':14s} " + " ".join(f"{m + ' cos':>26s} {'max_abs':>9s}" for m in MODES))
        for name in names or MODELS:
            res = measure(name, logits=logits)
            print(f"{name:14s} " + " ".join(_fmt(*res[m]) for m in MODES))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(sys.argv[1:])
