"""Ops added for ONNX conformance: one-node models through our frontend and kernels versus onnxruntime,
and every op's infer versus the shapes and dtypes its kernel produced."""
from __future__ import annotations

import pytest

from converter.ir import from_numpy
from tests.ops_tensor._eval import STRUCTURAL, assert_matches_onnxruntime, compatible, feeds, infer_op, load_case, run_graph

from ._cases import CASES

RUN_TIME_SIZES = {"stft_run_time_step"}   # an output dim set by a run-time input: -1 until then

pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_onnxruntime(case, tmp_path):
    assert_matches_onnxruntime(case, tmp_path)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_infer_agrees_with_kernel(case, tmp_path):
    graph = load_case(case, tmp_path)
    _, values = run_graph(graph, feeds(case))
    for op in graph.topo_order():
        if op.type in STRUCTURAL:
            continue
        actual = [values[(op.name, k)] for k in range(len(op.outputs))]
        inferred = infer_op(graph, op, values, "const")
        assert [d.dtype for d in inferred] == [from_numpy(a.dtype) for a in actual]
        for d, a in zip(inferred, actual):
            assert d.shape == a.shape or case.id in RUN_TIME_SIZES and compatible(d.shape, a.shape)
        for d, a in zip(infer_op(graph, op, values, "const", dynamic=True), actual):
            assert compatible(d.shape, a.shape), (d.shape, a.shape)
