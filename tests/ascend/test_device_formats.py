"""Device formats: our numpy layouts against element-by-element references written from GE's format
transfer index formulas, and round trips (plain -> device -> plain) for odd sizes that need padding."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ops import formats as F


def _ref_fractal_z(w_hwcn: np.ndarray, groups: int = 1) -> np.ndarray:
    """GE's HWCN -> FRACTAL_Z (with groups): dst index per element, as in its transfer loops."""
    h, w, c, n = w_hwcn.shape
    k = F.c0_for(w_hwcn.dtype)
    cout = n // groups
    e = F.group_packing(c, cout, groups, k)
    c1 = -(-(e * c) // k)
    cout_opt = -(-(e * cout) // 16) * 16
    g_dim = -(-groups // e)
    out = np.zeros(g_dim * c1 * h * w * cout_opt * k, w_hwcn.dtype)
    for g in range(groups):
        for ci in range(c):
            for hi in range(h):
                for wi in range(w):
                    for ni in range(cout):
                        ev = g % e
                        dci, dco = ev * c + ci, ev * cout + ni
                        idx = ((g // e) * c1 * h * w * cout_opt * k + (dci // k) * h * w * cout_opt * k
                               + hi * w * cout_opt * k + wi * cout_opt * k + dco * k + dci % k)
                        out[idx] = w_hwcn[hi, wi, ci, g * cout + ni]
    return out.reshape(g_dim * c1 * h * w, cout_opt // 16, 16, k)


def _ref_fractal_nz(x: np.ndarray) -> np.ndarray:
    """GE's ND -> FRACTAL_NZ: element (t, r, col) goes to [t, col // w0, r // 16, r % 16, col % w0]."""
    m, n = x.shape[-2:]
    t = x.reshape(-1, m, n)
    w0 = F.c0_for(x.dtype)
    m1, n1 = -(-m // 16), -(-n // w0)
    out = np.zeros((t.shape[0], n1, m1, 16, w0), x.dtype)
    for b in range(t.shape[0]):
        for r in range(m):
            for col in range(n):
                out[b, col // w0, r // 16, r % 16, col % w0] = t[b, r, col]
    return out.reshape(x.shape[:-2] + (n1, m1, 16, w0))


def _ref_nc1hwc0(x_nchw: np.ndarray) -> np.ndarray:
    n, c, h, w = x_nchw.shape
    c0 = F.c0_for(x_nchw.dtype)
    out = np.zeros((n, -(-c // c0), h, w, c0), x_nchw.dtype)
    for ci in range(c):
        out[:, ci // c0, :, :, ci % c0] = x_nchw[:, ci]
    return out


def _ref_c1hwncoc0(w_hwcn: np.ndarray) -> np.ndarray:
    h, w, c, n = w_hwcn.shape
    c0 = F.c0_for(w_hwcn.dtype)
    out = np.zeros((-(-c // c0), h, w, n, c0, c0), w_hwcn.dtype)
    for ci in range(c):
        out[ci // c0, :, :, :, ci % c0, ci % c0] = w_hwcn[:, :, ci, :]
    return out


RNG = np.random.default_rng(0)


def _rand(shape, dtype=np.float16):
    if np.dtype(dtype).kind == "i":
        return RNG.integers(-100, 100, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("hwcn,dtype", [((5, 5, 1, 16), np.float16), ((3, 3, 20, 33), np.float16),
                                        ((1, 3, 128, 64), np.float32), ((2, 2, 40, 17), np.int8)])
def test_fractal_z_matches_ge_layout(hwcn, dtype):
    w = _rand(hwcn, dtype)
    dev = F.to_fractal_z(w, "HWCN")
    np.testing.assert_array_equal(dev, _ref_fractal_z(w))
    assert dev.shape == F.fractal_z_shape(hwcn[3], hwcn[2], hwcn[0], hwcn[1], dtype)
    np.testing.assert_array_equal(F.from_fractal_z(dev, hwcn, "HWCN"), w)
    # the same weights named NCHW / NHWC land in the same device bytes
    nchw = w.transpose(3, 2, 0, 1)
    np.testing.assert_array_equal(F.to_fractal_z(nchw, "NCHW"), dev)
    np.testing.assert_array_equal(F.to_plain(dev, "FRACTAL_Z", "NCHW", nchw.shape), nchw)


@pytest.mark.parametrize("hwcn,groups", [((3, 3, 1, 32), 32), ((3, 3, 4, 24), 6), ((1, 1, 8, 64), 4),
                                         ((3, 3, 3, 9), 3)])
def test_grouped_fractal_z_matches_ge_layout(hwcn, groups):
    w = _rand(hwcn)
    dev = F.to_fractal_z(w, "HWCN", groups)
    np.testing.assert_array_equal(dev, _ref_fractal_z(w, groups))
    np.testing.assert_array_equal(F.from_fractal_z(dev, hwcn, "HWCN", groups), w)


@pytest.mark.parametrize("shape,dtype", [((100, 1568), np.float16), ((1568, 20), np.float16), ((20,), np.float16),
                                         ((3, 17, 33), np.float32), ((5, 40), np.int8)])
def test_fractal_nz_matches_ge_layout(shape, dtype):
    x = _rand(shape, dtype)
    dev = F.to_fractal_nz(x)
    ref = _ref_fractal_nz(x.reshape(1, -1) if x.ndim == 1 else x)
    np.testing.assert_array_equal(dev, ref.reshape(dev.shape))
    assert dev.shape == F.fractal_nz_shape(shape, dtype)
    np.testing.assert_array_equal(F.from_fractal_nz(dev, shape), x)


def test_fractal_nz_shapes_of_a_real_model():
    """hh_om.om records [100, 1568] as [98, 7, 16, 16] and [1568, 20] as [2, 98, 16, 16]."""
    assert F.fractal_nz_shape((100, 1568), np.float16) == (98, 7, 16, 16)
    assert F.fractal_nz_shape((1568, 20), np.float16) == (2, 98, 16, 16)
    assert F.fractal_z_shape(32, 16, 5, 5, np.float16) == (25, 2, 16, 16)


@pytest.mark.parametrize("shape,fmt,dtype", [((2, 20, 5, 7), "NCHW", np.float16), ((2, 5, 7, 33), "NHWC", np.float32),
                                             ((1, 40, 3, 3), "NCHW", np.int8)])
def test_nc1hwc0_matches_ge_layout(shape, fmt, dtype):
    x = _rand(shape, dtype)
    nchw = x if fmt == "NCHW" else x.transpose(0, 3, 1, 2)
    dev = F.to_device(x, "NC1HWC0", fmt)
    np.testing.assert_array_equal(dev, _ref_nc1hwc0(nchw))
    np.testing.assert_array_equal(F.to_plain(dev, "NC1HWC0", fmt, shape), x)


def test_ndc1hwc0_round_trip():
    x = _rand((2, 3, 4, 5, 20))  # NDHWC, C = 20
    dev = F.to_device(x, "NDC1HWC0", "NDHWC")
    assert dev.shape == (2, 3, 2, 4, 5, 16)
    np.testing.assert_array_equal(dev[:, :, 0, :, :, 3], x[..., 3])
    np.testing.assert_array_equal(F.to_plain(dev, "NDC1HWC0", "NDHWC", x.shape), x)


def test_c1hwncoc0_matches_ge_layout():
    w = _rand((3, 3, 20, 1))
    dev = F.to_device(w, "C1HWNCoC0", "HWCN")
    np.testing.assert_array_equal(dev, _ref_c1hwncoc0(w))
    np.testing.assert_array_equal(F.to_plain(dev, "C1HWNCoC0", "HWCN", w.shape), w)


def test_fractal_z_3d_round_trip():
    w = _rand((2, 3, 3, 20, 17))  # DHWCN
    dev = F.to_device(w, "FRACTAL_Z_3D", "DHWCN")
    assert dev.shape == (2 * 2 * 3 * 3, 2, 16, 16)
    # element (d, h, w, c, n) sits at row d*C1*H*W + c1*H*W + h*W + w, column n, lane c % 16
    assert dev[1 * 18 + 1 * 9 + 2 * 3 + 1, 1, 0, 3] == w[1, 2, 1, 19, 16]
    np.testing.assert_array_equal(F.to_plain(dev, "FRACTAL_Z_3D", "DHWCN", w.shape), w)


def test_plain_formats_pass_through_and_bad_shapes_are_errors():
    x = _rand((4, 5))
    assert F.to_plain(x, "ND", "ND", (4, 5)) is x
    from converter.errors import ConverterError
    with pytest.raises(ConverterError):
        F.from_fractal_nz(np.zeros((2, 2, 16, 16), np.float16), (100, 20))
    with pytest.raises(ConverterError):
        F.to_plain(np.zeros((25, 1, 16, 16), np.float16), "FRACTAL_Z", "HWCN", (5, 5, 20, 16))
