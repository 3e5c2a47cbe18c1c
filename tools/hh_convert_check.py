"""The model zoo's VAE (../shared/fixtures/om/hh_source/hh.pb) converted by our atc with the README's own command,
measured against TensorFlow and against the output a real Ascend 310 produced (hh_output0_device.bin).

Needs tensorflow and the converter's core dependencies in one environment, e.g.

    /work/venv-tf/bin/pip install networkx jsonschema typer
    /work/venv-tf/bin/python tools/hh_convert_check.py [--shared ../shared] [--runs 10]

Prints, for the default precision (force_fp16, ATC's) and force_fp32:
- the encoder's mean and stddev (recognition/w_mean/add, w_stddev/add) against TensorFlow's, element by element;
- the decoder: TensorFlow fed our sampled latent (tensor add:0, z = mean + stddev * noise) against our output;
- the noise: epsilon recovered from our z, mean and stddev ((z - mean) / stddev, undoing random_normal's
  mean/stddev constants), with its moments and the Kolmogorov-Smirnov test against N(0, 1);
- the whole output against the device's: Pearson correlation and mean absolute difference over all 78400 values,
  the mean pixel value, and the same figures for TensorFlow runs against each other and against the device; also
  the correlation of each with TensorFlow's noise-free decoding (z = mean), which tells how much of the
  difference is the random draw.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from converter.runtime import Session  # noqa: E402
from tools.normality import ks_normal, moments  # noqa: E402

MEAN, STDDEV, LATENT = "recognition/w_mean/add:0", "recognition/w_stddev/add:0", "add:0"
NOISE, OUTPUT = "random_normal/RandomStandardNormal:0", "generation/output:0"
README_COMMAND = ["--model={model}", "--framework=3", "--output={output}", "--soc_version=Ascend310",
                  "--input_shape=input:100,784"]


def convert(model: str, output: str, extra=()) -> str:
    """Our atc with the README's command line (plus extra options), run as the command would be."""
    argv = [a.format(model=model, output=output) for a in README_COMMAND] + list(extra)
    done = subprocess.run([sys.executable, "-m", "converter"] + argv, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"atc failed ({done.returncode}): {done.stdout}{done.stderr}")
    return output + ".om"


def pair_stats(a, b) -> tuple:
    a, b = np.asarray(a, np.float64).reshape(-1), np.asarray(b, np.float64).reshape(-1)
    return float(np.corrcoef(a, b)[0, 1]), float(np.abs(a - b).mean())


def elementwise(label: str, got, want) -> str:
    got, want = np.asarray(got, np.float32), np.asarray(want, np.float32)
    err = np.abs(got.astype(np.float64) - want)
    top = float(np.abs(want).max())
    return (f"  {label:34s} max |diff| {err.max():.2e} = {err.max() / top:.1e} of max |value| {top:.3g};"
            f"  mean |diff| {err.mean():.2e}; bit-identical {np.mean(got == want) * 100:.1f}%")


def spread(label: str, pairs) -> str:
    pairs = np.asarray(pairs)
    return (f"  {label:34s} corr {pairs[:, 0].mean():.4f} [{pairs[:, 0].min():.4f}, {pairs[:, 0].max():.4f}]  "
            f"MAD {pairs[:, 1].mean():.4f} [{pairs[:, 1].min():.4f}, {pairs[:, 1].max():.4f}]  (n={len(pairs)})")


