"""Pooling ops: MaxPool, AvgPool, LpPool (ONNX semantics incl. ceil_mode), MaxPoolWithArgmax, the global pools
and MaxUnpool."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, UNSUPPORTED_OP, GraphError
from ...ir import DataType, to_numpy
from ..elementwise import like, widen
from ..registry import Attr, InferContext, desc, flat_ints, register
from ..workspace import empty
from ._spatial import (WindowParams, channels_last, compute_dtype, effective_kernel, from_nchw, pad_spatial, padded,
                       resolve_pads, shape_from_nchw, shape_to_nchw, to_nchw, window_output_size)


def _pool_attrs(**extra) -> dict:
    attrs = {
        "kernel_shape": Attr("ints", doc="window size per spatial axis"),
        "strides": Attr("ints", [], "per spatial axis; [] = all 1"),
        "pads": Attr("ints", [], "[begins..., ends...]; [] = all 0"),
        "dilations": Attr("ints", [], "per spatial axis; [] = all 1"),
        "ceil_mode": Attr("bool", False, "round the output size up (the last window must start inside the "
                                         "input or its begin padding)"),
        "auto_pad": Attr("str", "NOTSET", "NOTSET | SAME_UPPER | SAME_LOWER | VALID"),
        "data_format": Attr("str", "NCHW"),
    }
    attrs.update(extra)
    return attrs


class PoolGeometry(WindowParams):
    """Output sizes and explicit pads of one pooling call; ``extra`` is the ceil_mode overhang per axis."""

    def __init__(self, attrs: dict, in_sizes, node: str = ""):
        super().__init__(attrs, attrs["kernel_shape"], node)
        n = len(self.kernel)
        auto_pad = (attrs.get("auto_pad") or "NOTSET").upper()
        self.pads = resolve_pads(in_sizes, self.kernel, self.strides, self.dilations, self.given_pads, auto_pad)
        ceil_mode = bool(attrs.get("ceil_mode")) and not auto_pad.startswith("SAME")
        k_eff = effective_kernel(self.kernel, self.dilations)
        self.out_sizes, self.extra = [], []
        for i, (size, k, s) in enumerate(zip(in_sizes, k_eff, self.strides)):
            out = window_output_size(size, k, s, self.pads[i], self.pads[n + i], ceil_mode)
            self.out_sizes.append(out)
            padded = size + self.pads[i] + self.pads[n + i]
            self.extra.append(max(0, (out - 1) * s + k - padded) if out > 0 else 0)


def reduce_windows(xp: np.ndarray, geo: PoolGeometry, combine, out=None) -> np.ndarray:
    """Combine the strided slices of padded xp over every kernel position (a loop over the kernel only)."""
    steps = list(zip(geo.dilations, geo.out_sizes, geo.strides))
    for pos in np.ndindex(*geo.kernel):
        where = tuple(slice(p * d, p * d + (o - 1) * s + 1, s) for p, (d, o, s) in zip(pos, steps))
        part = xp[(slice(None), slice(None)) + where]
        if out is None:
            out = empty(part.shape, part.dtype)
            np.copyto(out, part)
        else:
            combine(out, part, out=out)
    return out


def _pad_for_pool(x: np.ndarray, geo: PoolGeometry, value) -> np.ndarray:
    n = len(geo.kernel)
    ends = [e + extra for e, extra in zip(geo.pads[n:], geo.extra)]
    return padded(x, geo.pads[:n], ends, value)


def _lowest(dtype):
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def _pooled(kernel):
    """Wrap a channels-first pool implementation with data_format handling and geometry."""

    def run(inputs, attrs):
        x = inputs[0]
        fmt = attrs.get("data_format", "NCHW")
        xc = to_nchw(x, fmt)
        geo = PoolGeometry(attrs, xc.shape[2:])
        y = kernel(xc, geo, attrs)
        return from_nchw(y.astype(x.dtype, copy=False), fmt)

    run.__doc__ = kernel.__doc__
    return run


def _infer_with(out_sizes):
    """Infer for pooling ops: (N, C, *out_sizes(ctx, input spatial sizes)) in the op's data_format."""

    def infer(ctx: InferContext):
        fmt = ctx.attrs.get("data_format", "NCHW")
        xs = ctx.shape(0)
        if xs is None:
            return [desc(ctx.dtype(0), None)]
        xs = shape_to_nchw(tuple(xs), fmt)
        return [desc(ctx.dtype(0), shape_from_nchw((*xs[:2], *out_sizes(ctx, xs[2:])), fmt))]

    return infer


_pool_infer = _infer_with(lambda ctx, sizes: PoolGeometry(ctx.attrs, sizes, ctx.op.name).out_sizes)


def max_pool(x, geo, attrs):
    """MaxPool: (x) -> max over each window; padding never wins."""
    if np.issubdtype(x.dtype, np.floating):
        x = x.astype(compute_dtype(x.dtype), copy=False)
    return reduce_windows(_pad_for_pool(x, geo, _lowest(x.dtype)), geo, np.maximum)


