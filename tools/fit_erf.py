"""Fit the polynomials of the runtime's vectorised erf (converter/ops/special.py) and print them.

erf(x) = x * P(x^2) for |x| < SPLIT; erf(x) = sign(x) * (1 - exp(-t^2) * Q(1/t)), t = min(|x|, TOP), above.
Each polynomial interpolates the exact function (math.erf / math.erfc in double precision) at Chebyshev
points of its interval, at the lowest degree whose relative error is below 2e-9 on a dense grid; the power
series coefficients (lowest first) are printed for pasting into special.py. With fp64 evaluation, the fp32
result is then within half an ulp (plus 2e-9) of the exact value; tests/ops_elementwise/test_erf.py checks
it against math.erf on a dense grid.

Run: python tools/fit_erf.py
"""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import Polynomial, chebyshev

SPLIT = 2.0     # |x| below: the odd series; above: the erfc form
TOP = 3.92      # erf(x) rounds to 1 in fp32 from x = 3.9215 on: t is clamped there
TOLERANCE = 2e-9


def _erf_over_x(u):
    """erf(x) / x as a function of u = x^2."""
    return np.array([math.erf(math.sqrt(v)) / math.sqrt(v) if v > 0 else 2 / math.sqrt(math.pi)
                     for v in np.atleast_1d(u)])


def _scaled_erfc(z):
    """exp(t^2) * erfc(t) as a function of z = 1/t."""
    return np.array([math.erfc(1 / v) * math.exp(1 / (v * v)) for v in np.atleast_1d(z)])


def fit(f, lo: float, hi: float) -> tuple:
    """(power series coefficients, lowest first; max relative error) of the lowest-degree Chebyshev
    interpolant of f on [lo, hi] within TOLERANCE."""
    grid = np.linspace(lo, hi, 20001)
    exact = f(grid)
    for degree in range(2, 40):
        cheb = chebyshev.chebinterpolate(lambda s: f(lo + (s + 1) * (hi - lo) / 2), degree)
        power = Polynomial(chebyshev.cheb2poly(cheb))(Polynomial([-(hi + lo) / (hi - lo), 2 / (hi - lo)])).coef
        error = float(np.max(np.abs(np.polyval(power[::-1], grid) - exact) / np.abs(exact)))
        if error < TOLERANCE:
            return power, error
    raise RuntimeError("no degree below 40 reaches the tolerance")


def main() -> None:
    for name, (f, lo, hi) in {"ERF_SMALL": (_erf_over_x, 0.0, SPLIT ** 2),
                              "ERFC_LARGE": (_scaled_erfc, 1 / TOP, 1 / SPLIT)}.items():
        coefs, error = fit(f, lo, hi)
        print(f"# degree {len(coefs) - 1}, max relative error {error:.1e} on [{lo:g}, {hi:g}]")
        print(f"{name} = (" + ", ".join(repr(float(c)) for c in coefs) + ")")


if __name__ == "__main__":
    main()
