"""Error figures between two tensors, the pass/fail rule, and verify's default tolerances per precision."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import ops
from ..ir import DataType


@dataclass(frozen=True)
class Tolerance:
    """An output passes when |ours - ref| <= atol + peak_atol * max|ref| + rtol * |ref| everywhere and
    cosine >= min_cosine (peak_atol: an absolute tolerance in units of the output's largest value)."""

    atol: float = 1e-4
    rtol: float = 1e-3
    min_cosine: float = 0.999
    peak_atol: float = 0.0


# verify's defaults, by what the model computes in (default_tolerance):
# fp32: only fp32 rounding and summation order differ from the source framework.
FP32_DEFAULTS = Tolerance()
# fp16 (force_fp16, ATC's default, and the modes that put some ops in fp16): every such op rounds its inputs and
# result to fp16 (2**-11), and through a deep network that gives output errors of a few percent of the output's
# scale, with no bound relative to small elements. Measured faithful drift (tools/fp16_reference.py: our
# runtime, an fp16 emulation in onnxruntime and onnxruntime's own fp16 kernels agree): ResNet-50 with normalised
# activations, cosine 0.9988-0.9999 and max error 0.7-5% of the peak; a BERT-base-like encoder, cosine 0.9998
# and 1.3-2% of the peak; a Keras ResNet-50 via tf2onnx with calibrated batch norms, cosine 0.9998-0.99994 (the
# references 0.9997-0.99996) and 0.7-1.8% of the peak (the references 0.45-2.9%); issue 16's tf2onnx ResNet-50
# was reported at cosine 0.9971. So: 5% of the peak plus 5% of each value (plus fp32's atol, for outputs that
# are all zeros), cosine 0.99. A faithful fp16 conversion of a small ResNet passes, one conv off by 25% or 50%
# fails (tests/verify/test_default_tolerances.py).
FP16_DEFAULTS = Tolerance(atol=1e-4, rtol=0.05, min_cosine=0.99, peak_atol=0.05)


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
    peak = float(np.abs(b_f).max(initial=0.0))
    within = bool(np.all(err <= tol.atol + tol.peak_atol * peak + tol.rtol * np.abs(b_f)))
    passed = within and cosine >= tol.min_cosine
    res.update(max_abs_error=max_abs, max_rel_error=float(rel.max(initial=0.0)), cosine=cosine, passed=passed)
    if not passed:
        allowed = f"atol={tol.atol}" + (f" + {tol.peak_atol}*max|ref|" if tol.peak_atol else "")
        res["reason"] = (f"cosine {cosine:.6f} < {tol.min_cosine}" if cosine < tol.min_cosine else
                         f"errors exceed {allowed} + rtol={tol.rtol}*|ref|")
    return res


def default_tolerance(graph) -> tuple:
    """("fp16", FP16_DEFAULTS) when an op of the graph (or of a body) computes in fp16 or bf16, else
    ("fp32", FP32_DEFAULTS). Structural ops and Casts (an fp16 output or input boundary) do not count."""
    low = {DataType.DT_FLOAT16, DataType.DT_BF16}
    stack = [graph]
    while stack:
        g = stack.pop()
        for op in g.ops():
            stack.extend(op.subgraphs.values())
            if op.type == "Cast" or ops.has_trait(op.type, "structural"):
                continue
            if any(d.dtype in low for d in op.outputs):
                return "fp16", FP16_DEFAULTS
    return "fp32", FP32_DEFAULTS


def with_overrides(tol: Tolerance, **given) -> Tolerance:
    """tol with the fields given (not None) replaced."""
    return replace(tol, **{k: v for k, v in given.items() if v is not None})
