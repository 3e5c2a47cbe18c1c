"""Shared spatial helpers for the nn ops: layout moves, auto_pad/pads resolution, padding."""
from __future__ import annotations

import math

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..workspace import scratch

CHANNELS_LAST = {"NHWC", "NDHWC", "NWC"}
AUTO_PADS = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}


def channels_last(data_format: str) -> bool:
    return str(data_format).upper() in CHANNELS_LAST


def to_nchw(x: np.ndarray, data_format: str) -> np.ndarray:
    """View a channels-last tensor as channels-first (N, C, *spatial); no-op for NCHW/NCDHW."""
    if not channels_last(data_format) or x.ndim < 3:
        return x
    return np.moveaxis(x, -1, 1)


def from_nchw(y: np.ndarray, data_format: str) -> np.ndarray:
    """Back from channels-first to the op's data_format (contiguous)."""
    if not channels_last(data_format) or y.ndim < 3:
        return y
    return np.ascontiguousarray(np.moveaxis(y, 1, -1))


def shape_to_nchw(shape, data_format: str):
    if shape is None or not channels_last(data_format) or len(shape) < 3:
        return shape
    return (shape[0], shape[-1], *shape[1:-1])


def shape_from_nchw(shape, data_format: str):
    if shape is None or not channels_last(data_format) or len(shape) < 3:
        return shape
    return (shape[0], *shape[2:], shape[1])


def channel_axis(data_format: str, rank: int) -> int:
    return rank - 1 if channels_last(data_format) and rank > 2 else 1


def compute_dtype(dtype) -> np.dtype:
    """fp16/bf16/int inputs are computed in fp32, fp64 stays fp64."""
    return np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)


def spatial_list(values, n: int, default: int, what: str, node: str = "") -> list:
    """A spatial-only attr list with n entries ([] means all default)."""
    values = list(values or [])
    if not values:
        return [default] * n
    if len(values) != n:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{node or 'op'}: {what} has {len(values)} entries, expected {n} "
                         "(one per spatial axis)", node=node or None)
    return [int(v) for v in values]


def spatial_pads(pads, n: int, node: str = "") -> list:
    """pads as [begins..., ends...] with 2n entries ([] means zeros)."""
    pads = list(pads or [])
    if not pads:
        return [0] * (2 * n)
    if len(pads) != 2 * n:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{node or 'op'}: pads has {len(pads)} entries, expected {2 * n} "
                         "([begins..., ends...])", node=node or None)
    return [int(p) for p in pads]


class WindowParams:
    """Kernel size, strides and dilations of one sliding-window op call as spatial lists, and its explicit
    pads as given ([begins..., ends...]); subclasses resolve the pads and output sizes."""

    def __init__(self, attrs: dict, kernel, node: str = ""):
        n = len(kernel)
        self.kernel = [int(k) for k in kernel]
        self.strides = spatial_list(attrs.get("strides"), n, 1, "strides", node)
        self.dilations = spatial_list(attrs.get("dilations"), n, 1, "dilations", node)
        self.given_pads = spatial_pads(attrs.get("pads"), n, node)
        for what, values in (("kernel", self.kernel), ("strides", self.strides), ("dilations", self.dilations)):
            if any(v <= 0 for v in values):
                raise GraphError(INVALID_ARGUMENT_VALUE, f"{node or 'op'}: {what} {values} must be positive",
                                 node=node or None)


def check_window_fits(in_sizes, kernel_eff, pads, out_sizes, node: str = "") -> None:
    """E10001 when explicit pads are negative or a window is larger than the padded input (no output)."""
    n = len(in_sizes)
    if any(p < 0 for p in pads):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{node or 'op'}: pads {list(pads)} must not be negative",
                         node=node or None)
    for i, (size, k, out) in enumerate(zip(in_sizes, kernel_eff, out_sizes)):
        if size >= 0 and out == 0:
            raise GraphError(INVALID_ARGUMENT_VALUE, f"{node or 'op'}: the window ({k}) is larger than spatial axis {i} "
                             f"of the input ({size}, padded {size + pads[i] + pads[n + i]})", node=node or None)


def effective_kernel(kernel, dilations) -> list:
    return [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]


