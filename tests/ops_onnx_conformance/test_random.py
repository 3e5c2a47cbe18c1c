"""ONNX random ops (RandomUniform(Like), RandomNormal(Like), Bernoulli): our numbers are TensorFlow's Philox
stream, not onnxruntime's, so the tests check what does not depend on the generator: dtype and shape,
the distribution's statistics, that a seeded model gives the same numbers on every run (and another seed
other numbers), and that an unseeded one gives fresh numbers unless the session fixes a random seed."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto

from converter.api import build_graph
from converter.runtime import Session
from tests.helpers import one_node_model, options, save

N = 200_000


def _run(tmp_path, op_type, inputs, attrs, n=2, **session):
    path = save(one_node_model(op_type, inputs, attrs, opset=22), tmp_path)
    graph = build_graph(options(path, precision_mode="force_fp32"))
    feeds = {k: v for k, v in (inputs.items() if isinstance(inputs, dict) else [])}
    return [Session(graph, **session).run(feeds)["y0"] for _ in range(n)]


@pytest.mark.parametrize("op_type,attrs,mean,std", [
    ("RandomUniform", {"low": -2.0, "high": 6.0}, 2.0, 8 / np.sqrt(12)),
    ("RandomNormal", {"mean": 3.0, "scale": 0.5}, 3.0, 0.5),
    ("RandomUniform", {}, 0.5, 1 / np.sqrt(12)),
])
def test_distribution_and_seeded_determinism(tmp_path, op_type, attrs, mean, std):
    a, b = _run(tmp_path, op_type, {}, {**attrs, "shape": [N], "seed": 7.0})
    assert a.dtype == np.float32 and a.shape == (N,)
    np.testing.assert_array_equal(a, b)                    # seeded: the same numbers on every run
    assert abs(a.mean() - mean) < 5 * std / np.sqrt(N) and abs(a.std() - std) < 0.01 * std
    if op_type == "RandomUniform":
        low, high = attrs.get("low", 0.0), attrs.get("high", 1.0)
        assert a.min() >= low and a.max() < high
    other, = _run(tmp_path, op_type, {}, {**attrs, "shape": [N], "seed": 8.0}, n=1)
    assert not np.array_equal(a, other)


def test_like_ops_take_the_input_shape_and_dtype(tmp_path):
    x = np.zeros((3, 50, 40), np.float64)
    for op_type in ("RandomUniformLike", "RandomNormalLike"):
        a, b = _run(tmp_path, op_type, {"x": x}, {"seed": 1.5})
        assert a.dtype == np.float64 and a.shape == x.shape
        np.testing.assert_array_equal(a, b)
    y, = _run(tmp_path, "RandomNormalLike", {"x": x}, {"dtype": TensorProto.FLOAT16}, n=1)
    assert y.dtype == np.float16


def test_bernoulli_frequencies(tmp_path):
    p = np.repeat(np.array([0.0, 0.1, 0.5, 0.9, 1.0], np.float32), N // 5)
    a, b = _run(tmp_path, "Bernoulli", {"p": p}, {"seed": 0.0})
    assert a.dtype == np.float32 and set(np.unique(a)) <= {0.0, 1.0}
    np.testing.assert_array_equal(a, b)
    freq = a.reshape(5, -1).mean(axis=1)
    np.testing.assert_allclose(freq, [0.0, 0.1, 0.5, 0.9, 1.0], atol=0.01)
    as_int, = _run(tmp_path, "Bernoulli", {"p": p}, {"seed": 0.0, "dtype": TensorProto.INT32}, n=1)
    assert as_int.dtype == np.int32
    np.testing.assert_array_equal(as_int, a.astype(np.int32))


def test_unseeded_ops_draw_fresh_numbers_unless_the_session_fixes_them(tmp_path):
    a, b = _run(tmp_path, "RandomNormal", {}, {"shape": [1000]})
    assert not np.array_equal(a, b)
    c, d = _run(tmp_path, "RandomNormal", {}, {"shape": [1000]}, random_seed=3)
    np.testing.assert_array_equal(c, d)


def test_random_ops_are_never_folded(tmp_path):
    path = save(one_node_model("RandomUniform", {}, {"shape": [4], "seed": 1.0}, opset=22), tmp_path)
    graph = build_graph(options(path))
    assert "RandomUniform" in {op.type for op in graph.ops()}


def test_a_non_float_dtype_is_refused(tmp_path):
    from converter.errors import ConverterError
    path = save(one_node_model("RandomUniform", {}, {"shape": [4], "dtype": TensorProto.INT32}, opset=22), tmp_path)
    with pytest.raises(ConverterError, match="not a float type"):
        build_graph(options(path))
