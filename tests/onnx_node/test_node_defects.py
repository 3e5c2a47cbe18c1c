"""Defects the ONNX node suite found (issue 11), each with a test that failed before its fix: LpNormalization
over zeros, Dropout in training mode, volumetric GridSample, and attributes a handler leaves unread."""
from __future__ import annotations

import numpy as np
import pytest

from converter.errors import ConverterError
from tests.helpers import convert_and_run, one_node_model, ort_run, save


def test_lp_normalization_of_zeros_is_zero(tmp_path):
    """Was NaN (0/0); ONNX gives 0 where the norm is 0."""
    x = np.array([[0.0, 1.0, -2.0], [0.0, 3.0, 4.0]], np.float32)
    for p in (1, 2):
        path = save(one_node_model("LpNormalization", {"x": x}, {"axis": 0, "p": p}), tmp_path)
        y = convert_and_run(path, {"x": x}, precision_mode="force_fp32")["y0"]
        norm = np.abs(x).sum(0) if p == 1 else np.sqrt((x * x).sum(0))
        np.testing.assert_allclose(y[:, 1:], x[:, 1:] / norm[1:], rtol=1e-6)
        assert np.array_equal(y[:, 0], [0.0, 0.0])


def _dropout(training, ratio=None, opset=13, consts=True):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    inputs = [("x", x, False), ("ratio", np.array(0.5 if ratio is None else ratio, np.float32), consts),
              ("training_mode", np.array(training), consts)]
    return one_node_model("Dropout", inputs, opset=opset, n_out=2), x


@pytest.mark.parametrize("consts", [True, False], ids=["constant", "graph_input"])
def test_dropout_in_training_mode_is_refused(consts, tmp_path):
    """Was: the identity and an all-true mask, silently."""
    model, x = _dropout(True, consts=consts)
    feeds = {"x": x} if consts else {"x": x, "ratio": np.array(0.5, np.float32), "training_mode": np.array(True)}
    with pytest.raises(ConverterError) as err:
        convert_and_run(save(model, tmp_path), feeds)
    assert err.value.code == "E11009" and "training_mode" in err.value.message


@pytest.mark.parametrize("training,ratio", [(False, 0.5), (True, 0.0)])
def test_dropout_that_keeps_everything_is_the_identity(training, ratio, tmp_path):
    model, x = _dropout(training, ratio)
    out = convert_and_run(save(model, tmp_path), {"x": x})
    assert np.array_equal(out["y0"], x) and out["y1"].dtype == bool and out["y1"].all()


GRID_5D = [(mode, pad, align) for mode in ("linear", "nearest") for pad in ("zeros", "border", "reflection")
           for align in (0, 1)]


