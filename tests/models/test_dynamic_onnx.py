"""Real-world-style ONNX models with dynamic dims and shape subgraphs convert once --input_shape fixes the
dims, and match onnxruntime (max relative error 1e-4) on random inputs, through the written .om file."""
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import assert_close_rel, ort_run, save
from tools.make_samples import dynamic_seg, mlp, tiny_cnn


def _convert(path, out, shapes, **kw):
    return api.convert(ConvertOptions(framework=5, model=path, output=str(out), input_shape=shapes,
                                      precision_mode="force_fp32", **kw))


@pytest.mark.parametrize("shape", [(1, 3, 32, 32), (2, 3, 16, 24), (3, 3, 40, 8)])
def test_dynamic_seg_matches_onnxruntime(tmp_path, shape):
    path = save(dynamic_seg(), tmp_path)
    om = _convert(path, tmp_path / "seg", (("x", shape),))
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ours = Session(om).run({"x": x})["seg"]
    assert_close_rel(ours, ort_run(path, {"x": x})[0], 1e-4)


def test_shape_chain_is_folded_away(tmp_path):
    path = save(dynamic_seg(), tmp_path)
    graph = api.build_graph(ConvertOptions(framework=5, model=path, input_shape=(("x", (1, 3, 16, 16)),),
                                           precision_mode="force_fp32"))
    types = [op.type for op in graph.ops()]
    assert "Shape" not in types and "GatherV2" not in types and "ConcatD" in types  # channel concat stays
    reshape = next(op for op in graph.ops() if op.type == "Reshape")
    assert graph.op(graph.inputs_of(reshape.name)[1][0]).type == "Const"


@pytest.mark.parametrize("batch", [1, 7])
def test_mlp_dynamic_batch(tmp_path, batch):
    path = save(mlp(), tmp_path)
    om = _convert(path, tmp_path / "mlp", (("x", (batch, 64)),))
    x = np.random.default_rng(1).standard_normal((batch, 64)).astype(np.float32)
    assert_close_rel(Session(om).run({"x": x})["y"], ort_run(path, {"x": x})[0], 1e-4)


def test_batchnorm_folded_into_conv_numerically(tmp_path):
    path = save(tiny_cnn(), tmp_path)
    graph = api.build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))
    assert "BatchNorm" not in [op.type for op in graph.ops()]
    x = np.random.default_rng(2).standard_normal((1, 3, 32, 32)).astype(np.float32)
    assert_close_rel(Session(graph).run({"x": x})["prob"], ort_run(path, {"x": x})[0], 1e-4)


def _yolo_like_head():
    """Dynamic H/W detection head: Conv, Sigmoid, Reshape via Shape ops, Slice, Mul by a grid made with
    Range/Expand/Unsqueeze from the runtime shape, Concat, and an output in [N, H*W*A, 6] layout."""
    r = np.random.default_rng(3)
    a, c = 2, 6
    inits = [numpy_helper.from_array((r.standard_normal((a * c, 8, 1, 1)) * 0.3).astype(np.float32), "w"),
             numpy_helper.from_array(np.array([0], np.int64), "i0"),
             numpy_helper.from_array(np.array([2], np.int64), "i2"),
             numpy_helper.from_array(np.array([3], np.int64), "i3"),
             numpy_helper.from_array(np.array([a], np.int64), "na"),
             numpy_helper.from_array(np.array([c], np.int64), "nc"),
             numpy_helper.from_array(np.array([-1], np.int64), "m1"),
             numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array(1, np.int64), "one"),
             numpy_helper.from_array(np.array([0], np.int64), "s_start"),
             numpy_helper.from_array(np.array([2], np.int64), "s_end"),
             numpy_helper.from_array(np.array([2], np.int64), "s_axes")]
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w"], ["p"], name="head"),
        n("Shape", ["p"], ["ps"], name="shape"),
        n("Gather", ["ps", "i0"], ["bn"], name="g_n", axis=0),
        n("Gather", ["ps", "i2"], ["hh"], name="g_h", axis=0),
        n("Gather", ["ps", "i3"], ["ww"], name="g_w", axis=0),
        n("Concat", ["bn", "na", "nc", "hh", "ww"], ["s5"], name="cat5", axis=0),
        n("Reshape", ["p", "s5"], ["p5"], name="reshape5"),
        n("Sigmoid", ["p5"], ["sg"], name="sigmoid"),
        n("Squeeze", ["ww"], ["ws"], name="sq_w", axes=[0]),
        n("Range", ["zero", "ws", "one"], ["gx"], name="range_w"),
        n("Cast", ["gx"], ["gxf"], name="cast", to=TensorProto.FLOAT),
        n("Unsqueeze", ["gxf"], ["gx2"], name="unsq", axes=[0]),
        n("Slice", ["sg", "s_start", "s_end", "s_axes"], ["xy"], name="slice_xy"),
        n("Add", ["xy", "gx2"], ["xyg"], name="add_grid"),
        n("Concat", ["bn", "m1", "nc"], ["s3"], name="cat3", axis=0),
        n("Transpose", ["sg"], ["sgt"], name="tr", perm=[0, 1, 3, 4, 2]),
        n("Reshape", ["sgt", "s3"], ["det"], name="reshape3"),
        n("ReduceSum", ["xyg"], ["xys"], name="rsum", axes=[2], keepdims=0),
    ]
    g = helper.make_graph(nodes, "yolo_head",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8, "H", "W"])],
                          [helper.make_tensor_value_info("det", TensorProto.FLOAT, None),
                           helper.make_tensor_value_info("xys", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 12)])


def test_detection_head_with_runtime_shapes(tmp_path):
    path = save(_yolo_like_head(), tmp_path)
    om = _convert(path, tmp_path / "head", (("x", (2, 8, 5, 7)),))
    x = np.random.default_rng(4).standard_normal((2, 8, 5, 7)).astype(np.float32)
    ours = Session(om).run({"x": x})
    ref = ort_run(path, {"x": x})
    assert_close_rel(ours["det"], ref[0], 1e-4)
    assert_close_rel(ours["xys"], ref[1], 1e-4)
