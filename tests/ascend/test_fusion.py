"""Compiled fusion ops: parts read from kernel names, wirings enumerated, attributes recovered from shapes or
from the source model, and the refusals when neither settles them."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ascend import lower_model_def
from converter.ascend.fusion import (conv_attrs_from_shapes, enumerate_wirings, expression, fused_parts,
                                     matmul_attrs_from_shapes)
from converter.ascend.ge_graph import GeOp
from converter.ascend.single_op import feeds_of, single_op_model
from converter.ascend.source import TensorFlowSource
from converter.errors import UnsupportedOpError
from converter.proto import tf_graph_pb2 as tfpb
from converter.runtime import Session

from ._ge import out, spec
from .test_ge_ops import ort, rand


def _fused(name: str, kernel: str, originals=()) -> dict:
    return {f"{name}_kernelname": kernel, "_datadump_original_op_names": list(originals)}


def run_fused(head: str, kernel: str, inputs: list, outputs: list, attrs=None, originals=(), source=None) -> Session:
    model, weights = single_op_model(head, inputs, outputs, {**_fused("op", kernel, originals), **(attrs or {})})
    return Session(lower_model_def(model, weights, source))


@pytest.mark.parametrize("kernel,parts", [
    ("te_fused_op_conv2d_backprop_input_d_relu_f4111db6825f8dac_2d722d672a9d6cb9_0__kernel0",
     ["Conv2DBackpropInputD", "Relu"]),
    ("te_fused_op_mat_mul_mul_0078469a4ab07a02_2d722d672a9d6cb9_0__kernel0", ["MatMulV2", "Mul"]),
    ("te_fused_op_abs_mul_mul_add_2bd70059907934ee_2d722d672a9d6cb9_0__kernel0", ["Abs", "Mul", "Mul", "Add"]),
    ("te_fused_op_add_leaky_relu_6308bf2bcda5c2380_19c07031a3377512__kernel0", ["Add", "LeakyRelu"]),
    ("te_fused_op_conv2d_relu_58fb4f61d6cfaa27_4__kernel0", ["Conv2D", "Relu"]),
    ("te_fused_op_mat_mul_relu6_58fb4f61d6cfaa27_3__kernel0", ["MatMulV2", "Relu6"]),
])
def test_parts_from_real_kernel_names(kernel, parts):
    op = GeOp("op", parts[0], _fused("op", kernel))
    assert fused_parts(op) == parts


def test_unknown_part_names_are_not_guessed():
    assert fused_parts(GeOp("op", "Abs", _fused("op", "te_fused_op_abs_frobnicate_0123456789abcdef__kernel0"))) \
        is None


def test_wirings_of_a_head_and_an_elementwise_tail():
    wirings = enumerate_wirings(["MatMulV2", "Mul"], 4)
    assert {expression(w, ["MatMulV2", "Mul"], [0, 1, 2, 3]) for w in wirings} == {
        ("Mul", tuple(sorted([("MatMulV2", (("in", 0), ("in", 1), ("in", 2))), ("in", 3)], key=repr)))}


def test_the_lrelu_idiom_has_several_wirings():
    """hh_om.om's f1*x + f2*|x| (inputs x, f1, x, f2): the file alone cannot tell it from f1*|x| + f2*x."""
    parts = ["Abs", "Mul", "Mul", "Add"]
    exprs = {expression(w, parts, [0, 1, 0, 3]) for w in enumerate_wirings(parts, 4)}
    assert len(exprs) > 1


def test_conv_attributes_from_shapes():
    # a3c's first layer: 42 -> 20 with a 3x3 kernel is stride 2, VALID and nothing else
    assert conv_attrs_from_shapes((1, 42, 42, 1), "NHWC", (3, 3, 1, 32), "HWCN", (1, 20, 20, 32)) == {
        "strides": [1, 2, 2, 1], "padding": "VALID", "dilations": [1, 1, 1, 1], "data_format": "NHWC"}
    # 4 -> 2 with a 1x1 kernel: SAME stride 2 or VALID stride 2 or 3 -> left open
    assert conv_attrs_from_shapes((1, 4, 4, 1), "NHWC", (1, 1, 1, 8), "HWCN", (1, 2, 2, 8)) is None
    assert matmul_attrs_from_shapes((20, 33), (17, 33), (20, 17)) == {"transpose_x1": False, "transpose_x2": True}
    assert matmul_attrs_from_shapes((8, 8), (8, 8), (8, 8)) is None


def test_conv_relu_fusion_without_attributes_runs_as_the_shapes_say():
    x, w, b = rand(1, 9, 9, 3), rand(3, 3, 3, 4), rand(4)
    ref = np.maximum(ort("Conv", {"x": x.transpose(0, 3, 1, 2), "w": w.transpose(3, 2, 0, 1), "b": b},
                         {"strides": [2, 2]})[0], 0).transpose(0, 2, 3, 1)
    inputs = [spec(x, "NC1HWC0", "NHWC"), spec(w, "FRACTAL_Z", "HWCN", const=True), spec(b, const=True)]
    sess = run_fused("Conv2D", "te_fused_op_conv2d_relu_58fb4f61d6cfaa27_4__kernel0", inputs,
                     [out(ref.shape, fmt="NC1HWC0", origin="NHWC")])
    assert any("from the tensor shapes" in n and "strides=[1, 2, 2, 1]" in n for n in sess.graph.meta["lowering_notes"])
    np.testing.assert_allclose(sess.run_outputs(feeds_of(inputs))[0], ref, atol=1e-5)


