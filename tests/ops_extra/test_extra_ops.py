"""Extra ops: one-node ONNX models through our frontend and kernels versus onnxruntime, and every op's
infer versus the shapes and dtypes its kernel produced."""
from __future__ import annotations

import pytest

from converter.ir import from_numpy
from tests.ops_tensor._eval import assert_matches_onnxruntime, compatible, computed_ops, infer_op

from ._cases import EXTRA_CASES

DATA_DEPENDENT = {"Unique"}  # output sizes depend on values: infer gives -1


@pytest.mark.parametrize("case", EXTRA_CASES, ids=str)
def test_matches_onnxruntime(case, tmp_path):
    assert_matches_onnxruntime(case, tmp_path)


@pytest.mark.parametrize("case", EXTRA_CASES, ids=str)
def test_infer_agrees_with_kernel(case, tmp_path):
    for graph, op, values, actual in computed_ops(case, tmp_path):
        for known in ("all", "const"):
            inferred = infer_op(graph, op, values, known)
            assert [d.dtype for d in inferred] == [from_numpy(a.dtype) for a in actual]
            for d, a in zip(inferred, actual):
                assert compatible(d.shape, a.shape), (d.shape, a.shape)
                assert d.shape is not None
                if op.type not in DATA_DEPENDENT:
                    assert d.shape == a.shape, known
        for d, a in zip(infer_op(graph, op, values, "const", dynamic=True), actual):
            assert compatible(d.shape, a.shape), (d.shape, a.shape)
            assert d.dtype == from_numpy(a.dtype)
