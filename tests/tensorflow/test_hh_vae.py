"""The model zoo's VAE (../shared/fixtures/om/hh_source/hh.pb, whose README command real ATC converted into
hh_om.om) converted by our atc with that command: the encoder equals TensorFlow's, the decoder equals TensorFlow's
on the same latent (seeds fixed to those of a TensorFlow run, whose noise our RandomStandardNormal reproduces), the
noise of unseeded runs is N(0, 1), and the output agrees with the Ascend 310's as two TensorFlow runs agree.
TensorFlow goldens: tests/data/ascend/hh_tf_goldens.npz (tools/make_ascend_goldens.py); live measurements against
TensorFlow: tools/hh_convert_check.py."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from converter.cli import main as atc_main
from converter.runtime import Session
from tools.normality import ks_normal, moments

REPO = Path(__file__).resolve().parents[2]
SOURCE = Path(os.environ.get("OM_FIXTURES", REPO.parent / "shared" / "fixtures" / "om")) / "hh_source"
GOLDENS = REPO / "tests" / "data" / "ascend" / "hh_tf_goldens.npz"
MEAN, STDDEV, LATENT = "recognition/w_mean/add:0", "recognition/w_stddev/add:0", "add:0"
NOISE, OUTPUT = "random_normal/RandomStandardNormal:0", "generation/output:0"

pytestmark = pytest.mark.skipif(not (SOURCE / "hh.pb").is_file(), reason=f"{SOURCE}/hh.pb not found")


@pytest.fixture(scope="module")
def hh(tmp_path_factory):
    """The README's command (plus force_fp32 for the exact comparisons), the recorded input and the goldens."""
    folder = tmp_path_factory.mktemp("hh")
    models = {}
    for precision in ("force_fp16", "force_fp32"):
        out = folder / precision
        argv = [f"--model={SOURCE / 'hh.pb'}", "--framework=3", f"--output={out}", "--soc_version=Ascend310",
                "--input_shape=input:100,784"] + (["--precision_mode=force_fp32"] if precision == "force_fp32" else [])
        assert atc_main(argv) == 0
        models[precision] = Session(str(out) + ".om")
    x = np.fromfile(SOURCE / "hh_input0.bin", np.float32).reshape(100, 784)
    device = np.fromfile(SOURCE / "hh_output0_device.bin", np.float32).reshape(100, 28, 28, 1)
    return models, x, device, np.load(GOLDENS)


def _run(sess: Session, x, seeds=None, random_seed=None) -> dict:
    graph = sess.graph
    if seeds is not None:
        graph = graph.copy()
        for op in graph.ops():
            if op.type == "RandomStandardNormal":
                op.attrs["seed"], op.attrs["seed2"] = seeds
    sess.random_seed = random_seed
    result = (sess if seeds is None else Session(graph)).run({"input": x}, capture=True)
    return {**result["__all__"], OUTPUT: result[OUTPUT]}


def test_encoder_mean_and_stddev_equal_tensorflows_in_fp32(hh):
    """fp32 sums in another order than TensorFlow's oneDNN: about 1e-6 of the tensor's range."""
    models, x, _, gold = hh
    got = _run(models["force_fp32"], x, random_seed=0)
    for key, want in ((MEAN, gold["mean"]), (STDDEV, gold["stddev"])):
        err = np.abs(got[key].astype(np.float64) - want)
        assert got[key].dtype == np.float32 and err.max() <= 2e-6 * np.abs(want).max(), (key, err.max())


def test_the_decoder_equals_tensorflows_on_the_same_latent(hh):
    """Seeds (123, 456) as in TensorFlow's golden run: our noise is TensorFlow's, so the latent is, and the output
    (first 8 images) equals what TensorFlow decoded from it."""
    models, x, _, gold = hh
    got = _run(models["force_fp32"], x, seeds=tuple(int(s) for s in gold["fixed_seeds"]))
    noise = gold["fixed_noise"]
    assert np.abs(got[NOISE] - noise).max() <= 2 * np.spacing(np.abs(noise).max())
    np.testing.assert_allclose(got[OUTPUT][:8], gold["fixed_output_first8"], rtol=0, atol=2e-6)
    fp16 = _run(models["force_fp16"], x, seeds=tuple(int(s) for s in gold["fixed_seeds"]))
    assert np.abs(fp16[OUTPUT][:8] - gold["fixed_output_first8"]).max() < 5e-3


def test_the_sampled_latents_noise_is_standard_normal(hh):
    """epsilon = (z - mean) / stddev (random_normal's mean 0 and stddev 1 need no undoing) over 3 unseeded runs
    (6000 values), in fp32 (in fp16 it is the same draw, rounded)."""
    models, x, _, _ = hh
    runs = [_run(models["force_fp32"], x) for _ in range(3)]
    eps = np.concatenate([(r[LATENT].astype(np.float64) - r[MEAN]) / r[STDDEV] for r in runs]).reshape(-1)
    np.testing.assert_allclose(eps, np.concatenate([r[NOISE] for r in runs]).reshape(-1), atol=1e-5)
    statistic, p = ks_normal(eps)
    m = moments(eps)
    assert p > 1e-3 and statistic < 0.03, (statistic, p)
    assert abs(m["mean"]) < 0.05 and abs(m["std"] - 1) < 0.05 and abs(m["skew"]) < 0.15, m
    assert not np.array_equal(runs[0][NOISE], runs[1][NOISE])


def test_the_output_agrees_with_the_ascend_310_as_tensorflow_runs_agree_with_each_other(hh):
    """Whole outputs (78400 values): Pearson correlation and mean absolute difference of our default-precision
    runs with the device's output, within the range of those of pairs of TensorFlow runs."""
    models, x, device, gold = hh
    tf_corr, tf_mad = gold["tf_pairs_corr_mad"].T
    for k in range(2):
        out = _run(models["force_fp16"], x, random_seed=k)[OUTPUT].astype(np.float64).reshape(-1)
        corr = float(np.corrcoef(out, device.reshape(-1))[0, 1])
        mad = float(np.abs(out - device.reshape(-1)).mean())
        assert tf_corr.min() - 0.003 <= corr <= tf_corr.max() + 0.003, corr
        assert tf_mad.min() - 0.002 <= mad <= tf_mad.max() + 0.002, mad
        assert abs(out.mean() - device.mean()) < 0.003
