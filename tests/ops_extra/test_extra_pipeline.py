"""Extra ops through the whole pipeline (frontend, passes with shape inference and constant folding,
runtime Session, fp32 precision) versus onnxruntime."""
from __future__ import annotations

import numpy as np
import onnx
import pytest

from tests.helpers import convert_and_run
from tests.ops_tensor._eval import feeds, load_case, make_model, onnxruntime_outputs, run_graph

from ._cases import EXTRA_CASES

BY_ID = {c.id: c for c in EXTRA_CASES}
PIPELINE_IDS = ["grid20_cubic_reflection", "unique_axis0_unsorted", "attention_3d_gqa_bool_mask",
                "attention_4d_causal_past", "hann_periodic", "col2im_strided", "rope_3d_position_ids",
                "center_crop_pad", "max_unpool", "cumprod_excl_rev", "bitwise_not_i32", "det_batch"]


@pytest.mark.parametrize("case_id", PIPELINE_IDS)
def test_pipeline_matches_onnxruntime(case_id, tmp_path):
    case = BY_ID[case_id]
    kernel_outputs, _ = run_graph(load_case(case, tmp_path), feeds(case))
    out_dtypes = [o.dtype for o in kernel_outputs]
    path = str(tmp_path / "m.onnx")
    onnx.save(make_model(case, out_dtypes), path)
    got = convert_and_run(path, feeds(case), precision_mode="force_fp32")
    want = onnxruntime_outputs(case, out_dtypes)
    assert len(got) == len(want)
    for g, w in zip(got.values(), want):
        assert g.dtype == w.dtype
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, atol=case.atol, rtol=1e-5)
