"""The conv kernel's paths (1x1 product, depthwise taps, tiled im2col, either layout, any spatial rank)
against a reference written the old way (all windows at once, summed in float64), on random inputs at
fp32 tolerance; and the workspace the runtime runs them in (scratch reuse, prepared weights)."""
from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from converter.ops import get
from converter.ops.nn import conv as conv_module
from converter.ops.nn._spatial import effective_kernel, pad_spatial
from converter.ops.nn.conv import ConvGeometry
from converter.ops.workspace import Workspace
from tests.helpers import record_parts

rng = np.random.default_rng(1)


def reference_conv(x, w, b, attrs):
    """Channels-first grouped N-d convolution in float64: every window gathered, then one einsum."""
    n = w.ndim - 2
    groups = int(attrs.get("groups", 1))
    x, w = x.astype(np.float64), w.astype(np.float64)
    geo = ConvGeometry(attrs, x.shape[2:], w.shape[2:])
    xp = pad_spatial(x, geo.pads[:n], geo.pads[n:])
    win = sliding_window_view(xp, effective_kernel(geo.kernel, geo.dilations), axis=tuple(range(2, 2 + n)))
    win = win[(slice(None),) * 2 + tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(geo.out_sizes, geo.strides))
              + tuple(slice(None, None, d) for d in geo.dilations)]                      # (N, C, *O, *K)
    batch, channels = x.shape[:2]
    cg, og = channels // groups, w.shape[0] // groups
    win = win.reshape(batch, groups, cg, -1, int(np.prod(geo.kernel)))
    wg = w.reshape(groups, og, cg, -1)
    y = np.einsum("ngcpk,gock->ngop", win, wg).reshape(batch, groups * og, *geo.out_sizes)
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * n)
    return y


