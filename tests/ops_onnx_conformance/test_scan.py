"""ONNX Scan (opset 9 on): our conversion and runtime against onnxruntime, the round trip through .om and
the ONNX exporter, and bodies that read outer tensors (small constants are copied into the body so that
the body's own handlers and folding see them)."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.helpers import convert_and_run, ir_version_for, ort_run, save

from ._checks import assert_round_trips

pytest.importorskip("onnxruntime")

F = TensorProto.FLOAT
rng = np.random.default_rng(3)


def scan_model(directions=(0, 1), in_axes=(1, 0), out_dirs=(1,), out_axes=(0,), opset=16, typed_body=True,
               steps=5):
    """state s [2]; scan inputs a [2, T] (axis 1) and b [T, 2] (axis 0); outer w [2] (graph input) and the
    constant axes of an Unsqueeze in the body. Body: s' = s + a_t * w + b_t; outputs s', s' * 2 (unsqueezed)."""
    t = (lambda name, shape: helper.make_tensor_value_info(name, F, shape)) if typed_body else \
        (lambda name, shape: helper.make_value_info(name, helper.TypeProto()))
    body = helper.make_graph(
        [helper.make_node("Mul", ["a_t", "w"], ["aw"]), helper.make_node("Add", ["s", "aw"], ["s1"]),
         helper.make_node("Add", ["s1", "b_t"], ["s_out"]), helper.make_node("Add", ["s_out", "s_out"], ["d"]),
         helper.make_node("Unsqueeze", ["d", "axes"], ["y_t"])],
        "body", [t("s", [2]), t("a_t", [2]), t("b_t", [2])], [t("s_out", [2]), t("y_t", [1, 2])])
    node = helper.make_node("Scan", ["s0", "a", "b"], ["s_final", "ys"], body=body, num_scan_inputs=2,
                            scan_input_directions=list(directions), scan_input_axes=list(in_axes),
                            scan_output_directions=list(out_dirs), scan_output_axes=list(out_axes))
    axes = helper.make_node("Constant", [], ["axes"], value=numpy_helper.from_array(np.array([0], np.int64)))
    graph = helper.make_graph([axes, node], "g",
                              [helper.make_tensor_value_info("s0", F, [2]), helper.make_tensor_value_info("a", F, [2, steps]),
                               helper.make_tensor_value_info("b", F, [steps, 2]), helper.make_tensor_value_info("w", F, [2])],
                              [helper.make_tensor_value_info("s_final", F, None),
                               helper.make_tensor_value_info("ys", F, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version_for(opset)
    return model


FEEDS = {"s0": rng.standard_normal(2).astype(np.float32), "a": rng.standard_normal((2, 5)).astype(np.float32),
         "b": rng.standard_normal((5, 2)).astype(np.float32), "w": rng.standard_normal(2).astype(np.float32)}
VARIANTS = {
    "forward": {"directions": (0, 0), "out_dirs": (0,)},
    "reversed_inputs_and_output": {},
    "output_axis_1": {"out_axes": (1,)}, "output_axis_negative": {"out_axes": (-2,)},
    "negative_input_axis": {"in_axes": (-1, -2)},
    "untyped_body_inputs": {"typed_body": False},
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scan_matches_onnxruntime(name, tmp_path):
    path = save(scan_model(**VARIANTS[name]), tmp_path)
    ours = convert_and_run(path, FEEDS, precision_mode="force_fp32")
    theirs = ort_run(path, FEEDS)
    assert list(ours) == ["s_final", "ys"]
    for got, want in zip(ours.values(), theirs):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_scan_round_trips_through_om_and_export(tmp_path):
    assert_round_trips(scan_model(), FEEDS, tmp_path)


def test_scan_of_zero_iterations_gives_empty_scan_outputs(tmp_path):
    path = save(scan_model(steps="T"), tmp_path)
    feeds = {**FEEDS, "a": np.zeros((2, 0), np.float32), "b": np.zeros((0, 2), np.float32)}
    ours = convert_and_run(path, feeds, precision_mode="force_fp32", input_shape=(("a", (2, -1)), ("b", (-1, 2))))
    np.testing.assert_array_equal(ours["s_final"], FEEDS["s0"])   # (onnxruntime 1.32 dies of SIGFPE here)
    assert ours["ys"].shape == (0, 1, 2) and ours["ys"].dtype == np.float32


def test_untyped_body_inputs_take_the_dtype_of_what_feeds_them(tmp_path):
    """A body input without a declared type is typed by its outer value (here fp16): CastLike to it in the
    body is a cast to fp16, not to the float32 an unknown dtype used to default to."""
    untyped = [helper.make_value_info(n, helper.TypeProto()) for n in ("s", "x_t")]
    body = helper.make_graph(
        [helper.make_node("Cast", ["x_t"], ["xf"], to=F), helper.make_node("Cast", ["s"], ["sf"], to=F),
         helper.make_node("Add", ["sf", "xf"], ["sum"]), helper.make_node("CastLike", ["sum", "x_t"], ["s_out"])],
        "body", untyped, [helper.make_value_info("s_out", helper.TypeProto())])
    node = helper.make_node("Scan", ["s0", "x"], ["s_final"], body=body, num_scan_inputs=1)
    f16 = TensorProto.FLOAT16
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("s0", f16, [3]),
                                            helper.make_tensor_value_info("x", f16, [4, 3])],
                              [helper.make_tensor_value_info("s_final", f16, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = ir_version_for(21)
    path = save(model, tmp_path)
    feeds = {"s0": np.ones(3, np.float16), "x": rng.standard_normal((4, 3)).astype(np.float16)}
    got = convert_and_run(path, feeds, precision_mode="force_fp32")["s_final"]
    want = ort_run(path, feeds)[0]
    assert got.dtype == want.dtype == np.float16
    np.testing.assert_allclose(got, want, rtol=1e-3)


@pytest.mark.parametrize("lengths", [None, [3, 1, 2]])
def test_scan_8_batched_with_sequence_lengths_matches_onnxruntime(tmp_path, lengths):
    """Scan-8: batch axis 0, scan axis 1, a reversed second input, per-element lengths (outputs zero-padded)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "a_t"], ["s1"]), helper.make_node("Mul", ["s1", "b_t"], ["s_out"]),
         helper.make_node("Identity", ["s1"], ["y_t"])], "body",
        [helper.make_tensor_value_info(n, F, [2]) for n in ("s", "a_t", "b_t")],
        [helper.make_tensor_value_info("s_out", F, [2]), helper.make_tensor_value_info("y_t", F, [2])])
    node = helper.make_node("Scan", ["lens" if lengths else "", "s0", "a", "b"], ["s_final", "ys"], body=body,
                            num_scan_inputs=2, directions=[0, 1])
    inputs = [helper.make_tensor_value_info("s0", F, [3, 2]), helper.make_tensor_value_info("a", F, [3, 3, 2]),
              helper.make_tensor_value_info("b", F, [3, 3, 2])]
    if lengths:
        inputs.insert(0, helper.make_tensor_value_info("lens", TensorProto.INT64, [3]))
    graph = helper.make_graph([node], "g", inputs, [helper.make_tensor_value_info("s_final", F, None),
                                                    helper.make_tensor_value_info("ys", F, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 8)])
    model.ir_version = 3
    feeds = {"s0": rng.standard_normal((3, 2)).astype(np.float32), "a": rng.standard_normal((3, 3, 2)).astype(np.float32),
             "b": rng.uniform(0.5, 1.5, (3, 3, 2)).astype(np.float32)}
    if lengths:
        feeds["lens"] = np.array(lengths, np.int64)
    path = save(model, tmp_path)
    ours = convert_and_run(path, feeds, precision_mode="force_fp32")
    for got, want in zip(ours.values(), ort_run(path, feeds)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
