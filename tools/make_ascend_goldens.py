"""TensorFlow goldens for running real ATC-compiled models (tests/ascend) and the full TensorFlow runs the
hh_om.om comparison (tools/hh_device_compare.py) measures against.

Needs tensorflow (not a dependency of the converter; run it in a separate environment):

    python tools/make_ascend_goldens.py --shared ../shared --out tests/data/ascend --full /tmp/hh_tf_runs.npz

Writes to --out (small, committed):
- tf_random.npz: RandomStandardNormal and RandomUniform outputs of TensorFlow for fixed (seed, seed2).
- hh_tf_goldens.npz: for hh.pb (the source of ../shared/fixtures/om/hh_om.om) fed with the model zoo's
  input hh_input0.bin: the encoder's mean and stddev (deterministic); the output of a run with the random op's
  seeds set to (123, 456) (first 8 images) and its noise; and, for the statistics tests, the correlation and
  mean absolute difference of every pair of RUNS TensorFlow runs with fresh noise, and of each run with the
  Ascend 310's output hh_output0_device.bin.
and to --full (not committed): the RUNS full outputs of those TensorFlow runs.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

RUNS = 10
FIXED_SEEDS = (123, 456)
RANDOM_CASES = [(1, 2), (87654321, 5), (2 ** 40 + 3, 2 ** 33 + 7)]
RANDOM_SHAPE = (7, 13)


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    return tf


def random_goldens() -> dict:
    tf = _tf()
    out = {}
    for seed, seed2 in RANDOM_CASES:
        graph = tf.Graph()
        with graph.as_default():
            shape = tf.constant(RANDOM_SHAPE, tf.int32)
            normal = tf.raw_ops.RandomStandardNormal(shape=shape, dtype=tf.float32, seed=seed, seed2=seed2)
            uniform = tf.raw_ops.RandomUniform(shape=shape, dtype=tf.float32, seed=seed, seed2=seed2)
        with tf.compat.v1.Session(graph=graph) as sess:
            out[f"normal_{seed}_{seed2}"], out[f"uniform_{seed}_{seed2}"] = sess.run([normal, uniform])
    return out


def pair_stats(a: np.ndarray, b: np.ndarray) -> tuple:
    a, b = a.reshape(-1).astype(np.float64), b.reshape(-1).astype(np.float64)
    return float(np.corrcoef(a, b)[0, 1]), float(np.abs(a - b).mean())


def hh_goldens(shared: str) -> tuple:
    tf = _tf()
    folder = os.path.join(shared, "fixtures", "om", "hh_source")
    graph_def = tf.compat.v1.GraphDef()
    with open(os.path.join(folder, "hh.pb"), "rb") as f:
        graph_def.ParseFromString(f.read())
    x = np.fromfile(os.path.join(folder, "hh_input0.bin"), np.float32).reshape(100, 784)
    device = np.fromfile(os.path.join(folder, "hh_output0_device.bin"), np.float32).reshape(100, 28, 28, 1)

    def run(gd, fetches):
        graph = tf.Graph()
        with graph.as_default():
            tf.import_graph_def(gd, name="")
        with tf.compat.v1.Session(graph=graph) as sess:
            return sess.run(fetches, {"input:0": x})

    fetches = ["recognition/w_mean/add:0", "recognition/w_stddev/add:0", "generation/output:0"]
    runs = [run(graph_def, fetches) for _ in range(RUNS)]
    outputs = np.stack([r[2] for r in runs])
    tf_pairs = np.array([pair_stats(outputs[i], outputs[j]) for i in range(RUNS) for j in range(i + 1, RUNS)])
    tf_device = np.array([pair_stats(o, device) for o in outputs])
    fixed = tf.compat.v1.GraphDef()
    fixed.CopyFrom(graph_def)
    for node in fixed.node:
        if node.op == "RandomStandardNormal":
            node.attr["seed"].i, node.attr["seed2"].i = FIXED_SEEDS
    fixed_out, noise = run(fixed, ["generation/output:0", "random_normal/RandomStandardNormal:0"])
    small = {"mean": runs[0][0], "stddev": runs[0][1], "fixed_seeds": np.array(FIXED_SEEDS),
             "fixed_output_first8": fixed_out[:8], "fixed_noise": noise,
             "tf_pairs_corr_mad": tf_pairs, "tf_device_corr_mad": tf_device}
    return small, {"outputs": outputs, "fixed_output": fixed_out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
    parser.add_argument("--out", default="tests/data/ascend")
    parser.add_argument("--full", default=None, help="also write the full TensorFlow runs of hh.pb here (.npz)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    np.savez_compressed(os.path.join(args.out, "tf_random.npz"), **random_goldens())
    small, full = hh_goldens(args.shared)
    np.savez_compressed(os.path.join(args.out, "hh_tf_goldens.npz"), **small)
    if args.full:
        np.savez_compressed(args.full, **full)
    corr, mad = small["tf_pairs_corr_mad"].T
    print(f"TensorFlow vs TensorFlow ({RUNS} runs, {len(corr)} pairs): correlation {corr.mean():.4f} "
          f"[{corr.min():.4f}, {corr.max():.4f}], mean abs diff {mad.mean():.4f} [{mad.min():.4f}, {mad.max():.4f}]")
    corr, mad = small["tf_device_corr_mad"].T
    print(f"TensorFlow vs Ascend 310: correlation {corr.mean():.4f} [{corr.min():.4f}, {corr.max():.4f}], "
          f"mean abs diff {mad.mean():.4f} [{mad.min():.4f}, {mad.max():.4f}]")


if __name__ == "__main__":
    main()
