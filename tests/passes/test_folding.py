"""Constant folding keeps scalar results scalar: the exporter pattern Shape -> Gather(scalar index) ->
Unsqueeze -> Concat -> Reshape folds away once shapes are fixed (a 0-d fold once became 1-d and broke Concat)."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import ort_run, save


def test_scalar_gather_chain_folds(tmp_path):
    inits = [numpy_helper.from_array(np.array(0, np.int64), "i0"),
             numpy_helper.from_array(np.array([0], np.int64), "ax0"),
             numpy_helper.from_array(np.array([-1], np.int64), "m1")]
    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"),
             helper.make_node("Gather", ["s", "i0"], ["b"], name="batch", axis=0),      # 0-d result
             helper.make_node("Unsqueeze", ["b", "ax0"], ["b1"], name="unsq"),
             helper.make_node("Concat", ["b1", "m1"], ["shp"], name="cat", axis=0),
             helper.make_node("Reshape", ["x", "shp"], ["y"], name="flat")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path)
    graph = build_graph(ConvertOptions(framework=5, model=path, input_shape=(("x", (2, 3, 4)),),
                                       precision_mode="force_fp32"))
    assert [op.type for op in graph.ops() if op.type not in ("Data", "Const", "NetOutput")] == ["Reshape"]
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(Session(graph).run({"x": x})["y"], ort_run(path, {"x": x})[0])
