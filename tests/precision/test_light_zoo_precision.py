"""Regression test for the accuracy of force_fp16 and allow_mix_precision on the ONNX light zoo, against our
fp32 conversion (which matches the stored reference outputs); figures from tools/precision_report.py.

The light models carry constant stand-in weights; six of them build activations far beyond fp16's range
(their fp32 logits are 1e12 to 1e31), so under fp16 they overflow to inf/nan exactly as an fp16 device
would. The test pins both outcomes: close agreement where fp16 is in range, overflow where it is not."""
import pytest

from tests.models.test_onnx_light_zoo import MODELS
from tools.precision_report import measure

MODES = ("force_fp16", "allow_mix_precision")
IN_RANGE = {  # model: max abs error measured at the output (cosine 1.0 to 8 digits for all three)
    "densenet121": 2.3e-4, "inception_v2": 4.1e-7, "shufflenet": 4.1e-7,
}


@pytest.mark.parametrize("name", MODELS)
def test_fp16_modes_against_fp32(name):
    results = measure(name, MODES)
    for mode, (cosine, max_abs) in results.items():
        if name in IN_RANGE:
            assert cosine is not None and cosine >= 0.9999, (mode, cosine)
            assert max_abs <= 2 * IN_RANGE[name] + 1e-6, (mode, max_abs)
        else:
            assert cosine is None, f"{name} {mode}: expected fp16 overflow, got cosine {cosine}"