# name: (x shape NC*, w shape, attrs)
CASES = {
    "pointwise": ((2, 8, 5, 6), (6, 8, 1, 1), {}),
    "pointwise_stride": ((1, 8, 7, 9), (4, 8, 1, 1), {"strides": [2, 3]}),
    "pointwise_groups": ((2, 8, 4, 4), (6, 4, 1, 1), {"groups": 2}),
    "pointwise_padded": ((1, 3, 4, 5), (2, 3, 1, 1), {"pads": [1, 0, 0, 2]}),
    "depthwise": ((2, 6, 9, 8), (6, 1, 3, 3), {"groups": 6, "pads": [1, 1, 1, 1]}),
    "depthwise_multiplier_stride": ((1, 4, 9, 10), (8, 1, 3, 2), {"groups": 4, "strides": [2, 2],
                                                                  "pads": [0, 1, 2, 1]}),
    "depthwise_dilated": ((1, 3, 11, 11), (3, 1, 3, 3), {"groups": 3, "dilations": [2, 3], "pads": [2, 3, 2, 3]}),
    "im2col": ((2, 5, 10, 9), (7, 5, 3, 3), {"pads": [1, 1, 1, 1]}),
    "im2col_asymmetric": ((1, 3, 11, 12), (4, 3, 5, 2), {"pads": [0, 2, 3, 1], "strides": [2, 3],
                                                         "dilations": [1, 2]}),
    "grouped": ((2, 6, 7, 7), (9, 2, 3, 3), {"groups": 3, "pads": [1, 1, 1, 1], "strides": [2, 1]}),
    "same_upper": ((1, 2, 7, 8), (3, 2, 4, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    "conv1d": ((3, 4, 17), (5, 4, 5), {"pads": [2, 1], "strides": [2], "dilations": [2]}),
    "conv1d_depthwise": ((2, 4, 13), (4, 1, 3), {"groups": 4, "pads": [1, 1]}),
    "conv3d": ((1, 3, 5, 6, 7), (4, 3, 3, 2, 3), {"pads": [1, 0, 1, 1, 1, 0], "strides": [1, 2, 2]}),
    "conv3d_grouped": ((2, 4, 4, 5, 5), (4, 2, 2, 3, 3), {"groups": 2, "pads": [0, 1, 1, 1, 1, 1]}),
    "conv3d_pointwise": ((1, 4, 3, 4, 5), (2, 4, 1, 1, 1), {}),
    "pointwise_many_positions": ((2, 5, 20, 31), (6, 5, 1, 1), {}),          # 620 positions: several tiles
    "pointwise_grouped_many": ((1, 6, 30, 30), (4, 3, 1, 1), {"groups": 2, "strides": [1, 1]}),
}


def _run(x, w, b, attrs, channels_last, dtype=np.float32):
    n = w.ndim - 2
    op = {1: "Conv1D", 2: "Conv2D", 3: "Conv3D"}[n]
    spec = get(op)
    fmt = {1: "NWC", 2: "NHWC", 3: "NDHWC"}[n] if channels_last else ("NCDHW" if n == 3 else "NCHW")
    xin = np.moveaxis(x, 1, -1).copy() if channels_last else x
    y = spec.kernel([xin.astype(dtype), w.astype(dtype), None if b is None else b.astype(dtype)],
                    spec.normalize({**attrs, "data_format": fmt}))
    return np.moveaxis(y, -1, 1) if channels_last else y


@pytest.mark.parametrize("channels_last", [False, True], ids=["channels_first", "channels_last"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_conv_paths_match_the_reference(case, channels_last):
    xs, ws, attrs = CASES[case]
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    want = reference_conv(x, w, b, attrs)
    got = _run(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), attrs, channels_last)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    exact = _run(x, w, b, attrs, channels_last, dtype=np.float64)     # fp64 stays fp64
    assert exact.dtype == np.float64
    np.testing.assert_allclose(exact, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", ["im2col", "im2col_asymmetric", "grouped", "conv3d", "pointwise_many_positions",
                                  "pointwise_grouped_many"])
@pytest.mark.parametrize("channels_last", [False, True], ids=["channels_first", "channels_last"])
def test_tiled_matches_one_tile(monkeypatch, case, channels_last):
    """Tiles of a few output rows or positions (tiny IM2COL_TILE / OUTPUT_TILE) give the result of one tile (up
    to BLAS's rounding, which depends on the matrix sizes), bias included."""
    xs, ws, attrs = CASES[case]
    x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    whole = _run(x, w, b, attrs, channels_last)
    monkeypatch.setattr(conv_module, "IM2COL_TILE", 1)
    monkeypatch.setattr(conv_module, "OUTPUT_TILE", 1)
    np.testing.assert_allclose(_run(x, w, b, attrs, channels_last), whole, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", ["pointwise", "depthwise", "im2col", "grouped", "conv3d_grouped"])
@pytest.mark.parametrize("channels_last", [False, True], ids=["channels_first", "channels_last"])
def test_fused_relu_epilogue(case, channels_last):
    """attrs["_epilogue"] = "Relu" (set by the session when it fuses a Relu into the conv) gives relu(conv)."""
    xs, ws, attrs = CASES[case]
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    want = np.maximum(reference_conv(x, w, b, attrs), 0)
    got = _run(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), {**attrs, "_epilogue": "Relu"},
               channels_last)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_session_workspace_reuses_scratch_and_keeps_results_apart():
    """Inside a workspace, two calls of different shapes and the same shape give independent outputs
    (no output is a view of a scratch buffer), equal to calls without a workspace."""
    spec = get("Conv2D")
    attrs = spec.normalize({"pads": [1, 1, 1, 1]})
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    xs = [rng.standard_normal((1, 3, 8, 8)).astype(np.float32) for _ in range(2)]
    plain = [spec.kernel([x, w], attrs) for x in xs]
    ws = Workspace()
    with ws.active():
        ws.op = "conv"
        first = spec.kernel([xs[0], w], attrs)
        second = spec.kernel([xs[1], w], attrs)
        other = spec.kernel([rng.standard_normal((1, 3, 5, 5)).astype(np.float32), w], attrs)
    np.testing.assert_array_equal(first, plain[0])
    np.testing.assert_array_equal(second, plain[1])
    assert other.shape == (1, 4, 5, 5) and not np.shares_memory(first, second)


def test_prepared_weights_follow_the_array_they_came_from():
    """A channels-last conv prepares its weight matrix once per read-only weight array; another array
    (or a writeable one, whose contents may change) is prepared anew: never a stale weight."""
    spec = get("Conv2D")
    attrs = spec.normalize({"data_format": "NHWC"})
    x = rng.standard_normal((1, 6, 6, 3)).astype(np.float32)
    w1 = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    w1.flags.writeable = False
    w2 = (w1 * 2).astype(np.float32)
    w2.flags.writeable = False
    ws = Workspace()
    with ws.active():
        ws.op = "conv"
        y1 = spec.kernel([x, w1], attrs)
        cached = len(ws._prepared)
        y1_again = spec.kernel([x, w1], attrs)
        y2 = spec.kernel([x, w2], attrs)
        live = w1.copy()
        y_live = spec.kernel([x, live], attrs)
        live *= 3
        y_live3 = spec.kernel([x, live], attrs)
    assert cached == 1
    np.testing.assert_array_equal(y1, y1_again)
    np.testing.assert_allclose(y2, 2 * y1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y_live3, 3 * y_live, rtol=1e-5, atol=1e-5)


def test_prepared_values_respect_the_budget():
    ws = Workspace(budget=100)
    with ws.active():
        ws.op = "op"
        small, big = np.ones(10, np.float32), np.ones(100, np.float32)
        small.flags.writeable = big.flags.writeable = False
        a = ws.prepared("t", small, lambda v: v * 2)
        assert ws.prepared("t", small, lambda v: v * 3) is a          # kept: 40 bytes
        b = ws.prepared("u", big, lambda v: v * 2)                    # 400 bytes: over the budget
        assert ws.prepared("u", big, lambda v: v * 5)[0] == 5 and b[0] == 2


@pytest.mark.parametrize("case", ["im2col", "im2col_asymmetric", "grouped", "conv3d", "conv1d"])
def test_im2col_cut_into_parts_per_thread(monkeypatch, case):
    """While kernels share their work, a channels-first im2col conv with more output positions than channels
    is cut into one tile of rows per thread, each copied, multiplied and finished (bias, Relu) by its own
    thread in its own buffer: the one-thread numbers (to the last bits: products of other sizes)."""
    xs, ws, attrs = CASES[case]
    x, w = rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    attrs = {**attrs, "_epilogue": "Relu"}
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    alone = _run(x, w, b, attrs, False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setattr(conv_module, "sharing", lambda: True)
    parts = record_parts(monkeypatch, conv_module)
    ws_ = Workspace()
    with ws_.active():
        ws_.op = "conv"
        got = _run(x, w, b, attrs, False)
    np.testing.assert_allclose(got, alone, rtol=1e-6, atol=1e-6 * np.abs(alone).max())
    assert alone.min() == 0 and max(parts) > 1


def test_recycled_memory_is_bounded(monkeypatch):
    """Dropped values are kept for later outputs only up to POOL_BUDGET bytes (shapes that keep changing, as
    in loops or dynamic inputs, do not pile up)."""
    from converter.ops import workspace
    monkeypatch.setattr(workspace, "POOL_BUDGET", 1000)
    ws = Workspace()
    def drop(n):   # as the session does: its own variable is the only reference left
        value = np.empty(n, np.float32)
        ws.recycle(value)

    for n in range(1, 60):
        drop(n)
    assert 900 < ws._pooled <= 1000 and sum(a.nbytes for stack in ws._free.values() for a in stack) == ws._pooled
    before = ws._pooled
    assert ws.empty((5,), np.float32).shape == (5,) and ws._pooled == before - 20


@pytest.mark.parametrize("epilogue", ["Add", "AddRelu"])
@pytest.mark.parametrize("case", ["pointwise", "pointwise_stride", "pointwise_groups", "pointwise_many_positions",
                                  "depthwise", "im2col", "grouped", "conv3d_pointwise"])
@pytest.mark.parametrize("channels_last", [False, True], ids=["channels_first", "channels_last"])
def test_fused_residual_add(monkeypatch, case, channels_last, epilogue):
    """A residual Add fused by the session (attrs _epilogue Add / AddRelu, the other value as the last input)
    gives conv + residual (then relu), on every path; the residual is not written to. Small OUTPUT_TILE: the
    pointwise path adds the residual tile by tile."""
    monkeypatch.setattr(conv_module, "OUTPUT_TILE", 16)
    xs, ws, attrs = CASES[case]
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    plain = reference_conv(x, w, b, attrs)
    residual = rng.standard_normal(plain.shape)
    want = plain + residual
    if epilogue == "AddRelu":
        want = np.maximum(want, 0)
    n = w.ndim - 2
    spec = get({1: "Conv1D", 2: "Conv2D", 3: "Conv3D"}[n])
    fmt = {1: "NWC", 2: "NHWC", 3: "NDHWC"}[n] if channels_last else ("NCDHW" if n == 3 else "NCHW")
    move = (lambda a: np.moveaxis(a, 1, -1).copy()) if channels_last else (lambda a: a)
    res = move(residual).astype(np.float32)
    kept = res.copy()
    got = spec.kernel([move(x).astype(np.float32), w.astype(np.float32), b.astype(np.float32), res],
                      spec.normalize({**attrs, "data_format": fmt, "_epilogue": epilogue}))
    got = np.moveaxis(got, -1, 1) if channels_last else got
    np.testing.assert_array_equal(res, kept)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_window_views_never_reach_past_the_input():
    """The one-copy im2col and Winograd gathers read through strided views; a view that would reach past the
    input's memory is refused with an E-code instead of read."""
    from converter.errors import ConverterError
    from converter.ops.nn._spatial import strided_view
    image = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6)[:, 1:]   # a view: 4 rows of 6
    sc, sh, sw = image.strides
    ok = strided_view(image, (2, 3, 3, 2, 4), (sc, sh, sw, sh, sw))          # 3x3 windows, 2x4 positions
    np.testing.assert_array_equal(ok[1, 2, 1, 1, 3], image[1, 1 + 2, 3 + 1])
    assert not ok.flags.writeable
    for shape, strides in (((2, 3, 3, 3, 4), (sc, sh, sw, sh, sw)),          # one row of positions too many
                           ((2, 3, 3, 2, 5), (sc, sh, sw, sh, sw)),          # one column too many
                           ((2, 4), (sc, -sw))):                              # backwards
        with pytest.raises(ConverterError) as err:
            strided_view(image, shape, strides)
        assert err.value.code == "E10001"
