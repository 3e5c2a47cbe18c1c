"""A malformed node is E10001 naming the node and saying what is wrong; a handler that fails in any other way
is a bug of ours, reported as E19999 naming the node (never as "malformed", never as a traceback)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph
from converter.cli import main as atc
from converter.errors import ConverterError
from converter.frontends.caffe import load_caffe_graph
from converter.frontends.onnx import load_onnx_graph
from converter.frontends.tensorflow import load_tf_graph
from converter.options import ConvertOptions
from tests.helpers import one_node_model, save
from tests.tensorflow.tf_builder import GraphDefBuilder
from tools.make_caffe_models import CaffeNetBuilder

X4 = np.zeros((1, 3, 4, 4), np.float32)


def _onnx_error(tmp_path, model) -> ConverterError:
    with pytest.raises(ConverterError) as info:
        load_onnx_graph(save(model, tmp_path))
    return info.value


def _node(op_type, inputs, outputs, opset=13, inits=(), **attrs):
    """A one-node model whose node is named 'bad' (for nodes one_node_model cannot express)."""
    graph = helper.make_graph([helper.make_node(op_type, inputs, outputs, name="bad", **attrs)], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                              [helper.make_empty_tensor_value_info(o) for o in outputs if o], list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _float_axis_softmax():
    model = one_node_model("Softmax", {"x": X4}, opset=13, node_name="bad")
    model.graph.node[0].attribute.append(helper.make_attribute("axis", 1.0))
    return model


ONNX_CASES = {
    "too_few_inputs": (lambda: one_node_model("Conv", {"x": X4}, node_name="bad"),
                       "it has 1 input(s); it needs at least 2"),
    "too_many_outputs": (lambda: one_node_model("Relu", {"x": X4}, n_out=2, node_name="bad"),
                         "it has 2 output(s); it takes at most 1"),
    "required_attribute": (lambda: one_node_model("Cast", {"x": X4}, node_name="bad"),
                           "attribute 'to' is required"),
    "attribute_type": (_float_axis_softmax, "attribute 'axis' is a FLOAT; ONNX Softmax-13 declares it INT"),
    "empty_required_input": (lambda: _node("Resize", ["x", "", "s"], ["y"], opset=11,
                                           inits=[numpy_helper.from_array(np.ones(4, np.float32), "s")]),
                             "input 1 is required but its name is empty"),
    "choice": (lambda: one_node_model("GridSample", [("x", X4, False), ("g", np.zeros((1, 2, 2, 2), np.float32),
                                                                          False)],
                                      {"mode": "fancy"}, opset=16, node_name="bad"),
               "attribute mode='fancy' is not one of"),
    "scalar_input": (lambda: one_node_model("TopK", [("x", X4, False), ("k", np.array([1, 2], np.int64), True)],
                                            n_out=2, node_name="bad"),
                     "input 1 (k) holds 2 values; it must hold one"),
    "axis_range": (lambda: one_node_model("Concat", [("x", X4, False), ("z", X4, False)], {"axis": 4},
                                          node_name="bad"),
                   "axis 4 is out of range for a 4-D input"),
}


@pytest.mark.parametrize("case", list(ONNX_CASES))
def test_malformed_onnx_node_is_e10001_with_its_reason(tmp_path, case):
    build, reason = ONNX_CASES[case]
    err = _onnx_error(tmp_path, build())
    assert err.code == "E10001", err
    assert err.node == "bad" and "node 'bad'" in err.message
    assert reason in err.message, err.message


def _boom(ctx):
    raise KeyError("a bug of ours")


def test_handler_bug_is_e19999_naming_the_node(tmp_path, monkeypatch):
    from converter.frontends.onnx.registry import HANDLERS
    monkeypatch.setitem(HANDLERS, "Relu", [(1, _boom)])
    err = _onnx_error(tmp_path, one_node_model("Relu", {"x": X4}, node_name="relu1"))
    assert err.code == "E19999" and err.node == "relu1"
    assert "node 'relu1' (Relu)" in err.message and "KeyError" in err.message
    assert isinstance(err.__cause__, KeyError)            # kept for --log=debug


def test_handler_bug_through_atc_prints_e19999_without_a_traceback(tmp_path, monkeypatch, capsys):
    from converter.frontends.onnx.registry import HANDLERS
    monkeypatch.setitem(HANDLERS, "Relu", [(1, _boom)])
    path = save(one_node_model("Relu", {"x": X4}, node_name="relu1"), tmp_path)
    rc = atc(["--framework=5", f"--model={path}", f"--output={tmp_path / 'm'}"])
    text = capsys.readouterr().out
    assert rc == 1 and "E19999" in text and "relu1" in text and "Traceback" not in text
    assert not (tmp_path / "m.om").exists()


# ---- TensorFlow -------------------------------------------------------------------------------------

def _tf_error(tmp_path, g: GraphDefBuilder, out: str = "bad") -> ConverterError:
    with pytest.raises(ConverterError) as info:
        load_tf_graph(g.save(tmp_path), out_nodes=[out])
    return info.value


def _tf_graph(op: str, consts=(), **attrs) -> GraphDefBuilder:
    g = GraphDefBuilder()
    g.placeholder("x", (1, 4, 4, 3))
    names = ["x"] + [g.const(f"c{i}", value) for i, value in enumerate(consts)]
    g.node("bad", op, names, **attrs)
    return g


TF_CASES = {
    "too_few_inputs": (lambda: _tf_graph("Conv2D", strides=[1, 1, 1, 1], padding="SAME"),
                       "it has 1 input(s); its type needs 2"),
    "attribute_kind": (lambda: _tf_graph("MaxPool", ksize=2, padding="SAME"),
                       "attribute 'ksize' must be a list of ints"),
    "required_attribute": (lambda: _tf_graph("MaxPool", padding="SAME"), "attribute 'ksize' is required"),
    "filter_rank": (lambda: _tf_graph("Conv2D", [np.ones(3, np.float32)], strides=[1, 1, 1, 1], padding="SAME"),
                    "the filter has rank 1; Conv2D needs rank 4"),
    "scalar_input": (lambda: _tf_graph("ExpandDims", [np.zeros(0, np.int32)]),
                     "input 1 (axis) holds 0 values; it must hold one"),
    "fill_value": (lambda: _tf_graph("Fill", [np.array([1.0, 2.0], np.float32)]),
                   "input 1 (value) holds 2 values; it must hold one"),
    "paddings": (lambda: _tf_graph("Pad", [np.array(1, np.int32)]), "paddings has shape []; it must be [rank, 2]"),
}


@pytest.mark.parametrize("case", list(TF_CASES))
def test_malformed_tf_node_is_e10001_with_its_reason(tmp_path, case):
    build, reason = TF_CASES[case]
    err = _tf_error(tmp_path, build())
    assert err.code == "E10001" and err.node == "bad", err
    assert reason in err.message, err.message


def test_tf_handler_bug_is_e19999_naming_the_node(tmp_path, monkeypatch):
    from converter.frontends.tensorflow.registry import HANDLERS
    monkeypatch.setitem(HANDLERS, "Relu", [(1, _boom)])
    err = _tf_error(tmp_path, _tf_graph("Relu"))
    assert err.code == "E19999" and err.node == "bad" and "node 'bad' (Relu)" in err.message


def test_tensor_list_element_type_is_kept(tmp_path):
    """element_dtype is decoded to our DataType once; it was converted a second time as a TF type number,
    which made an int32 list a string list."""
    from converter.ir import DataType
    g = GraphDefBuilder()
    g.const("shape", np.array([2], np.int32))
    g.const("n", np.array(3, np.int32))
    from tests.tensorflow.tf_builder import DType
    g.node("bad", "TensorListReserve", ["shape", "n"], element_dtype=DType(np.int32), shape_type=DType(np.int32))
    graph = load_tf_graph(g.save(tmp_path), out_nodes=["bad"])
    reserve = next(op for op in graph.ops() if op.type == "SequenceReserve")
    assert reserve.attrs["dtype"] == int(DataType.DT_INT32)


# ---- Caffe ------------------------------------------------------------------------------------------

def _caffe_error(tmp_path, build) -> ConverterError:
    b = CaffeNetBuilder("net")
    b.input("x", [1, 4, 2, 2])
    build(b)
    proto, model = b.save(str(tmp_path))
    with pytest.raises(ConverterError) as info:
        load_caffe_graph(proto, model)
    return info.value


CAFFE_CASES = {
    "too_few_bottoms": (lambda b: b.layer("Axpy", "bad", ["x", "x"], ["y"]), "it has 2 bottom(s); its type needs 3"),
    "bottom_rank": (lambda b: (b.layer("Reshape", "flat", ["x"], ["f"], reshape_param={"shape": {"dim": [1, -1]}}),
                               b.layer("ShuffleChannel", "bad", ["f"], ["y"])),
                    "bottom 'f' is 2-D; this layer needs it 4-D"),
    "zero_group": (lambda b: b.layer("ShuffleChannel", "bad", ["x"], ["y"], shuffle_channel_param={"group": 0}),
                   "4 channels cannot be shuffled in 0 groups"),
    "log_base": (lambda b: b.layer("Log", "bad", ["x"], ["y"], log_param={"base": 1.0}), "base 1.0 is not allowed"),
    "interp_factor": (lambda b: b.layer("Interp", "bad", ["x"], ["y"], interp_param={"shrink_factor": 0}),
                      "shrink_factor 0 must be at least 1"),
}


@pytest.mark.parametrize("case", list(CAFFE_CASES))
def test_malformed_caffe_layer_is_e10001_with_its_reason(tmp_path, case):
    build, reason = CAFFE_CASES[case]
    err = _caffe_error(tmp_path, build)
    assert err.code == "E10001" and err.node == "bad", err
    assert "layer 'bad'" in err.message and reason in err.message, err.message


def test_caffe_handler_bug_is_e19999_naming_the_layer(tmp_path, monkeypatch):
    from converter.frontends.caffe.registry import HANDLERS
    monkeypatch.setitem(HANDLERS, "ReLU", [(1, _boom)])
    err = _caffe_error(tmp_path, lambda b: b.layer("ReLU", "bad", ["x"], ["y"]))
    assert err.code == "E19999" and err.node == "bad" and "layer 'bad' (ReLU)" in err.message


def test_caffe_shapes_that_do_not_fit_name_the_op(tmp_path):
    """Shapes that do not fit (Eltwise of 4 and 2 channels) fail in the op's own checks: E10001 naming the
    op, as in the shape-inference pass."""
    def build(b):
        b.layer("Convolution", "conv", ["x"], ["c"], [np.ones((2, 4, 1, 1))], convolution_param={
            "num_output": 2, "kernel_size": 1, "bias_term": False})
        b.layer("Eltwise", "bad", ["x", "c"], ["y"])
    err = _caffe_error(tmp_path, build)
    assert err.code == "E10001" and err.node == "bad" and "op 'bad' (Add)" in err.message


def test_build_graph_reports_e10001_for_malformed_node(tmp_path):
    path = save(one_node_model("Cast", {"x": X4}, node_name="bad"), tmp_path)
    with pytest.raises(ConverterError) as info:
        build_graph(ConvertOptions(framework=5, model=path))
    assert info.value.code == "E10001" and "attribute 'to' is required" in info.value.message


# ---- shape inference: an op's own checks are E10001, anything else a bug of ours (E19999) -----------------

def _build_error(tmp_path, model, **options) -> ConverterError:
    with pytest.raises(ConverterError) as info:
        build_graph(ConvertOptions(framework=5, model=save(model, tmp_path), **options))
    return info.value


def test_a_bug_in_an_ops_infer_is_e19999_naming_the_op(tmp_path, monkeypatch):
    from converter.ops import get
    monkeypatch.setattr(get("Relu"), "infer", _boom)
    err = _build_error(tmp_path, one_node_model("Relu", {"x": X4}, node_name="relu1"))
    assert err.code == "E19999" and err.node == "relu1", err           # was E10001 "shape inference failed"
    assert "op 'relu1' (Relu)" in err.message and "KeyError" in err.message
    assert isinstance(err.__cause__, KeyError)


def test_a_bug_in_an_ops_infer_is_e19999_in_a_caffe_net_too(tmp_path, monkeypatch):
    from converter.ops import get
    monkeypatch.setattr(get("Relu"), "infer", _boom)
    err = _caffe_error(tmp_path, lambda b: b.layer("ReLU", "bad", ["x"], ["y"]))
    assert err.code == "E19999" and err.node == "bad" and "KeyError" in err.message


@pytest.mark.parametrize("indices, reason", [(np.array([4], np.int64), "index 4 is out of range"),
                                             (np.array([-5], np.int64), "index -5 is out of range")])
def test_constant_gather_out_of_range_is_e10001(tmp_path, indices, reason):
    model = one_node_model("Gather", [("x", np.arange(4, dtype=np.float32), True), ("i", indices, True)],
                           node_name="bad")
    err = _build_error(tmp_path, model)
    assert err.code == "E10001" and err.node == "bad" and reason in err.message, err


def test_constant_expand_to_a_negative_dim_is_e10001(tmp_path):
    model = one_node_model("Expand", [("x", np.ones((1, 2), np.float32), True),
                                      ("s", np.array([-3, 2], np.int64), True)], node_name="bad")
    err = _build_error(tmp_path, model)
    assert err.code == "E10001" and err.node == "bad" and "target shape [-3, 2] has a negative dim" in err.message
