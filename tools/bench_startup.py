"""Benchmark: what a command pays before it works, from `python -X importtime`.

For `atc --help` and for one conversion (a small generated ONNX model, or --model), runs the command --repeat
times with each given interpreter (--python, repeatable: e.g. the venv of another checkout, to compare before
and after a change; runs alternate between interpreters), and prints the median wall time, the median import
time (sum of the top-level imports) and the packages that cost most (self time summed per package, median over
the runs). Children cache bytecode as an installed package does (proc_stats.child_env); the first run of
each interpreter is a warm-up, not counted.

Run: python tools/bench_startup.py [--python PY ...] [--model M.onnx] [--repeat N] [--top K]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

from proc_stats import child_env

LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def package(module: str) -> str:
    """The name imports are grouped under: the top-level package, or converter.<component>."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "converter" and len(parts) > 1 else parts[0]


def run_once(python: str, args: list, cwd: str) -> tuple:
    """(wall s, import s, {package: self s}) of one run (in ``cwd``: `-m converter` would find a checkout's
    package in the current folder before the interpreter's)."""
    t0 = time.perf_counter()
    proc = subprocess.run([python, "-X", "importtime", "-m", "converter", *args], capture_output=True, text=True,
                          check=False, cwd=cwd, env=child_env())
    wall = time.perf_counter() - t0
    if proc.returncode not in (0,):
        sys.exit(f"{python} -m converter {' '.join(args)} failed:\n{proc.stdout[-1000:]}\n{proc.stderr[-1000:]}")
    total, by_package = 0, defaultdict(int)
    for m in LINE.finditer(proc.stderr):
        self_us, cum_us, indent, module = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        by_package[package(module)] += self_us
        if len(indent) == 1:   # a top-level import: its cumulative time counts once
            total += cum_us
    return wall, total / 1e6, {k: v / 1e6 for k, v in by_package.items()}


def tiny_model(folder: str) -> str:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.ones((8, 3, 3, 3), np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                           helper.make_node("Relu", ["c"], ["y"])], "tiny",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16, 16])], [w])
    path = os.path.join(folder, "tiny.onnx")
    with open(path, "wb") as f:
        f.write(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--python", action="append", help="interpreter(s) with the converter installed")
    ap.add_argument("--model", help="ONNX model to convert (default: a tiny generated one)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--top", type=int, default=8)
    a = ap.parse_args()
    pythons = [os.path.abspath(p) if os.sep in p else p for p in a.python or [sys.executable]]  # runs elsewhere
    with tempfile.TemporaryDirectory(prefix="bench_startup_") as work:
        model = os.path.abspath(a.model) if a.model else tiny_model(work)
        commands = {"atc --help": ["--help"],
                    f"convert {os.path.basename(model)}": ["--framework=5", f"--model={model}",
                                                          f"--output={os.path.join(work, 'out')}"]}
        for label, args in commands.items():
            results = {py: [] for py in pythons}
            for py in pythons:
                run_once(py, args, work)   # warm-up: bytecode cache written
            for _ in range(a.repeat):
                for py in pythons:
                    results[py].append(run_once(py, args, work))
            for py, runs in results.items():
                wall = statistics.median(r[0] for r in runs)
                imports = statistics.median(r[1] for r in runs)
                packages = {k: statistics.median(r[2].get(k, 0.0) for r in runs) for r in runs for k in r[2]}
                top = sorted(packages.items(), key=lambda kv: -kv[1])[:a.top]
                print(f"{label} [{py}]: wall {wall:.3f} s, imports {imports:.3f} s (medians of {len(runs)})")
                print("   " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in top))


if __name__ == "__main__":
    main()
