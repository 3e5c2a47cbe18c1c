"""Normality statistics without scipy: the Kolmogorov-Smirnov test against the standard normal, and moments.

Used by tools/hh_convert_check.py and the tests on sampled latents: the noise a random op drew, recovered from a
model's tensors, must look like N(0, 1).
"""
from __future__ import annotations

import math

import numpy as np


def normal_cdf(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return 0.5 * (1.0 + erf(np.asarray(x, np.float64) / math.sqrt(2.0)))


def kolmogorov_p(statistic: float, n: int) -> float:
    """P(D_n >= statistic) for n samples: the Kolmogorov distribution with Stephens' small-sample correction."""
    root = math.sqrt(n)
    lam = (root + 0.12 + 0.11 / root) * statistic
    if lam < 0.2:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * lam * lam) for k in range(1, 101))
    return float(min(max(2.0 * total, 0.0), 1.0))


def ks_normal(values) -> tuple:
    """(D, p): the Kolmogorov-Smirnov statistic of the values against N(0, 1) and its p-value."""
    x = np.sort(np.asarray(values, np.float64).reshape(-1))
    n = x.size
    cdf = normal_cdf(x)
    above = np.arange(1, n + 1) / n - cdf
    below = cdf - np.arange(0, n) / n
    statistic = float(max(above.max(), below.max()))
    return statistic, kolmogorov_p(statistic, n)


def moments(values) -> dict:
    """Mean, standard deviation, skewness and excess kurtosis."""
    x = np.asarray(values, np.float64).reshape(-1)
    mean, std = float(x.mean()), float(x.std())
    z = (x - mean) / std
    return {"mean": mean, "std": std, "skew": float((z ** 3).mean()), "kurtosis": float((z ** 4).mean() - 3.0)}
