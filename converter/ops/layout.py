"""Layout ops: TransData between NCHW/NHWC and the 5-D NC1HWC0 layout (C split into C1 blocks of C0)."""
from __future__ import annotations

from .formats import c0_for, from_nc1hwc0, nc1hwc0_shape, to_nc1hwc0  # noqa: F401  (re-exported)
from .registry import Attr, InferContext, desc, register


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
