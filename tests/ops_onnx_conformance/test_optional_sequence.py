"""Sequence and optional values as graph inputs and outputs, the Optional ops and SequenceMap: our
conversion and runtime against onnxruntime where it runs them."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from tests.helpers import convert_and_run, ir_version_for, ort_run, save

from ._checks import assert_round_trips

pytest.importorskip("onnxruntime")

F = TensorProto.FLOAT
rng = np.random.default_rng(17)
SEQ = helper.make_sequence_type_proto(helper.make_tensor_type_proto(F, None))


def _model(nodes, inputs, outputs, opset=18):
    model = helper.make_model(helper.make_graph(nodes, "g", inputs, outputs),
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version_for(opset)
    return model


def _sequence_map_model():
    """y = SequenceMap(xs, w): for each x in xs, (x * w summed over its last axis, the shape of x)."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["x", "w"], ["xw"]), helper.make_node("ReduceSum", ["xw", "axes"], ["s"], keepdims=0),
         helper.make_node("Shape", ["x"], ["shape"])], "body",
        [helper.make_tensor_value_info("x", F, None), helper.make_tensor_value_info("w", F, [3])],
        [helper.make_tensor_value_info("s", F, None), helper.make_tensor_value_info("shape", TensorProto.INT64, None)])
    axes = helper.make_node("Constant", [], ["axes"], value=helper.make_tensor("a", TensorProto.INT64, [1], [-1]))
    node = helper.make_node("SequenceMap", ["xs", "w"], ["sums", "shapes"], body=body)
    return _model([axes, node], [helper.make_value_info("xs", SEQ), helper.make_tensor_value_info("w", F, [3])],
                  [helper.make_value_info("sums", SEQ),
                   helper.make_value_info("shapes", helper.make_sequence_type_proto(
                       helper.make_tensor_type_proto(TensorProto.INT64, None)))])


FEEDS = {"xs": [rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((4, 3)).astype(np.float32),
                rng.standard_normal((1, 5, 3)).astype(np.float32)], "w": rng.standard_normal(3).astype(np.float32)}


def test_sequence_map_with_a_sequence_input_matches_onnxruntime(tmp_path):
    path = save(_sequence_map_model(), tmp_path)
    ours = convert_and_run(path, FEEDS, precision_mode="force_fp32")
    theirs = ort_run(path, FEEDS)
    for got, want in zip(ours.values(), theirs):
        assert isinstance(got, list) and len(got) == len(want) == 3
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_sequence_map_round_trips_through_om_and_export(tmp_path):
    assert_round_trips(_sequence_map_model(), FEEDS, tmp_path)


def _optional_model(empty: bool):
    """has = OptionalHasElement(o); y = has ? OptionalGetElement(o) : x * 0, where o is Optional(x) or an
    empty optional."""
    opt = (helper.make_node("Optional", [], ["o"], type=helper.make_tensor_type_proto(F, None)) if empty else
           helper.make_node("Optional", ["x"], ["o"]))
    then_g = helper.make_graph([helper.make_node("OptionalGetElement", ["o"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", F, None)])
    else_g = helper.make_graph([helper.make_node("Sub", ["x", "x"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", F, None)])
    nodes = [opt, helper.make_node("OptionalHasElement", ["o"], ["has"]),
             helper.make_node("If", ["has"], ["y"], then_branch=then_g, else_branch=else_g)]
    return _model(nodes, [helper.make_tensor_value_info("x", F, [2, 3])],
                  [helper.make_tensor_value_info("y", F, None), helper.make_tensor_value_info("has", TensorProto.BOOL, [])])


@pytest.mark.parametrize("empty", [False, True])
def test_optional_ops(tmp_path, empty):
    """(onnxruntime runs no Optional* op; ONNX's reference evaluator gets OptionalGetElement's shape wrong:
    the node suite's cases check against its recorded outputs)"""
    x = rng.standard_normal((2, 3)).astype(np.float32)
    ours = convert_and_run(save(_optional_model(empty), tmp_path), {"x": x}, precision_mode="force_fp32")
    np.testing.assert_array_equal(ours["y"], np.zeros_like(x) if empty else x)
    assert ours["has"].dtype == np.bool_ and bool(ours["has"]) == (not empty)


def test_optional_graph_input_and_output(tmp_path):
    """An optional graph input (None when empty) passes through Identity to an optional output."""
    opt = helper.make_optional_type_proto(helper.make_tensor_type_proto(F, [2]))
    model = _model([helper.make_node("Identity", ["o"], ["y"]), helper.make_node("OptionalHasElement", ["o"], ["h"])],
                   [helper.make_value_info("o", opt)],
                   [helper.make_value_info("y", opt), helper.make_tensor_value_info("h", TensorProto.BOOL, [])])
    path = save(model, tmp_path)
    full = convert_and_run(path, {"o": np.array([1.0, 2.0], np.float32)})
    np.testing.assert_array_equal(full["y"], [1.0, 2.0])
    assert bool(full["h"])
    empty = convert_and_run(path, {"o": None})
    assert empty["y"] is None and not bool(empty["h"])