def resolve_pads(in_sizes, kernel, strides, dilations, pads, auto_pad: str) -> list:
    """Explicit [begins..., ends...] pads after applying auto_pad to the (known) input sizes.

    SAME_* makes the output ceil(in / stride); SAME_UPPER puts the odd pad at the end, SAME_LOWER at
    the beginning. Unknown sizes (-1) give zero pads (their output size is unknown anyway).
    """
    n = len(in_sizes)
    auto_pad = (auto_pad or "NOTSET").upper()
    if auto_pad not in AUTO_PADS:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"auto_pad '{auto_pad}' is not one of {sorted(AUTO_PADS)}")
    if auto_pad == "NOTSET":
        return list(pads)
    if auto_pad == "VALID":
        return [0] * (2 * n)
    begins, ends = [], []
    for size, k, s, d in zip(in_sizes, kernel, strides, dilations):
        if size < 0:
            begins.append(0)
            ends.append(0)
            continue
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small = total // 2
        if auto_pad == "SAME_UPPER":
            begins.append(small)
            ends.append(total - small)
        else:
            begins.append(total - small)
            ends.append(small)
    return begins + ends


def window_output_size(size: int, k_eff: int, stride: int, pad_begin: int, pad_end: int,
                       ceil_mode: bool = False) -> int:
    """Output length of a sliding window; ceil_mode drops a last window that starts in the end pad."""
    if size < 0:
        return -1
    span = size + pad_begin + pad_end - k_eff
    if span < 0:
        return 0
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= size + pad_begin:
        out -= 1
    return out


def pad_spatial(x: np.ndarray, begins, ends, value=0, first_axis: int = 2) -> np.ndarray:
    """Pad the spatial axes (from ``first_axis`` on) of a tensor; negative pads crop."""
    if not any(begins) and not any(ends):
        return x
    lead = (slice(None),) * first_axis
    crop = lead + tuple(slice(-b if b < 0 else 0, x.shape[first_axis + i] + e if e < 0 else None)
                        for i, (b, e) in enumerate(zip(begins, ends)))
    x = x[crop]
    widths = [(0, 0)] * x.ndim
    for i, (b, e) in enumerate(zip(begins, ends)):
        widths[first_axis + i] = (max(b, 0), max(e, 0))
    return np.pad(x, widths, mode="constant", constant_values=value)


def padded(x: np.ndarray, begins, ends, value=0, first_axis: int = 2) -> np.ndarray:
    """pad_spatial into a workspace buffer reused from call to call (its borders keep ``value``; only the
    interior is written); x itself when there is nothing to pad."""
    begins, ends = [int(b) for b in begins], [int(e) for e in ends]
    if not any(begins) and not any(ends):
        return x
    if min(begins + ends) < 0:
        return pad_spatial(x, begins, ends, value, first_axis)
    shape = list(x.shape)
    inner = [slice(None)] * x.ndim
    for i, (b, e) in enumerate(zip(begins, ends)):
        shape[first_axis + i] += b + e
        inner[first_axis + i] = slice(b, b + x.shape[first_axis + i])
    xp = scratch(f"pad{begins}{ends}@{first_axis}", tuple(shape), x.dtype, fill=value)
    xp[tuple(inner)] = x
    return xp


def prod(values) -> int:
    return int(math.prod(values))


try:
    from numpy.lib.array_utils import byte_bounds as _byte_bounds  # numpy >= 2
except ImportError:   # numpy 1.x
    _byte_bounds = np.byte_bounds


def strided_view(image: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """A read-only view of ``image``'s memory with the given shape and byte strides (all windows of a conv
    at once, Winograd's tiles). The callers' geometry keeps it inside the input; the check makes that a
    guarantee: a view that would reach past the array's memory is refused (E10001), never read."""
    low, high = _byte_bounds(image)
    start = image.__array_interface__["data"][0]
    extent = sum((n - 1) * s for n, s in zip(shape, strides)) + image.itemsize
    if min(strides, default=0) < 0 or (all(shape) and (start < low or start + extent > high)):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"a window view of shape {list(shape)} does not fit the input of "
                         f"shape {list(image.shape)}")
    return np.lib.stride_tricks.as_strided(image, shape, strides, writeable=False)
