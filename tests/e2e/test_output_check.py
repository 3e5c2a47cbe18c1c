"""The .om's outputs are exactly the source graph's outputs (or --out_nodes), for every frontend; otherwise the
conversion stops with an E-code naming the lost output and writes nothing (converter/om/output_check.py)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import converter.conversion as conversion
from converter import api
from converter.errors import ConverterError
from converter.ir import Op
from converter.om.model_def import graph_to_model_def
from converter.om.output_check import check_outputs
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import ort_run, save
from tests.tensorflow.tf_builder import GraphDefBuilder
from tools.make_caffe_models import CaffeNetBuilder

RNN_WEIGHTS = {"LSTM": 4, "GRU": 3, "RNN": 1}


def _unnamed_recurrent_model(op_type: str):
    """An unnamed RNN/GRU/LSTM node whose first output (Y) is unused: "" (as in the ONNX node tests)."""
    gates, hidden = RNN_WEIGHTS[op_type], 3
    rng = np.random.default_rng(0)
    w = rng.standard_normal((1, gates * hidden, 2)).astype(np.float32)
    r = rng.standard_normal((1, gates * hidden, hidden)).astype(np.float32)
    outs = ["", "Y_h"] + (["Y_c"] if op_type == "LSTM" else [])
    node = helper.make_node(op_type, ["X", "W", "R"], outs, hidden_size=hidden)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [4, 1, 2])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs if o],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("op_type", sorted(RNN_WEIGHTS))
def test_unnamed_recurrent_node_with_empty_first_output(op_type, tmp_path):
    """Was: the op got the name "" and the .om's NetOutput read ':1', an op that does not exist (0 outputs)."""
    path = save(_unnamed_recurrent_model(op_type), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "m"),
                                    precision_mode="force_fp32"))
    x = np.random.default_rng(1).standard_normal((4, 1, 2)).astype(np.float32)
    session = Session(om)
    got = session.run({"X": x})
    want = ort_run(path, {"X": x})
    assert list(got) == ["Y_h", "Y_c"][:len(want)]
    for g, w in zip(got.values(), want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


# ---- a pass that loses an output: every frontend stops before writing ---------------------------------------

def _onnx_model(folder) -> ConvertOptions:
    nodes = [helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Neg", ["x"], ["b"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, 3]) for o in "ab"])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return ConvertOptions(framework=5, model=save(model, folder), output=str(folder / "m"))


def _tf_model(folder) -> ConvertOptions:
    g = GraphDefBuilder()
    g.placeholder("x", (1, 3))
    g.node("a", "Relu", ["x"], T=_f32())
    g.node("b", "Neg", ["x"], T=_f32())
    return ConvertOptions(framework=3, model=g.save(folder), output=str(folder / "m"), out_nodes=(("a", 0), ("b", 0)))


def _f32():
    from tests.tensorflow.tf_builder import DType
    return DType(np.float32)


def _caffe_model(folder) -> ConvertOptions:
    b = CaffeNetBuilder("two")
    b.input("x", [1, 3, 2, 2])
    b.layer("ReLU", "a", ["x"], ["a"])
    b.layer("TanH", "b", ["x"], ["b"])
    proto, weights = b.save(str(folder))
    return ConvertOptions(framework=0, model=proto, weight=weights, output=str(folder / "m"))


MODELS = {"onnx": _onnx_model, "tensorflow": _tf_model, "caffe": _caffe_model}


def _drop_last_output(graph):
    net = graph.net_output()
    refs, attrs = graph.inputs_of(net.name)[:-1], dict(net.attrs)
    graph.remove(net.name)
    graph.add(Op(net.name, "NetOutput", attrs=attrs), refs)


def _rename_first_output(graph):
    net = graph.net_output()
    net.attrs["output_names"] = ["renamed"] + list(net.attrs["output_names"][1:])


def _swap_outputs(graph):
    net = graph.net_output()
    refs = graph.inputs_of(net.name)
    for i, ref in enumerate(reversed(refs)):
        graph.disconnect(net.name, i)
        graph.connect(ref, net.name, i)
    net.attrs["output_names"] = list(reversed(net.attrs["output_names"]))


def _passes_then(damage):
    real = conversion.run_passes

    def run(graph, ctx, *args):
        real(graph, ctx, *args)
        damage(graph)
    return run


@pytest.mark.parametrize("framework", sorted(MODELS))
def test_outputs_as_the_source_are_written(framework, tmp_path):
    options = MODELS[framework](tmp_path)
    om = api.convert(options)
    assert len(Session(om).output_names) == 2


@pytest.mark.parametrize("damage,lost", [(_drop_last_output, "b"), (_rename_first_output, "a"),
                                         (_swap_outputs, "a")])
@pytest.mark.parametrize("framework", sorted(MODELS))
def test_a_lost_output_stops_the_conversion(framework, damage, lost, tmp_path, monkeypatch):
    options = MODELS[framework](tmp_path)
    monkeypatch.setattr(conversion, "run_passes", _passes_then(damage))
    with pytest.raises(ConverterError) as err:
        api.convert(options)
    assert err.value.code == "E19999"
    assert f"output '{lost}" in err.value.message
    assert not os.path.exists(str(tmp_path / "m.om"))


def test_check_outputs_on_a_model_def():
    """An output reading an op the ModelDef does not have (the RNN defect's shape) is refused; the names the
    writer records must equal the expected ones."""
    from converter.ir import Graph, TensorDesc
    g = Graph("g")
    g.add_data("x", TensorDesc(shape=(1,), name="x"), 0)
    g.add(Op("relu", "Relu", outputs=[TensorDesc(shape=(1,), name="y")]), [("x", 0)])
    g.add(Op("NetOutput", "NetOutput", attrs={"output_names": ["y"]}), [("relu", 0)])
    model = graph_to_model_def(g).model_def
    check_outputs(model, ["y"])
    with pytest.raises(ConverterError, match="output 'z'"):
        check_outputs(model, ["y", "z"])
    with pytest.raises(ConverterError, match="output 'q'"):
        check_outputs(model, ["q"])
    net = [op for op in model.graph[0].op if op.type == "NetOutput"][0]
    net.input[0] = ":1"
    with pytest.raises(ConverterError, match="reads ':1', which is not an op"):
        check_outputs(model, ["y"])
