"""ONNX If: a constant condition inlines the branch; an input condition keeps both branches as subgraphs
(GraphDefs referenced by subgraph_name in the .om) and the runtime picks one."""
import json

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import assert_close_rel, ort_run, save


def _if_model(cond_is_input: bool):
    then_g = helper.make_graph([helper.make_node("Mul", ["x", "two"], ["t"], name="then_mul")], "then_body", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)],
                               [numpy_helper.from_array(np.array(2.0, np.float32), "two")])
    else_g = helper.make_graph([helper.make_node("Relu", ["y"], ["e0"], name="else_relu"),
                                helper.make_node("Add", ["e0", "x"], ["e"], name="else_add")], "else_body", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])
    nodes = [helper.make_node("Neg", ["a"], ["y"], name="neg"), helper.make_node("Sigmoid", ["a"], ["x"], name="sig"),
             helper.make_node("If", ["c"], ["out"], name="branch", then_branch=then_g, else_branch=else_g),
             helper.make_node("Exp", ["out"], ["z"], name="exp")]
    inputs = [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3])]
    inits = []
    if cond_is_input:
        inputs.append(helper.make_tensor_value_info("c", TensorProto.BOOL, []))
    else:
        inits.append(numpy_helper.from_array(np.array(False), "c"))
    g = helper.make_graph(nodes, "if_model", inputs, [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
                          inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def test_constant_condition_is_inlined(tmp_path):
    src = save(_if_model(False), tmp_path)
    g = api.build_graph(ConvertOptions(framework=5, model=src, precision_mode="force_fp32"))
    assert "If" not in {op.type for op in g.ops()} and "Relu" in {op.type for op in g.ops()}
    a = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    assert_close_rel(Session(g).run({"a": a})["z"], ort_run(src, {"a": a})[0], 1e-5)


@pytest.mark.parametrize("cond", [True, False])
def test_input_condition_keeps_subgraphs_in_the_om(tmp_path, cond):
    src = save(_if_model(True), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m"), precision_mode="force_fp32"))
    dump = tmp_path / "m.json"
    api.dump_json(ConvertOptions(mode=1, om=om, json=str(dump)))
    model = json.loads(dump.read_text())
    if_op = next(op for op in model["graph"][0]["op"] if op["type"] == "If")
    names = {g["name"] for g in model["graph"][1:]}
    assert len(model["graph"]) == 3 and set(if_op["subgraph_name"]) == names
    a = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    feeds = {"a": a, "c": np.array(cond)}
    assert_close_rel(Session(om).run(feeds)["z"], ort_run(src, feeds)[0], 1e-5)
