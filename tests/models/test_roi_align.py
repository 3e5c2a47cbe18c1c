"""ONNX RoiAlign against onnxruntime: avg and max modes, both coordinate modes, fixed and adaptive sampling."""
import numpy as np
import pytest
from onnx import TensorProto, helper

from converter.api import build_graph
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import ort_run, save


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize("opset,coord", [(16, "half_pixel"), (16, "output_half_pixel"), (10, None)])
@pytest.mark.parametrize("sampling", [0, 2])
def test_roi_align_matches_onnxruntime(tmp_path, mode, opset, coord, sampling):
    attrs = dict(mode=mode, output_height=3, output_width=4, sampling_ratio=sampling, spatial_scale=0.5)
    if coord:
        attrs["coordinate_transformation_mode"] = coord
    node = helper.make_node("RoiAlign", ["x", "rois", "idx"], ["y"], name="roi", **attrs)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 10, 12]),
                                       helper.make_tensor_value_info("rois", TensorProto.FLOAT, [5, 4]),
                                       helper.make_tensor_value_info("idx", TensorProto.INT64, [5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)]), tmp_path)
    rng = np.random.default_rng(opset + sampling)
    xy = rng.uniform(-2, 18, (5, 2))
    rois = np.concatenate([xy, xy + rng.uniform(0.5, 10, (5, 2))], axis=1).astype(np.float32)
    feeds = {"x": rng.standard_normal((2, 3, 10, 12)).astype(np.float32), "rois": rois,
             "idx": np.array([0, 1, 1, 0, 1], np.int64)}
    graph = build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))
    np.testing.assert_allclose(Session(graph).run(feeds)["y"], ort_run(path, feeds)[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("scale", [1.0, 0.25, 0.0625])
def test_max_roi_pool_matches_onnxruntime(tmp_path, scale):
    """ONNX MaxRoiPool and Caffe ROIPooling share the canonical ROIPooling op; onnxruntime checks it."""
    node = helper.make_node("MaxRoiPool", ["x", "rois"], ["y"], name="pool", pooled_shape=[3, 2], spatial_scale=scale)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 12, 10]),
                                       helper.make_tensor_value_info("rois", TensorProto.FLOAT, [6, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path)
    rng = np.random.default_rng(int(scale * 100))
    xy = rng.uniform(-1, 9 / scale, (6, 2))
    rois = np.concatenate([rng.integers(0, 2, (6, 1)), xy, xy + rng.uniform(0, 6 / scale, (6, 2))], axis=1)
    feeds = {"x": rng.standard_normal((2, 4, 12, 10)).astype(np.float32), "rois": rois.astype(np.float32)}
    graph = build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))
    np.testing.assert_array_equal(Session(graph).run(feeds)["y"], ort_run(path, feeds)[0])
