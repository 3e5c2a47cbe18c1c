"""Winograd F(2x2, 3x3) and F(4x4, 3x3) (ops/nn/winograd.py): the transforms compute a correlation exactly (in
fp64), the conv path matches the all-windows reference and the im2col path on random shapes (odd sizes,
asymmetric and zero pads, batches, one channel, outputs smaller than a tile), bias and fused Relu included,
split over threads or not; and conv_nd picks it only for the convs it computes."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ops import get
from converter.ops.nn import conv as conv_module
from converter.ops.nn import winograd
from converter.ops.nn.conv import ConvGeometry
from converter.ops.workspace import Workspace
from tests.helpers import record_parts

from .test_conv_paths import reference_conv

rng = np.random.default_rng(7)

# (x shape NCHW, output channels, pads [top, left, bottom, right])
SHAPES = [
    ((1, 3, 8, 8), 4, [1, 1, 1, 1]),
    ((2, 5, 9, 7), 6, [1, 1, 1, 1]),        # odd sizes: the last tiles are cut
    ((1, 4, 11, 13), 3, [0, 2, 1, 0]),      # asymmetric pads
    ((1, 2, 6, 10), 5, [0, 0, 0, 0]),       # no pads
    ((1, 1, 3, 3), 1, [1, 1, 1, 1]),        # one channel, one tile
    ((1, 3, 1, 2), 2, [1, 1, 1, 1]),        # output smaller than a tile
    ((2, 7, 15, 14), 9, [2, 1, 0, 2]),
]


@pytest.mark.parametrize("m", sorted(winograd.TRANSFORMS))
def test_transforms_compute_a_correlation(m):
    bt, g, at = winograd.TRANSFORMS[m]
    d, k = rng.standard_normal(m + 2), rng.standard_normal(3)
    want = [sum(d[i + j] * k[j] for j in range(3)) for i in range(m)]
    np.testing.assert_allclose(at @ ((g @ k) * (bt @ d)), want, rtol=1e-12, atol=1e-12)


def _winograd(x, w, b, attrs, m, activation=None):
    geo = ConvGeometry(attrs, x.shape[2:], w.shape[2:])
    finish = conv_module._finisher(b, activation, x.dtype, (1, w.shape[0], 1))
    return winograd.conv2d(x, w, lambda block, index: finish(block, None, index), geo, m)


@pytest.mark.parametrize("m", sorted(winograd.TRANSFORMS))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s[0])) + f"_o{s[1]}_p{''.join(map(str, s[2]))}")
def test_winograd_matches_the_reference(shape, m):
    xs, out_ch, pads = shape
    attrs = {"pads": pads}
    x, w, b = rng.standard_normal(xs), rng.standard_normal((out_ch, xs[1], 3, 3)), rng.standard_normal(out_ch)
    want = reference_conv(x, w, b, attrs)
    exact = _winograd(x, w, b, attrs, m)                           # fp64: the transforms are exact up to rounding
    assert exact.dtype == np.float64 and exact.shape == want.shape
    np.testing.assert_allclose(exact, want, rtol=1e-10, atol=1e-10 * np.abs(want).max())
    got = _winograd(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), attrs, m)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5 * np.abs(want).max())
    relu = _winograd(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), attrs, m, "Relu")
    np.testing.assert_allclose(relu, np.maximum(want, 0), rtol=0, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("m", sorted(winograd.TRANSFORMS))
def test_winograd_matches_the_im2col_path(monkeypatch, m):
    """conv_nd with the Winograd path (tile size forced) against conv_nd with it off, ResNet-like scale."""
    x = np.maximum(rng.standard_normal((2, 16, 13, 12)), 0).astype(np.float32)
    w = (rng.standard_normal((24, 16, 3, 3)) * np.sqrt(2 / 144)).astype(np.float32)
    b = rng.standard_normal(24).astype(np.float32)
    attrs = get("Conv2D").normalize({"pads": [1, 1, 1, 1], "_epilogue": "Relu"})
    monkeypatch.setattr(winograd, "tile_size", lambda *a: 0)
    im2col = conv_module.conv_nd(x, w, b, attrs, False)
    monkeypatch.setattr(winograd, "tile_size", lambda *a: m)
    got = conv_module.conv_nd(x, w, b, attrs, False)
    np.testing.assert_allclose(got, im2col, rtol=0, atol=1e-5 * np.abs(im2col).max())


@pytest.mark.parametrize("cut", ["tile_rows", "channels"])
@pytest.mark.parametrize("m", sorted(winograd.TRANSFORMS))
def test_winograd_split_over_threads(monkeypatch, m, cut):
    """Tiles cut into parts by tile rows, each part computed by a kernel thread in buffers of its own (or, with
    fewer tiles than output channels, the products cut by output channels), give the one-thread result (to
    the last bits), inside a session workspace (prepared weights, scratch reused), and the same result again
    on a second call."""
    size, out_ch = ((10, 9), 5) if cut == "tile_rows" else ((6, 6), 12)
    x = rng.standard_normal((1, 6, *size)).astype(np.float32)
    w = rng.standard_normal((out_ch, 6, 3, 3)).astype(np.float32)
    w.flags.writeable = False
    b = rng.standard_normal(out_ch).astype(np.float32)
    attrs = {"pads": [1, 1, 1, 1]}
    monkeypatch.setattr(winograd, "MIN_PART_CHANNELS", 1)
    alone = _winograd(x, w, b, attrs, m)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(winograd, "sharing", lambda: True)
    monkeypatch.setattr(winograd, "MIN_PART_TILES", 1)
    parts = record_parts(monkeypatch, winograd)
    ws = Workspace()
    with ws.active():
        ws.op = "conv"
        first = _winograd(x, w, b, attrs, m)
        second = _winograd(x, w, b, attrs, m)
    # the parts' products have other sizes than the whole's: BLAS may round them differently in the last bit
    np.testing.assert_allclose(first, alone, rtol=0, atol=4e-6 * np.abs(alone).max())   # F4: ~1e-6 each
    np.testing.assert_array_equal(second, first)
    assert not np.may_share_memory(first, second)
    assert parts == [2, 2]


@pytest.mark.parametrize("case, want", [
    (((1, 64, 56, 56), (64, 64, 3, 3), {"pads": [1, 1, 1, 1]}), 4),
    (((1, 128, 28, 28), (128, 128, 3, 3), {"pads": [1, 1, 1, 1]}), 4),
    (((1, 256, 14, 14), (256, 256, 3, 3), {"pads": [1, 1, 1, 1]}), 2),
    (((1, 512, 7, 7), (512, 512, 3, 3), {"pads": [1, 1, 1, 1]}), 0),         # too few tiles
    (((1, 8, 56, 56), (8, 8, 3, 3), {"pads": [1, 1, 1, 1], "strides": [2, 2]}), 0),
    (((1, 8, 56, 56), (8, 8, 3, 3), {"pads": [2, 2, 2, 2], "dilations": [2, 2]}), 0),
    (((1, 8, 56, 56), (8, 4, 3, 3), {"pads": [1, 1, 1, 1], "groups": 2}), 0),
    (((1, 8, 56, 56), (8, 8, 3, 2), {"pads": [1, 1, 1, 1]}), 0),
    (((1, 8, 56, 56), (8, 8, 1, 1), {}), 0),
])
def test_tile_size_by_shape(case, want):
    xs, ws, attrs = case
    attrs = get("Conv2D").normalize(attrs)
    geo = ConvGeometry(attrs, xs[2:], ws[2:])
    assert winograd.tile_size(np.empty(ws, np.float32), geo, int(attrs.get("groups", 1))) == want


def test_conv_kernel_takes_the_winograd_path_for_nchw_3x3(monkeypatch):
    """The Conv2D kernel on a big enough NCHW 3x3 stride-1 conv goes through winograd.conv2d; NHWC does not."""
    calls = []
    original = winograd.conv2d
    monkeypatch.setattr(winograd, "conv2d", lambda *a: calls.append(a[-1]) or original(*a))
    spec = get("Conv2D")
    x, w = rng.standard_normal((1, 4, 24, 24)).astype(np.float32), rng.standard_normal((3, 4, 3, 3)).astype(np.float32)
    y = spec.kernel([x, w, None], spec.normalize({"pads": [1, 1, 1, 1]}))
    assert calls == [4]
    np.testing.assert_allclose(y, reference_conv(x, w, None, {"pads": [1, 1, 1, 1]}), rtol=0, atol=2e-5 * np.abs(y).max())
    spec.kernel([np.moveaxis(x, 1, -1).copy(), w, None], spec.normalize({"pads": [1, 1, 1, 1], "data_format": "NHWC"}))
    assert calls == [4]
