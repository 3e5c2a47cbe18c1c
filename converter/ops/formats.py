"""Ascend device formats as numpy array conversions: the one place that knows how a plain tensor
(NCHW, NHWC, HWCN, ND, ...) is laid out in NC1HWC0, NDC1HWC0, FRACTAL_Z (with groups),
FRACTAL_Z_3D, FRACTAL_NZ and C1HWNCoC0, and back.

Layouts follow GE's format transfers (C0 = the cube size of the dtype: 32 for 8-bit types, else 16;
blocks of 16 rows in the fractal formats; padding is zero):

- NC1HWC0   (N, C1, H, W, C0)            x[n, c1*C0 + c0, h, w]
- NDC1HWC0  (N, D, C1, H, W, C0)         x[n, c1*C0 + c0, d, h, w]
- FRACTAL_Z (G*C1*H*W, N1, 16, C0)       conv weights; N padded to N1*16 (per group block, see below)
- FRACTAL_Z_3D (D*C1*H*W, N1, 16, C0)    3-D conv weights
- FRACTAL_NZ (..., N1, M1, 16, C0)       matrices (..., M, N): x[..., m1*16 + m0, n1*C0 + n0]
- C1HWNCoC0 (C1, H, W, N, C0, C0)        depthwise weights: the diagonal x[c1*C0 + c0, n] at (co == c0)

Grouped FRACTAL_Z packs ``e`` groups into one cube block (``e`` = the smallest count that fills whole
blocks of input and output channels, at most ``groups``), as GE's HWCN -> FRACTAL_Z transfer does.
"""
from __future__ import annotations

from math import gcd

import numpy as np

from ..errors import INVALID_OM_FILE, ConverterError

CUBE = 16                       # rows of a fractal block (Ni / H0)
PLAIN_FORMATS = {"ND", "NCHW", "NHWC", "HWCN", "CHWN", "NCDHW", "NDHWC", "DHWCN", "DHWNC", "NC", "NCL", "RESERVED",
                 "FORMAT_RESERVED", ""}
DEVICE_FORMATS = ("NC1HWC0", "NDC1HWC0", "FRACTAL_Z", "FRACTAL_Z_3D", "FRACTAL_NZ", "C1HWNCoC0")


def c0_for(dtype) -> int:
    """The cube size of a dtype: 32 for 1-byte types, 16 otherwise (C0 of NC1HWC0, Ni of fractals)."""
    return 32 if np.dtype(dtype).itemsize == 1 else 16


def _ceil(a: int, b: int) -> int:
    return -(-int(a) // int(b))


def _pad_axis(x: np.ndarray, axis: int, size: int) -> np.ndarray:
    if x.shape[axis] == size:
        return x
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, size - x.shape[axis])
    return np.pad(x, pad)


def _fail(message: str) -> ConverterError:
    """Data that does not fit its format: it comes from a model file (weights of a compiled .om or .air, a
    single-op description), which is invalid (E10003)."""
    return ConverterError(INVALID_OM_FILE, message)


def to_canonical(x: np.ndarray, fmt: str, target: str) -> np.ndarray:
    """Transpose a plain tensor whose axes are named by ``fmt`` (e.g. "HWCN") into ``target`` order."""
    fmt, target = fmt.upper(), target.upper()
    if sorted(fmt) != sorted(target) or len(fmt) != x.ndim:
        raise _fail(f"cannot read a {x.ndim}-D tensor in format {fmt} as {target}")
    return np.transpose(x, [fmt.index(a) for a in target])


# ---- NC1HWC0 / NDC1HWC0 --------------------------------------------------------------------------

def nc1hwc0_shape(shape4, fmt: str, c0: int = 16) -> tuple:
    n, c, h, w = shape4 if fmt == "NCHW" else (shape4[0], shape4[3], shape4[1], shape4[2])
    c1 = -1 if c < 0 else _ceil(c, c0)
    return (n, c1, h, w, c0)


def to_nc1hwc0(x: np.ndarray, fmt: str = "NCHW", c0: int | None = None) -> np.ndarray:
    """NCHW or NHWC -> NC1HWC0, zero-padding C up to a multiple of C0."""
    if fmt == "NHWC":
        x = x.transpose(0, 3, 1, 2)
    n, c, h, w = x.shape
    c0 = c0 or c0_for(x.dtype)
    c1 = _ceil(c, c0)
    x = _pad_axis(x, 1, c1 * c0)
    return np.ascontiguousarray(x.reshape(n, c1, c0, h, w).transpose(0, 1, 3, 4, 2))


