"""ONNX handlers: attrs land in the canonical form (non-negative axes where the rank is known, opset
variants folded into attrs, old Slice attrs as constant inputs)."""
from __future__ import annotations

import numpy as np
import pytest

from ._cases import TENSOR_CASES
from ._eval import load_case

BY_ID = {c.id: c for c in TENSOR_CASES}


def canonical_op(case_id, tmp_path):
    graph = load_case(BY_ID[case_id], tmp_path)
    (op,) = [op for op in graph.ops() if op.type not in ("Data", "Const", "NetOutput")]
    return graph, op


@pytest.mark.parametrize("case_id,op_type,attrs", [
    ("concat_neg_axis", "ConcatD", {"concat_dim": 2}),
    ("squeeze_11_axes", "Squeeze", {"axes": [0, 2]}),
    ("squeeze_13_axes", "Squeeze", {"axes": [2]}),
    ("squeeze_13_all", "Squeeze", {"axes": []}),
    ("unsqueeze_11", "Unsqueeze", {"axes": [0, 4]}),
    ("unsqueeze_13", "Unsqueeze", {"axes": [4, 1]}),
    ("gather_axis_neg_2d_idx", "GatherV2", {"axis": 2}),
    ("one_hot", "OneHot", {"axis": 2}),
    ("flatten_axis_neg", "Flatten", {"axis": 3}),
    ("split_11_attr", "Split", {"axis": 1, "split": [1, 2, 3], "num_split": 3}),
    ("split_11_equal", "Split", {"axis": 0, "num_split": 3}),
    ("split_13_input", "Split", {"axis": 1, "split": [4, 3], "num_split": 2}),
    ("split_18_uneven", "Split", {"axis": 1, "num_split": 3}),
    ("scatter_old_10", "ScatterElements", {"axis": 0}),
    ("eye_like_dtype", "EyeLike", {"k": -1, "dtype": 8}),  # ONNX INT64 (7) is DT_INT64 (8)
    ("expand_bidirectional", "BroadcastTo", {}),
    ("constant_of_shape_default", "Fill", {}),
])
def test_canonical_attrs(case_id, op_type, attrs, tmp_path):
    _, op = canonical_op(case_id, tmp_path)
    assert op.type == op_type
    assert {k: op.attrs[k] for k in attrs} == attrs


def test_slice_before_opset_10_gets_constant_inputs(tmp_path):
    graph, op = canonical_op("slice_9_attrs", tmp_path)
    params = [graph.const_value(r) for r in graph.inputs_of(op.name)[1:]]
    assert [p.tolist() for p in params] == [[1, -3], [100, -1], [2, 1]]
    assert all(p.dtype == np.int64 for p in params)
