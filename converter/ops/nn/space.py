"""DepthToSpace and SpaceToDepth (DCR / CRD block orders, NCHW or NHWC)."""
from __future__ import annotations

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..registry import Attr, InferContext, desc, register
from ._spatial import from_nchw, shape_from_nchw, shape_to_nchw, to_nchw

_ATTRS = {"blocksize": Attr("int"), "mode": Attr("str", "DCR", "DCR (depth-column-row) | CRD"),
          "data_format": Attr("str", "NCHW")}


@register("DepthToSpace", attrs=_ATTRS, infer=lambda ctx: _infer(ctx, True), category="nn", traits={"movement"})
def depth_to_space(inputs, attrs):
    """DepthToSpace: (x) moves blocks of channels into blocksize x blocksize spatial tiles."""
    x = to_nchw(inputs[0], attrs["data_format"])
    b, (n, c, h, w) = attrs["blocksize"], x.shape
    if c % (b * b):
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"DepthToSpace: {c} channels are not divisible by blocksize^2 = {b * b}")
    if attrs["mode"].upper() == "CRD":
        y = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    else:
        y = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
    return from_nchw(y.reshape(n, c // (b * b), h * b, w * b), attrs["data_format"])


@register("SpaceToDepth", attrs=_ATTRS, infer=lambda ctx: _infer(ctx, False), category="nn", traits={"movement"})
def space_to_depth(inputs, attrs):
    """SpaceToDepth: (x) moves blocksize x blocksize spatial tiles into channels (DCR order, as ONNX/TF)."""
    x = to_nchw(inputs[0], attrs["data_format"])
    b, (n, c, h, w) = attrs["blocksize"], x.shape
    if h % b or w % b:
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"SpaceToDepth: spatial size {h}x{w} is not divisible by blocksize {b}")
    tiles = x.reshape(n, c, h // b, b, w // b, b)
    if attrs["mode"].upper() == "CRD":
        y = tiles.transpose(0, 1, 3, 5, 2, 4)
    else:
        y = tiles.transpose(0, 3, 5, 1, 2, 4)
    return from_nchw(y.reshape(n, c * b * b, h // b, w // b), attrs["data_format"])


def _infer(ctx: InferContext, to_space: bool):
    shape = ctx.shape(0)
    if shape is None:
        return [desc(ctx.dtype(0), None)]
    fmt = ctx.attrs["data_format"]
    n, c, h, w = shape_to_nchw(tuple(shape), fmt)
    b = ctx.attrs["blocksize"]

    def scale(d, up):
        return -1 if d < 0 else (d * b if up else d // b)

    if to_space:
        out = (n, -1 if c < 0 else c // (b * b), scale(h, True), scale(w, True))
    else:
        out = (n, -1 if c < 0 else c * b * b, scale(h, False), scale(w, False))
    return [desc(ctx.dtype(0), shape_from_nchw(out, fmt))]
