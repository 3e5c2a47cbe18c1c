"""Convolution ops: Conv1D/2D/3D (im2col + matmul, any spatial rank) and their transposed variants."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..registry import Attr, InferContext, desc, register
from ._spatial import (WindowParams, compute_dtype, effective_kernel, from_channels_last, from_nchw, pad_spatial,
                       prod, resolve_pads, shape_from_nchw, shape_to_nchw, sliding_windows, spatial_list,
                       to_channels_last, to_nchw, window_output_size)


def _conv_attrs(data_format: str) -> dict:
    return {
        "strides": Attr("ints", [], "per spatial axis; [] = all 1"),
        "dilations": Attr("ints", [], "per spatial axis; [] = all 1"),
        "pads": Attr("ints", [], "[begins..., ends...]; [] = all 0"),
        "groups": Attr("int", 1),
        "auto_pad": Attr("str", "NOTSET", "NOTSET | SAME_UPPER | SAME_LOWER | VALID"),
        "data_format": Attr("str", data_format),
    }


def _transpose_attrs(data_format: str) -> dict:
    attrs = _conv_attrs(data_format)
    attrs["output_padding"] = Attr("ints", [], "extra size at the end of each spatial axis")
    attrs["output_shape"] = Attr("ints", [], "spatial output size; pads are then computed")
    return attrs


class ConvGeometry(WindowParams):
    """Spatial parameters of one conv call, resolved from attrs, kernel size and input sizes."""

    def __init__(self, attrs: dict, in_sizes, kernel, node: str = ""):
        super().__init__(attrs, kernel, node)
        n = len(kernel)
        self.pads = resolve_pads(in_sizes, self.kernel, self.strides, self.dilations, self.given_pads,
                                 attrs.get("auto_pad"))
        self.out_sizes = [window_output_size(size, k, s, self.pads[i], self.pads[n + i])
                          for i, (size, k, s) in enumerate(zip(in_sizes, effective_kernel(self.kernel, self.dilations),
                                                               self.strides))]


def conv_nd(x: np.ndarray, w: np.ndarray, b, attrs: dict) -> np.ndarray:
    """Grouped N-d convolution on channels-last x (N, *S, C) with OIHW weights, via im2col + matmul.

    Channels-last keeps the im2col copy's inner runs contiguous; returns (N, *O, out_channels).
    """
    n = w.ndim - 2
    cdt = compute_dtype(x.dtype)
    x = x.astype(cdt, copy=False)
    groups = int(attrs.get("groups", 1))
    batch, channels = x.shape[0], x.shape[-1]
    out_ch = w.shape[0]
    if channels != w.shape[1] * groups or out_ch % groups:
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"conv: input has {channels} channels but weights {tuple(w.shape)} with "
                         f"groups={groups} expect {w.shape[1] * groups}")
    geo = ConvGeometry(attrs, x.shape[1:-1], w.shape[2:])
    xp = pad_spatial(x, geo.pads[:n], geo.pads[n:], first_axis=1)
    cols = sliding_windows(xp, geo.kernel, geo.strides, geo.dilations, geo.out_sizes, first_axis=1)
    cg, og = channels // groups, out_ch // groups
    cols = cols.reshape(batch, *geo.out_sizes, groups, cg, *geo.kernel)        # (N, *O, g, Cg, *K)
    order = [1 + n, 0] + list(range(1, 1 + n)) + list(range(3 + n, 3 + 2 * n)) + [2 + n]
    cols = cols.transpose(order).reshape(groups, batch * prod(geo.out_sizes), -1)  # (g, N*P, K*Cg)
    wk = w.astype(cdt, copy=False).reshape(groups, og, cg, -1).transpose(0, 3, 2, 1)
    y = np.matmul(cols, wk.reshape(groups, -1, og))                            # (g, N*P, Og)
    y = np.moveaxis(y.reshape(groups, batch, *geo.out_sizes, og), 0, -2).reshape(batch, *geo.out_sizes, out_ch)
    if b is not None:
        y = y + np.asarray(b, cdt)
    return y


def _kernel(compute, to_layout, from_layout):
    """The kernel of a conv-like op (x, w, b?): x converted by to_layout from its data_format, then
    compute(x, w, b, attrs), then the result converted back and given x's dtype."""

    def kernel(inputs, attrs):
        x, w = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        fmt = attrs.get("data_format", "NCHW")
        y = compute(to_layout(x, fmt), w, b, attrs)
        return from_layout(y.astype(x.dtype, copy=False), fmt)

    return kernel


def _infer_with(geometry, out_channels):
    """Infer for conv-like ops: output = (N, out_channels(weight shape, attrs), *geometry.out_sizes)."""

    def infer(ctx: InferContext):
        fmt = ctx.attrs.get("data_format", "NCHW")
        xs, ws = ctx.shape(0), ctx.shape(1)
        if ctx.value(1) is not None:
            ws = ctx.value(1).shape
        if xs is None or ws is None:
            return [desc(ctx.dtype(0), None)]
        xs = shape_to_nchw(tuple(xs), fmt)
        geo = geometry(ctx.attrs, xs[2:], ws[2:], ctx.op.name)
        return [desc(ctx.dtype(0), shape_from_nchw((xs[0], out_channels(ws, ctx.attrs), *geo.out_sizes), fmt))]

    return infer


