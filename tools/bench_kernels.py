"""Benchmark: CPU time and wall time of the runtime's heaviest kernels on real-sized layers.

The runtime is the oracle of every numeric test, so its convolutions must stay fast enough for models such
as VGG and ResNet-50. Each case runs the registered kernel directly (no graph), best of --repeat runs.
CPU time is process time (all threads: BLAS may use several), so a loaded machine inflates wall time more
than CPU time. Prints one line per case; with --check, exits 1 when a case has a budget and its best CPU
time exceeds it (the budget the unit tests asserted before this script replaced that test: 0.5 s for the
VGG-sized 3x3 conv).

Run: python tools/bench_kernels.py [--repeat N] [--only NAME] [--check]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

# name: (op type, input shapes (None = absent input), attrs, CPU-time budget in seconds or None)
CASES = {
    "conv3x3_64_224": ("Conv2D", [(1, 64, 224, 224), (64, 64, 3, 3), (64,)], {"pads": [1, 1, 1, 1]}, 0.5),
    "conv1x1_256_56": ("Conv2D", [(1, 256, 56, 56), (64, 256, 1, 1), (64,)], {}, None),
    "conv7x7_s2_224": ("Conv2D", [(1, 3, 224, 224), (64, 3, 7, 7), None], {"pads": [3, 3, 3, 3], "strides": [2, 2]},
                       None),
    "depthwise3x3_128_112": ("Conv2D", [(1, 128, 112, 112), (128, 1, 3, 3), None],
                             {"pads": [1, 1, 1, 1], "groups": 128}, None),
    "deconv4x4_s2_64_56": ("Conv2DTranspose", [(1, 64, 56, 56), (64, 32, 4, 4), None],
                           {"pads": [1, 1, 1, 1], "strides": [2, 2]}, None),
    "maxpool3x3_s2_64_112": ("MaxPool", [(1, 64, 112, 112)], {"kernel_shape": [3, 3], "strides": [2, 2],
                                                              "pads": [1, 1, 1, 1]}, None),
    "matmul_1024": ("MatMulV2", [(1024, 1024), (1024, 1024)], {}, None),
}


def run_case(op_type: str, shapes: list, attrs: dict, repeat: int) -> tuple:
    """(best CPU seconds, best wall seconds, output shape) of one kernel."""
    from converter.ops import get
    rng = np.random.default_rng(0)
    spec = get(op_type)
    args = [None if s is None else rng.standard_normal(s).astype(np.float32) for s in shapes]
    normalized = spec.normalize(attrs)
    best_cpu = best_wall = float("inf")
    out = None
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        out = spec.kernel(args, normalized)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall, tuple(np.shape(out[0] if isinstance(out, (list, tuple)) else out))


def main() -> int:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the best is reported (default 3)")
    ap.add_argument("--only", choices=sorted(CASES), action="append", help="run only this case (repeatable)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a case is over its CPU-time budget")
    a = ap.parse_args()
    over = []
    print(f"{'case':24s} {'op':16s} {'cpu s':>8s} {'wall s':>8s} {'budget':>8s}  output")
    for name in a.only or CASES:
        op_type, shapes, attrs, budget = CASES[name]
        cpu, wall, shape = run_case(op_type, shapes, attrs, a.repeat)
        flag = "" if budget is None or cpu <= budget else "  OVER BUDGET"
        if flag:
            over.append(name)
        print(f"{name:24s} {op_type:16s} {cpu:8.3f} {wall:8.3f} {'-' if budget is None else f'{budget:.2f}':>8s}  "
              f"{list(shape)}{flag}")
    if a.check and over:
        print(f"over budget: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
