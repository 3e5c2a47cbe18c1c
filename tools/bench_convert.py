"""Benchmark: wall time and peak memory of converting one ONNX model (ResNet-50 sized), ours against MNN's.

Each conversion runs in its own process and is measured by proc_stats.py (wall time, CPU time, the process's
own peak RSS). Runs alternate, ours then MNN's, --repeat times, so a busy machine slows both alike; the
summary gives the median and the range of each, and the ratios of the medians. MNN's converter is called
through its extension module (`_tools.mnnconvert`) with the Python given by --mnn-python (install the `mnn`
wheel into a separate venv): the `mnnconvert` script pip-installs a logging SDK at run time, this does not.
One untimed run of each comes first (bytecode cache written, model file in the page cache for both alike).

Models: --model FILE, or generated into a temporary folder: --kind ours (tools/make_resnet50_onnx.py, NCHW
input `input`) or --kind tf2onnx (Keras ResNet-50 exported by tf2onnx, NHWC input `input:0`; needs a Python
with TensorFlow and tf2onnx: --tf-python).

Run: python tools/bench_convert.py [--model PATH | --kind ours|tf2onnx] [--repeat N] [--precision MODE]
                                  [--external-weight] [--python PY] [--mnn-python PY] [--tf-python PY]
(--external-weight: ours with --external_weight=1; the first run writes the weight files, later runs into the
same folder find them and check their hashes.)
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from proc_stats import measure

HERE = os.path.dirname(os.path.abspath(__file__))
MAKERS = {"ours": "make_resnet50_onnx.py", "tf2onnx": "make_tf2onnx_resnet50.py"}


def _summary(runs: list) -> str:
    walls = sorted(r.wall for r in runs)
    return (f"wall median {statistics.median(walls):.2f} s (range {walls[0]:.2f}-{walls[-1]:.2f}), "
            f"CPU median {statistics.median(r.cpu for r in runs):.2f} s, peak RSS {max(r.peak_mib for r in runs):.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", help="ONNX model (default: generate one, see --kind)")
    ap.add_argument("--kind", choices=sorted(MAKERS), default="ours", help="which ResNet-50 to generate")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--precision", help="our --precision_mode (e.g. force_fp32); default: the converter's")
    ap.add_argument("--external-weight", action="store_true", help="convert with --external_weight=1")
    ap.add_argument("--python", default=sys.executable, help="the interpreter with our converter")
    ap.add_argument("--mnn-python", default=sys.executable, help="a Python that can import MNN's _tools")
    ap.add_argument("--tf-python", default=sys.executable, help="a Python with tensorflow and tf2onnx")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench_convert_")
    try:
        model = a.model
        if not model:
            model = os.path.join(work, f"resnet50_{a.kind}.onnx")
            python = a.tf_python if a.kind == "tf2onnx" else sys.executable
            subprocess.run([python, os.path.join(HERE, MAKERS[a.kind]), model], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        size_mb = os.path.getsize(model) / 2**20
        print(f"model: {model} ({size_mb:.1f} MiB)")
        ours_cmd = ([a.python, "-m", "converter", "--framework=5", f"--model={model}",
                     f"--output={os.path.join(work, 'ours')}", "--soc_version=Ascend310"]
                    + ([f"--precision_mode={a.precision}"] if a.precision else [])
                    + (["--external_weight=1"] if a.external_weight else []))
        has_mnn = subprocess.run([a.mnn_python, "-c", "import _tools"], capture_output=True, check=False).returncode == 0
        peer_out = os.path.join(work, "peer.mnn")
        peer_cmd = [a.mnn_python, "-c", "import sys, _tools; _tools.mnnconvert(sys.argv)", "-f", "ONNX",
                    "--modelFile", model, "--MNNModel", peer_out, "--bizCode", "bench"]
        measure(ours_cmd, cwd=work)   # warm-up, not counted
        if has_mnn:
            measure(peer_cmd, cwd=work)
        ours, peer = [], []
        for _ in range(a.repeat):
            run = measure(ours_cmd, cwd=work)   # away from a checkout: -m looks in the current folder
            if run.code != 0:
                sys.exit(f"our converter failed ({run.code}):\n{run.stderr[-2000:]}")
            ours.append(run)
            if has_mnn:
                run = measure(peer_cmd, cwd=work)
                if run.code != 0 or not os.path.exists(peer_out):
                    print(f"MNN failed or wrote no model ({run.code}) - no peer ratio\n{run.stderr[-1000:]}")
                    has_mnn = False
                else:
                    peer.append(run)
        print(f"ours ({len(ours)} runs): {_summary(ours)} ({max(r.peak_mib for r in ours) / size_mb:.2f}x model size)")
        if peer:
            print(f"MNN  ({len(peer)} runs): {_summary(peer)}")
            ratio = statistics.median(r.wall for r in ours) / statistics.median(r.wall for r in peer)
            pairs = sorted(o.wall / p.wall for o, p in zip(ours, peer))
            print(f"ratio ours/MNN: wall {ratio:.2f} (per interleaved pair {pairs[0]:.2f}-{pairs[-1]:.2f}), "
                  f"peak RSS {max(r.peak_mib for r in ours) / max(r.peak_mib for r in peer):.2f}")
        elif not has_mnn:
            print(f"MNN: not importable from {a.mnn_python} (pip install mnn into a venv, pass --mnn-python) "
                  "- no peer ratio")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
