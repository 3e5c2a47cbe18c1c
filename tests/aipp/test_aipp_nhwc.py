"""AIPP on a TensorFlow (NHWC) model: the Aipp op produces the NHWC tensor the model declared."""
import numpy as np

from converter.api import build_graph
from converter.configs.aipp import parse_aipp_text
from converter.ir import DataType
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.tensorflow.tf_builder import DType, GraphDefBuilder

from ._reference import normalise
from .conftest import assert_rel


def test_tf_nhwc_input(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("input", (1, 6, 4, 3))
    g.node("prob", "Relu", ["input"], T=DType(np.float32))
    pb = g.save(tmp_path, "g.pb")
    cfg = ("aipp_op {\n aipp_mode: static\n input_format: RGB888_U8\n rbuv_swap_switch: true\n"
           " mean_chn_0: 200\n mean_chn_1: 100\n var_reci_chn_2: 0.5\n}")
    graph = build_graph(ConvertOptions(framework=3, model=pb, aipp=parse_aipp_text(cfg), insert_op_conf="a.cfg",
                                       precision_mode="force_fp32"))
    d = graph.op("input").outputs[0]
    assert (d.dtype, d.shape, d.format, d.origin_format) == (DataType.DT_UINT8, (1, 6, 4, 3), "NHWC", "NHWC")
    aipp = next(op for op in graph.ops() if op.type == "Aipp")
    assert aipp.outputs[0].shape == (1, 6, 4, 3) and aipp.attrs["data_format"] == "NHWC"
    image = np.random.default_rng(2).integers(0, 256, size=(1, 6, 4, 3), dtype=np.uint8)
    expected = np.maximum(normalise(image[..., ::-1], (200, 100, 0), var=(1.0, 1.0, 0.5)), 0).transpose(0, 2, 3, 1)
    out = Session(graph).run({"input": image})
    assert_rel(next(iter(out.values())), expected)