def avg_pool(x, geo, attrs):
    """AvgPool: (x) -> mean over each window; count_include_pad counts explicit pads, never the ceil overhang."""
    x = x.astype(compute_dtype(x.dtype), copy=False)
    total = reduce_windows(_pad_for_pool(x, geo, 0), geo, np.add)
    n = len(geo.kernel)
    inside = np.ones((1, 1) + x.shape[2:], x.dtype)
    if attrs.get("count_include_pad"):
        inside = pad_spatial(inside, geo.pads[:n], geo.pads[n:], 1)
        inside = pad_spatial(inside, [0] * n, geo.extra, 0)
        counts = reduce_windows(inside, geo, np.add)
    else:
        counts = reduce_windows(_pad_for_pool(inside, geo, 0), geo, np.add)
    return total / np.maximum(counts, 1)


def lp_pool(x, geo, attrs):
    """LpPool: (x) -> (sum |x|^p)^(1/p) over each window (zero padding)."""
    x = x.astype(compute_dtype(x.dtype), copy=False)
    p = float(attrs.get("p", 2))
    total = reduce_windows(_pad_for_pool(np.abs(x) ** p, geo, 0), geo, np.add)
    return total ** (1.0 / p)


register("MaxPool", attrs=_pool_attrs(), infer=_pool_infer, category="nn")(_pooled(max_pool))
register("AvgPool", attrs=_pool_attrs(count_include_pad=Attr("bool", False)), infer=_pool_infer,
         category="nn")(_pooled(avg_pool))
register("LpPool", attrs=_pool_attrs(p=Attr("int", 2)), infer=_pool_infer, category="nn")(_pooled(lp_pool))


# ---- MaxPoolWithArgmax ----------------------------------------------------------------------------

def _argmax_windows(x: np.ndarray, geo: PoolGeometry):
    """(max, [its input coordinate per spatial axis]) over each window of channels-first x. The first largest
    element in window order wins, as onnxruntime, TensorFlow and Caffe scan; padding never does."""
    n = len(geo.kernel)
    xp = _pad_for_pool(x, geo, _lowest(x.dtype))
    out_shape = x.shape[:2] + tuple(geo.out_sizes)
    best, found = np.zeros(out_shape, x.dtype), np.zeros(out_shape, bool)
    coords = [np.zeros(out_shape, np.int64) for _ in range(n)]
    steps = list(zip(geo.dilations, geo.out_sizes, geo.strides, geo.pads[:n], x.shape[2:]))
    for pos in np.ndindex(*geo.kernel):
        at, inside = [], np.ones((1, 1) + (1,) * n, bool)
        for i, (p, (d, o, s, begin, size)) in enumerate(zip(pos, steps)):
            c = (np.arange(o) * s + p * d - begin).reshape((1, 1) + tuple(o if j == i else 1 for j in range(n)))
            at.append(c)
            inside = inside & (c >= 0) & (c < size)
        part = xp[(slice(None), slice(None)) + tuple(slice(p * d, p * d + (o - 1) * s + 1, s)
                                                     for p, (d, o, s, _, _) in zip(pos, steps))]
        take = inside & (~found | (part > best))
        best = np.where(take, part, best)
        found |= take
        coords = [np.where(take, c, old) for c, old in zip(at, coords)]
    return best, coords


def _argmax_infer(ctx: InferContext):
    y = _pool_infer(ctx)[0]
    return [y, desc(ctx.attrs["index_dtype"], y.shape)]


@register("MaxPoolWithArgmax", attrs=_pool_attrs(
              index_axes=Attr("ints", [], "axes of x (in its data_format) the index flattens, outermost first; "
                                          "[] = all"),
              index_dtype=Attr("dtype", int(DataType.DT_INT64))),
          infer=_argmax_infer, category="nn")
def max_pool_with_argmax(inputs, attrs):
    """MaxPoolWithArgmax: (x) -> (max over each window, the flat index of that max in x over index_axes)."""
    x = inputs[0]
    fmt = attrs.get("data_format", "NCHW")
    xc = to_nchw(x, fmt)
    axes = [a % x.ndim for a in attrs["index_axes"]] or list(range(x.ndim))
    if len(set(axes)) != len(axes) or any(not -x.ndim <= a < x.ndim for a in attrs["index_axes"]):
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"MaxPoolWithArgmax: index_axes {attrs['index_axes']} must be distinct axes "
                         f"of the rank-{x.ndim} input")
    work = xc.astype(compute_dtype(xc.dtype), copy=False) if np.issubdtype(xc.dtype, np.floating) else xc
    y, coords = _argmax_windows(work, PoolGeometry(attrs, xc.shape[2:]))
    tail = (1,) * len(coords)
    by_nchw_axis = [np.arange(xc.shape[0]).reshape((-1, 1) + tail), np.arange(xc.shape[1]).reshape((1, -1) + tail),
                    *coords]                      # the coordinate of each max along each channels-first axis of x
    nchw_axis = [0, *range(2, x.ndim), 1] if channels_last(fmt) and x.ndim > 2 else list(range(x.ndim))
    index = np.zeros(y.shape, np.int64)
    for a in axes:
        index = index * x.shape[a] + by_nchw_axis[nchw_axis[a]]
    index = index.astype(to_numpy(attrs["index_dtype"]))
    return [from_nchw(y.astype(x.dtype, copy=False), fmt), from_nchw(index, fmt)]