@pytest.mark.parametrize("mode,pad,align", GRID_5D)
def test_volumetric_grid_sample_matches_onnxruntime(mode, pad, align, tmp_path):
    """Was: accepted, then 'too many values to unpack' in the runtime."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5, 6)).astype(np.float32)
    grid = rng.uniform(-1.3, 1.3, (2, 3, 2, 4, 3)).astype(np.float32)
    path = save(one_node_model("GridSample", {"x": x, "grid": grid},
                               {"mode": mode, "padding_mode": pad, "align_corners": align}, opset=20), tmp_path)
    ours = convert_and_run(path, {"x": x, "grid": grid}, precision_mode="force_fp32")["y0"]
    ref = ort_run(path, {"x": x, "grid": grid})[0]
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)


def test_bicubic_grid_sample_on_5d_is_refused_at_conversion(tmp_path):
    x = np.zeros((1, 1, 2, 2, 2), np.float32)
    grid = np.zeros((1, 1, 1, 1, 3), np.float32)
    path = save(one_node_model("GridSample", {"x": x, "grid": grid}, {"mode": "cubic"}, opset=20), tmp_path)
    with pytest.raises(ConverterError) as err:
        convert_and_run(path, {"x": x, "grid": grid})
    assert err.value.code == "E10001" and "4-D" in err.value.message


def test_an_attribute_the_handler_does_not_read_is_refused(tmp_path):
    """A node attribute no handler reads (here one ONNX does not define) must not vanish silently."""
    x = np.ones((2, 2), np.float32)
    path = save(one_node_model("Relu", {"x": x}, {"window": 3}), tmp_path)
    with pytest.raises(ConverterError) as err:
        convert_and_run(path, {"x": x})
    assert err.value.code == "E11009" and "attribute window=3 is not converted" in err.value.message


def test_an_unread_attribute_at_its_default_value_is_fine(tmp_path):
    """Split's num_outputs is read; Gemm's opset-6 'broadcast' is declared as changing nothing."""
    x = np.arange(6, dtype=np.float32)
    path = save(one_node_model("Split", {"x": x}, {"num_outputs": 3}, opset=18, n_out=3), tmp_path)
    out = convert_and_run(path, {"x": x})
    assert [v.tolist() for v in out.values()] == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize("axis,b_shape", [(1, (3, 4)), (0, (2,)), (None, (4, 5)), (2, (4, 5))])
def test_legacy_broadcast_with_axis(axis, b_shape, tmp_path):
    """Opset < 7 binary ops: broadcast=1 lines B up with A from ``axis``; it was not read before (and is now
    refused when a handler leaves it unread)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    b = rng.standard_normal(b_shape).astype(np.float32)
    attrs = {"broadcast": 1} if axis is None else {"broadcast": 1, "axis": axis}
    path = save(one_node_model("Add", [("a", a, False), ("b", b, True)], attrs, opset=6), tmp_path)
    start = a.ndim - len(b_shape) if axis is None else axis
    want = a + b.reshape(b_shape + (1,) * (a.ndim - start - len(b_shape)))
    np.testing.assert_allclose(convert_and_run(path, {"a": a}, precision_mode="force_fp32")["y0"], want, rtol=1e-6)


@pytest.mark.parametrize("as_input", [False, True], ids=["constant", "graph_input"])
def test_max_unpool_to_another_shape_is_refused(as_input, tmp_path):
    """Was: onnxruntime's reading (indices into output_shape), which the ONNX node test contradicts (indices
    into the unpooled shape, padded at the end). Ambiguous, so refused; an equal output_shape still works."""
    x = np.array([[[[5, 6], [7, 8]]]], np.float32)
    idx = np.array([[[[5, 7], [13, 15]]]], np.int64)
    feeds = {"x": x, "i": idx}
    for shape, ok in (((1, 1, 4, 4), True), ((1, 1, 5, 5), False)):
        s = np.array(shape, np.int64)
        model = one_node_model("MaxUnpool", [("x", x, False), ("i", idx, False), ("s", s, not as_input)],
                               {"kernel_shape": [2, 2], "strides": [2, 2]}, opset=11)
        path = save(model, tmp_path)
        run_feeds = {**feeds, "s": s} if as_input else feeds
        if ok:
            y = convert_and_run(path, run_feeds, precision_mode="force_fp32")["y0"]
            assert y.reshape(-1)[[5, 7, 13, 15]].tolist() == [5, 6, 7, 8]
            continue
        with pytest.raises(ConverterError) as err:
            convert_and_run(path, run_feeds)
        assert err.value.code == "E11009" and "output_shape [1, 1, 5, 5]" in err.value.message


def _x_to_y(nodes, x_shape=("n", 3), opset: int = 18):
    """A model of ``nodes`` reading a float input x (first dim dynamic by default) and giving y."""
    from onnx import TensorProto, helper
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _axes_model(op_type: str, axes_node):
    """x (dynamic first dim) -> op_type(x, axes) where axes come from ``axes_node`` (a NodeProto making 'axes'),
    or from a graph input 'axes' when axes_node is None."""
    from onnx import TensorProto, helper
    nodes = [axes_node] if axes_node is not None else []
    nodes.append(helper.make_node(op_type, ["x", "axes"], ["y"]))
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])]
    if axes_node is None:
        inputs.append(helper.make_tensor_value_info("axes", TensorProto.INT64, [1]))
    graph = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    return model


