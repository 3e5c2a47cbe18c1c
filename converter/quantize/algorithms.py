"""AMCT's calibration algorithms in numpy: IFMR and HFMG for activations, ARQ for weights.

Conventions (AMCT's): int8 values q = clip(round(x / scale) + offset, -128, 127) and x' = (q - offset) * scale,
so AMCT's offset is the int8 zero point of ONNX QuantizeLinear. Asymmetric ("with offset"): the range is
stretched to contain 0, scale = (max - min) / 255, offset = -128 - round(min / scale). Symmetric: offset 0.
Scales below float32 epsilon become 1.0 (a constant-zero tensor).

- IFMR (Input Feature Map Reconstruction): clip bounds start at the max_percentile / min_percentile points
  of the data's cumulative histogram; the upper bound is scaled by every factor in
  search_range[0] .. search_range[1] (step search_step) and the candidate with the smallest sum of squared
  quantization errors over all calibration data wins. The error is additive over batches, so it is
  accumulated batch by batch (IfmrSearch.add) instead of holding every activation in memory.
- HFMG (Histogram Feature Map Glutton): one histogram of num_of_bins bins per batch, merged into a running
  histogram over the union of the ranges (counts of a source bin split over the merged bins it overlaps,
  assuming uniform data in a bin); candidate ranges shrink from the side with fewer counts in steps of
  total/100000 counts until a quarter of the bins is left, and the range whose 2**num_bits-bin requantisation
  of the histogram has the least L2 error (clipped data counting at the edge bins) wins.
- ARQ (Adaptive Range Quantization) for weights: symmetric, scale = max|w| / 127 per output channel
  (channel_wise) or per tensor.
"""
from __future__ import annotations

import numpy as np

FLT_EPSILON = 1.192092896e-07
HFMG_STEP_DIVISOR = 100000
HFMG_MIN_BIN_RATIO = 4
IFMR_HIST_BINS = 4096


def qrange(num_bits: int = 8) -> tuple:
    return -(1 << (num_bits - 1)), (1 << (num_bits - 1)) - 1


def scale_offset(clip_min: float, clip_max: float, asymmetric: bool, num_bits: int = 8) -> tuple:
    """(scale, offset) for a clip range, AMCT's rules (see the module docstring)."""
    lo, hi = qrange(num_bits)
    if asymmetric:
        clip_max, clip_min = max(float(clip_max), 0.0), min(float(clip_min), 0.0)
        scale = (clip_max - clip_min) / (hi - lo)
        if scale < FLT_EPSILON:
            return 1.0, lo
        return float(np.float32(scale)), int(np.rint(lo - clip_min / scale))
    bound = max(abs(float(clip_max)), abs(float(clip_min)))
    steps = hi + (1 if abs(float(clip_min)) > abs(float(clip_max)) else 0)
    scale = bound / steps
    return (1.0, 0) if scale < FLT_EPSILON else (float(np.float32(scale)), 0)


def fake_quant(x: np.ndarray, scale, offset, num_bits: int = 8) -> np.ndarray:
    """x quantized and dequantized with (scale, offset): what the int8 model computes from x."""
    lo, hi = qrange(num_bits)
    q = np.clip(np.rint(x / scale) + offset, lo, hi)
    return (q - offset) * scale


# ---- IFMR --------------------------------------------------------------------------------------

def percentile_bounds(hist: np.ndarray, lo: float, hi: float, max_percentile: float,
                      min_percentile: float) -> tuple:
    """(min_init, max_init): the bin edges where the cumulative histogram reaches 1 - min_percentile and
    max_percentile (the torch_npu reference of AMCT's IFMR op uses the same rule)."""
    cdf = np.cumsum(hist) / max(float(hist.sum()), 1.0)
    bins = hist.size
    max_index = int(np.count_nonzero(cdf < max_percentile))
    min_index = int(np.count_nonzero(cdf < 1.0 - min_percentile))
    width = (hi - lo) / bins
    return lo + min_index * width, lo + max_index * width


