"""Ops added for ONNX conformance: one-node models through our frontend and kernels versus onnxruntime,
and every op's infer versus the shapes and dtypes its kernel produced."""
from __future__ import annotations

import pytest

from converter.ir import from_numpy
import numpy as np

from tests.ops_tensor._eval import compatible, computed_ops, feeds, infer_op, load_case, onnxruntime_outputs, run_graph

from ._cases import CASES

RUN_TIME_SIZES = {"stft_run_time_step"}   # an output dim set by a run-time input: -1 until then
DATA_DEPENDENT = {"StringSplit"}          # an output dim set by the values: -1 until run time

pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_onnxruntime(case, tmp_path):
    ours, _ = run_graph(load_case(case, tmp_path), feeds(case))
    theirs = onnxruntime_outputs(case, [o.dtype for o in ours])
    assert len(ours) == len(theirs)
    for got, want in zip(ours, theirs):
        assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape, want.shape)
        if got.dtype.kind in "fc":
            np.testing.assert_allclose(got, want, atol=case.atol, rtol=1e-5)
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_infer_agrees_with_kernel(case, tmp_path):
    for graph, op, values, actual in computed_ops(case, tmp_path):
        inferred = infer_op(graph, op, values, "const")
        assert [d.dtype for d in inferred] == [from_numpy(a.dtype) for a in actual]
        for d, a in zip(inferred, actual):
            if case.id in RUN_TIME_SIZES or op.type in DATA_DEPENDENT:
                assert compatible(d.shape, a.shape), (d.shape, a.shape)
            else:
                assert d.shape == a.shape
        for d, a in zip(infer_op(graph, op, values, "const", dynamic=True), actual):
            assert compatible(d.shape, a.shape), (d.shape, a.shape)
