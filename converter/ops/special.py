"""Vectorised special functions for the kernels: erf.

fp32 (and narrower) inputs: erf(x) = x * P(x^2) for |x| < 2, and sign(x) * (1 - exp(-t^2) * Q(1/t)) with
t = min(|x|, 3.92) above (erf rounds to 1 in fp32 from 3.9215 on). P and Q interpolate the exact function
to 2e-9 relative (tools/fit_erf.py fits them and prints these coefficients); evaluated in fp64 on chunks
that stay in cache (groups of chunks shared among the kernel threads, workspace.in_parallel), the fp32
result is within half an ulp (+2e-9) of math.erf, at about 15 ns per element on one thread (math.erf
element by element: 100 ns). fp64 inputs keep math.erf, exact to double precision.
"""
from __future__ import annotations

import math

import numpy as np

from .workspace import in_parallel, output_for, thread_count

# tools/fit_erf.py: degree 10, max relative error 7.3e-10 on u = x^2 in [0, 4]
ERF_SMALL = (1.128379166603666, -0.37612635923286747, 0.1128376165802993, -0.02686498434011635,
             0.005221554761522678, -0.0008519172136280787, 0.00011833479120651973, -1.3817015540529021e-05,
             1.2764469534889207e-06, -8.12456644688259e-08, 2.5875637491265284e-09)
# tools/fit_erf.py: degree 7, max relative error 6.3e-10 on z = 1/t in [1/3.92, 1/2] (exp(t^2) erfc(t))
ERFC_LARGE = (8.213991120994968e-05, 0.5623691743130667, 0.01717990124952848, -0.37024273793489487,
              0.25256544416513765, 0.10409448591285311, -0.23815318284918774, 0.10203734779187999)
SPLIT = 2.0
TOP = 3.92
CHUNK = 1 << 14   # elements per step: the fp64 temporaries stay in the L2 cache


def _horner(coefs, v: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.multiply(v, coefs[-1], out=out)
    np.add(out, coefs[-2], out=out)
    for c in coefs[-3::-1]:
        np.multiply(out, v, out=out)
        np.add(out, c, out=out)
    return out


def _erf_chunk(x: np.ndarray, u: np.ndarray, out: np.ndarray) -> None:
    """erf of fp64 x into out (u: a buffer of the same size)."""
    np.multiply(x, x, out=u)
    _horner(ERF_SMALL, u, out)
    out *= x
    large = u >= SPLIT * SPLIT           # NaN compares False: NaN * P(NaN) is already NaN
    if not large.any():
        return
    xs = x[large]
    t = np.minimum(np.abs(xs), TOP)
    scale = np.exp(-(t * t))
    q = _horner(ERFC_LARGE, np.reciprocal(t, out=t), np.empty_like(t))
    q *= scale
    np.subtract(1.0, q, out=q)
    out[large] = np.copysign(q, xs, out=q)


def erf(x) -> np.ndarray:
    """Error function of a float array (see the module doc); the result has x's dtype (fp64 for others)."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float16):
        if x.size == 0:
            return np.zeros(x.shape, np.float64)
        return np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)).astype(np.float64)
    out = output_for((x,), x.shape, x.dtype)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    size = min(CHUNK, flat_in.size)

    def run(groups):
        xd, u, y = np.empty(size), np.empty(size), np.empty(size)
        for group in groups:
            for start in group:
                n = min(CHUNK, flat_in.size - start)
                xd[:n] = flat_in[start:start + n]
                _erf_chunk(xd[:n], u[:n], y[:n])
                flat_out[start:start + n] = y[:n]

    starts = range(0, flat_in.size, CHUNK)
    per_group = max(1, -(-len(starts) // (4 * thread_count())))   # a few groups per thread, taken in turn
    in_parallel(run, [starts[i:i + per_group] for i in range(0, len(starts), per_group)])
    return out
