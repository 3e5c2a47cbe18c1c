"""The session reuses memory (dropped values recycled for later outputs, dying inputs overwritten in place by
elementwise kernels); none of it may change a value someone can still see: views other values keep, values
used later, the caller's feeds, outputs handed back, weights."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import api
from converter.runtime import Session
from tests.helpers import options, save

rng = np.random.default_rng(3)
SHAPE = (2, 3, 4, 5)


def _model(nodes, outputs, inits):
    graph = helper.make_graph(
        nodes, "memory", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(SHAPE))],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _sessions(tmp_path, model, precision="force_fp32"):
    """The same model as an in-memory graph session and as an .om session (read-only mapped weights)."""
    path = save(model, tmp_path)
    graph_session = Session(api.build_graph(options(path, precision_mode=precision)))
    om = api.convert(options(path, output=str(tmp_path / "m"), precision_mode=precision))
    return [graph_session, Session(om)]


C1 = rng.standard_normal(SHAPE).astype(np.float32)
C2 = rng.standard_normal(SHAPE[1:]).astype(np.float32)
FLAT = np.array([2, -1], np.int64)


def _reference(x):
    r = np.maximum(x, 0)
    a = r + C1
    return {"v": r.reshape(2, -1), "a": a, "m": (a * C2) * (a * C2), "d": (r + r) - C1}


NODES = [
    helper.make_node("Relu", ["x"], ["r"]),
    helper.make_node("Reshape", ["r", "flat"], ["v"]),          # v views r: r must not change under it
    helper.make_node("Add", ["r", "c1"], ["a"]),                # r used again below, a used twice
    helper.make_node("Mul", ["a", "c2"], ["p"]),
    helper.make_node("Mul", ["p", "p"], ["m"]),                 # one value twice, dying here
    helper.make_node("Add", ["r", "r"], ["rr"]),
    helper.make_node("Sub", ["rr", "c1"], ["d"]),
]


@pytest.mark.parametrize("precision", ["force_fp32", "force_fp16"])
def test_reused_memory_never_changes_a_visible_value(tmp_path, precision):
    model = _model(NODES, ["v", "a", "m", "d"], {"c1": C1, "c2": C2, "flat": FLAT})
    tol = {"rtol": 1e-6, "atol": 1e-6} if precision == "force_fp32" else {"rtol": 5e-3, "atol": 5e-2}
    for session in _sessions(tmp_path, model, precision):
        kept = []
        for _ in range(4):
            x = rng.standard_normal(SHAPE).astype(np.float32)
            x_before = x.copy()
            out = session.run({"x": x})
            np.testing.assert_array_equal(x, x_before)           # the feed is the caller's
            want = _reference(x)
            for name in want:
                np.testing.assert_allclose(out[name].astype(np.float32), want[name], **tol)
            kept.append((out, {k: v.copy() for k, v in out.items()}))
        for out, copy in kept:                                  # later runs never wrote into earlier outputs
            for name in copy:
                np.testing.assert_array_equal(out[name], copy[name])


def test_in_place_writes_happen(tmp_path, monkeypatch):
    """A Relu whose input dies at it (and is referred to by nothing else) writes in place of that input
    (the optimisation is really there)."""
    from converter.ops import activation
    nodes = [helper.make_node("Div", ["x", "c1"], ["a"]), helper.make_node("Relu", ["a"], ["r"]),   # (Div: no
             helper.make_node("Mul", ["r", "c2"], ["y"])]                                            # epilogue)
    session = _sessions(tmp_path, _model(nodes, ["y"], {"c1": C1, "c2": C2}))[1]
    in_place = []

    def spy(arrays, shape, dtype):
        out = output_for(arrays, shape, dtype)
        in_place.append(any(out is a for a in arrays))
        return out

    output_for = activation.output_for
    monkeypatch.setattr(activation, "output_for", spy)
    x = rng.standard_normal(SHAPE).astype(np.float32)
    for _ in range(2):
        y = session.run({"x": x})["y"]
        np.testing.assert_allclose(y, np.maximum(x / C1, 0) * C2, rtol=1e-6)
    assert in_place == [True, True]


def _conv_relu_model(relu_is_output_too: bool):
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]), helper.make_node("Mul", ["r", "k"], ["y"])]
    outputs = ["y", "c"] if relu_is_output_too else ["y"]
    return _model(nodes, outputs, {"w": w, "b": b, "k": np.float32(2) * np.ones((1,), np.float32)})


@pytest.mark.parametrize("conv_is_an_output", [False, True])
def test_relu_fused_into_the_conv(tmp_path, conv_is_an_output):
    """A Relu that is a conv's only reader runs inside the conv (attrs _epilogue); the results are the unfused
    ones, bisect's capture still sees the conv's own output, and a conv output the user asked for is not fused."""
    session = _sessions(tmp_path, _conv_relu_model(conv_is_an_output))[1]
    fused = [step for step in session._steps if step[6] is not None]
    assert len(fused) == (0 if conv_is_an_output else 2)
    x = rng.standard_normal(SHAPE).astype(np.float32)[:1]
    x = np.concatenate([x, x])
    out = session.run({"x": x})
    captured = session.run({"x": x}, capture=True)["__all__"]
    assert captured["c"].min() < 0                       # the conv's own output, before the Relu
    np.testing.assert_allclose(out["y"], 2 * np.maximum(captured["c"], 0), rtol=1e-6)
    np.testing.assert_allclose(captured["r"], np.maximum(captured["c"], 0), rtol=1e-6)
    if conv_is_an_output:
        np.testing.assert_allclose(out["c"], captured["c"], rtol=1e-6)


def test_relu_fused_into_an_add(tmp_path):
    """A residual Add followed by a Relu (ResNet's blocks) runs as one in-place kernel; same numbers."""
    nodes = [helper.make_node("Add", ["x", "c1"], ["a"]), helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Mul", ["r", "c2"], ["y"])]
    session = _sessions(tmp_path, _model(nodes, ["y"], {"c1": C1, "c2": C2}))[1]
    assert [step[0].type for step in session._steps if step[6] is not None] == ["Add", "Relu"]
    x = rng.standard_normal(SHAPE).astype(np.float32)
    for _ in range(2):
        np.testing.assert_allclose(session.run({"x": x})["y"], np.maximum(x + C1, 0) * C2, rtol=1e-6)


def _residual_block(shortcut_first: bool, kernel: int, add_is_output: bool = False, broadcast: bool = False):
    """ResNet's block end: c = Conv(x) (kernel 1: the pointwise path, 3: another), a = Add(c, s) with s a
    shortcut computed before the conv (Mul of x; broadcast: ReduceMax over the channels), r = Relu(a), y = r * 2."""
    w = rng.standard_normal((3, 3, kernel, kernel)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    pads = [kernel // 2] * 4
    k = np.full((1, 3, 4, 5), 0.5, np.float32)
    adds = ["s", "c"] if shortcut_first else ["c", "s"]
    shortcut = helper.make_node("ReduceMax", ["x"], ["s"], axes=[1], keepdims=1) if broadcast else \
        helper.make_node("Mul", ["x", "k"], ["s"])
    nodes = [shortcut, helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=pads),
             helper.make_node("Add", adds, ["a"]),
             helper.make_node("Relu", ["a"], ["r"]), helper.make_node("Mul", ["r", "two"], ["y"])]
    inits = {"w": w, "b": b, "k": k, "two": np.full((1,), 2, np.float32)}
    return _model(nodes, ["y", "a"] if add_is_output else ["y"], inits)


@pytest.mark.parametrize("kernel", [1, 3])
@pytest.mark.parametrize("shortcut_first", [False, True])
def test_residual_add_and_relu_fused_into_the_conv(tmp_path, shortcut_first, kernel):
    """A residual Add (its other value computed before the conv) and the Relu after it run inside the conv
    (attrs _epilogue AddRelu, the other value as the kernel's last input), whichever side of the Add the conv is
    on; the numbers are the unfused ones, run after run (capture runs every op on its own)."""
    for session in _sessions(tmp_path, _residual_block(shortcut_first, kernel)):
        fused = {step[0].type: step[6] for step in session._steps if step[6] is not None}
        assert fused["Conv2D"]["_epilogue"] == "AddRelu"
        assert fused["Add"] == ("fused", 1 if shortcut_first else 0) and fused["Relu"] == ("fused", 0)
        x = rng.standard_normal(SHAPE).astype(np.float32)
        captured = session.run({"x": x}, capture=True)["__all__"]
        assert captured["a"].min() < 0 and captured["c"].min() < 0
        np.testing.assert_allclose(captured["r"], np.maximum(captured["c"] + 0.5 * x, 0), rtol=1e-6, atol=1e-6)
        for _ in range(2):
            np.testing.assert_array_equal(session.run({"x": x})["y"], 2 * captured["r"])


def test_residual_add_that_is_an_output_keeps_its_value(tmp_path):
    """An Add whose value the user asked for is still fused into the conv, but its Relu is not (the Add's value
    must be the sum before the Relu)."""
    for session in _sessions(tmp_path, _residual_block(False, 1, add_is_output=True)):
        fused = {step[0].type: step[6] for step in session._steps if step[6] is not None}
        assert fused["Conv2D"]["_epilogue"] == "Add" and "Relu" not in fused
        x = rng.standard_normal(SHAPE).astype(np.float32)
        out = session.run({"x": x})
        captured = session.run({"x": x}, capture=True)["__all__"]
        assert out["a"].min() < 0
        np.testing.assert_array_equal(out["a"], captured["a"])
        np.testing.assert_array_equal(out["y"], 2 * np.maximum(captured["a"], 0))


def test_broadcasting_add_is_not_fused_into_the_conv(tmp_path):
    """An Add with a value of another shape (broadcast over the channels) stays an op of its own."""
    session = _sessions(tmp_path, _residual_block(False, 1, broadcast=True))[1]
    assert not any(step[0].type == "Conv2D" and step[6] is not None and "_residual" in step[6]
                   for step in session._steps)
    x = rng.standard_normal(SHAPE).astype(np.float32)
    captured = session.run({"x": x}, capture=True)["__all__"]
    want = 2 * np.maximum(captured["c"] + x.max(axis=1, keepdims=True), 0)
    np.testing.assert_allclose(session.run({"x": x})["y"], want, rtol=1e-6, atol=1e-6)


def _bias_model(bias_shape, bias_first: bool, rows: int = 6):
    """y = Add(MatMul(x3, w), bias) on a 3-D input (BatchMatMulV2), the bias on either side of the Add."""
    w = rng.standard_normal((5, 7)).astype(np.float32)
    bias = rng.standard_normal(bias_shape).astype(np.float32)
    adds = ["bias", "p"] if bias_first else ["p", "bias"]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["p"]), helper.make_node("Add", adds, ["y"])], "bias",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, rows, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "bias")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), w, bias


