"""Caffe ROIPooling (py-faster-rcnn's layer, field 8266711) converts and matches onnxruntime's MaxRoiPool,
an independent implementation of the same computation."""
import numpy as np
from onnx import TensorProto, helper

from converter import api
from converter.options import ConvertOptions
from converter.proto import caffe_pb2
from converter.runtime import Session
from tests.helpers import ort_run, save

PROTOTXT = """name: "fast_rcnn_head"
input: "conv5"
input_shape { dim: 1 dim: 8 dim: 14 dim: 14 }
input: "rois"
input_shape { dim: 5 dim: 5 }
layer { name: "roi_pool5" type: "ROIPooling" bottom: "conv5" bottom: "rois" top: "pool5"
        roi_pooling_param { pooled_w: 3 pooled_h: 3 spatial_scale: 0.0625 } }
"""


def test_caffe_roi_pooling(tmp_path):
    (tmp_path / "net.prototxt").write_text(PROTOTXT)
    net = caffe_pb2.NetParameter(name="fast_rcnn_head")
    net.layer.add(name="roi_pool5", type="ROIPooling")
    (tmp_path / "net.caffemodel").write_bytes(net.SerializeToString())
    om = api.convert(ConvertOptions(framework=0, model=str(tmp_path / "net.prototxt"),
                                    weight=str(tmp_path / "net.caffemodel"), output=str(tmp_path / "net"),
                                    precision_mode="force_fp32"))
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 180, (5, 2))
    rois = np.concatenate([np.zeros((5, 1)), xy, xy + rng.uniform(10, 60, (5, 2))], axis=1).astype(np.float32)
    feeds = {"conv5": rng.standard_normal((1, 8, 14, 14)).astype(np.float32), "rois": rois}
    ours = Session(om).run(feeds)["pool5"]
    node = helper.make_node("MaxRoiPool", ["x", "r"], ["y"], pooled_shape=[3, 3], spatial_scale=0.0625)
    g = helper.make_graph([node], "ref", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 14, 14]),
                                         helper.make_tensor_value_info("r", TensorProto.FLOAT, [5, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    ref = ort_run(save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path, "ref.onnx"),
                  {"x": feeds["conv5"], "r": rois})[0]
    np.testing.assert_array_equal(ours, ref)