def from_nc1hwc0(x: np.ndarray, channels: int, fmt: str = "NCHW") -> np.ndarray:
    """NC1HWC0 -> NCHW or NHWC keeping the first ``channels`` channels."""
    n, c1, h, w, c0 = x.shape
    y = x.transpose(0, 1, 4, 2, 3).reshape(n, c1 * c0, h, w)[:, :channels]
    return np.ascontiguousarray(y.transpose(0, 2, 3, 1) if fmt == "NHWC" else y)


def to_ndc1hwc0(x: np.ndarray, fmt: str = "NCDHW") -> np.ndarray:
    """NCDHW or NDHWC -> NDC1HWC0."""
    x = to_canonical(x, fmt, "NCDHW")
    n, c, d, h, w = x.shape
    c0 = c0_for(x.dtype)
    c1 = _ceil(c, c0)
    x = _pad_axis(x, 1, c1 * c0).reshape(n, c1, c0, d, h, w)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 4, 5, 2))


def from_ndc1hwc0(x: np.ndarray, channels: int, fmt: str = "NCDHW") -> np.ndarray:
    n, d, c1, h, w, c0 = x.shape
    y = x.transpose(0, 2, 5, 1, 3, 4).reshape(n, c1 * c0, d, h, w)[:, :channels]
    return np.ascontiguousarray(to_canonical(y, "NCDHW", fmt))


# ---- FRACTAL_Z (conv weights) --------------------------------------------------------------------

def _lcm(a: int, b: int) -> int:
    return a * b // gcd(a, b)


