"""ONNX handlers for the extra ops land in canonical ops (existing ones reused where the semantics exist)."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ir import DataType
from converter.ops import registry
from tests.ops_tensor._eval import load_case

from ._cases import EXTRA_CASES

BY_ID = {c.id: c for c in EXTRA_CASES}


@pytest.mark.parametrize("case_id,op_type,attrs", [
    ("grid20_cubic_zeros", "GridSample", {"mode": "bicubic", "padding_mode": "zeros"}),
    ("grid20_linear_reflection", "GridSample", {"mode": "bilinear", "padding_mode": "reflection"}),
    ("grid20_default", "GridSample", {"mode": "bilinear", "align_corners": False}),
    ("swish_alpha", "Swish", {"scale": pytest.approx(0.7)}),
    ("rmsnorm_last", "RmsNorm", {"axis": 2}),
    ("cumprod_excl_rev", "CumProd", {"axis": 2, "exclusive": True, "reverse": True}),
    ("bitshift_left_u32", "LeftShift", {}),
    ("bitshift_right_u8", "RightShift", {}),
    ("bitwise_not_i32", "Invert", {}),
    ("center_crop_pad", "CenterCropPad", {"axes": [1, 2]}),
    ("hamming_double", "Window", {"window": "hamming", "periodic": True, "dtype": int(DataType.DT_DOUBLE)}),
    ("unique_int_one_output", "Unique", {"axis": None, "sorted": True}),
])
def test_canonical_op(case_id, op_type, attrs, tmp_path):
    graph = load_case(BY_ID[case_id], tmp_path)
    (op,) = [op for op in graph.ops() if op.type not in ("Data", "Const", "NetOutput")]
    assert op.type == op_type
    assert {k: op.attrs[k] for k in attrs} == attrs


@pytest.mark.parametrize("op_type,inputs", [
    ("GridSample", [np.random.default_rng(0).standard_normal((1, 2, 3, 3)).astype(np.float16),
                    np.zeros((1, 2, 2, 2), np.float16)]),
    ("RmsNorm", [np.ones((2, 4), np.float16), np.ones(4, np.float16)]),
    ("Det", [np.eye(3, dtype=np.float16)]),
    ("GlobalLpPool", [np.ones((1, 2, 3, 3), np.float16)]),
])
def test_kernels_keep_fp16(op_type, inputs):
    spec = registry.get(op_type)
    (out,) = registry.run_kernel(spec, inputs, spec.normalize({}, "n"))
    assert out.dtype == np.float16
