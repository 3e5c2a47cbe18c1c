"""Vectorised special functions for the kernels: erf.

fp32 (and fp16) inputs: a piecewise cubic in a table indexed by the float's own bits. The top 16 bits of an
fp32 value (sign, exponent, 7 mantissa bits) pick one of 65536 intervals, each 2**16 consecutive floats
wide; the low 16 bits j place x inside it exactly (x = left + j * step), and erf(x) = c0 + j (c1 + j (c2 +
j c3)) with the interval's coefficients, evaluated in fp64 and rounded once to the output dtype. Each cubic
interpolates math.erf at the Chebyshev points of its interval (error below 1e-10 relative, so the fp32
result is within half an ulp of the exact value, correctly rounded for all but a few in a million inputs);
below 2**-27 erf(x) = 2/sqrt(pi) x to double precision, from 4 on it is 1 in fp32, inf gives 1 and NaN
stays NaN. The table (2 MiB) is made on first use. The work per element is a handful of numpy passes (no
exp, no branches, no boolean masks) on chunks that stay in cache, about 6 ns per element on one thread.

The chunks run on the calling thread: numpy calls this short hold the GIL for a fair part of their time,
and measured on a 2-core machine two threads sharing them were no faster than one.

fp64 inputs keep math.erf, exact to double precision.
"""
from __future__ import annotations

import math
import threading

import numpy as np

from .workspace import output_for

MANTISSA_BITS = 7                       # top mantissa bits in the index: 128 intervals per binade
SHIFT = 23 - MANTISSA_BITS              # low bits of the fp32 value: the position j inside the interval
LOW = (1 << SHIFT) - 1
DEGREE = 3
CHUNK = 1 << 14                         # elements per step: the fp64 temporaries stay in the L2 cache
LINEAR_BELOW = 100                      # biased exponent: below 2**-27, erf(x) = 2/sqrt(pi) x exactly enough
ONE_FROM = 129                          # biased exponent of 4.0: erf rounds to 1 in fp32 from 3.9215 on

_table: list = []
_table_lock = threading.Lock()


def _build_table() -> list:
    """Coefficients c0..c3 (one array each, indexed by the top 16 bits of an fp32 value) of the cubic in j."""
    half = 1 << (8 + MANTISSA_BITS)                 # the intervals of non-negative floats
    i = np.arange(half, dtype=np.uint64)
    exponent = i >> MANTISSA_BITS
    with np.errstate(invalid="ignore"):             # (the bit patterns of inf and NaN)
        left = (i << SHIFT).astype(np.uint32).view(np.float32).astype(np.float64)
        right = ((i + 1) << SHIFT).astype(np.uint32).view(np.float32).astype(np.float64)
    coefs = np.zeros((half, DEGREE + 1))
    fit = (exponent >= LINEAR_BELOW) & (exponent < ONE_FROM)
    k = np.arange(DEGREE + 1)
    nodes = 0.5 - 0.5 * np.cos((2 * k + 1) * np.pi / (2 * (DEGREE + 1)))   # Chebyshev points in [0, 1]
    points = left[fit, None] + (right[fit] - left[fit])[:, None] * nodes
    values = np.frompyfunc(math.erf, 1, 1)(points).astype(np.float64)
    in_s = values @ np.linalg.inv(np.vander(nodes, DEGREE + 1, increasing=True)).T   # cubic in s = j / 2**SHIFT
    coefs[fit] = in_s * 2.0 ** (-SHIFT * k)
    tiny = exponent < LINEAR_BELOW
    slope = 2 / math.sqrt(math.pi)
    step = np.ldexp(1.0, np.maximum(exponent[tiny].astype(np.int64), 1) - 150)   # value of one j (subnormals too)
    coefs[tiny, 0] = slope * left[tiny]
    coefs[tiny, 1] = slope * step
    coefs[exponent >= ONE_FROM, 0] = 1.0
    # NaN: exponent 255 with a non-zero mantissa. Those whose top mantissa bits are 0 share inf's interval;
    # erf quiets its input first (x * 1), which sets the top mantissa bit of every NaN.
    coefs[(exponent == 255) & ((i & ((1 << MANTISSA_BITS) - 1)) != 0), 0] = np.nan
    both = np.concatenate([coefs, -coefs])          # negative floats: erf is odd
    return [np.ascontiguousarray(both[:, d]) for d in range(DEGREE + 1)]


def _coefficients() -> list:
    if not _table:
        with _table_lock:
            if not _table:
                _table.extend(_build_table())
    return _table


def _erf_chunk(x: np.ndarray, out: np.ndarray, buffers: tuple, table: list) -> None:
    """erf of fp32/fp16 x into out (same size, any float dtype); buffers: scratch of at least x.size."""
    n = x.size
    quiet, index, low, s, acc, c = (b[:n] for b in buffers)
    np.multiply(x, np.float32(1), out=quiet)        # fp32, and every NaN quiet (see _build_table)
    bits = quiet.view(np.uint32)
    np.right_shift(bits, SHIFT, out=low.view(np.uint32))
    np.copyto(index, low)                           # (np.take wants intp indices)
    np.bitwise_and(bits, LOW, out=low.view(np.uint32))
    np.copyto(s, low)
    # index < 2**16, the table's length: "wrap" skips the bounds check, the method numpy's np.take wrapper
    table[DEGREE].take(index, out=acc, mode="wrap")
    for d in range(DEGREE - 1, -1, -1):
        acc *= s
        table[d].take(index, out=c, mode="wrap")
        acc += c
    np.copyto(out, acc)                             # one rounding, fp64 -> the output dtype


def erf(x) -> np.ndarray:
    """Error function of a float array (see the module doc); the result has x's dtype (fp64 for others)."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float16):
        if x.size == 0:
            return np.zeros(x.shape, np.float64)
        return np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)).astype(np.float64)
    out = output_for((x,), x.shape, x.dtype)
    flat_in, flat_out = x.reshape(-1), out.reshape(-1)
    if flat_in.size == 0:
        return out
    table = _coefficients()
    size = min(CHUNK, flat_in.size)
    buffers = (np.empty(size, np.float32), np.empty(size, np.intp), np.empty(size, np.int32),
               np.empty(size), np.empty(size), np.empty(size))
    with np.errstate(invalid="ignore"):             # (quieting a signalling NaN raises the invalid flag)
        for start in range(0, flat_in.size, CHUNK):
            stop = min(start + CHUNK, flat_in.size)
            _erf_chunk(flat_in[start:stop], flat_out[start:stop], buffers, table)
    return out
