"""Tensor ops: one-node ONNX models through our frontend and kernels versus onnxruntime, and every op's
infer versus the shapes and dtypes its kernel produced."""
from __future__ import annotations

import pytest

from converter.ir import from_numpy

from ._cases import TENSOR_CASES
from ._eval import assert_matches_onnxruntime, compatible, computed_ops, infer_op


@pytest.mark.parametrize("case", TENSOR_CASES, ids=str)
def test_matches_onnxruntime(case, tmp_path):
    assert_matches_onnxruntime(case, tmp_path)


# inputs whose values (not just shapes) decide output shapes: infer may give -1 when they are not constant
VALUE_INPUTS = {"Reshape": {1}, "Fill": {0}, "Range": {0, 1, 2}, "BroadcastTo": {1}, "Tile": {1},
                "Slice": {1, 2, 3, 4}, "OneHot": {1}, "Split": {1}, "Compress": {1}, "NonZero": {0}}


def _shape_needs_values(graph, op) -> bool:
    refs = graph.inputs_of(op.name)
    return any(i < len(refs) and refs[i] is not None and graph.op(refs[i][0]).type != "Const"
               for i in VALUE_INPUTS.get(op.type, ()))


@pytest.mark.parametrize("case", TENSOR_CASES, ids=str)
def test_infer_agrees_with_kernel(case, tmp_path):
    for graph, op, values, actual in computed_ops(case, tmp_path):
        full = infer_op(graph, op, values, "all")
        assert [d.shape for d in full] == [a.shape for a in actual], "all input values known"
        assert [d.dtype for d in full] == [from_numpy(a.dtype) for a in actual]
        needs_values = _shape_needs_values(graph, op)
        static = infer_op(graph, op, values, "const")
        if not needs_values:
            assert [d.shape for d in static] == [a.shape for a in actual], "static input shapes"
        for d, a in zip(static + infer_op(graph, op, values, "const", dynamic=True), actual + actual):
            assert compatible(d.shape, a.shape), (d.shape, a.shape)
            assert d.dtype == from_numpy(a.dtype)
            rank_unknowable = needs_values or (op.type == "Squeeze" and not op.attrs.get("axes"))
            assert d.shape is not None or rank_unknowable, "rank must be known"
