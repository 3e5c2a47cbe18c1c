"""An If whose condition becomes a constant during shape inference is replaced by the branch it takes: the
branch not taken may not fit the shapes at all (ONNX function bodies, e.g. AffineGrid's, branch on the
rank and split a shape only the taken branch can split)."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph
from tests.helpers import convert_and_run, ir_version_for, options, save

F = TensorProto.FLOAT


def _model():
    """y = x's shape split in 4 when x is 4-D, else x's shape + 1: a 3-D x takes the else branch."""
    const = lambda name, v: helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(v)))
    then_g = helper.make_graph([helper.make_node("Split", ["shape"], ["a", "b", "c", "d"], num_outputs=4),
                                helper.make_node("Concat", ["d", "c", "b", "a"], ["t"], axis=0)],
                               "then", [], [helper.make_tensor_value_info("t", TensorProto.INT64, None)])
    else_g = helper.make_graph([const("one", np.array(1, np.int64)), helper.make_node("Add", ["shape", "one"], ["e"])],
                               "else", [], [helper.make_tensor_value_info("e", TensorProto.INT64, None)])
    nodes = [helper.make_node("Shape", ["x"], ["shape"]), helper.make_node("Size", ["shape"], ["rank"]),
             const("four", np.array(4, np.int64)), helper.make_node("Equal", ["rank", "four"], ["is4d"]),
             helper.make_node("If", ["is4d"], ["y"], then_branch=then_g, else_branch=else_g)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", F, ["a", 3, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.INT64, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = ir_version_for(18)
    return model


def test_the_branch_taken_replaces_the_if(tmp_path):
    path = save(_model(), tmp_path)
    graph = build_graph(options(path, input_shape=(("x", (2, 3, 4)),), precision_mode="force_fp32"))
    assert "If" not in {op.type for op in graph.ops()} and "Split" not in {op.type for op in graph.ops()}
    y = convert_and_run(path, {"x": np.zeros((2, 3, 4), np.float32)}, input_shape=(("x", (2, 3, 4)),))["y"]
    np.testing.assert_array_equal(y, [3, 4, 5])
