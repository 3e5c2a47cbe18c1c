"""IFMR, HFMG and ARQ against direct transcriptions of their definitions."""
import numpy as np
import pytest

from converter.quantize import algorithms as algo

rng = np.random.default_rng(3)
IFMR = {"search_range": [0.7, 1.3], "search_step": 0.01, "max_percentile": 0.999999, "min_percentile": 0.999999}


def brute_ifmr(x, asymmetric):
    """The IFMR search on all data at once, as torch_npu's reference of the op computes it."""
    lo, hi = float(x.min()), float(x.max())
    hist = np.histogram(x, algo.IFMR_HIST_BINS, (lo, hi))[0]
    mn, mx = algo.percentile_bounds(hist, lo, hi, 0.999999, 0.999999)
    best = None
    for f in np.arange(0.7, 1.3, 0.01):
        if asymmetric:
            s = (max(mx, 0) * f - min(mn, 0)) / 255
            o = -(np.rint(min(mn, 0) / s) + 128)
        else:
            s, o = max(abs(mx), abs(mn)) * f / 127, 0
        q = np.clip(np.rint(x / np.float32(s)) + o, -128, 127)
        loss = float((((q - o) * np.float32(s) - x) ** 2).sum())
        if best is None or loss < best[0]:
            best = (loss, s, o)
    return best[1], best[2]


@pytest.mark.parametrize("asymmetric", [True, False])
def test_ifmr_batched_equals_all_at_once(asymmetric):
    x = np.concatenate([rng.standard_normal(20000), rng.standard_normal(50) * 6]).astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    hist = np.histogram(x, algo.IFMR_HIST_BINS, (lo, hi))[0]
    search = algo.IfmrSearch(*algo.percentile_bounds(hist, lo, hi, 0.999999, 0.999999), IFMR, asymmetric)
    for part in np.array_split(x, 3):
        search.add(part)
    scale, offset = search.best()
    ref_scale, ref_offset = brute_ifmr(x, asymmetric)
    assert scale == pytest.approx(ref_scale, rel=1e-6) and offset == ref_offset


def test_ifmr_clips_a_rare_outlier():
    x = np.concatenate([rng.uniform(0, 1, 100000), [40.0]]).astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    hist = np.histogram(x, algo.IFMR_HIST_BINS, (lo, hi))[0]
    search = algo.IfmrSearch(*algo.percentile_bounds(hist, lo, hi, 0.9999, 0.9999), IFMR, True)
    search.add(x)
    scale, _ = search.best()
    assert scale * 255 < 2.0          # the percentile bound ignores the one sample at 40


def test_hfmg_merge_keeps_counts_and_range():
    h = algo.Histogram(1024)
    parts = [rng.standard_normal(5000) * s for s in (1.0, 3.0, 0.5)]
    for p in parts:
        h.add(p)
    allx = np.concatenate(parts)
    assert h.counts.sum() == allx.size
    assert h.lo == pytest.approx(allx.min(), rel=1e-6) and h.hi == pytest.approx(allx.max(), rel=1e-6)


def test_hfmg_finds_a_range_that_beats_min_max():
    x = np.concatenate([rng.standard_normal(200000), rng.standard_normal(20) * 30]).astype(np.float32)
    h = algo.Histogram(4096)
    h.add(x)
    scale, offset = algo.hfmg_result(h, asymmetric=True)
    full = algo.scale_offset(float(x.min()), float(x.max()), True)
    err = lambda s, o: float(((algo.fake_quant(x, s, o) - x) ** 2).sum())
    assert scale < full[0] and err(scale, offset) < err(*full)


def test_scale_offset_rules():
    assert algo.scale_offset(-1.0, 3.0, True) == (pytest.approx(4 / 255), -128 + 64)
    assert algo.scale_offset(0.5, 3.0, True)[1] == -128          # range stretched to contain 0
    assert algo.scale_offset(-2.0, 1.0, False) == (pytest.approx(2 / 128), 0)
    assert algo.scale_offset(0.0, 0.0, True) == (1.0, -128)


def test_arq_per_channel_and_per_tensor():
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    w[2] *= 10
    q, s = algo.arq_weights(w, channel_wise=True)
    np.testing.assert_allclose(s, np.abs(w).reshape(4, -1).max(1) / 127, rtol=1e-6)
    assert q.dtype == np.int8 and np.abs(q).max() == 127
    assert np.abs(q * s.reshape(-1, 1, 1, 1) - w).max() <= s.max() / 2 + 1e-6
    q1, s1 = algo.arq_weights(w, channel_wise=False)
    assert s1.shape == (1,) and s1[0] == pytest.approx(np.abs(w).max() / 127)
    _, zero = algo.arq_weights(np.zeros((2, 2), np.float32), channel_wise=False)
    assert zero[0] == 1.0
