"""--input_shape applied to models: the E-codes of atc-cli.md, and dynamic dims that must be fixed."""
import numpy as np
import pytest
from onnx import TensorProto, helper

from converter.api import build_graph
from converter.errors import ConverterError
from tests.helpers import options, save


def _relu_model(shape=("N", 3, 8, 8)):
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


@pytest.fixture
def dyn_model(tmp_path):
    return save(_relu_model(), tmp_path)


def _code(path, **kw):
    with pytest.raises(ConverterError) as e:
        build_graph(options(path, **kw))
    return e.value.code


def test_unfixed_dynamic_dim_is_E10001(dyn_model):
    assert _code(dyn_model) == "E10001"


def test_unknown_input_name_is_E10016(dyn_model):
    assert _code(dyn_model, input_shape=(("nope", (1, 3, 8, 8)),)) == "E10016"


def test_wrong_dim_count_is_E10049(dyn_model):
    assert _code(dyn_model, input_shape=(("x", (1, 3, 8)),)) == "E10049"


@pytest.mark.parametrize("bad", [0, -2])
def test_non_positive_dim_is_E10011(dyn_model, bad):
    assert _code(dyn_model, input_shape=(("x", (bad, 3, 8, 8)),)) == "E10011"


def test_fixed_shape_propagates(dyn_model):
    g = build_graph(options(dyn_model, input_shape=(("x", (2, 3, 8, 8)),)))
    assert g.data_ops()[0].outputs[0].shape == (2, 3, 8, 8)
    out = g.desc(g.output_refs()[0])
    assert out.shape == (2, 3, 8, 8) and out.format == "NCHW"


def test_minus_one_makes_dynamic_input_with_range(dyn_model):
    g = build_graph(options(dyn_model, input_shape=(("x", (-1, 3, 8, 8)),)))
    d = g.data_ops()[0].outputs[0]
    assert d.shape == (-1, 3, 8, 8) and d.shape_range[0] == (1, -1)


def test_initializer_listed_as_input_is_constant_unless_named(tmp_path):
    w = helper.make_tensor("w", TensorProto.FLOAT, [1], [2.0])
    g = helper.make_graph([helper.make_node("Mul", ["x", "w"], ["y"], name="mul")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2]),
                           helper.make_tensor_value_info("w", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])], [w])
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path)
    graph = build_graph(options(path))
    assert [op.name for op in graph.data_ops()] == ["x"]
    graph = build_graph(options(path, input_shape=(("x", (2,)), ("w", (1,)))))
    assert [op.name for op in graph.data_ops()] == ["x", "w"]
    from converter.runtime import Session
    out = Session(graph).run({"x": np.array([1, 2], np.float32), "w": np.array([3], np.float32)})
    np.testing.assert_allclose(out["y"], [3, 6])
