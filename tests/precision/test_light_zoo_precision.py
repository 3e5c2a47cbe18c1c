"""Regression test for the accuracy of force_fp16 and allow_mix_precision on the ONNX light zoo, measured
against our fp32 conversion (which matches the stored reference outputs). Figures: tools/precision_report.py."""
import pytest

from tests.models.test_onnx_light_zoo import MODELS
from tools.precision_report import measure

# (min cosine, max abs error) per mode; measured values are cosine 1.000000 and max abs <= 2.3e-4.
LIMITS = {"force_fp16": (0.9999, 1e-3), "allow_mix_precision": (0.9999, 1e-3)}


@pytest.mark.parametrize("name", MODELS)
def test_fp16_modes_stay_close_to_fp32(name):
    results = measure(name, tuple(LIMITS))
    for mode, (cosine, max_abs) in results.items():
        min_cos, max_err = LIMITS[mode]
        assert cosine >= min_cos and max_abs <= max_err, (mode, cosine, max_abs)
