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