class IfmrSearch:
    """The IFMR candidates for one layer and their accumulated squared errors."""

    def __init__(self, min_init: float, max_init: float, params: dict, asymmetric: bool):
        start, end = params["search_range"]
        step = params["search_step"]
        factors = np.arange(start, end, step) if end - start > step / 2 else np.array([start])
        self.num_bits = params.get("num_bits", 8)
        if asymmetric:
            max_init, min_init = max(max_init, 0.0), min(min_init, 0.0)
            cands = [scale_offset(min_init, max_init * f, True, self.num_bits) for f in factors]
        else:
            bound = max(abs(max_init), abs(min_init))
            hi = qrange(self.num_bits)[1]
            cands = [((bound * f / hi) if bound * f / hi >= FLT_EPSILON else 1.0, 0) for f in factors]
        self.scales = np.array([c[0] for c in cands], np.float64)
        self.offsets = np.array([c[1] for c in cands], np.float64)
        self.loss = np.zeros(len(cands), np.float64)

    def add(self, x: np.ndarray) -> None:
        x = np.asarray(x, np.float32).ravel()
        for i, (s, o) in enumerate(zip(self.scales, self.offsets)):
            err = fake_quant(x, np.float32(s), np.float32(o), self.num_bits) - x
            self.loss[i] += float(np.dot(err, err))

    def best(self) -> tuple:
        i = int(np.argmin(self.loss))
        return float(self.scales[i]), int(self.offsets[i])


# ---- HFMG --------------------------------------------------------------------------------------