_conv_infer = _infer_with(ConvGeometry, lambda ws, attrs: ws[0])


class TransposeGeometry(WindowParams):
    """ONNX ConvTranspose sizes: pads from output_shape/auto_pad as onnxruntime computes them."""

    def __init__(self, attrs: dict, in_sizes, kernel, node: str = ""):
        super().__init__(attrs, kernel, node)
        n = len(kernel)
        self.output_padding = spatial_list(attrs.get("output_padding"), n, 0, "output_padding", node)
        pads = self.given_pads
        output_shape = list(attrs.get("output_shape") or [])[-n:] if attrs.get("output_shape") else []
        auto_pad = (attrs.get("auto_pad") or "NOTSET").upper()
        k_eff = effective_kernel(self.kernel, self.dilations)
        self.full = [(size - 1) * s + k + p if size >= 0 else -1
                     for size, s, k, p in zip(in_sizes, self.strides, k_eff, self.output_padding)]
        same = auto_pad in ("SAME_UPPER", "SAME_LOWER")
        if output_shape or same:
            targets = output_shape or [size * s if size >= 0 else -1 for size, s in zip(in_sizes, self.strides)]
            pads = self._split(self.full, targets, auto_pad, grow=bool(output_shape))
        elif auto_pad == "VALID":
            pads = [0] * (2 * n)
        self.pads = pads
        self.out_sizes = [full - pads[i] - pads[n + i] if full >= 0 else -1 for i, full in enumerate(self.full)]
        if output_shape:
            self.out_sizes = [int(o) for o in output_shape]

    @staticmethod
    def _split(fulls, targets, auto_pad: str, grow: bool) -> list:
        """Pads cropping each full size to its target; SAME_UPPER puts the odd pad at the end, others at the
        start. A target above the full size grows the end (explicit output_shape) or is ignored (SAME_*)."""
        begins, ends = [], []
        for full, out in zip(fulls, targets):
            total = full - out if full >= 0 and out >= 0 else 0
            if total < 0:
                begins.append(0)
                ends.append(total if grow else 0)
                continue
            small = total // 2
            at_end = auto_pad == "SAME_UPPER"
            begins.append(small if at_end else total - small)
            ends.append(total - small if at_end else small)
        return begins + ends


def conv_transpose_nd(x: np.ndarray, w: np.ndarray, b, attrs: dict) -> np.ndarray:
    """Grouped N-d transposed convolution on channels-first x with IOHW weights (matmul + col2im)."""
    n = w.ndim - 2
    cdt = compute_dtype(x.dtype)
    x = x.astype(cdt, copy=False)
    groups = int(attrs.get("groups", 1))
    batch, channels = x.shape[:2]
    in_sizes = list(x.shape[2:])
    if channels != w.shape[0] or channels % groups:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"transposed conv: input has {channels} channels but weights "
                         f"{tuple(w.shape)} (IOHW) with groups={groups} expect {w.shape[0]}")
    geo = TransposeGeometry(attrs, in_sizes, w.shape[2:])
    cg, og = channels // groups, w.shape[1]
    pixels = prod(in_sizes)
    xm = x.reshape(batch, groups, cg, pixels).transpose(1, 0, 3, 2).reshape(groups, batch * pixels, cg)
    wm = w.astype(cdt, copy=False).reshape(groups, cg, -1)
    cols = np.matmul(xm, wm).reshape(groups, batch, *in_sizes, og, *geo.kernel)
    order = [1, 0, 2 + n] + list(range(3 + n, 3 + 2 * n)) + list(range(2, 2 + n))
    cols = cols.transpose(order).reshape(batch, groups * og, *geo.kernel, *in_sizes)
    full = np.zeros((batch, groups * og, *geo.full), cdt)
    for pos in np.ndindex(*geo.kernel):
        where = tuple(slice(p * d, p * d + (size - 1) * s + 1, s)
                      for p, d, size, s in zip(pos, geo.dilations, in_sizes, geo.strides))
        full[(slice(None), slice(None)) + where] += cols[(slice(None), slice(None)) + pos]
    y = pad_spatial(full, [-p for p in geo.pads[:n]], [-p for p in geo.pads[n:]])
    if b is not None:
        y = y + np.asarray(b, cdt).reshape((1, -1) + (1,) * n)
    return y


_transpose_infer = _infer_with(TransposeGeometry, lambda ws, attrs: ws[1] * int(attrs.get("groups", 1)))


for _rank, _fmt in ((1, "NCHW"), (2, "NCHW"), (3, "NCDHW")):
    register(f"Conv{_rank}D", attrs=_conv_attrs(_fmt), infer=_conv_infer, category="nn",
             traits={"conv", "cube"}, spatial_rank=_rank,
             doc=f"Conv{_rank}D: (x, filter OIHW, bias?) convolution, ONNX Conv semantics")(
        _kernel(conv_nd, to_channels_last, from_channels_last))
    register(f"Conv{_rank}DTranspose", attrs=_transpose_attrs(_fmt), infer=_transpose_infer, category="nn",
             traits={"conv_transpose", "cube"}, spatial_rank=_rank,
             doc=f"Conv{_rank}DTranspose: (x, filter IOHW, bias?) transposed convolution, ONNX ConvTranspose "
                 "semantics")(_kernel(conv_transpose_nd, to_nchw, from_nchw))
