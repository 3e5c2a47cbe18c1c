"""An .om with static AIPP (--insert_op_conf) exports with its preprocessing written as ONNX ops: onnxruntime,
fed the same uint8 image, gives our runtime's outputs (the CSC is integer arithmetic, exact in doubles)."""
from __future__ import annotations

import numpy as np
import pytest

from converter import api
from converter.configs.aipp import parse_aipp_text
from converter.export import graph_to_onnx, load_om_graph
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.aipp._models import conv_model
from tests.helpers import save
from tools.export_roundtrip import ort_run, scaled_error

pytest.importorskip("onnxruntime")

CONFIGS = {  # name -> (model input (N, C, H, W), config body)
    "rgb_crop_swap_pad": ((1, 3, 8, 10), """input_format: RGB888_U8 src_image_size_w: 12 src_image_size_h: 9
        crop: true load_start_pos_w: 2 load_start_pos_h: 1 crop_size_w: 8 crop_size_h: 6 rbuv_swap_switch: true
        padding: true top_padding_size: 1 bottom_padding_size: 1 left_padding_size: 2 padding_value: 0.5
        mean_chn_0: 100 mean_chn_1: 110 mean_chn_2: 120 min_chn_0: 1.5 var_reci_chn_0: 0.02 var_reci_chn_1: 0.03
        var_reci_chn_2: 0.04"""),
    "rgb_to_yuv_csc": ((1, 3, 6, 8), """input_format: RGB888_U8 src_image_size_w: 8 src_image_size_h: 6 csc_switch: true
        matrix_r0c0: 77 matrix_r0c1: 150 matrix_r0c2: 29 matrix_r1c0: -43 matrix_r1c1: -85 matrix_r1c2: 128
        matrix_r2c0: 128 matrix_r2c1: -107 matrix_r2c2: -21 output_bias_0: 0 output_bias_1: 128 output_bias_2: 128"""),
    "xrgb_ax_swap": ((1, 3, 4, 6), """input_format: XRGB8888_U8 src_image_size_w: 6 src_image_size_h: 4
        ax_swap_switch: true var_reci_chn_0: 0.5"""),
    "nv12_csc_crop": ((1, 3, 4, 4), """input_format: YUV420SP_U8 src_image_size_w: 8 src_image_size_h: 6 csc_switch: true
        crop: true load_start_pos_w: 2 load_start_pos_h: 2 crop_size_w: 4 crop_size_h: 4"""),
    "yuv400_gray": ((1, 1, 6, 8), """input_format: YUV400_U8 src_image_size_w: 8 src_image_size_h: 6
        mean_chn_0: 128 var_reci_chn_0: 0.0078125"""),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("precision", ["force_fp32", "force_fp16"])
def test_aipp_preprocessing_exports(tmp_path, name, precision):
    shape, body = CONFIGS[name]
    src = save(conv_model([("x", shape)], channels_out=2), tmp_path)
    blocks = parse_aipp_text("aipp_op {\n aipp_mode: static\n" + body + "\n}\n")
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m"), aipp=blocks,
                                    insert_op_conf="aipp.cfg", precision_mode=precision))
    graph = load_om_graph(om)
    image_desc = graph.data_ops()[0].outputs[0]
    image = np.random.default_rng(5).integers(0, 256, size=image_desc.shape, dtype=np.uint8)
    model = graph_to_onnx(graph)
    assert "Aipp" not in {n.op_type for n in model.graph.node}
    ours = Session(om).run_outputs({"x": image})[0]
    theirs = ort_run(model.SerializeToString(), {"x": image})[0]
    assert scaled_error(theirs, ours) <= (1e-5 if precision == "force_fp32" else 2e-3)