class Histogram:
    """A running histogram of num_bins bins over [lo, hi], merged batch by batch as AMCT's HFMG does."""

    def __init__(self, num_bins: int):
        self.num_bins = num_bins
        self.counts = None
        self.lo = self.hi = 0.0

    def add(self, x: np.ndarray) -> None:
        x = np.asarray(x, np.float32).ravel()
        lo, hi = float(x.min()), float(x.max())
        counts = np.histogram(x, self.num_bins, (lo, hi) if hi > lo else (lo, lo + 1.0))[0].astype(np.int64)
        if self.counts is None:
            self.counts, self.lo, self.hi = counts, lo, hi if hi > lo else lo + 1.0
            return
        if np.isclose(lo, self.lo, atol=FLT_EPSILON) and np.isclose(hi, self.hi, atol=FLT_EPSILON):
            self.counts = self.counts + counts
            return
        new_lo, new_hi = min(lo, self.lo), max(hi, self.hi)
        merged = np.zeros(self.num_bins, np.int64)
        self._redistribute(self.counts, self.lo, self.hi, merged, new_lo, new_hi)
        self._redistribute(counts, lo, hi if hi > lo else lo + 1.0, merged, new_lo, new_hi)
        self.counts, self.lo, self.hi = merged, new_lo, new_hi

    def _redistribute(self, counts, lo, hi, merged, new_lo, new_hi) -> None:
        """Counts of bins over [lo, hi] into ``merged`` over [new_lo, new_hi]; a source bin that straddles two
        merged bins is split in proportion to the overlap (data assumed uniform within a bin)."""
        n = self.num_bins
        width, new_width = (hi - lo) / n, (new_hi - new_lo) / n
        lower = lo + np.arange(n) * width
        upper = lower + width
        i_low = np.minimum(((lower - new_lo) // new_width).astype(np.int64), n - 1)
        i_high = np.minimum(((upper - new_lo) // new_width).astype(np.int64), n - 1)
        same = i_low == i_high
        np.add.at(merged, i_low[same], counts[same])
        split = ~same
        frac = ((new_lo + (i_low[split] + 1) * new_width) - lower[split]) / width
        low_part = (counts[split] * frac).astype(np.int64)
        np.add.at(merged, i_low[split], low_part)
        np.add.at(merged, i_high[split], counts[split] - low_part)


def hfmg_search_ranges(counts: np.ndarray) -> list:
    """Candidate (left, right) bin ranges: shrink from the side that gives up fewer counts per step."""
    ranges = []
    left, right = 0, counts.size - 1
    step = max(int(np.ceil(counts.sum() / HFMG_STEP_DIVISOR)), 1)
    min_bins = int(np.ceil(counts.size / HFMG_MIN_BIN_RATIO))
    while right - left > min_bins:
        t_left, t_right, l_sum, r_sum = left, right, 0, 0
        while t_left < t_right and l_sum < step:
            l_sum += counts[t_left]
            t_left += 1
        while t_left < t_right and r_sum < step:
            r_sum += counts[t_right]
            t_right -= 1
        if right - t_right >= t_left - left:
            right = t_right
        else:
            left = t_left
        ranges.append((left, right))
    return ranges


def hfmg_l2_loss(counts: np.ndarray, width: float, ranges: list, dst_bins: int) -> np.ndarray:
    """For each candidate range: the L2 error of representing the data of every source bin (uniform within
    the bin) by the centre of the destination bin (dst_bins equal bins over the range) each part falls in;
    data outside the range counts against the edge bins. With h half a destination bin, b/e a source bin's
    ends and c_b/c_e the centres of the destination bins holding them, one bin adds
    density * ((e - c_e)^3 - (b - c_b)^3 + 2 h^3 (index(e) - index(b))) / 3 (AMCT's three cases in one)."""
    r = np.asarray(ranges, np.float64).reshape(-1, 2)
    left, right = r[:, 0], r[:, 1]
    dst_w = width * (right - left + 1) / dst_bins                      # (R,)
    k = dst_bins / (right - left + 1)                                  # destination bins per source bin
    inv_k = 1.0 / k
    used = np.flatnonzero(counts)                                      # empty bins add nothing
    density = counts[used] / width                                     # (N,)
    total = np.zeros(r.shape[0])
    for lo in range(0, r.shape[0], 256):                               # bounded temporaries
        sl = slice(lo, lo + 256)
        u = used.reshape(-1, 1) - left[sl]                             # (N, R), in source bins
        b_idx = np.clip(np.floor(u * k[sl]), 0, dst_bins - 1)
        e_idx = np.clip(np.floor((u + 1) * k[sl]), 0, dst_bins - 1)
        a = (u + 1) - (e_idx + 0.5) * inv_k[sl]
        b = u - (b_idx + 0.5) * inv_k[sl]
        term = a * a * a - b * b * b + (0.25 * inv_k[sl] ** 3) * (e_idx - b_idx)
        total[sl] = density @ term
    total *= width ** 3 / 3.0
    return np.where(dst_w < FLT_EPSILON, 0.0, total)


def hfmg_result(hist: Histogram, asymmetric: bool, num_bits: int = 8) -> tuple:
    """(scale, offset) from a merged histogram."""
    counts = hist.counts.astype(np.float64)
    width = (hist.hi - hist.lo) / hist.num_bins
    ranges = hfmg_search_ranges(hist.counts)
    if not ranges:
        return scale_offset(hist.lo, hist.hi, asymmetric, num_bits)
    loss = hfmg_l2_loss(counts, width, ranges, 1 << num_bits)
    left, right = ranges[int(np.argmin(loss))]
    return scale_offset(hist.lo + left * width, hist.lo + (right + 1) * width, asymmetric, num_bits)


# ---- ARQ ---------------------------------------------------------------------------------------

def arq_weights(w: np.ndarray, channel_wise: bool, num_bits: int = 8) -> tuple:
    """(int8 weights, float32 scales): symmetric, per output channel (axis 0) or per tensor."""
    lo, hi = qrange(num_bits)
    w = np.asarray(w, np.float32)
    if channel_wise:
        bound = np.abs(w.reshape(w.shape[0], -1)).max(axis=1) if w.size else np.zeros(w.shape[0])
    else:
        bound = np.array([np.abs(w).max(initial=0.0)])
    scale = (bound / hi).astype(np.float32)
    scale = np.where(scale < FLT_EPSILON, np.float32(1.0), scale).astype(np.float32)
    shaped = scale.reshape((-1,) + (1,) * (w.ndim - 1)) if channel_wise else scale.reshape(())
    q = np.clip(np.rint(w / shaped), lo, hi).astype(np.int8)
    return q, scale
