"""Every handler of every frontend, given odd but well-formed nodes (inputs of other ranks, constants that are
empty or of the wrong size, missing weights), converts or refuses with an E-code naming the problem: never
E19999, which would be a handler bug (a crash the handler did not check for)."""
from __future__ import annotations

import warnings

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import converter.frontends.caffe.layers  # noqa: F401  (fill the handler tables)
import converter.frontends.onnx.handlers  # noqa: F401
import converter.frontends.tensorflow.handlers  # noqa: F401
from converter.errors import ConverterError
from converter.frontends.caffe.convert import CaffeConverter
from converter.frontends.caffe.reader import ParsedNet
from converter.frontends.caffe.registry import TABLE as CAFFE
from converter.frontends.caffe.weights import RawBlob
from converter.frontends.onnx import load_onnx_graph
from converter.frontends.onnx.registry import TABLE as ONNX
from converter.frontends.onnx.schemas import node_schema
from converter.frontends.tensorflow import load_tf_graph
from converter.frontends.tensorflow.registry import TABLE as TF
from converter.proto import caffe_pb2
from tests.tensorflow.tf_builder import GraphDefBuilder

ATTR_VALUES = {"INT": 1, "FLOAT": 1.0, "STRING": "x", "INTS": [1], "FLOATS": [1.0], "STRINGS": ["x"],
               "GRAPH": helper.make_graph([], "body", [], [])}


def _not_a_bug(convert) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            convert()
    except ConverterError as err:
        assert err.code != "E19999", err
        return err.code
    return "ok"


def _onnx_cases():
    for op_type, versions in sorted(ONNX.entries.items()):
        for since, _ in versions:
            schema = node_schema(op_type, max(since, 7)) or node_schema(op_type, 99)
            yield op_type, max(since, 7, schema.since)


def _onnx_model(op_type: str, opset: int, constants: bool) -> onnx.ModelProto:
    schema = node_schema(op_type, opset)
    low, _, formal = schema.inputs
    n_in = max(low, len(formal.rstrip("O")))
    names = [f"i{k}" for k in range(n_in)]
    graph_inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2, 3, 3])
                    for k, n in enumerate(names) if not (constants and k)]
    inits = [numpy_helper.from_array(np.ones((1, 2), np.int64), n) for k, n in enumerate(names) if constants and k]
    outputs = [f"y{k}" for k in range(max(schema.outputs[0], 1))]
    node = helper.make_node(op_type, names, outputs, name="n")
    for name, (kind, required, _) in schema.attrs.items():
        if required and kind in ATTR_VALUES:
            node.attribute.append(helper.make_attribute(name, ATTR_VALUES[kind]))
    graph = helper.make_graph([node], "g", graph_inputs, [helper.make_empty_tensor_value_info(o) for o in outputs],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("constants", [False, True], ids=["inputs", "constants"])
def test_onnx_handlers(tmp_path, constants):
    path = str(tmp_path / "m.onnx")
    codes = {}
    for op_type, opset in _onnx_cases():
        onnx.save(_onnx_model(op_type, opset, constants), path)
        codes[op_type, opset] = _not_a_bug(lambda: load_onnx_graph(path))
    assert "ok" in codes.values()


TF_INPUTS = {"placeholders": None, "int_vector": np.array([1, 2], np.int32), "empty": np.zeros((0,), np.int32),
             "filter": np.ones((2, 2, 3, 3), np.float32)}


@pytest.mark.parametrize("kind", list(TF_INPUTS))
def test_tf_handlers(tmp_path, kind):
    for op_type in TF.types():
        if op_type in ("Const", "Placeholder", "PlaceholderWithDefault", "NoOp"):
            continue
        g = GraphDefBuilder()
        names = [g.placeholder("x", (1, 4, 4, 3))]
        for k in range(1, max(TF.min_inputs.get(op_type, 1), 1)):
            value = TF_INPUTS[kind]
            names.append(g.placeholder(f"x{k}", (1, 4, 4, 3)) if value is None else g.const(f"c{k}", value))
        g.node("n", op_type, names)
        path = g.save(tmp_path)
        _not_a_bug(lambda: load_tf_graph(path, out_nodes=["n"]))


CAFFE_BLOBS = {"no_blobs": [], "small_blob": [RawBlob(np.ones(3, np.float32), (3,))]}


@pytest.mark.parametrize("blobs", list(CAFFE_BLOBS))
@pytest.mark.parametrize("shape", [[1, 3, 4, 4], [2, 6], [5]], ids=["4d", "2d", "1d"])
def test_caffe_handlers(blobs, shape):
    for layer_type in CAFFE.types():
        net = caffe_pb2.NetParameter(name="n")
        bottoms = []
        for k in range(max(CAFFE.min_inputs.get(layer_type, 1), 1)):
            data = net.layer.add(name=f"in{k}", type="Input", top=[f"b{k}"])
            data.input_param.shape.add().dim.extend(shape if k == 0 else [1, 3, 4, 4])
            bottoms.append(f"b{k}")
        net.layer.add(name="L", type=layer_type, bottom=bottoms, top=["out"])
        _not_a_bug(lambda: CaffeConverter(ParsedNet(net, []), {"L": CAFFE_BLOBS[blobs]}, None).convert())
