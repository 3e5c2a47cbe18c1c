"""Layout ops: TransData between NCHW/NHWC and the 5-D NC1HWC0 layout (C split into C1 blocks of C0)."""
from __future__ import annotations

import numpy as np

from .registry import Attr, InferContext, desc, register

C0_BY_ITEMSIZE = {2: 16, 4: 16, 1: 32}  # fp16/fp32: 16 channels per block; int8/uint8: 32


def c0_for(dtype) -> int:
    return C0_BY_ITEMSIZE.get(np.dtype(dtype).itemsize, 16)


def nc1hwc0_shape(shape4, fmt: str, c0: int = 16) -> tuple:
    n, c, h, w = shape4 if fmt == "NCHW" else (shape4[0], shape4[3], shape4[1], shape4[2])
    c1 = -1 if c < 0 else (c + c0 - 1) // c0
    return (n, c1, h, w, c0)


def to_nc1hwc0(x: np.ndarray, fmt: str = "NCHW", c0: int | None = None) -> np.ndarray:
    """NCHW or NHWC -> NC1HWC0, zero-padding C up to a multiple of C0."""
    if fmt == "NHWC":
        x = x.transpose(0, 3, 1, 2)
    n, c, h, w = x.shape
    c0 = c0 or c0_for(x.dtype)
    c1 = (c + c0 - 1) // c0
    if c1 * c0 != c:
        x = np.concatenate([x, np.zeros((n, c1 * c0 - c, h, w), x.dtype)], axis=1)
    return np.ascontiguousarray(x.reshape(n, c1, c0, h, w).transpose(0, 1, 3, 4, 2))


def from_nc1hwc0(x: np.ndarray, channels: int, fmt: str = "NCHW") -> np.ndarray:
    """NC1HWC0 -> NCHW or NHWC keeping the first ``channels`` channels."""
    n, c1, h, w, c0 = x.shape
    y = x.transpose(0, 1, 4, 2, 3).reshape(n, c1 * c0, h, w)[:, :channels]
    return np.ascontiguousarray(y.transpose(0, 2, 3, 1) if fmt == "NHWC" else y)


def _infer_transdata(ctx: InferContext):
    src, dst = ctx.attrs["src_format"], ctx.attrs["dst_format"]
    shape = ctx.shape(0)
    if shape is None:
        return [desc(ctx.dtype(0), None)]
    if dst == "NC1HWC0":
        return [desc(ctx.dtype(0), nc1hwc0_shape(shape, src, ctx.attrs["c0"] or 16))]
    c = ctx.attrs["channels"]
    n, _, h, w, _ = shape
    return [desc(ctx.dtype(0), (n, c, h, w) if dst == "NCHW" else (n, h, w, c))]


@register("TransData", attrs={"src_format": Attr("str"), "dst_format": Attr("str"),
                              "channels": Attr("int", 0), "c0": Attr("int", 0)},
          infer=_infer_transdata, category="layout", traits={"movement"})
def trans_data(inputs, attrs):
    """Convert between NCHW/NHWC and NC1HWC0 (channels: the real C when leaving NC1HWC0)."""
    x = inputs[0]
    if attrs["dst_format"] == "NC1HWC0":
        return to_nc1hwc0(x, attrs["src_format"], attrs["c0"] or None)
    return from_nc1hwc0(x, attrs["channels"], attrs["dst_format"])