@pytest.mark.parametrize("bias_first", [False, True])
@pytest.mark.parametrize("bias_shape", [(7,), (1, 1, 7)])
def test_bias_add_fused_into_the_product(tmp_path, bias_shape, bias_first):
    """An Add of a constant with one value per column runs inside the product (attrs _epilogue BiasAdd, the
    bias as the kernel's last input), whichever side of the Add it is on; the numbers are the unfused ones,
    bit for bit (capture runs every op on its own), also with the product split over two threads."""
    model, w, bias = _bias_model(bias_shape, bias_first)
    for session in _sessions(tmp_path, model):
        fused = {step[0].type: step[6] for step in session._steps if step[6] is not None}
        assert fused["BatchMatMulV2"]["_epilogue"] == "BiasAdd" and fused["Add"][0] == "fused"
        x = rng.standard_normal((2, 6, 5)).astype(np.float32)
        captured = session.run({"x": x}, capture=True)["__all__"]
        np.testing.assert_allclose(captured["y"], x @ w + bias, rtol=1e-5, atol=1e-5)
        for _ in range(2):
            np.testing.assert_array_equal(session.run({"x": x})["y"], captured["y"])


def test_bias_add_split_over_threads_is_the_unsplit_sum(tmp_path, monkeypatch):
    """Products split into blocks add each block's bias on the thread that computed it: every block, once."""
    from converter.ops import blas
    if blas._openblas() is None:
        pytest.skip("no OpenBLAS in this process: products are not split")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(blas, "SPLIT_WORK", 1)
    monkeypatch.setattr(blas, "MIN_BLOCK", 1)
    model, _, _ = _bias_model((7,), False, rows=64)
    session = _sessions(tmp_path, model)[1]
    x = rng.standard_normal((2, 64, 5)).astype(np.float32)
    captured = session.run({"x": x}, capture=True)["__all__"]
    for _ in range(2):
        np.testing.assert_array_equal(session.run({"x": x})["y"], captured["y"])


def test_a_per_row_constant_is_not_a_bias(tmp_path):
    """An Add of a constant that varies along the rows (not the last axis) stays an op of its own."""
    model, w, bias = _bias_model((6, 1), False)
    session = _sessions(tmp_path, model)[1]
    assert not any(step[6] is not None for step in session._steps)
    x = rng.standard_normal((2, 6, 5)).astype(np.float32)
    np.testing.assert_allclose(session.run({"x": x})["y"], x @ w + bias, rtol=1e-5, atol=1e-5)
