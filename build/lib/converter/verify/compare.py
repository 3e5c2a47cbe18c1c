"""Error figures between two tensors and the pass/fail rule."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """An output passes when |ours - ref| <= atol + rtol * |ref| everywhere and cosine >= min_cosine."""

    atol: float = 1e-4
    rtol: float = 1e-3
    min_cosine: float = 0.999


def compare_arrays(ours: np.ndarray, ref: np.ndarray, tol: Tolerance) -> dict:
    """Shape, max absolute/relative error, cosine similarity and the verdict for one output."""
    res = {"shape": list(ref.shape), "our_shape": list(ours.shape), "dtype": str(ours.dtype)}
    if ours.shape != ref.shape:
        res.update(max_abs_error=None, max_rel_error=None, cosine=None, passed=False,
                   reason=f"shape {list(ours.shape)} differs from the source's {list(ref.shape)}")
        return res
    a = ours.astype(np.float64).ravel()
    b = ref.astype(np.float64).ravel()
    if a.size == 0:
        res.update(max_abs_error=0.0, max_rel_error=0.0, cosine=1.0, passed=True)
        return res
    if ref.dtype.kind in "biu" and ours.dtype.kind in "biu":
        equal = bool(np.array_equal(a, b))
        mism = int(np.count_nonzero(a != b))
        res.update(max_abs_error=float(np.abs(a - b).max()), max_rel_error=0.0 if equal else 1.0,
                   cosine=1.0 if equal else None, passed=equal)
        if not equal:
            res["reason"] = f"{mism} of {a.size} integer values differ"
        return res
    finite = np.isfinite(a) & np.isfinite(b)
    same_nonfinite = bool(np.array_equal(np.isnan(a), np.isnan(b)) and
                          np.array_equal(np.isinf(a), np.isinf(b)) and
                          np.array_equal(a[np.isinf(b)], b[np.isinf(b)]))
    if not same_nonfinite:  # e.g. fp16 overflow: no error figure or cosine means anything then
        bad = int(np.count_nonzero(np.isfinite(a) != np.isfinite(b) | (np.isnan(a) != np.isnan(b))))
        res.update(max_abs_error=None, max_rel_error=None, cosine=None, passed=False,
                   nonfinite_mismatch=bad, reason=f"{bad} of {a.size} values are inf/nan on one side only "
                   "(overflow?)")
        return res
    a_f, b_f = a[finite], b[finite]
    err = np.abs(a_f - b_f)
    max_abs = float(err.max(initial=0.0))
    rel = err / np.maximum(np.abs(b_f), 1e-12)
    na, nb = np.linalg.norm(a_f), np.linalg.norm(b_f)
    cosine = float(np.dot(a_f, b_f) / (na * nb)) if na > 0 and nb > 0 else (1.0 if na == nb else 0.0)
    within = bool(np.all(err <= tol.atol + tol.rtol * np.abs(b_f)))
    passed = within and cosine >= tol.min_cosine
    res.update(max_abs_error=max_abs, max_rel_error=float(rel.max(initial=0.0)), cosine=cosine, passed=passed)
    if not passed:
        res["reason"] = (f"cosine {cosine:.6f} < {tol.min_cosine}" if cosine < tol.min_cosine else
                         f"errors exceed atol={tol.atol} + rtol={tol.rtol}*|ref|")
    return res