_global_infer = _infer_with(lambda ctx, sizes: [1] * len(sizes))


def _global(reduce):
    def run(inputs, attrs):
        x = inputs[0]
        fmt = attrs.get("data_format", "NCHW")
        xc = to_nchw(x, fmt)
        work = xc.astype(compute_dtype(x.dtype), copy=False) if np.issubdtype(x.dtype, np.floating) else xc
        y = reduce(work, axis=tuple(range(2, xc.ndim)), keepdims=True)
        return from_nchw(y.astype(x.dtype, copy=False), fmt)

    return run


_GLOBAL_ATTRS = {"data_format": Attr("str", "NCHW")}
register("GlobalAveragePool", attrs=_GLOBAL_ATTRS, infer=_global_infer, category="nn",
         doc="GlobalAveragePool: (x) -> mean over all spatial axes (kept as size 1)")(_global(np.mean))
register("GlobalMaxPool", attrs=_GLOBAL_ATTRS, infer=_global_infer, category="nn",
         doc="GlobalMaxPool: (x) -> max over all spatial axes (kept as size 1)")(_global(np.max))
@register("GlobalLpPool", attrs={"p": Attr("int", 2)}, infer=_global_infer, category="nn")
def global_lp_pool(inputs, attrs):
    """GlobalLpPool: (x N,C,...) -> (sum |x|^p)^(1/p) over all spatial axes (kept as size 1)."""
    x = np.asarray(inputs[0])
    xf, p = widen(x), attrs["p"]
    total = np.sum(np.abs(xf) ** p, axis=tuple(range(2, x.ndim)), keepdims=True)
    return like(total ** (1.0 / p), x.dtype)


# ---- MaxUnpool ------------------------------------------------------------------------------------

def _unpool_shape(in_shape, attrs) -> tuple:
    k, s = attrs["kernel_shape"], attrs["strides"] or [1] * len(attrs["kernel_shape"])
    pads = attrs["pads"] or [0] * (2 * len(k))
    r = len(k)
    return tuple(in_shape[:2]) + tuple(
        (d - 1) * s[i] + k[i] - pads[i] - pads[i + r] if d != -1 else -1 for i, d in enumerate(in_shape[2:]))


def _check_output_shape(x_shape, output_shape, attrs) -> None:
    """An output_shape other than the shape MaxUnpool infers is ambiguous: ONNX's reference scatters by index
    into the inferred shape and pads at the end ("pads values are auto generated"), onnxruntime scatters by
    index into output_shape. The two agree only when the shapes are equal; other shapes are refused."""
    inferred = _unpool_shape(x_shape, attrs)
    if -1 not in inferred and tuple(output_shape) != tuple(inferred):
        raise GraphError(UNSUPPORTED_OP, f"MaxUnpool: output_shape {list(output_shape)} differs from the unpooled "
                         f"shape {list(inferred)}; where the indices then point is not settled (ONNX pads the "
                         "unpooled tensor, onnxruntime indexes output_shape), so it is not converted")


def _unpool_infer(ctx: InferContext):
    if ctx.has(2):
        v = ctx.value(2)
        if v is not None and ctx.shape(0) is not None:
            _check_output_shape(ctx.shape(0), flat_ints(v), ctx.attrs)
        return [desc(ctx.dtype(0), None if v is None else flat_ints(v))]
    s = ctx.shape(0)
    return [desc(ctx.dtype(0), None if s is None else _unpool_shape(s, ctx.attrs))]


@register("MaxUnpool", attrs={"kernel_shape": Attr("ints"), "strides": Attr("ints", []), "pads": Attr("ints", [])},
          infer=_unpool_infer, category="nn")
def max_unpool(inputs, attrs):
    """MaxUnpool: (x, indices into the flattened output, output_shape?) -> zeros with x scattered in."""
    x, idx = np.asarray(inputs[0]), np.asarray(inputs[1])
    shape = _unpool_shape(x.shape, attrs)
    if len(inputs) > 2 and inputs[2] is not None:
        _check_output_shape(x.shape, flat_ints(inputs[2]), attrs)
    out = np.zeros(int(np.prod(shape)), x.dtype)
    out[idx.reshape(-1)] = x.reshape(-1)
    return out.reshape(shape)
