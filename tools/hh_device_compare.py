"""How close our CPU run of the real ATC-compiled hh_om.om comes to what an Ascend 310 produced from the same
input, measured against how close two TensorFlow runs of its source come to each other.

    python tools/hh_device_compare.py [--shared ../shared] [--tf-runs /tmp/hh_tf_runs.npz] [--runs 10]

The model's decoder samples its latent (RandomStandardNormal with seeds 0: fresh noise on every run, on
the device as in TensorFlow), so whole outputs are compared by statistics: the correlation and mean absolute
difference of each of our runs with the device output, next to the same figures for pairs of TensorFlow runs
(tests/data/ascend/hh_tf_goldens.npz, from tools/make_ascend_goldens.py). Deterministic tensors are compared
element by element with TensorFlow: the encoder's mean and stddev, and a whole run with the random op's
seeds fixed to those of a TensorFlow run (our random op draws TensorFlow's Philox numbers). With --tf-runs
(the --full file of make_ascend_goldens.py) our runs are also compared with the TensorFlow runs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from converter.runtime import Session  # noqa: E402

MEAN = "recognition/w_mean/MatMuladd/part0_MatMulV2:0"        # w_mean/add: the fused MatMul+bias part
STDDEV = "recognition/w_stddev/MatMulmul/part0_MatMulV2:0"


def stats(a, b) -> tuple:
    a, b = np.asarray(a, np.float64).reshape(-1), np.asarray(b, np.float64).reshape(-1)
    return float(np.corrcoef(a, b)[0, 1]), float(np.abs(a - b).mean())


def line(label: str, pairs) -> str:
    pairs = np.asarray(pairs)
    corr, mad = pairs[:, 0], pairs[:, 1]
    return (f"{label:44s} corr {corr.mean():.4f} [{corr.min():.4f}, {corr.max():.4f}]   "
            f"MAD {mad.mean():.4f} [{mad.min():.4f}, {mad.max():.4f}]   (n={len(pairs)})")


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    parser.add_argument("--goldens", default=os.path.join(here, "..", "tests", "data", "ascend", "hh_tf_goldens.npz"))
    parser.add_argument("--tf-runs", default=None)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    folder = os.path.join(args.shared, "fixtures", "om")
    source = os.path.join(folder, "hh_source")
    x = np.fromfile(os.path.join(source, "hh_input0.bin"), np.float32).reshape(100, 784)
    device = np.fromfile(os.path.join(source, "hh_output0_device.bin"), np.float32).reshape(100, 28, 28, 1)
    gold = np.load(args.goldens)

    start = time.perf_counter()
    ours = [Session(os.path.join(folder, "hh_om.om"), source=os.path.join(source, "hh.pb"), random_seed=k).run(
        {"input": x})["generation/output:0"] for k in range(args.runs)]
    elapsed = (time.perf_counter() - start) / args.runs

    print(f"hh_om.om on the CPU: {args.runs} runs (--random-seed 0..{args.runs - 1}), {elapsed:.2f} s per run "
          "(model load included)\n")
    print("Whole outputs (random latent): correlation and mean absolute difference")
    print(line("ours vs Ascend 310", [stats(o, device) for o in ours]))
    print(line("TensorFlow vs TensorFlow", gold["tf_pairs_corr_mad"]))
    print(line("TensorFlow vs Ascend 310", gold["tf_device_corr_mad"]))
    print(line("ours vs ours", [stats(ours[i], ours[j]) for i in range(len(ours)) for j in range(i + 1, len(ours))]))
    if args.tf_runs:
        tf_runs = np.load(args.tf_runs)["outputs"]
        print(line("ours vs TensorFlow", [stats(o, t) for o in ours for t in tf_runs]))

    print("\nDeterministic tensors, element by element against TensorFlow (fp32):")
    seeds = [int(s) for s in gold["fixed_seeds"]]
    fixed = Session(os.path.join(folder, "hh_om.om"), source=os.path.join(source, "hh.pb"))
    for op in fixed.graph.ops():
        if op.type == "RandomStandardNormal":
            op.attrs["seed"], op.attrs["seed2"] = seeds
    fixed._plan()
    result = fixed.run({"input": x}, capture=True)
    captured = result["__all__"]
    for label, got, want in (("encoder mean (w_mean/add)", captured[MEAN], gold["mean"]),
                             ("encoder stddev (w_stddev/add)", captured[STDDEV], gold["stddev"]),
                             (f"output, random seeds {seeds}", result["generation/output:0"][:8],
                              gold["fixed_output_first8"])):
        got = np.asarray(got, np.float32)
        err = np.abs(got - want)
        print(f"  {label:36s} max |diff| {err.max():.2e}   mean |diff| {err.mean():.2e}   "
              f"max |TF value| {np.abs(want).max():.3g}   corr {stats(got, want)[0]:.6f}")


if __name__ == "__main__":
    main()
