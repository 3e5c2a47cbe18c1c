"""The vectorised erf against math.erf (double precision) on a dense grid with tails, tiny and special
values: within half an fp32 ulp (+2e-9 relative) of the exact value."""
from __future__ import annotations

import math

import numpy as np
import pytest

from converter.ops import get, special

EXACT = np.frompyfunc(math.erf, 1, 1)


def _grid() -> np.ndarray:
    return np.concatenate([np.linspace(-12, 12, 1_200_001), np.geomspace(1e-45, 1e-2, 4001),
                           -np.geomspace(1e-45, 1e-2, 4001), np.linspace(1.9, 2.1, 20001),  # around the split
                           np.linspace(3.8, 4.1, 20001)]).astype(np.float32)                 # around the clamp


def test_fp32_erf_is_within_half_an_ulp_of_math_erf():
    x = _grid()
    got = special.erf(x)
    assert got.dtype == np.float32
    exact = EXACT(x.astype(np.float64)).astype(np.float64)
    normal = np.abs(exact) >= np.finfo(np.float32).tiny      # (fp32 subnormals have fewer significant bits)
    rel = np.abs(got.astype(np.float64) - exact)[normal] / np.abs(exact)[normal]
    assert rel.max() < 6.0e-8 + 2e-9     # half an ulp of fp32 (2**-24) plus the fit's error
    rounded = exact.astype(np.float32)
    ulps = np.abs(got.astype(np.float64) - rounded) / np.spacing(np.abs(rounded)).astype(np.float64)
    assert ulps.max() <= 1 and np.count_nonzero(ulps) < 1e-3 * x.size


def test_special_values_and_shapes():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -3.0], np.float32)
    got = special.erf(x)
    assert got[0] == 0 and np.signbit(got[1]) and got[2] == 1 and got[3] == -1 and np.isnan(got[4])
    assert got[5] == np.float32(2 / math.sqrt(math.pi) * float(x[5])) and got[6] == np.float32(math.erf(-3.0))
    assert special.erf(np.zeros((0, 3), np.float32)).shape == (0, 3)
    assert special.erf(np.float32(0.5)).shape == () and special.erf(np.float32(0.5)) == np.float32(math.erf(0.5))
    strided = np.linspace(-3, 3, 40000, dtype=np.float32).reshape(200, 200)[:, ::3]
    np.testing.assert_array_equal(special.erf(strided), special.erf(np.ascontiguousarray(strided)))


def test_fp64_stays_exact():
    x = np.linspace(-5, 5, 1001)
    np.testing.assert_array_equal(special.erf(x), EXACT(x).astype(np.float64))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_erf_and_gelu_kernels(dtype):
    x = np.linspace(-6, 6, 5001).astype(dtype)
    exact = EXACT(x.astype(np.float64)).astype(np.float64)
    erf = get("Erf").kernel([x], {})
    assert erf.dtype == dtype
    np.testing.assert_allclose(erf.astype(np.float64), exact, rtol=1e-7 if dtype == np.float32 else 1e-3, atol=0)
    gelu = get("Gelu")
    y = gelu.kernel([x], gelu.normalize({}))
    want = 0.5 * x.astype(np.float64) * (1 + EXACT(x.astype(np.float64) / math.sqrt(2)).astype(np.float64))
    np.testing.assert_allclose(y.astype(np.float64), want, rtol=1e-6 if dtype == np.float32 else 2e-3,
                               atol=1e-7 if dtype == np.float32 else 2e-3)


def test_fp32_erf_over_random_bit_patterns():
    """Every table interval class: random fp32 bit patterns (subnormals, huge values, inf, NaN payloads)."""
    bits = np.random.default_rng(7).integers(0, 1 << 32, 600_000, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    got = special.erf(x)
    nan = np.isnan(x)
    assert np.isnan(got[nan]).all() and not np.isnan(got[~nan]).any()
    exact = EXACT(x[~nan].astype(np.float64)).astype(np.float64)
    rounded = exact.astype(np.float32)
    ulps = np.abs(got[~nan].astype(np.float64) - rounded) / np.spacing(np.abs(rounded)).astype(np.float64)
    assert ulps.max() <= 1 and np.count_nonzero(ulps) < 1e-4 * x.size
    np.testing.assert_array_equal(np.signbit(got[~nan]), np.signbit(x[~nan]))


def test_signalling_nan_and_nans_that_share_the_interval_of_inf():
    x = np.array([0x7F800001, 0xFF800001, 0x7F80FFFF, 0x7FC00000, 0x7F800000, 0xFF800000], np.uint32).view(np.float32)
    got = special.erf(x)
    assert np.isnan(got[:4]).all() and got[4] == 1 and got[5] == -1


def test_fp16_rounds_once_from_the_exact_value_and_long_inputs_cross_chunks():
    x16 = np.arange(-(1 << 15), 1 << 15, dtype=np.int64).astype(np.uint16).view(np.float16)   # every fp16
    x16 = x16[np.isfinite(x16)]
    got = special.erf(x16)
    assert got.dtype == np.float16 and got.size > special.CHUNK
    np.testing.assert_array_equal(got, EXACT(x16.astype(np.float64)).astype(np.float64).astype(np.float16))
    x = np.linspace(-5, 5, 3 * special.CHUNK + 17, dtype=np.float32)
    np.testing.assert_array_equal(special.erf(x), np.concatenate([special.erf(x[:1000]), special.erf(x[1000:])]))