def test_open_attributes_are_refused_with_the_way_out():
    x, w = rand(1, 4, 4, 1), rand(1, 1, 1, 8)
    inputs = [spec(x, "NHWC"), spec(w, "FRACTAL_Z", "HWCN", const=True)]
    with pytest.raises(UnsupportedOpError, match="--source"):
        run_fused("Conv2D", "te_fused_op_conv2d_relu_0123456789abcdef_0__kernel0", inputs,
                  [out((1, 2, 2, 8), fmt="NHWC")])


def _lrelu_source(prefix: str = "lrelu") -> TensorFlowSource:
    graph = tfpb.GraphDef()
    graph.node.add(name="x", op="Placeholder")
    for name in ("mul/x", "mul_1/x"):
        graph.node.add(name=f"{prefix}/{name}", op="Const")
    graph.node.add(name=f"{prefix}/mul", op="Mul", input=[f"{prefix}/mul/x", "x"])
    graph.node.add(name=f"{prefix}/Abs", op="Abs", input=["x"])
    graph.node.add(name=f"{prefix}/mul_1", op="Mul", input=[f"{prefix}/mul_1/x", f"{prefix}/Abs"])
    graph.node.add(name=f"{prefix}/add", op="AddV2", input=[f"{prefix}/mul", f"{prefix}/mul_1"])
    return TensorFlowSource(graph)


def test_elementwise_fusion_wired_by_the_source_model():
    x = rand(2, 6)
    f1, f2 = np.float32(0.6), np.float32(0.4)
    inputs = [spec(x), spec(f1, const=True), spec(x), spec(f2, const=True)]
    # the same tensor read twice: one model input feeding both slots
    model, weights = single_op_model("Abs", inputs, [out(x.shape)],
                                     _fused("op", "te_fused_op_abs_mul_mul_add_2bd70059907934ee_0__kernel0",
                                            ["lrelu/Abs", "lrelu/mul", "lrelu/mul_1", "lrelu/add"]))
    ops = model.graph[0].op
    fused = next(o for o in ops if o.name == "op")
    fused.input[2] = "input0:0"
    del ops[[o.name for o in ops].index("input2")]
    with pytest.raises(UnsupportedOpError, match="does not record how its 4 inputs"):
        lower_model_def(model, weights)
    sess = Session(lower_model_def(model, weights, _lrelu_source()))
    got = sess.run_outputs({"input0": x})[0]
    np.testing.assert_allclose(got, f1 * x + f2 * np.abs(x), atol=1e-6)


def test_tail_attributes_from_the_source_model():
    """DD-Net's add+leaky_relu: the slope is in neither the fused op nor the shapes."""
    x, c = rand(2, 5), rand(5)
    inputs = [spec(x), spec(c, const=True)]
    kernel = "te_fused_op_add_leaky_relu_6308bf2bcda5c2380_19c07031a3377512__kernel0"
    with pytest.raises(UnsupportedOpError, match="LeakyRelu part"):
        run_fused("Add", kernel, inputs, [out(x.shape)], originals=["bn/add_1", "lrelu/LeakyRelu"])
    graph = tfpb.GraphDef()
    node = graph.node.add(name="lrelu/LeakyRelu", op="LeakyRelu", input=["bn/add_1"])
    node.attr["alpha"].f = 0.2
    sess = run_fused("Add", kernel, inputs, [out(x.shape)], originals=["bn/add_1", "lrelu/LeakyRelu"],
                     source=TensorFlowSource(graph))
    y = x + c
    np.testing.assert_allclose(sess.run_outputs(feeds_of(inputs))[0], np.where(y > 0, y, 0.2 * y), atol=1e-6)


def test_matmul_tail_fusion_as_hh_uses_it():
    """(x @ w + b) * other, with the weights in FRACTAL_NZ and no transposes recorded."""
    x, w, b, other = rand(10, 40), rand(40, 20), rand(20), rand(10, 20)
    inputs = [spec(x, "FRACTAL_NZ", "ND"), spec(w, "FRACTAL_NZ", "ND", const=True), spec(b, const=True),
              spec(other, "FRACTAL_NZ", "ND")]
    sess = run_fused("MatMulV2", "te_fused_op_mat_mul_mul_0078469a4ab07a02_0__kernel0", inputs,
                     [out((10, 20), fmt="FRACTAL_NZ", origin="ND")])
    np.testing.assert_allclose(sess.run_outputs(feeds_of(inputs))[0], (x @ w + b) * other, atol=1e-5)


def test_too_many_wirings_are_not_guessed(monkeypatch):
    from converter.ascend import fusion
    monkeypatch.setattr(fusion, "MAX_WIRINGS", 3)
    op = GeOp("op", "Abs", _fused("op", "te_fused_op_abs_mul_mul_add_2bd70059907934ee_0__kernel0"),
              inputs=[("x", 0), ("a", 0), ("x", 0), ("b", 0)], outputs=[])
    assert "too many ways" in fusion.plan(op, None).problem
