"""ONNX -> .om -> ONNX round trips (tools/export_roundtrip.py): the onnx wheel's light zoo and test corpora,
the PyTorch exports, the samples and the TensorFlow goldens. A force_fp32 .om exports to an ONNX model that
onnxruntime runs with the original's results (|a - b| <= 1e-5 * max(1, |b|)); a default-precision (fp16)
.om exports to one that matches our runtime's run of the .om (fp16 rounding kept; onnxruntime and numpy
round fp32 sums differently, which can move an fp16 result by one step)."""
import os
import re

import pytest

from converter.errors import ConverterError

pytest.importorskip("onnxruntime")

from tools.export_roundtrip import (
    corpus_cases,
    light_cases,
    pytorch_cases,
    roundtrip,
    sample_cases,
    tf_golden_cases,
    tf_roundtrip,
)

FP32_TOL = 1e-5
FP16_TOL = 2e-3
# 240-550 MB of weights: 5-20 s each, so only with OM_EXPORT_HEAVY=1 (tools/export_roundtrip.py light runs them)
HEAVY = {"light/vgg19", "light/zfnet512", "light/bvlc_alexnet"}
# fp16 round trips of the light zoo: the small ones (our runtime's fp16 emulation takes seconds on the rest)
LIGHT_FP16 = {"light/squeezenet", "light/shufflenet"}
ENVIRONMENT = {  # onnxruntime itself cannot run these here (no en_US.UTF-8 locale for StringNormalizer)
    "simple/test_strnorm_model_monday_casesensintive_lower", "simple/test_strnorm_model_monday_casesensintive_upper",
    "simple/test_strnorm_model_monday_empty_output", "simple/test_strnorm_model_monday_insensintive_upper_twodim"}
NOT_CONVERTED = {  # refused by the ONNX -> .om conversion itself (tests/models/test_onnx_corpora.py)
    "simple/test_gradient_of_add", "simple/test_gradient_of_add_and_mul", "simple/test_sequence_model8"}

ONNX_CASES = [c for c in light_cases() + pytorch_cases() + sample_cases() + corpus_cases()
              if c[0] not in NOT_CONVERTED]
PRECISIONS = [(c, p) for c in ONNX_CASES for p in ("force_fp32", "force_fp16")
              if not (p == "force_fp16" and c[0].startswith("light/") and c[0] not in LIGHT_FP16)]


@pytest.mark.parametrize("case,precision", PRECISIONS, ids=[f"{c[0]}-{p[6:]}" for c, p in PRECISIONS])
def test_onnx_roundtrip(case, precision, tmp_path):
    label, path, feeds, stored = case
    if label in HEAVY and not os.environ.get("OM_EXPORT_HEAVY"):
        pytest.skip("240-550 MB of weights; set OM_EXPORT_HEAVY=1 (or run tools/export_roundtrip.py light)")
    if label in ENVIRONMENT:
        pytest.skip("onnxruntime cannot run StringNormalizer here (no en_US.UTF-8 locale installed)")
    r = roundtrip(path, feeds, str(tmp_path), precision, stored)
    assert r["outputs"] == r["expected"]
    assert r["error"] <= (FP32_TOL if precision == "force_fp32" else FP16_TOL), r


TF_CASES = tf_golden_cases()
# TF goldens the exporter refuses (E11009, every op type listed), with those op types: random ops (ONNX's draw other
# numbers than TensorFlow's Philox) and TF ops with no ONNX form here yet (issue 12)
RANDOM = {"RandomUniform"}
NO_ONNX_FORM = {
    "tf/ctc_decoder": {"CTCGreedyDecoder"}, "tf/dropout_rnn": RANDOM, "tf/dropout_unseeded": RANDOM, "tf/keep_prob_default": RANDOM,
    "tf/keep_prob_fed": RANDOM, "tf/random_in_loop": {"RandomStandardNormal", "RandomUniform", "RandomUniformInt"},
    "tf/random_seeded": {"Multinomial", "RandomShuffle", "RandomStandardNormal", "RandomUniform", "RandomUniformInt",
                         "StatelessMultinomial", "StatelessRandomNormalV2", "StatelessRandomUniformIntV2",
                         "StatelessRandomUniformV2", "StatelessTruncatedNormalV2", "TruncatedNormal"},
    "tf/tf1_image_ops": {"CropAndResize", "ExtractImagePatches", "NonMaxSuppressionV5",
                         "NonMaxSuppressionWithOverlaps", "ResizeArea"},
    "tf/tf1_ops": {"Atan2", "FakeQuantWithMinMaxVars", "MatrixBandPart", "Roll", "SegmentMax", "SegmentMean",
                   "SegmentMin", "SegmentProd", "SegmentSum", "UnsortedSegmentMax", "UnsortedSegmentMin",
                   "UnsortedSegmentProd", "UnsortedSegmentSum"},
}


@pytest.mark.parametrize("case", TF_CASES, ids=[c[0] for c in TF_CASES])
@pytest.mark.parametrize("precision", ["force_fp32", "force_fp16"])
def test_tensorflow_golden_roundtrip(case, precision, tmp_path):
    label, path, feeds, _ = case
    if label in NO_ONNX_FORM:
        with pytest.raises(ConverterError) as info:
            tf_roundtrip(path, feeds, str(tmp_path), precision)
        listed = set(re.findall(r"(\w+) \(\d+\)", info.value.message))
        assert info.value.code == "E11009" and listed == NO_ONNX_FORM[label], info.value.message
        return
    r = tf_roundtrip(path, feeds, str(tmp_path), precision)
    assert r["outputs"] == r["expected"]
    assert r["error"] <= (FP32_TOL if precision == "force_fp32" else FP16_TOL), r


def test_the_sets_are_all_here():
    assert len(light_cases()) == 9 and len(pytorch_cases()) == 10 and len(sample_cases()) == 3
    assert len(TF_CASES) >= 13 and len(corpus_cases()) >= 130