def test_axes_computed_from_shapes_are_accepted_once_folded(tmp_path):
    """Unsqueeze axes = Shape(Shape(x)) - 1 = [1]: known only after --input_shape fixes x (was: refused at the
    handler, before folding)."""
    from onnx import TensorProto, helper
    rank = helper.make_node("Shape", ["x"], ["s"])
    nodes = [rank, helper.make_node("Shape", ["s"], ["r"]),
             helper.make_node("Constant", [], ["one"], value=helper.make_tensor("one", TensorProto.INT64, [1], [1])),
             helper.make_node("Sub", ["r", "one"], ["axes"]), helper.make_node("Unsqueeze", ["x", "axes"], ["y"])]
    model = _x_to_y(nodes)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = save(model, tmp_path)
    y = convert_and_run(path, {"x": x}, input_shape=(("x", (2, 3)),), precision_mode="force_fp32")["y"]
    assert y.shape == (2, 1, 3) and np.array_equal(y, ort_run(path, {"x": x})[0])


@pytest.mark.parametrize("op_type", ["Unsqueeze", "Squeeze"])
def test_axes_from_a_graph_input_are_refused(op_type, tmp_path):
    with pytest.raises(ConverterError) as err:
        convert_and_run(save(_axes_model(op_type, None), tmp_path), {}, input_shape=(("x", (2, 3)),))
    assert err.value.code == "E10001"
    assert f"({op_type}): input 1 must be known when converting" in err.value.message
    assert "the graph input 'axes'" in err.value.message


def test_pad_axes_from_a_constant_node(tmp_path):
    from onnx import TensorProto, helper
    nodes = [helper.make_node("Constant", [], ["axes"], value=helper.make_tensor("a", TensorProto.INT64, [1], [-1])),
             helper.make_node("Constant", [], ["pads"], value=helper.make_tensor("p", TensorProto.INT64, [2], [1, 2])),
             helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"])]
    model = _x_to_y(nodes, (2, 3))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = save(model, tmp_path)
    y = convert_and_run(path, {"x": x}, precision_mode="force_fp32")["y"]
    assert np.array_equal(y, ort_run(path, {"x": x})[0]) and y.shape == (2, 6)


def test_an_if_decided_by_folding_keeps_only_its_branch(tmp_path):
    """The condition (rank of x == 2) folds once shapes are known; the other branch (a Split that does not fit
    x) is dropped instead of failing shape inference."""
    from onnx import TensorProto, helper
    then_g = helper.make_graph([helper.make_node("Neg", ["x"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    else_g = helper.make_graph([helper.make_node("Split", ["x"], ["e", "e2", "e3", "e4"], axis=1, num_outputs=4)],
                               "else", [], [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])
    nodes = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Size", ["s"], ["rank"]),
             helper.make_node("Constant", [], ["two"], value=helper.make_tensor("two", TensorProto.INT64, [], [2])),
             helper.make_node("Equal", ["rank", "two"], ["cond"]),
             helper.make_node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g)]
    model = _x_to_y(nodes)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = save(model, tmp_path)
    from converter.api import build_graph
    from tests.helpers import options
    g = build_graph(options(path, input_shape=(("x", (2, 3)),), precision_mode="force_fp32"))
    assert "If" not in {op.type for op in g.ops()}
    assert np.array_equal(convert_and_run(path, {"x": x}, input_shape=(("x", (2, 3)),),
                                          precision_mode="force_fp32")["y"], -x)


def test_a_sequence_graph_input(tmp_path):
    """A sequence-typed graph input is a DT_VARIANT Data op fed a list (was: refused as 'a dynamic shape [?]')."""
    from onnx import TensorProto, helper
    seq = helper.make_tensor_sequence_value_info("seq", TensorProto.FLOAT, None)
    nodes = [helper.make_node("SequenceInsert", ["seq", "t"], ["s2"]),
             helper.make_node("ConcatFromSequence", ["s2"], ["y"], axis=0)]
    graph = helper.make_graph(nodes, "g", [seq, helper.make_tensor_value_info("t", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    feeds = {"seq": [np.ones((1, 3), np.float32), np.zeros((2, 3), np.float32)],
             "t": np.arange(6, dtype=np.float32).reshape(2, 3)}
    path = save(model, tmp_path)
    from converter import api
    from converter.options import ConvertOptions
    from converter.runtime import Session
    om = api.convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "m"), precision_mode="force_fp32"))
    y = Session(om).run(feeds)["y"]
    assert np.array_equal(y, ort_run(path, feeds)[0]) and y.shape == (5, 3)
