"""Benchmark: wall time and peak memory of converting a ResNet-50-sized ONNX model (~100 MB weights).

Runs each converter in its own child process and reads that child's peak RSS with os.wait4, so figures
are comparable. Peers: ours (`python -m converter`), and MNN's converter when a Python with the `mnn`
package is given (`--mnn-python`, default: this interpreter if it has mnn). MNN's converter is called
through its extension module (`_tools.mnnconvert`), not the `mnnconvert` script, which pip-installs a
logging SDK at run time. Prints one line per peer and the ratio.

Run: python tools/bench_convert.py [--model PATH] [--repeat N] [--precision MODE] [--external-weight]
                                  [--mnn-python PY]
(--external-weight: ours with --external_weight=1; the first run writes the weight files, later runs into the
same folder find them and check their hashes.)
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_child(cmd: list) -> tuple:
    """(wall seconds, peak RSS MiB, exit code) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"  command failed ({code}): {' '.join(cmd)}\n{err[-2000:]}", file=sys.stderr)
    return wall, usage.ru_maxrss / 1024.0, code


def best_of(cmd: list, repeat: int) -> tuple:
    runs = [run_child(cmd) for _ in range(repeat)]
    ok = [r for r in runs if r[2] == 0]
    if not ok:
        return None
    return min(r[0] for r in ok), max(r[1] for r in ok)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", help="ONNX model (default: generate a ResNet-50 into a temp folder)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--precision", help="our --precision_mode (e.g. force_fp32); default: the converter's")
    ap.add_argument("--external-weight", action="store_true", help="convert with --external_weight=1")
    ap.add_argument("--mnn-python", default=sys.executable, help="a Python that can import MNN")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench_convert_")
    try:
        model = a.model
        if not model:
            model = os.path.join(work, "resnet50.onnx")
            subprocess.run([sys.executable, os.path.join(HERE, "make_resnet50_onnx.py"), model], check=True,
                           stdout=subprocess.DEVNULL)
        size_mb = os.path.getsize(model) / 2**20
        print(f"model: {model} ({size_mb:.1f} MiB)")
        ours = best_of([sys.executable, "-m", "converter", "--framework=5", f"--model={model}",
                        f"--output={os.path.join(work, 'ours')}", "--input_shape=input:1,3,224,224",
                        "--soc_version=Ascend310"]
                       + ([f"--precision_mode={a.precision}"] if a.precision else [])
                       + (["--external_weight=1"] if a.external_weight else []), a.repeat)
        if ours is None:
            sys.exit("our converter failed")
        print(f"ours:  {ours[0]:.2f} s wall, {ours[1]:.0f} MiB peak RSS ({ours[1] / size_mb:.2f}x model size)")
        has_mnn = subprocess.run([a.mnn_python, "-c", "import _tools"], capture_output=True).returncode == 0
        if has_mnn:
            peer = best_of([a.mnn_python, "-c", "import sys, _tools; _tools.mnnconvert(sys.argv)", "-f", "ONNX",
                            "--modelFile", model, "--MNNModel", os.path.join(work, "peer.mnn"), "--bizCode", "bench"],
                           a.repeat)
            if peer and not os.path.exists(os.path.join(work, "peer.mnn")):
                print("MNN:   ran but wrote no model - no peer ratio")
                peer = None
            if peer:
                print(f"MNN:   {peer[0]:.2f} s wall, {peer[1]:.0f} MiB peak RSS")
                print(f"ratio: ours/MNN time {ours[0] / peer[0]:.2f}, memory {ours[1] / peer[1]:.2f}")
        else:
            print(f"MNN:   not importable from {a.mnn_python} (pip install mnn, or --mnn-python) - no peer ratio")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
