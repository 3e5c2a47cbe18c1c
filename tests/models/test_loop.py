"""ONNX Loop: the body is a subgraph of a canonical Loop op (in the .om as a GraphDef); the runtime iterates
it with a trip count and/or a condition, carried values and scan outputs, reading outer-scope tensors."""
import json

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import assert_close_rel, ort_run, save


def _loop_model(with_cond_stop: bool):
    """acc_{i+1} = acc_i * 0.5 + x * i (x from the outer scope); stops after M iterations, or earlier when
    the sum of acc exceeds a threshold; scan output: acc after each iteration."""
    body_nodes = [
        helper.make_node("Cast", ["i"], ["i_f"], name="cast_i", to=TensorProto.FLOAT),
        helper.make_node("Mul", ["x", "i_f"], ["xi"], name="x_times_i"),
        helper.make_node("Mul", ["acc", "half"], ["acc_h"], name="halve"),
        helper.make_node("Add", ["acc_h", "xi"], ["acc_out"], name="update"),
        helper.make_node("Identity", ["acc_out"], ["scan"], name="scan_copy"),
    ]
    if with_cond_stop:
        body_nodes += [helper.make_node("ReduceSum", ["acc_out"], ["total"], name="total", keepdims=0),
                       helper.make_node("Less", ["total", "limit"], ["cond_out"], name="keep_going")]
    else:
        body_nodes += [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="cond_copy")]
    body = helper.make_graph(
        body_nodes, "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("scan", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(np.array(0.5, np.float32), "half"),
         numpy_helper.from_array(np.array(20.0, np.float32), "limit")])
    nodes = [helper.make_node("Relu", ["a"], ["x"], name="relu"),
             helper.make_node("Loop", ["M", "cond", "acc0"], ["acc_final", "history"], name="loop", body=body)]
    g = helper.make_graph(nodes, "loop_model",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
                           helper.make_tensor_value_info("M", TensorProto.INT64, []),
                           helper.make_tensor_value_info("acc0", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("acc_final", TensorProto.FLOAT, None),
                           helper.make_tensor_value_info("history", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(np.array(True), "cond")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("with_cond_stop", [False, True])
@pytest.mark.parametrize("trips", [0, 1, 7])
def test_loop_matches_onnxruntime(tmp_path, with_cond_stop, trips):
    src = save(_loop_model(with_cond_stop), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m"), precision_mode="force_fp32"))
    rng = np.random.default_rng(trips)
    feeds = {"a": rng.standard_normal((2, 3)).astype(np.float32) + 1, "M": np.array(trips, np.int64),
             "acc0": rng.standard_normal((2, 3)).astype(np.float32)}
    ours = Session(om).run(feeds)
    ref = ort_run(src, feeds)
    assert_close_rel(ours["acc_final"], ref[0], 1e-5)
    if trips:
        assert_close_rel(ours["history"], ref[1], 1e-5)
    else:
        assert ours["history"].size == ref[1].size == 0


def test_loop_body_is_a_graphdef_in_the_om(tmp_path):
    src = save(_loop_model(True), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m")))
    dump = tmp_path / "m.json"
    api.dump_json(ConvertOptions(mode=1, om=om, json=str(dump)))
    model = json.loads(dump.read_text())
    loop = next(op for op in model["graph"][0]["op"] if op["type"] == "Loop")
    assert loop["subgraph_name"] == [model["graph"][1]["name"]]
