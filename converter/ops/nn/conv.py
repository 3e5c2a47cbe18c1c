"""Convolution ops: Conv1D/2D/3D (paths by shape: direct product, depthwise taps, tiled im2col + BLAS; any
spatial rank, either layout) and their transposed variants."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..blas import matmul
from ..registry import Attr, InferContext, desc, register
from ..threads import in_parallel, sharing, thread_count, thread_slot
from ..workspace import empty, prepared, scratch
from . import winograd
from ._spatial import (WindowParams, channels_last, check_window_fits, compute_dtype, effective_kernel, from_nchw,
                       pad_spatial, padded, prod, resolve_pads, shape_from_nchw, shape_to_nchw, spatial_list,
                       strided_view, to_nchw, window_output_size)


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
        k_eff = effective_kernel(self.kernel, self.dilations)
        self.out_sizes = [window_output_size(size, k, s, self.pads[i], self.pads[n + i])
                          for i, (size, k, s) in enumerate(zip(in_sizes, k_eff, self.strides))]
        check_window_fits(in_sizes, k_eff, self.pads, self.out_sizes, node)


# Elements of one im2col tile (8 MiB of fp32: larger tiles measured no slower on ResNet-50's layers), and of one
# output tile of a 1x1 conv (4 MiB: in cache for the bias/activation epilogue).
IM2COL_TILE = 1 << 21
OUTPUT_TILE = 1 << 20


def _as_view(a: np.ndarray, shape) -> np.ndarray:
    """``a`` with another shape, sharing its memory (never a silent copy: matmul writes through it)."""
    v = a.view()
    v.shape = shape
    return v


def _window(xp: np.ndarray, pos, geo, first: int, first_axis: int, count: int) -> np.ndarray:
    """The strided view of padded ``xp`` that kernel tap ``pos`` reads for output rows first..first+count
    of the first spatial axis (all positions of the other spatial axes)."""
    index = [slice(None)] * xp.ndim
    for i, (p, s, d) in enumerate(zip(pos, geo.strides, geo.dilations)):
        start = p * d + (first * s if i == 0 else 0)
        size = count if i == 0 else geo.out_sizes[i]
        index[first_axis + i] = slice(start, start + (size - 1) * s + 1, s)
    return xp[tuple(index)]


def _fill_columns(cols: np.ndarray, image: np.ndarray, geo, first: int, count: int, channels_first: bool) -> None:
    """The im2col copy, in one call: cols = the windows of every kernel tap for output rows first..first+count
    of the first spatial axis, cols laid out (C, *K, count, *rest) (channels_first: image (C, *S)) or
    (count, *rest, *K, C) (image (*S, C)). One strided copy of a view of the image (faster than one copy per
    tap, and one hand-off of the GIL instead of one per tap when threads fill their own parts)."""
    spatial = image.strides[1:] if channels_first else image.strides[:-1]
    channel = image.strides[0] if channels_first else image.strides[-1]
    taps = tuple(d * st for d, st in zip(geo.dilations, spatial))
    steps = tuple(s * st for s, st in zip(geo.strides, spatial))
    shape_out = (count, *geo.out_sizes[1:])
    start = image[:, first * geo.strides[0]:] if channels_first else image[first * geo.strides[0]:]
    if channels_first:
        shape, strides = (image.shape[0], *geo.kernel, *shape_out), (channel, *taps, *steps)
    else:
        shape, strides = (*shape_out, *geo.kernel, image.shape[-1]), (*steps, *taps, channel)
    np.copyto(cols, strided_view(start, shape, strides))


def _padded(x: np.ndarray, geo, first_axis: int) -> np.ndarray:
    n = len(geo.kernel)
    return padded(x, geo.pads[:n], geo.pads[n:], 0, first_axis)


def _tile_rows(geo, per_position: int) -> int:
    """Output rows (first spatial axis) per im2col tile."""
    rest = prod(geo.out_sizes[1:])
    return max(1, min(geo.out_sizes[0], IM2COL_TILE // max(1, per_position * rest)))


def _finisher(b, activation, dtype, shape: tuple):
    """The epilogue applied to each output tile while it is in cache: + bias (reshaped to `shape`, which
    broadcasts over the tile), + the tile of a fused residual Add's other value when given, and the Relu
    fused by the session, if any (attrs "_epilogue": Relu, Add or AddRelu). For a tile that is a block of
    the output, ``index`` (slices per axis of `shape`) picks the bias values of that block."""
    bias = None if b is None else np.asarray(b).astype(dtype, copy=False).reshape(shape)
    relu = activation in ("Relu", "AddRelu")

    def finish(tile: np.ndarray, residual=None, index=None) -> None:
        if bias is not None:
            tile += bias if index is None else bias[tuple(slice(None) if size == 1 else part
                                                          for size, part in zip(bias.shape, index))]
        if residual is not None:
            tile += residual
        if relu:
            np.maximum(tile, 0, out=tile)

    return finish


def _depthwise(xp: np.ndarray, w: np.ndarray, b, geo, channels_last: bool, activation) -> np.ndarray:
    """Depthwise conv (one input channel per group, any multiplier): one multiply-add per kernel tap."""
    batch = xp.shape[0]
    channels = xp.shape[-1] if channels_last else xp.shape[1]
    mult = w.shape[0] // channels
    out_sizes = tuple(geo.out_sizes)
    taps = w.reshape(channels, mult, -1)
    if channels_last:
        y = empty((batch, *out_sizes, channels, mult), xp.dtype)
        first_axis = 1
    else:
        y = empty((batch, channels, mult, *out_sizes), xp.dtype)
        taps = taps.reshape((channels, mult) + (1,) * len(out_sizes) + (-1,))
        first_axis = 2
    tmp = scratch("conv.depthwise", y.shape, y.dtype)
    for k, pos in enumerate(np.ndindex(*geo.kernel)):
        win = _window(xp, pos, geo, 0, first_axis, geo.out_sizes[0])
        np.multiply(win[..., None] if channels_last else win[:, :, None], taps[..., k], out=tmp if k else y)
        if k:
            y += tmp
    _finisher(b, activation, y.dtype, (channels, mult) if channels_last else
              (channels, mult) + (1,) * len(out_sizes))(y)
    if channels_last:
        return y.reshape(batch, *out_sizes, channels * mult)
    return y.reshape(batch, channels * mult, *out_sizes)


def _pointwise(x: np.ndarray, w: np.ndarray, b, geo, groups: int, channels_last: bool, activation,
               residual=None) -> np.ndarray:
    """1x1 conv without padding: products straight on the (strided) input, no im2col copy, in tiles of output
    positions so that the epilogue (with a fused residual Add's tile: channels-first only) finds each tile in
    cache."""
    n = len(geo.kernel)
    first_axis = 1 if channels_last else 2
    if any(s != 1 for s in geo.strides):
        strided = _window(x, (0,) * n, geo, 0, first_axis, geo.out_sizes[0])
        x = scratch("conv.strided", strided.shape, x.dtype)   # the positions read, copied (reused buffer)
        np.copyto(x, strided)
    batch, out_ch = x.shape[0], w.shape[0]
    pixels = prod(geo.out_sizes)
    step = max(256, OUTPUT_TILE // out_ch)
    if channels_last:
        wm = prepared("conv.w_t", w, lambda a: np.ascontiguousarray(a.reshape(a.shape[0], -1).T))
        rows = x.reshape(batch * pixels, -1)
        y = empty((batch * pixels, out_ch), x.dtype)
        finish = _finisher(b, activation, x.dtype, (out_ch,))
        for p0 in range(0, batch * pixels, step):
            tile = matmul(rows[p0:p0 + step], wm, y[p0:p0 + step])
            finish(tile)
        return y.reshape(batch, *geo.out_sizes, out_ch)
    cg, og = w.shape[1], out_ch // groups
    xs = x.reshape(batch, groups, cg, pixels)
    y = empty((batch, groups, og, pixels), x.dtype)
    res = None if residual is None else residual.reshape(batch, groups, og, pixels)
    if groups == 1:   # each tile's product finished block by block by the threads that computed them
        wm = w.reshape(og, cg)
        finish = _finisher(b, activation, x.dtype, (og, 1))
        for i in range(batch):
            for p0 in range(0, pixels, step):
                yt = y[i, 0, :, p0:p0 + step]
                rt = None if res is None else res[i, 0, :, p0:p0 + step]
                matmul(wm, xs[i, 0, :, p0:p0 + step], yt,
                       lambda r, c, yt=yt, rt=rt: finish(yt[r, c], None if rt is None else rt[r, c], (r, c)))
        return y.reshape(batch, out_ch, *geo.out_sizes)
    wm = w.reshape(groups, og, cg)
    finish = _finisher(b, activation, x.dtype, (groups, og, 1))
    for i in range(batch):
        for p0 in range(0, pixels, step):
            finish(matmul(wm, xs[i, :, :, p0:p0 + step], y[i, :, :, p0:p0 + step]),
                   None if res is None else res[i, :, :, p0:p0 + step])
    return y.reshape(batch, out_ch, *geo.out_sizes)


def _im2col_first(xp: np.ndarray, w: np.ndarray, b, geo, groups: int, activation) -> np.ndarray:
    """Channels-first conv: per image and tile of output rows, the windows are copied into a reused
    (C, *K, rows, ...) buffer and multiplied by the OIHW weights seen as (groups, O/g, C/g * K).

    While kernels share their work, an output with at least as many positions as channels is cut into one
    tile of rows per thread, each thread copying and multiplying its own (scratch tagged with its slot); a
    narrower one is copied once and its product split by output channels (blas.matmul), each block finished
    by the thread that computed it."""
    batch, channels = xp.shape[:2]
    out_ch, taps = w.shape[0], prod(geo.kernel)
    og = out_ch // groups
    rows = _tile_rows(geo, channels * taps)
    rest = tuple(geo.out_sizes[1:])
    if sharing() and prod(geo.out_sizes) >= out_ch:
        rows = min(rows, -(-geo.out_sizes[0] // thread_count()))
    y = empty((batch, groups, og, *geo.out_sizes), xp.dtype)
    if groups == 1:
        wm = w.reshape(og, -1)
        finish = _finisher(b, activation, xp.dtype, (og, 1))
    else:
        wm = w.reshape(groups, og, -1)
        finish = _finisher(b, activation, xp.dtype, (groups, og, 1))

    def tile(r0: int, i: int) -> None:
        count = min(rows, geo.out_sizes[0] - r0)
        positions = count * prod(rest)
        cols = scratch(f"conv.cols{thread_slot()}", (channels, *geo.kernel, count, *rest), xp.dtype)
        _fill_columns(cols, xp[i], geo, r0, count, True)
        if groups == 1:
            target = _as_view(y[i, 0, :, r0:r0 + count], (og, positions))
            matmul(wm, cols.reshape(-1, positions), target, lambda r, c: finish(target[r, c], None, (r, c)))
        else:
            target = _as_view(y[i, :, :, r0:r0 + count], (groups, og, positions))
            finish(matmul(wm, cols.reshape(groups, -1, positions), target))

    for i in range(batch):
        in_parallel(lambda starts, i=i: [tile(r0, i) for r0 in starts], list(range(0, geo.out_sizes[0], rows)))
    return y.reshape(batch, out_ch, *geo.out_sizes)


def _im2col_last(xp: np.ndarray, w: np.ndarray, b, geo, activation) -> np.ndarray:
    """Channels-last conv (one group): windows copied into a reused (rows, ..., *K, C) buffer, multiplied by
    the weights prepared once as a (K * C, O) matrix."""
    batch, channels = xp.shape[0], xp.shape[-1]
    out_ch, taps = w.shape[0], prod(geo.kernel)
    rows = _tile_rows(geo, channels * taps)
    rest = tuple(geo.out_sizes[1:])
    n = len(geo.kernel)
    wm = prepared("conv.w_last", w, lambda a: np.ascontiguousarray(
        a.transpose(list(range(2, 2 + n)) + [1, 0])).reshape(-1, a.shape[0]))
    y = empty((batch, *geo.out_sizes, out_ch), xp.dtype)
    finish = _finisher(b, activation, xp.dtype, (out_ch,))
    for i in range(batch):
        for r0 in range(0, geo.out_sizes[0], rows):
            count = min(rows, geo.out_sizes[0] - r0)
            cols = scratch("conv.cols_last", (count, *rest, *geo.kernel, channels), xp.dtype)
            _fill_columns(cols, xp[i], geo, r0, count, False)
            target = _as_view(y[i, r0:r0 + count], (count * prod(rest), out_ch))
            finish(matmul(cols.reshape(count * prod(rest), -1), wm, target))
    return y


def conv_nd(x: np.ndarray, w: np.ndarray, b, attrs: dict, channels_last: bool = True, residual=None) -> np.ndarray:
    """Grouped N-d convolution with OIHW weights on x laid out (N, *S, C) (channels_last) or (N, C, *S).

    The path is chosen by shape: 1x1 without padding multiplies the input directly; one input channel
    per group (depthwise) adds one product per kernel tap; channels-first 3x3 stride 1 uses Winograd
    F(2x2, 3x3) (winograd.py); everything else copies windows into a reused
    im2col tile and multiplies it by the weights (BLAS). The bias (and a Relu the session fused into the
    op, attrs "_epilogue") is applied to each output tile while it is in cache; so is a residual Add the
    session fused (``residual``: the Add's other value, same shape as the result; "_epilogue" Add or AddRelu)
    on the channels-first 1x1 path, the other paths add it after. Returns the result in the input's layout,
    in fp32 (fp64 for fp64 input).
    """
    cdt = compute_dtype(x.dtype)
    x = x.astype(cdt, copy=False)
    if w.dtype != cdt:
        w = prepared("conv.w_dtype", w, lambda a: a.astype(cdt))
    groups = int(attrs.get("groups", 1))
    channels = x.shape[-1] if channels_last else x.shape[1]
    out_ch = w.shape[0]
    if channels != w.shape[1] * groups or out_ch % groups:
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"conv: input has {channels} channels but weights {tuple(w.shape)} with "
                         f"groups={groups} expect {w.shape[1] * groups}")
    geo = ConvGeometry(attrs, x.shape[1:-1] if channels_last else x.shape[2:], w.shape[2:])
    first_axis = 1 if channels_last else 2
    act = attrs.get("_epilogue")
    pointwise = all(k == 1 for k in geo.kernel) and not any(geo.pads)
    if residual is not None:
        residual = np.asarray(residual).astype(cdt, copy=False)
        if channels_last or not pointwise:
            y = conv_nd(x, w, b, {**attrs, "_epilogue": None}, channels_last)
            _finisher(None, act, cdt, ())(y, residual)
            return y
        return _pointwise(x, w, b, geo, groups, False, act, residual)
    if w.shape[1] == 1 and groups > 1:
        return _depthwise(_padded(x, geo, first_axis), w, b, geo, channels_last, act)
    if pointwise:
        if channels_last and groups > 1:
            return np.moveaxis(_pointwise(np.ascontiguousarray(np.moveaxis(x, -1, 1)), w, b, geo, groups, False,
                                          act), 1, -1)
        return _pointwise(x, w, b, geo, groups, channels_last, act)
    if channels_last and groups == 1:
        return _im2col_last(_padded(x, geo, 1), w, b, geo, act)
    tile = 0 if channels_last else winograd.tile_size(w, geo, groups)
    if tile:
        finish = _finisher(b, act, x.dtype, (1, out_ch, 1))
        return winograd.conv2d(x, w, lambda block, index: finish(block, None, index), geo, tile)
    if channels_last:   # grouped channels-last: the padded copy moves the channels first
        return np.moveaxis(_im2col_first(_padded(np.moveaxis(x, -1, 1), geo, 2), w, b, geo, groups, act), 1, -1)
    return _im2col_first(_padded(x, geo, 2), w, b, geo, groups, act)


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


def _check_channels(ctx: InferContext, channels: int, ws, transposed: bool) -> None:
    """Input channels (C) against the weights: OIHW conv weights take C / groups each, IOHW transposed ones C;
    a bias holds one value per output channel."""
    groups = int(ctx.attrs.get("groups", 1) or 1)
    per_weight = ws[0] if transposed else ws[1] * groups
    out = ws[1] * groups if transposed else ws[0]
    if groups <= 0 or (channels >= 0 and min(per_weight, channels) >= 0 and channels != per_weight):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{ctx.op.name}': the input has {channels} channels; weights of "
                         f"shape {list(ws)} with {groups} group(s) take {per_weight}", node=ctx.op.name)
    bias = ctx.shape(2) if len(ctx.inputs) > 2 else None
    if bias is not None and out >= 0 and (len(bias) != 1 or bias[0] not in (out, -1)):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{ctx.op.name}': bias of shape {list(bias)}; the output has "
                         f"{out} channels", node=ctx.op.name)


def _conv_kernel(inputs, attrs):
    """Conv kernel: computed in the op's own data_format (no layout round trip). With a fused residual Add
    (attrs "_epilogue" Add / AddRelu), the Add's other value comes last in inputs."""
    residual = None
    if attrs.get("_epilogue") in ("Add", "AddRelu"):
        residual, inputs = inputs[-1], inputs[:-1]
    x, w = inputs[0], inputs[1]
    b = inputs[2] if len(inputs) > 2 else None
    y = conv_nd(x, w, b, attrs, channels_last(attrs.get("data_format", "NCHW")) and x.ndim >= 3, residual)
    return y.astype(x.dtype, copy=False)


def _infer_with(geometry, out_channels):
    """Infer for conv-like ops: output = (N, out_channels(weight shape, attrs), *geometry.out_sizes)."""

    def infer(ctx: InferContext):
        ctx.require(0, 1)
        fmt = ctx.attrs.get("data_format", "NCHW")
        xs, ws = ctx.shape(0), ctx.shape(1)
        if ctx.value(1) is not None:
            ws = ctx.value(1).shape
        if xs is None or ws is None:
            return [desc(ctx.dtype(0), None)]
        if len(xs) != len(ws) or len(xs) < 3:
            raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{ctx.op.name}': input of shape {list(xs)} and weights of "
                             f"shape {list(ws)}: both must have the same rank, at least 3", node=ctx.op.name)
        xs = shape_to_nchw(tuple(xs), fmt)
        _check_channels(ctx, xs[1], ws, transposed=geometry is not ConvGeometry)
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
    cols = matmul(xm, wm, np.empty((groups, xm.shape[1], wm.shape[2]), cdt)).reshape(groups, batch, *in_sizes, og,
                                                                                *geo.kernel)
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
             traits={"conv", "cube"}, spatial_rank=_rank, epilogues={"Relu", "Add"},
             doc=f"Conv{_rank}D: (x, filter OIHW, bias?) convolution, ONNX Conv semantics")(
        _conv_kernel)
    register(f"Conv{_rank}DTranspose", attrs=_transpose_attrs(_fmt), infer=_transpose_infer, category="nn",
             traits={"conv_transpose", "cube"}, spatial_rank=_rank,
             doc=f"Conv{_rank}DTranspose: (x, filter IOHW, bias?) transposed convolution, ONNX ConvTranspose "
                 "semantics")(_kernel(conv_transpose_nd, to_nchw, from_nchw))
