"""Accuracy of our runtime against onnxruntime on ResNet-50 (fp32), where the output is not saturated.

bench_runtime.py compares the softmax output, which random weights saturate (every difference rounds away).
This script adds the four stage outputs and the logits as model outputs, converts with force_fp32, runs our
Session (fused epilogues and the conv paths as they are) and onnxruntime on one random input, and prints per
output the largest difference relative to the output's peak. --no-winograd runs the 3x3 convs by im2col (the
path before Winograd) for comparison.

Run: python tools/check_runtime_accuracy.py [--work DIR] [--no-winograd]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUTS = ("stage1", "stage2", "stage3", "stage4", "logits")


def main() -> int:
    sys.path.insert(0, ROOT)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="folder for the generated model (default: a temporary folder)")
    ap.add_argument("--no-winograd", action="store_true", help="3x3 convs by im2col")
    a = ap.parse_args()
    import numpy as np
    import onnx
    import onnxruntime as ort
    from converter import api
    from converter.ops.nn import winograd
    from converter.options import ConvertOptions
    from converter.runtime import Session
    from tools.make_resnet50_onnx import resnet50
    work = a.work or tempfile.mkdtemp(prefix="runtime_accuracy_")
    os.makedirs(work, exist_ok=True)
    src, om = os.path.join(work, "resnet50_stages.onnx"), os.path.join(work, "resnet50_stages")
    if not os.path.isfile(om + ".om"):
        model = resnet50()
        model.graph.output.extend(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in OUTPUTS)
        onnx.save(model, src)
        api.convert(ConvertOptions(framework=5, model=src, output=om, precision_mode="force_fp32"))
    if a.no_winograd:
        winograd.tile_size = lambda *args: 0
    x = np.random.default_rng(0).random((1, 3, 224, 224)).astype(np.float32)
    names = [o.name for o in ort.InferenceSession(src).get_outputs()]
    ref = dict(zip(names, ort.InferenceSession(src).run(None, {"input": x})))
    ours = Session(om + ".om").run({"input": x})
    print("path for 3x3 stride-1 convs:", "im2col" if a.no_winograd else "Winograd (by shape)")
    for name in OUTPUTS:
        got, want = ours[name].astype(np.float64), ref[name].astype(np.float64)
        print(f"  {name:7s} max |ours - onnxruntime| / peak = {np.abs(got - want).max() / np.abs(want).max():.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
