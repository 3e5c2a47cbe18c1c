"""TF frontend structure: inputs, outputs and tensor names, graph cleanup, dilated-conv folding and E-codes."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from converter.api import build_graph
from converter.errors import ConverterError
from converter.frontends.tensorflow import dump_graphdef_json, load_tf_graph, split_tensor_name
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.tensorflow.tf_builder import DType, GraphDefBuilder, run_graphdef

F32 = DType(np.float32)


def relu_graph(input_shape=(1, 4, 4, 3)):
    g = GraphDefBuilder()
    g.placeholder("x", input_shape)
    g.node("relu", "Relu", ["x:0"], T=F32)
    return g


def codes(fn):
    with pytest.raises(ConverterError) as err:
        fn()
    return err.value


@pytest.mark.parametrize("text,expected", [("x", ("x", 0)), ("x:0", ("x", 0)), ("a/b:3", ("a/b", 3)),
                                           ("^ctrl", ("ctrl", 0)), ("scope:name", ("scope:name", 0))])
def test_split_tensor_name(text, expected):
    assert split_tensor_name(text) == expected


def test_placeholder_becomes_nhwc_data_with_declared_shape(tmp_path):
    g = relu_graph((-1, 4, 4, 3))
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    (data,) = graph.data_ops()
    d = data.outputs[0]
    assert data.name == "x" and d.name == "x:0"
    assert d.shape == (-1, 4, 4, 3) and d.format == "NHWC" and d.dtype == 1


def test_placeholder_of_unknown_rank_and_non_image_rank(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("img")
    g.placeholder("ids", (2, 5), np.int32)
    g.node("a", "Relu", ["img"], T=F32)
    g.node("b", "Neg", ["ids"], T=DType(np.int32))
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    img, ids = (op.outputs[0] for op in graph.data_ops())
    assert img.shape is None and img.format == "NHWC"
    assert ids.shape == (2, 5) and ids.format == "ND" and ids.dtype == 7


@pytest.mark.parametrize("name", ["x", "x:0"])
@pytest.mark.parametrize("out", ["relu", "relu:0", ("relu", 0), ("relu", None)])
def test_tensor_name_forms(tmp_path, name, out):
    g = relu_graph((-1, 4))
    path = g.save(tmp_path)
    opts = ConvertOptions(framework=3, model=path, input_shape=((name, (2, 4)),), precision_mode="force_fp32",
                          out_nodes=(out,) if isinstance(out, tuple) else ())
    graph = load_tf_graph(path, {name: (2, 4)}, [out])
    assert [r[0] for r in graph.output_refs()] == ["relu"]
    graph = build_graph(opts)
    assert graph.data_ops()[0].outputs[0].shape == (2, 4)


def test_placeholder_with_default_is_an_input_only_when_named(tmp_path):
    """Named in --input_shape: a model input (its default dropped); not named: its default value."""
    g = GraphDefBuilder()
    g.const("default", np.full((2, 3), 0.5, np.float32))
    g.node("x", "PlaceholderWithDefault", ["default"], dtype=F32, shape=(2, 3))
    g.node("y", "Exp", ["x"], T=F32)
    path = g.save(tmp_path)
    graph = load_tf_graph(path, {"x": (2, 3)}, [])
    assert [op.name for op in graph.data_ops()] == ["x"]
    assert "default" not in graph
    fed = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(Session(graph).run({"x": fed})["y:0"], np.exp(fed), rtol=1e-6)
    graph = load_tf_graph(path, {}, [])
    assert graph.data_ops() == []
    np.testing.assert_allclose(Session(graph).run({})["y:0"], np.exp(np.full((2, 3), 0.5)), rtol=1e-6)


def test_unused_placeholders_are_inputs_only_when_named(tmp_path):
    g = relu_graph()
    g.placeholder("unused", (3,))
    path = g.save(tmp_path)
    assert [op.name for op in load_tf_graph(path, {}, []).data_ops()] == ["x"]
    assert [op.name for op in load_tf_graph(path, {"unused:0": (3,)}, []).data_ops()] == ["x", "unused"]


def test_cleanup_drops_identity_noop_and_control_edges(tmp_path):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3)).astype(np.float32)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.node("init", "NoOp")
    g.node("id", "Identity", ["x", "^init"], T=F32)
    g.node("stop", "StopGradient", ["id"], T=F32)
    g.node("snap", "Snapshot", ["stop"], T=F32)
    g.node("idn", "IdentityN", ["snap", "x"])
    g.node("neg", "Neg", ["idn:1", "^snap"], T=F32)
    g.node("add", "AddV2", ["idn:0", "neg"], T=F32)
    g.node("out", "Identity", ["add"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    types = sorted(op.type for op in graph.ops())
    assert types == ["Add", "Data", "Identity", "Neg", "NetOutput"]   # the Identity is the named output
    assert graph.net_output().attrs["output_names"] == ["out:0"]
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    np.testing.assert_array_equal(y, np.zeros_like(x))


def test_default_outputs_are_the_unread_nodes(tmp_path):
    g = relu_graph()
    g.node("sig", "Sigmoid", ["x"], T=F32)
    g.node("noop", "NoOp", ["^relu"])
    g.const("orphan", np.ones(2, np.float32))
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    assert graph.net_output().attrs["output_names"] == ["relu:0", "sig:0"]


def test_out_nodes_limit_the_converted_graph(tmp_path):
    """Nodes the outputs do not need are not converted, so their op types do not matter."""
    g = relu_graph()
    g.node("weird", "SomeCustomOp", ["x"])
    graph = load_tf_graph(g.save(tmp_path), {}, ["relu:0"])
    assert "weird" not in graph
    err = codes(lambda: load_tf_graph(g.save(tmp_path), {}, []))
    assert err.code == "E11009" and "SomeCustomOp" in str(err)


def test_unknown_out_node_and_index(tmp_path):
    path = relu_graph().save(tmp_path)
    assert codes(lambda: load_tf_graph(path, {}, ["nope:0"])).code == "E11016"
    assert codes(lambda: load_tf_graph(path, {}, ["relu:1"])).code == "E11017"


def test_all_unsupported_ops_reported_at_once(tmp_path):
    g = relu_graph()
    for i in range(4):
        g.node(f"a{i}", "FancyA", ["relu"])
    g.node("b0", "FancyB", ["relu"])
    err = codes(lambda: load_tf_graph(g.save(tmp_path), {}, []))
    text = str(err)
    assert err.code == "E11009"
    assert "FancyA x4 (e.g. a0, a1, a2, ...)" in text and "FancyB x1 (e.g. b0)" in text


def test_tf1_switch_merge_on_a_constant_keeps_the_taken_branch(tmp_path):
    """TF1 control flow is converted (tests/tensorflow/test_tf1_control_flow.py); a conditional on a Const
    predicate leaves only its taken branch."""
    g = relu_graph()
    g.const("pred", np.array(False))
    g.node("sw", "Switch", ["relu", "pred"], T=F32)
    g.node("neg", "Neg", ["sw:1"], T=F32)
    g.node("merge", "Merge", ["sw:0", "neg"], T=F32, N=2)
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    assert {op.type for op in graph.ops()} <= {"Data", "Relu", "Identity", "NetOutput"}


def test_wrong_files_are_e10041(tmp_path):
    onnx_path = tmp_path / "m.onnx"
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    onnx.save(helper.make_model(graph), onnx_path)
    garbage = tmp_path / "noise.pb"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    empty = tmp_path / "empty.pb"
    empty.write_bytes(b"")
    for path in (onnx_path, garbage, empty):
        assert codes(lambda: load_tf_graph(str(path), {}, [])).code == "E10041", path
    assert codes(lambda: load_tf_graph(str(tmp_path / "missing.pb"), {}, [])).code == "E13001"


def test_text_format_graphdef_is_read(tmp_path):
    path = tmp_path / "g.pbtxt"
    from google.protobuf import text_format
    path.write_text(text_format.MessageToString(relu_graph().graph))
    assert [r[0] for r in load_tf_graph(str(path), {}, []).output_refs()] == ["relu"]


def test_unfixed_dynamic_dim_needs_input_shape(tmp_path):
    path = relu_graph((-1, 4)).save(tmp_path)
    err = codes(lambda: build_graph(ConvertOptions(framework=3, model=path)))
    assert err.code == "E10001" and "--input_shape" in str(err)


def test_dilated_pattern_with_strided_conv_is_left_alone(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (1, 8, 8, 1))
    g.const("block", [2, 2], np.int32)
    g.const("pads", [[0, 0], [0, 0]], np.int32)
    g.const("w", np.ones((2, 2, 1, 1), np.float32))
    g.node("s2b", "SpaceToBatchND", ["x", "block", "pads"], T=F32)
    g.node("conv", "Conv2D", ["s2b", "w"], T=F32, strides=[1, 2, 2, 1], padding="VALID")
    g.node("b2s", "BatchToSpaceND", ["conv", "block", "pads"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    assert {"SpaceToBatchND", "BatchToSpaceND"} <= {op.type for op in graph.ops()}


def test_dump_graphdef_json_drops_tensor_content(tmp_path):
    g = relu_graph()
    g.const("w", np.arange(6, dtype=np.float32).reshape(2, 3))
    g.const("small", [1, 2], np.int32, typed_list=True)
    text = dump_graphdef_json(g.save(tmp_path))
    data = json.loads(text)
    assert "tensor_content" not in text
    nodes = {n["name"]: n for n in data["node"]}
    assert nodes["relu"]["input"] == ["x:0"] and nodes["relu"]["op"] == "Relu"
    attrs = lambda n: {a["key"]: a["value"] for a in nodes[n]["attr"]}  # noqa: E731  (maps as key/value arrays)
    w = attrs("w")["value"]["tensor"]
    assert w["dtype"] == "DT_FLOAT" and [d["size"] for d in w["tensor_shape"]["dim"]] == [2, 3]
    assert attrs("small")["value"]["tensor"]["int_val"] == [1, 2]
    assert text == json.dumps(data, sort_keys=True, indent=2) + "\n"


def test_old_placeholder_shape_from_output_shapes(tmp_path):
    g = GraphDefBuilder()
    n = g.graph.node.add(name="x", op="Placeholder")
    n.attr["dtype"].type = 1
    dim = n.attr["_output_shapes"].list.shape.add()
    for d in (1, 6, 6, 3):
        dim.dim.add(size=d)
    g.node("y", "Relu", ["x"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    assert graph.data_ops()[0].outputs[0].shape == (1, 6, 6, 3)


def test_unfrozen_graph_gets_advice(tmp_path):
    g = relu_graph()
    g.node("v", "VarHandleOp", dtype=F32, shape=(3,))
    g.node("read", "ReadVariableOp", ["v"], dtype=F32)
    g.node("y", "Mul", ["relu", "read"], T=F32)
    err = codes(lambda: load_tf_graph(g.save(tmp_path), {}, []))
    assert "VarHandleOp x1" in str(err) and "freeze it first" in str(err)


def test_handler_tables_point_at_registered_canonical_ops():
    from converter import ops
    from converter.frontends.tensorflow.handlers import math as tf_math
    from converter.frontends.tensorflow import supported_op_types as supported_ops
    targets = set(tf_math.BINARY.values()) | set(tf_math.UNARY.values()) | set(tf_math.REDUCE.values())
    assert not [t for t in sorted(targets) if not ops.has(t)]
    assert {"Conv2D", "StridedSlice", "FusedBatchNormV3", "SpaceToBatchND", "Placeholder"} <= set(supported_ops())