def group_packing(cin: int, cout_per_group: int, groups: int, c0: int) -> int:
    """How many groups GE packs into one cube block of a grouped FRACTAL_Z (its ``e_mult``)."""
    if groups <= 1:
        return 1
    return min(_lcm(_lcm(cin, c0) // cin, _lcm(cout_per_group, CUBE) // cout_per_group), groups)


def fractal_z_shape(n: int, c: int, h: int, w: int, dtype, groups: int = 1) -> tuple:
    """The FRACTAL_Z shape of weights with N output channels, C input channels per group."""
    c0 = c0_for(dtype)
    cout = n // groups
    e = group_packing(c, cout, groups, c0)
    c1 = _ceil(e * c, c0)
    return (_ceil(groups, e) * c1 * h * w, _ceil(e * cout, CUBE), CUBE, c0)


def to_fractal_z(x: np.ndarray, fmt: str = "NCHW", groups: int = 1) -> np.ndarray:
    """Conv weights (N, C/groups, H, W) named by ``fmt`` -> FRACTAL_Z."""
    wt = to_canonical(x, fmt, "NCHW")
    n, c, h, w = wt.shape
    c0 = c0_for(x.dtype)
    if groups < 1 or n % groups:
        raise _fail(f"FRACTAL_Z: {n} output channels do not split into {groups} groups")
    cout = n // groups
    e = group_packing(c, cout, groups, c0)
    g_blocks, c1 = _ceil(groups, e), _ceil(e * c, c0)
    n_pad = _ceil(e * cout, CUBE) * CUBE
    out = np.zeros((g_blocks, c1 * c0, h, w, n_pad), x.dtype)
    for g in range(groups):
        k = g % e
        block = wt[g * cout:(g + 1) * cout].transpose(1, 2, 3, 0)          # (C, H, W, cout)
        out[g // e, k * c:(k + 1) * c, :, :, k * cout:(k + 1) * cout] = block
    out = out.reshape(g_blocks, c1, c0, h, w, n_pad).transpose(0, 1, 3, 4, 5, 2)
    return np.ascontiguousarray(out.reshape(g_blocks * c1 * h * w, n_pad // CUBE, CUBE, c0))


def from_fractal_z(x: np.ndarray, origin_shape, fmt: str = "NCHW", groups: int = 1) -> np.ndarray:
    """FRACTAL_Z -> conv weights of ``origin_shape`` named by ``fmt`` (e.g. HWCN [kh, kw, C, N])."""
    n, c, h, w = _nchw_dims(origin_shape, fmt)
    c0 = x.shape[-1]
    cout = n // groups
    e = group_packing(c, cout, groups, c0)
    g_blocks, c1 = _ceil(groups, e), _ceil(e * c, c0)
    n_pad = _ceil(e * cout, CUBE) * CUBE
    expect = (g_blocks * c1 * h * w, n_pad // CUBE, CUBE, c0)
    if tuple(x.shape) != expect:
        raise _fail(f"FRACTAL_Z data of shape {list(x.shape)} does not hold weights {list(origin_shape)} "
                    f"({fmt}, groups={groups}); expected {list(expect)}")
    blocks = x.reshape(g_blocks, c1, h, w, n_pad, c0).transpose(0, 1, 5, 2, 3, 4).reshape(g_blocks, c1 * c0, h, w,
                                                                                          n_pad)
    wt = np.empty((n, c, h, w), x.dtype)
    for g in range(groups):
        k = g % e
        wt[g * cout:(g + 1) * cout] = blocks[g // e, k * c:(k + 1) * c, :, :, k * cout:(k + 1) * cout].transpose(
            3, 0, 1, 2)
    return np.ascontiguousarray(to_canonical(wt, "NCHW", fmt))


def _nchw_dims(origin_shape, fmt: str) -> tuple:
    fmt = fmt.upper()
    if len(origin_shape) != len(fmt):
        raise _fail(f"origin shape {list(origin_shape)} does not match origin format {fmt}")
    return tuple(int(origin_shape[fmt.index(a)]) for a in "NCHW")


def to_fractal_z_3d(x: np.ndarray, fmt: str = "NCDHW") -> np.ndarray:
    """3-D conv weights named by ``fmt`` -> FRACTAL_Z_3D (D*C1*H*W, N1, 16, C0)."""
    wt = to_canonical(x, fmt, "DCHWN")
    d, c, h, w, n = wt.shape
    c0 = c0_for(x.dtype)
    c1, n_pad = _ceil(c, c0), _ceil(n, CUBE) * CUBE
    wt = _pad_axis(_pad_axis(wt, 1, c1 * c0), 4, n_pad).reshape(d, c1, c0, h, w, n_pad)
    out = wt.transpose(0, 1, 3, 4, 5, 2)
    return np.ascontiguousarray(out.reshape(d * c1 * h * w, n_pad // CUBE, CUBE, c0))


def from_fractal_z_3d(x: np.ndarray, origin_shape, fmt: str = "NCDHW") -> np.ndarray:
    fmt = fmt.upper()
    n, c, d, h, w = (int(origin_shape[fmt.index(a)]) for a in "NCDHW")
    c0 = x.shape[-1]
    c1, n_pad = _ceil(c, c0), _ceil(n, CUBE) * CUBE
    if tuple(x.shape) != (d * c1 * h * w, n_pad // CUBE, CUBE, c0):
        raise _fail(f"FRACTAL_Z_3D data of shape {list(x.shape)} does not hold weights {list(origin_shape)} ({fmt})")
    wt = x.reshape(d, c1, h, w, n_pad, c0).transpose(0, 1, 5, 2, 3, 4).reshape(d, c1 * c0, h, w, n_pad)
    return np.ascontiguousarray(to_canonical(wt[:, :c, :, :, :n], "DCHWN", fmt))


# ---- FRACTAL_NZ (matrices) -----------------------------------------------------------------------

def _as_matrix(shape) -> tuple:
    shape = tuple(int(d) for d in shape)
    return ((1,) + shape) if len(shape) == 1 else shape


def fractal_nz_shape(shape, dtype) -> tuple:
    *batch, m, n = _as_matrix(shape)
    c0 = c0_for(dtype)
    if len(shape) == 1:
        return (_ceil(n, c0), 1, CUBE, c0)
    return tuple(batch) + (_ceil(n, c0), _ceil(m, CUBE), CUBE, c0)


def to_fractal_nz(x: np.ndarray) -> np.ndarray:
    """(..., M, N) (or a vector, as one row) -> FRACTAL_NZ (..., N1, M1, 16, C0)."""
    y = x.reshape(_as_matrix(x.shape))
    *batch, m, n = y.shape
    c0 = c0_for(x.dtype)
    m1, n1 = _ceil(m, CUBE), _ceil(n, c0)
    y = _pad_axis(_pad_axis(y, -2, m1 * CUBE), -1, n1 * c0).reshape(*batch, m1, CUBE, n1, c0)
    k = len(batch)
    out = y.transpose(*range(k), k + 2, k, k + 1, k + 3)
    return np.ascontiguousarray(out.reshape(fractal_nz_shape(x.shape, x.dtype)))


def from_fractal_nz(x: np.ndarray, origin_shape) -> np.ndarray:
    """FRACTAL_NZ -> the plain (..., M, N) tensor of ``origin_shape``."""
    origin_shape = tuple(int(d) for d in origin_shape)
    *batch, m, n = _as_matrix(origin_shape)
    c0 = x.shape[-1]
    m1, n1 = _ceil(m, CUBE), _ceil(n, c0)
    if tuple(x.shape) != tuple(batch) + (n1, m1, CUBE, c0):
        raise _fail(f"FRACTAL_NZ data of shape {list(x.shape)} does not hold a tensor of shape {list(origin_shape)}")
    k = len(batch)
    y = x.transpose(*range(k), k + 1, k + 2, k, k + 3).reshape(*batch, m1 * CUBE, n1 * c0)
    return np.ascontiguousarray(y[..., :m, :n].reshape(origin_shape))


# ---- C1HWNCoC0 (depthwise weights) ---------------------------------------------------------------

def to_c1hwncoc0(x: np.ndarray, fmt: str = "HWCN") -> np.ndarray:
    wt = to_canonical(x, fmt, "HWCN")
    h, w, c, n = wt.shape
    c0 = c0_for(x.dtype)
    c1 = _ceil(c, c0)
    wt = _pad_axis(wt, 2, c1 * c0).reshape(h, w, c1, c0, n).transpose(2, 0, 1, 4, 3)  # (C1, H, W, N, C0)
    out = np.zeros((c1, h, w, n, c0, c0), x.dtype)
    idx = np.arange(c0)
    out[..., idx, idx] = wt
    return out


def from_c1hwncoc0(x: np.ndarray, origin_shape, fmt: str = "HWCN") -> np.ndarray:
    fmt = fmt.upper()
    h, w, c, n = (int(origin_shape[fmt.index(a)]) for a in "HWCN")
    c1, c0 = x.shape[0], x.shape[-1]
    if tuple(x.shape) != (_ceil(c, c0), h, w, n, c0, c0):
        raise _fail(f"C1HWNCoC0 data of shape {list(x.shape)} does not hold weights {list(origin_shape)} ({fmt})")
    idx = np.arange(c0)
    diag = x[..., idx, idx]                                                # (C1, H, W, N, C0)
    wt = diag.transpose(1, 2, 0, 4, 3).reshape(h, w, c1 * c0, n)[:, :, :c]
    return np.ascontiguousarray(to_canonical(wt, "HWCN", fmt))


# ---- dispatch ------------------------------------------------------------------------------------

def split_format(fmt: str | None) -> tuple:
    """(primary format, sub-format) of a GE format name: "FRACTAL_Z:2" is FRACTAL_Z with 2 groups (GE writes
    the sub-format after a colon); the sub-format is 0 when there is none."""
    name, _, sub = (fmt or "ND").partition(":")
    try:
        return name.upper(), int(sub) if sub else 0
    except ValueError:
        return name.upper(), 0


def is_device_format(fmt: str | None) -> bool:
    return split_format(fmt)[0] in {f.upper() for f in DEVICE_FORMATS}


def to_plain(x: np.ndarray, fmt: str, origin_format: str | None, origin_shape, groups: int = 1) -> np.ndarray:
    """A tensor stored in device format ``fmt`` as its plain origin tensor (origin_format, origin_shape)."""
    key, sub = split_format(fmt)
    groups = sub or groups
    origin_format = (origin_format or "ND").upper()
    if key not in {f.upper() for f in DEVICE_FORMATS}:
        return x
    if origin_shape is None:
        raise _fail(f"a {fmt} tensor needs its origin shape to be read")
    shape = tuple(int(d) for d in origin_shape)
    if key == "FRACTAL_NZ":
        return from_fractal_nz(x, shape)
    if key == "FRACTAL_Z":
        return from_fractal_z(x, shape, _four_letters(origin_format, shape), groups)
    if key == "FRACTAL_Z_3D":
        return from_fractal_z_3d(x, shape, origin_format)
    if key == "C1HWNCOC0":
        return from_c1hwncoc0(x, shape, _four_letters(origin_format, shape))
    if key == "NDC1HWC0":
        return from_ndc1hwc0(x, shape[origin_format.index("C")], origin_format)
    if len(shape) != 4 or origin_format not in ("NCHW", "NHWC"):
        raise _fail(f"cannot read NC1HWC0 data as a {origin_format} tensor of shape {list(shape)}")
    return from_nc1hwc0(x, shape[origin_format.index("C")], origin_format)


def to_device(x: np.ndarray, fmt: str, origin_format: str | None, groups: int = 1) -> np.ndarray:
    """A plain tensor (axes named by origin_format) laid out in device format ``fmt``."""
    key, sub = split_format(fmt)
    groups = sub or groups
    origin_format = (origin_format or "ND").upper()
    if key not in {f.upper() for f in DEVICE_FORMATS}:
        return x
    if key == "FRACTAL_NZ":
        return to_fractal_nz(x)
    if key == "FRACTAL_Z":
        return to_fractal_z(x, _four_letters(origin_format, x.shape), groups)
    if key == "FRACTAL_Z_3D":
        return to_fractal_z_3d(x, origin_format)
    if key == "C1HWNCOC0":
        return to_c1hwncoc0(x, _four_letters(origin_format, x.shape))
    if key == "NDC1HWC0":
        return to_ndc1hwc0(x, origin_format)
    return to_nc1hwc0(x, origin_format)


def _four_letters(fmt: str, shape) -> str:
    if len(fmt) == 4 and sorted(fmt) == sorted("NCHW"):
        return fmt
    raise _fail(f"weights in origin format {fmt} (shape {list(shape)}) have no conv weight layout")
