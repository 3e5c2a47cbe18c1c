"""ONNX NonMaxSuppression (data-dependent output shape) against onnxruntime, alone and in a detection tail
(TopK-free YOLO-style: scores, NMS, GatherND of the kept boxes)."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import ort_run, save


def _nms_model(center: int, with_score_thr: bool, max_out: int, iou: float):
    inits = [numpy_helper.from_array(np.array([max_out], np.int64), "max_out"),
             numpy_helper.from_array(np.array([iou], np.float32), "iou")]
    ins = ["boxes", "scores", "max_out", "iou"]
    if with_score_thr:
        inits.append(numpy_helper.from_array(np.array([0.3], np.float32), "score_thr"))
        ins.append("score_thr")
    nodes = [helper.make_node("NonMaxSuppression", ins, ["sel"], name="nms", center_point_box=center),
             helper.make_node("Gather", ["sel", "two"], ["box_idx"], name="pick_box", axis=1),
             helper.make_node("Squeeze", ["boxes", "zero"], ["b0"], name="sq"),
             helper.make_node("Gather", ["b0", "box_idx"], ["kept"], name="kept_boxes", axis=0)]
    inits += [numpy_helper.from_array(np.array(2, np.int64), "two"),
              numpy_helper.from_array(np.array([0], np.int64), "zero")]
    g = helper.make_graph(nodes, "nms", [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, 40, 4]),
                                         helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 3, 40])],
                          [helper.make_tensor_value_info("sel", TensorProto.INT64, None),
                           helper.make_tensor_value_info("kept", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("center,with_thr,max_out,iou", [(0, True, 10, 0.5), (1, False, 5, 0.3), (0, False, 40, 0.0)])
def test_nms_matches_onnxruntime(tmp_path, center, with_thr, max_out, iou):
    src = save(_nms_model(center, with_thr, max_out, iou), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m"), precision_mode="force_fp32"))
    rng = np.random.default_rng(center * 10 + max_out)
    xy = rng.uniform(0, 10, (1, 40, 2)).astype(np.float32)
    wh = rng.uniform(0.5, 4, (1, 40, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + wh], axis=2) if not center else np.concatenate([xy, wh], axis=2)
    feeds = {"boxes": boxes, "scores": rng.random((1, 3, 40)).astype(np.float32)}
    ours = Session(om).run(feeds)
    ref = ort_run(src, feeds)
    np.testing.assert_array_equal(ours["sel"], ref[0])
    np.testing.assert_allclose(ours["kept"], ref[1], rtol=1e-6)
    assert ours["sel"].shape[0] > 0
