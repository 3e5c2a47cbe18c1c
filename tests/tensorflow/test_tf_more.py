"""Less common TF ops (LRN, TopKV2, Cumsum, OneHot, ReverseV2, Zeros/OnesLike, Erfc, Log1p, Expm1, Bicubic)
against numpy references."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tests.tensorflow.tf_builder import DType, GraphDefBuilder, run_graphdef

F32 = DType(np.float32)
rng = np.random.default_rng(4)


def rand(*shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def single(tmp_path, op, x, inputs=(), consts=(), **attrs):
    g = GraphDefBuilder()
    g.placeholder("x", x.shape, x.dtype)
    for name, value in consts:
        g.const(name, value)
    g.node("y", op, ["x", *inputs], **attrs)
    return run_graphdef(g, tmp_path, {"x": x})


def test_lrn(tmp_path):
    x = rand(1, 3, 3, 7)
    (y,) = single(tmp_path, "LRN", x, T=F32, depth_radius=2, bias=1.5, alpha=0.3, beta=0.6)
    sq = np.pad(x.astype(np.float64) ** 2, ((0, 0), (0, 0), (0, 0), (2, 2)))
    window = sum(sq[..., i:i + 7] for i in range(5))
    np.testing.assert_allclose(y, x / (1.5 + 0.3 * window) ** 0.6, rtol=1e-5)


def test_top_k_v2(tmp_path):
    x = rand(2, 6)
    values, indices = _top_k(tmp_path, x)
    order = np.argsort(-x, axis=-1, kind="stable")[:, :3]
    np.testing.assert_array_equal(values, np.take_along_axis(x, order, -1))
    assert indices.dtype == np.int32
    np.testing.assert_array_equal(indices, order)


def _top_k(tmp_path, x):
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("k", np.int32(3))
    g.node("topk", "TopKV2", ["x", "k"], T=F32, sorted=True)
    return run_graphdef(g, tmp_path, {"x": x}, out_nodes=["topk:0", "topk:1"])


@pytest.mark.parametrize("exclusive,reverse", [(False, False), (True, False), (False, True), (True, True)])
def test_cumsum(tmp_path, exclusive, reverse):
    x = rand(3, 4)
    (y,) = single(tmp_path, "Cumsum", x, ["axis"], [("axis", np.int32(1))], T=F32, exclusive=exclusive,
                  reverse=reverse)
    w = x[:, ::-1] if reverse else x
    ref = np.cumsum(w, axis=1) - (w if exclusive else 0)
    np.testing.assert_allclose(y, ref[:, ::-1] if reverse else ref, rtol=1e-5, atol=1e-6)


def test_one_hot(tmp_path):
    ids = np.array([[0, 3], [2, -1]], np.int32)
    consts = [("depth", np.int32(4)), ("on", np.float32(2)), ("off", np.float32(-1))]
    (y,) = single(tmp_path, "OneHot", ids, ["depth", "on", "off"], consts, T=F32, TI=DType(np.int32), axis=1)
    ref = np.where(np.arange(4)[None, :, None] == ids[:, None, :], 2.0, -1.0)
    np.testing.assert_array_equal(y, ref)


def test_reverse_and_filled_like(tmp_path):
    x = rand(2, 3, 4)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("axes", [0, 2], np.int32)
    g.node("rev", "ReverseV2", ["x", "axes"], T=F32)
    g.node("zeros", "ZerosLike", ["x"], T=F32)
    g.node("ones", "OnesLike", ["x"], T=F32)
    rev, zeros, ones = run_graphdef(g, tmp_path, {"x": x}, out_nodes=["rev", "zeros", "ones"])
    np.testing.assert_array_equal(rev, x[::-1, :, ::-1])
    np.testing.assert_array_equal(zeros, np.zeros_like(x))
    np.testing.assert_array_equal(ones, np.ones_like(x))


@pytest.mark.parametrize("op,fn", [("Erfc", np.vectorize(math.erfc)), ("Log1p", np.log1p), ("Expm1", np.expm1)])
def test_composed_unary(tmp_path, op, fn):
    x = rand(3, 5)
    (y,) = single(tmp_path, op, x, T=F32)
    np.testing.assert_allclose(y, fn(x.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_resize_bicubic_align_corners_keeps_corners(tmp_path):
    x = rand(1, 4, 5, 2)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("size", [7, 9], np.int32)
    g.node("r", "ResizeBicubic", ["x", "size"], T=F32, align_corners=True)
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    assert y.shape == (1, 7, 9, 2)
    # align_corners maps output rows 0, 2, 4, 6 to input rows 0, 1, 2, 3 exactly (and columns 0, 2, ..., 8
    # to input columns 0..4), where a cubic reproduces the samples
    np.testing.assert_allclose(y[:, ::2, ::2], x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y[:, [0, -1]][:, :, [0, -1]], x[:, [0, -1]][:, :, [0, -1]], rtol=1e-6)
