"""BN / per-channel Mul / Add folding on mapped weights: float32 arithmetic stays within 1e-6 relative of a
float64 reference, replaced weight Consts are dropped at once, and Add folding keeps the original weight."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph, load_source_graph
from converter.passes.base import PassContext
from converter.passes.fusion import fold_affine_into_conv
from converter.passes.pipeline import PASSES
from converter.runtime import Session
from tests.helpers import assert_close_rel, options, ort_run, save

RNG = np.random.default_rng(1)
W = RNG.standard_normal((8, 3, 3, 3)).astype(np.float32)
BIAS = RNG.standard_normal(8).astype(np.float32)
SCALE, OFFSET, MEAN = (RNG.standard_normal(8).astype(np.float32) for _ in range(3))
VAR = RNG.uniform(0.1, 2.0, 8).astype(np.float32)
MUL = RNG.uniform(0.5, 1.5, (1, 8, 1, 1)).astype(np.float32)
ADD = RNG.standard_normal((8, 1, 1)).astype(np.float32)


def _model():
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "s", "o", "m", "v"], ["bn"], name="bn", epsilon=1e-3),
             helper.make_node("Mul", ["bn", "mul"], ["ml"], name="mul"),
             helper.make_node("Add", ["ml", "add"], ["y"], name="add")]
    inits = [numpy_helper.from_array(v, n) for n, v in
             (("w", W), ("b", BIAS), ("s", SCALE), ("o", OFFSET), ("m", MEAN), ("v", VAR), ("mul", MUL), ("add", ADD))]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def _folded(path):
    graph = load_source_graph(options(path, precision_mode="force_fp32"))
    ctx = PassContext(options=options(path, precision_mode="force_fp32"), framework=5)
    for name, fn in PASSES[:PASSES.index(("fold_affine_into_conv", fold_affine_into_conv)) + 1]:
        fn(graph, ctx)
    return graph


def test_fold_matches_float64_reference_and_drops_replaced_weights(tmp_path):
    graph = _folded(save(_model(), tmp_path))
    types = [op.type for op in graph.ops()]
    assert "BatchNorm" not in types and "Mul" not in types and "Add" not in types, types
    assert "w" not in graph and "b" not in graph  # replaced Consts are gone before any prune pass
    conv = next(op for op in graph.ops() if op.type == "Conv2D")
    w_ref, b_ref = (graph.const_value(r) for r in graph.inputs_of(conv.name)[1:3])
    s = SCALE.astype(np.float64) / np.sqrt(VAR.astype(np.float64) + 1e-3)
    mul = MUL.astype(np.float64).reshape(-1)
    want_w = W.astype(np.float64) * (s * mul).reshape(-1, 1, 1, 1)
    want_b = ((BIAS - MEAN.astype(np.float64)) * s + OFFSET) * mul + ADD.reshape(-1)
    assert w_ref.dtype == np.float32 and b_ref.dtype == np.float32
    assert_close_rel(w_ref, want_w, max_rel=1e-6, atol=1e-30)
    assert_close_rel(b_ref, want_b, max_rel=1e-6, atol=1e-30)


def test_add_fold_keeps_the_mapped_weight(tmp_path):
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
                           helper.make_node("Add", ["c", "add"], ["y"], name="add")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 5, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(W, "w"), numpy_helper.from_array(ADD, "add")])
    graph = _folded(save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path))
    conv = next(op for op in graph.ops() if op.type == "Conv2D")
    refs = graph.inputs_of(conv.name)
    assert refs[1][0] == "w" and not graph.const_value(refs[1]).flags.owndata  # still the file view
    np.testing.assert_array_equal(graph.const_value(refs[2]), ADD.reshape(-1))


def test_converted_model_matches_onnxruntime(tmp_path):
    path = save(_model(), tmp_path)
    x = RNG.standard_normal((1, 3, 6, 6)).astype(np.float32)
    ours = Session(build_graph(options(path, precision_mode="force_fp32"))).run({"x": x})
    assert_close_rel(next(iter(ours.values())), ort_run(path, {"x": x})[0], max_rel=1e-4, atol=1e-4)
