"""Ops onnxruntime 1.32 does not run, against onnx's reference evaluator (the node suite's expected outputs
check them too, through tools/onnx_node_suite.py)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.ops_tensor._eval import Case, feeds, inp, load_case, make_model, run_graph

from ._cases import REFERENCE_CASES

rng = np.random.default_rng(13)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


CASES = [
    Case("swiglu", "SwiGLU", [inp("a", f32(2, 3, 4)), inp("b", f32(2, 3, 4))], opset=28),
    Case("swiglu_alpha_fp16", "SwiGLU", [inp("a", f32(5, 4).astype(np.float16)), inp("b", f32(5, 4).astype(np.float16))],
         {"alpha": 1.702}, opset=28, atol=2e-3),
] + REFERENCE_CASES


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_onnx_reference(case, tmp_path):
    from onnx.reference import ReferenceEvaluator
    ours, _ = run_graph(load_case(case, tmp_path), feeds(case))
    theirs = ReferenceEvaluator(make_model(case)).run(None, feeds(case))
    assert len(ours) == len(theirs)
    for got, want in zip(ours, theirs):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), atol=case.atol, rtol=1e-3)
