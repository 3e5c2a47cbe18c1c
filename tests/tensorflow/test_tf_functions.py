"""Library functions called with (Stateful)PartitionedCall are inlined before conversion."""
from __future__ import annotations

import json

import numpy as np

from converter.frontends.tensorflow import dump_graphdef_json, load_tf_graph
from tests.tensorflow.tf_builder import DType, GraphDefBuilder, add_function, run_graphdef, tensor_proto

F32 = DType(np.float32)


def call(g: GraphDefBuilder, name: str, function: str, inputs, op="StatefulPartitionedCall"):
    n = g.graph.node.add(name=name, op=op)
    n.input.extend(inputs)
    n.attr["f"].func.name = function
    return name


def test_stateful_partitioned_call_is_inlined(tmp_path):
    rng = np.random.default_rng(0)
    x, w = rng.uniform(-1, 1, (1, 4, 4, 2)).astype(np.float32), rng.uniform(-1, 1, (1, 1, 2, 3)).astype(np.float32)
    scale = np.full(3, 2.0, np.float32)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("w", w)
    add_function(g, "conv_fn", ["filter", "image"], ["out", "pre"], [
        ("read", "Identity", ["filter"], {"T": F32}),
        ("conv", "Conv2D", ["image", "read:output:0"], {"T": F32, "strides": [1, 1, 1, 1], "padding": "VALID"}),
        ("scale", "Const", [], {"value": scale, "dtype": F32}),
        ("bn", "FusedBatchNormV3", ["conv:output:0", "scale:output:0", "scale:output:0", "scale:output:0",
                                    "scale:output:0"], {"T": F32, "epsilon": 0.0, "is_training": False}),
        ("inner", "PartitionedCall", ["bn:y:0"], {}),
        ("noop", "NoOp", ["^read"], {}),
    ], {"out": "inner:output:0", "pre": "bn:batch_mean:0"})
    g.graph.library.function[0].node_def[4].attr["f"].func.name = "relu_fn"
    add_function(g, "relu_fn", ["t"], ["r"], [("relu", "Relu", ["t"], {"T": F32})], {"r": "relu:activations:0"})
    call(g, "call", "conv_fn", ["w", "x"])
    g.node("out", "Identity", ["call:0"], T=F32)
    g.node("mean", "Identity", ["call:1"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    assert not [op for op in graph.ops() if "Call" in op.type]
    out, mean = run_graphdef(g, tmp_path, {"x": x})
    conv = np.einsum("nhwc,co->nhwo", x, w[0, 0])
    np.testing.assert_allclose(out, np.maximum((conv - 2) / np.sqrt(2) * 2 + 2, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mean, scale)


def test_dump_drops_tensor_content_in_functions(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (2,))
    f = add_function(g, "fn", ["a"], ["b"], [("c", "Const", [], {}), ("m", "Mul", ["a", "c:output:0"], {})],
                     {"b": "m:z:0"})
    f.node_def[0].attr["value"].tensor.CopyFrom(tensor_proto(np.ones(2, np.float32)))
    call(g, "call", "fn", ["x"])
    text = dump_graphdef_json(g.save(tmp_path))
    assert "tensor_content" not in text
    assert json.loads(text)["library"]["function"][0]["signature"]["name"] == "fn"


def _if_graph(cond_const: bool | None):
    g = GraphDefBuilder()
    g.placeholder("x", (2, 3))
    if cond_const is None:
        g.placeholder("c", (), np.bool_)
    else:
        g.const("c", np.array(cond_const))
    add_function(g, "then_fn", ["a", "b"], ["out"], [("m", "Mul", ["a", "b"], {"T": F32})], {"out": "m:z:0"})
    add_function(g, "else_fn", ["a", "unused"], ["out"], [("n", "Neg", ["a"], {"T": F32})], {"out": "n:y:0"})
    n = g.graph.node.add(name="if", op="StatelessIf")
    n.input.extend(["c", "x", "x"])
    n.attr["then_branch"].func.name = "then_fn"
    n.attr["else_branch"].func.name = "else_fn"
    g.node("out", "Identity", ["if:0"], T=F32)
    return g


def test_if_becomes_canonical_if_with_branch_subgraphs(tmp_path):
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3)).astype(np.float32)
    g = _if_graph(None)
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    if_op = next(op for op in graph.ops() if op.type == "If")
    assert set(if_op.subgraphs) == {"then_branch", "else_branch"}
    assert len(if_op.subgraphs["else_branch"].data_ops()) == 2   # unused arguments keep their slot
    for cond, ref in ((True, x * x), (False, -x)):
        (y,) = run_graphdef(g, tmp_path, {"x": x, "c": np.array(cond)})
        np.testing.assert_array_equal(y, ref)


def test_if_with_constant_condition_is_inlined(tmp_path):
    x = np.random.default_rng(2).uniform(-1, 1, (2, 3)).astype(np.float32)
    for cond, ref in ((True, x * x), (False, -x)):
        g = _if_graph(cond)
        graph = load_tf_graph(g.save(tmp_path), {}, [])
        assert "If" not in {op.type for op in graph.ops()}
        (y,) = run_graphdef(g, tmp_path, {"x": x})
        np.testing.assert_array_equal(y, ref)