class TensorFlowVae:
    def __init__(self, path: str):
        import tensorflow as tf
        self.tf = tf
        graph_def = tf.compat.v1.GraphDef()
        with open(path, "rb") as f:
            graph_def.ParseFromString(f.read())
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.import_graph_def(graph_def, name="")
        self.sess = tf.compat.v1.Session(graph=self.graph)
        self.noise_mean, self.noise_std = self.sess.run(["random_normal/mean:0", "random_normal/stddev:0"])

    def run(self, fetches, feeds):
        return self.sess.run(fetches, feeds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    source = os.path.join(args.shared, "fixtures", "om", "hh_source")
    model = os.path.join(source, "hh.pb")
    x = np.fromfile(os.path.join(source, "hh_input0.bin"), np.float32).reshape(100, 784)
    device = np.fromfile(os.path.join(source, "hh_output0_device.bin"), np.float32).reshape(100, 28, 28, 1)
    tf_vae = TensorFlowVae(model)
    feed = {"input:0": x}
    tf_mean, tf_std = tf_vae.run([MEAN, STDDEV], feed)
    tf_runs = [tf_vae.run(OUTPUT, feed) for _ in range(args.runs)]
    tf_clean = tf_vae.run(OUTPUT, {**feed, LATENT: tf_mean})          # decoded without noise (z = mean)

    with tempfile.TemporaryDirectory() as folder:
        for precision, extra in (("force_fp16 (default)", ()), ("force_fp32", ("--precision_mode=force_fp32",))):
            om = convert(model, os.path.join(folder, "hh_om"), extra)
            print(f"\n== {precision}: atc {' '.join(a.format(model='hh.pb', output='hh_om') for a in README_COMMAND)}"
                  f" {' '.join(extra)}  ->  {os.path.getsize(om)} bytes")
            runs = []
            for k in range(args.runs):
                result = Session(om, random_seed=k).run({"input": x}, capture=True)
                runs.append({key: result["__all__"][key] for key in (MEAN, STDDEV, LATENT, NOISE)}
                            | {OUTPUT: result[OUTPUT]})
            first = runs[0]
            print("Encoder, element by element against TensorFlow:")
            print(elementwise("mean (w_mean/add)", first[MEAN], tf_mean))
            print(elementwise("stddev (w_stddev/add)", first[STDDEV], tf_std))
            print(f"Decoder: TensorFlow fed our sampled latent ({LATENT}), {args.runs} runs (--random-seed 0..):")
            decoded = [tf_vae.run(OUTPUT, {**feed, LATENT: r[LATENT]}) for r in runs]
            worst = max(float(np.abs(r[OUTPUT].astype(np.float64) - d).max()) for r, d in zip(runs, decoded))
            print(elementwise("output, run 0", runs[0][OUTPUT], decoded[0]))
            print(f"  {'output, all runs':34s} max |diff| {worst:.2e}")
            eps = np.concatenate([(((r[LATENT].astype(np.float64) - r[MEAN]) / r[STDDEV]) - tf_vae.noise_mean)
                                  / tf_vae.noise_std for r in runs]).reshape(len(runs), -1)
            drawn = np.stack([r[NOISE].reshape(-1) for r in runs])
            print(f"Noise recovered from z, mean, stddev ({eps.shape[1]} values per run):")
            print(f"  recovered vs drawn: max |diff| {np.abs(eps - drawn).max():.2e}")
            m = moments(eps)
            print(f"  pooled ({eps.size}): mean {m['mean']:+.4f} std {m['std']:.4f} skew {m['skew']:+.4f} "
                  f"excess kurtosis {m['kurtosis']:+.4f}")
            tests = [ks_normal(e) for e in eps]
            d_all, p_all = ks_normal(eps)
            print(f"  Kolmogorov-Smirnov vs N(0,1): per run D {min(t[0] for t in tests):.4f}..{max(t[0] for t in tests):.4f}"
                  f", p {min(t[1] for t in tests):.3f}..{max(t[1] for t in tests):.3f};  pooled D {d_all:.4f} "
                  f"p {p_all:.3f}")
            print("Whole output against the Ascend 310's (hh_output0_device.bin), Pearson correlation and MAD:")
            print(spread("ours vs device", [pair_stats(r[OUTPUT], device) for r in runs]))
            print(spread("TensorFlow vs device", [pair_stats(t, device) for t in tf_runs]))
            print(spread("ours vs TensorFlow", [pair_stats(r[OUTPUT], t) for r in runs for t in tf_runs]))
            print(spread("TensorFlow vs TensorFlow", [pair_stats(tf_runs[i], tf_runs[j]) for i in range(len(tf_runs))
                                                      for j in range(i + 1, len(tf_runs))]))
            print(spread("ours vs TF noise-free (z = mean)", [pair_stats(r[OUTPUT], tf_clean) for r in runs]))
            print(spread("device vs TF noise-free", [pair_stats(device, tf_clean)]))
            print(f"  mean pixel: ours {np.mean([r[OUTPUT].mean() for r in runs]):.4f}, TensorFlow "
                  f"{np.mean([t.mean() for t in tf_runs]):.4f}, device {device.mean():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
