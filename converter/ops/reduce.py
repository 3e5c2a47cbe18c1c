"""Canonical ops: reductions (Reduce*, ArgMax/ArgMin), CumSum, CumProd and TopK. Kernels keep the input
dtype (indices are int64); fp16 is accumulated in fp32. Reduce axes, the CumSum axis and the TopK k
are attributes, or an optional input 1 when the frontend could not read a constant (the input wins)."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType
from .elementwise import like, widen
from .registry import Attr, InferContext, desc, register, same_as_input

INT64 = DataType.DT_INT64

REDUCE_ATTRS = {
    "axes": Attr("ints", [], "axes to reduce (unless given as input 1); empty = all axes unless "
                             "noop_with_empty_axes"),
    "keepdims": Attr("bool", True),
    "noop_with_empty_axes": Attr("bool", False),
}


def checked_axes(axes, rank: int) -> tuple:
    """Reduction axes made non-negative; E10001 when one is out of range or repeats (numpy would wrap or fail)."""
    out = tuple(int(a) + rank if int(a) < 0 else int(a) for a in axes)
    if any(not 0 <= a < rank for a in out) or len(set(out)) != len(out):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"reduction axes {list(axes)} are out of range or repeat for a "
                         f"{rank}-D input")
    return out


def reduced_shape(shape, axes, keepdims: bool, noop_with_empty_axes: bool = False):
    """Output shape of a reduction; None if the rank is unknown. Unknown dims that are kept stay -1."""
    if shape is None:
        return None
    if not axes:
        if noop_with_empty_axes:
            return tuple(shape)
        axes = range(len(shape))
    rank = len(shape)
    reduced = set(checked_axes(axes, rank))
    if keepdims:
        return tuple(1 if i in reduced else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in reduced)


def int_input(inputs: list, i: int):
    """Optional input i as a flat list of ints (None when absent)."""
    if i >= len(inputs) or inputs[i] is None:
        return None
    return [int(v) for v in np.asarray(inputs[i]).reshape(-1)]


def _shape_for_unknown_axes(ctx: InferContext):
    """Output shape when the axes come from a non-constant input: ranks still follow from keepdims."""
    shape, a = ctx.shape(0), ctx.attrs
    if shape is None:
        return None
    if a["keepdims"]:
        return tuple(1 if d == 1 else -1 for d in shape)
    n_axes = ctx.shape(1)
    if n_axes is None or len(n_axes) != 1 or n_axes[0] <= 0:
        return None
    return (-1,) * (len(shape) - n_axes[0])


def _reduce_infer(ctx: InferContext):
    a = ctx.attrs
    axes = a["axes"]
    if ctx.has(1):
        if ctx.value(1) is None:
            return [desc(ctx.dtype(0), _shape_for_unknown_axes(ctx))]
        axes = int_input(ctx.values, 1)
    return [desc(ctx.dtype(0), reduced_shape(ctx.shape(0), axes, a["keepdims"], a["noop_with_empty_axes"]))]


def _lowest(dtype):
    return {"f": -np.inf, "b": False}.get(dtype.kind) if dtype.kind in "fb" else np.iinfo(dtype).min


def _highest(dtype):
    return {"f": np.inf, "b": True}.get(dtype.kind) if dtype.kind in "fb" else np.iinfo(dtype).max


def _max(x, axis, keepdims):
    """max; an empty reduction gives the lowest value (-inf for floats) like onnxruntime."""
    return np.max(x, axis=axis, keepdims=keepdims, initial=_lowest(x.dtype))


def _min(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims, initial=_highest(x.dtype))


def _mean(x, axis, keepdims):
    """mean; an empty reduction gives 0 like onnxruntime."""
    count = int(np.prod([x.shape[a] for a in axis], dtype=np.int64))
    total = np.sum(x, axis=axis, keepdims=keepdims, dtype=np.float64 if x.dtype.kind in "iu" else x.dtype)
    return total / max(count, 1)


def _log_sum_exp(x, axis, keepdims):
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    peak = _max(x, axis, True)
    peak = np.where(np.isfinite(peak), peak, 0)
    total = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return total if keepdims else np.squeeze(total, axis=axis)


def _sum(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


# name -> (fn(x, axis tuple, keepdims) on the widened input, doc)
_REDUCTIONS = {
    "ReduceSum": (_sum, "sum"),
    "ReduceMean": (_mean, "mean"),
    "ReduceMax": (_max, "maximum"),
    "ReduceMin": (_min, "minimum"),
    "ReduceProd": (lambda x, ax, kd: np.prod(x, axis=ax, keepdims=kd, dtype=x.dtype), "product"),
    "ReduceL1": (lambda x, ax, kd: _sum(np.abs(x), ax, kd), "sum of |x|"),
    "ReduceL2": (lambda x, ax, kd: np.sqrt(_sum(x * x, ax, kd)), "sqrt(sum of x^2)"),
    "ReduceSumSquare": (lambda x, ax, kd: _sum(x * x, ax, kd), "sum of x^2"),
    "ReduceLogSum": (lambda x, ax, kd: np.log(_sum(x, ax, kd)), "log(sum)"),
    "ReduceLogSumExp": (_log_sum_exp, "log(sum(exp(x)))"),
}


def _reduce_kernel(fn):
    def kernel(inputs, attrs):
        x = np.asarray(inputs[0])
        axes = int_input(inputs, 1)
        axes = attrs["axes"] if axes is None else axes
        if not axes and attrs["noop_with_empty_axes"]:
            return x
        axis = checked_axes(axes, x.ndim) if axes else tuple(range(x.ndim))
        with np.errstate(all="ignore"):
            return like(fn(widen(x), axis, bool(attrs["keepdims"])), x.dtype)

    return kernel


# sums and products keep fp32 under allow_mix_precision (registry.TRAITS); max and min are exact in fp16
_MIX_FP32 = {"ReduceSum", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum",
             "ReduceLogSumExp"}

for _name, (_fn, _doc) in _REDUCTIONS.items():
    register(_name, attrs=REDUCE_ATTRS, infer=_reduce_infer, category="reduce", doc=_doc,
             traits={"keep_fp32_mix"} if _name in _MIX_FP32 else ())(_reduce_kernel(_fn))


# ---- ArgMax / ArgMin ------------------------------------------------------------------------

ARG_ATTRS = {"axis": Attr("int", 0), "keepdims": Attr("bool", True), "select_last_index": Attr("bool", False)}


def _arg_infer(ctx: InferContext):
    a = ctx.attrs
    return [desc(INT64, reduced_shape(ctx.shape(0), [a["axis"]], a["keepdims"]))]


def _arg_reduce(pick, x, attrs):
    x = np.asarray(x)
    axis = attrs["axis"] % x.ndim
    if attrs["select_last_index"]:
        idx = x.shape[axis] - 1 - pick(np.flip(x, axis), axis=axis)
    else:
        idx = pick(x, axis=axis)
    idx = idx.astype(np.int64)
    return np.expand_dims(idx, axis) if attrs["keepdims"] else idx


@register("ArgMax", attrs=ARG_ATTRS, infer=_arg_infer, category="reduce")
def arg_max(inputs, attrs):
    """Index (int64) of the largest value along axis; first occurrence unless select_last_index."""
    return _arg_reduce(np.argmax, inputs[0], attrs)


@register("ArgMin", attrs=ARG_ATTRS, infer=_arg_infer, category="reduce")
def arg_min(inputs, attrs):
    """Index (int64) of the smallest value along axis; first occurrence unless select_last_index."""
    return _arg_reduce(np.argmin, inputs[0], attrs)


# ---- CumSum, CumProd ------------------------------------------------------------------------

@register("CumSum", attrs={"axis": Attr("int", 0, "unless given as input 1"), "exclusive": Attr("bool", False), "reverse": Attr("bool", False)},
          infer=same_as_input(), category="reduce", traits={"keep_fp32_mix"})
def cum_sum(inputs, attrs):
    """Running sum along axis; exclusive leaves out the element itself, reverse runs from the end."""
    return _cumulative(inputs, attrs, _sum_scan)


def _cumulative(inputs, attrs, scan):
    """scan(w, axis, exclusive) of the widened input along the axis (input 1, else the attr), from the end
    when reverse; the result in the input's dtype."""
    x = np.asarray(inputs[0])
    axis = (int_input(inputs, 1) or [attrs["axis"]])[0] % x.ndim
    w = widen(x)
    if attrs["reverse"]:
        w = np.flip(w, axis)
    out = scan(w, axis, attrs["exclusive"])
    if attrs["reverse"]:
        out = np.flip(out, axis)
    return like(out, x.dtype)


def _sum_scan(w, axis: int, exclusive: bool):
    out = np.cumsum(w, axis=axis, dtype=w.dtype)
    return out - w if exclusive else out


def _prod_scan(w, axis: int, exclusive: bool):
    if exclusive:
        ones = np.ones_like(np.take(w, [0], axis=axis))
        w = np.concatenate([ones, np.take(w, np.arange(w.shape[axis] - 1), axis=axis)], axis=axis)
    return np.cumprod(w, axis=axis, dtype=w.dtype)


@register("CumProd", attrs={"axis": Attr("int", 0, "unless given as input 1"), "exclusive": Attr("bool", False),
                            "reverse": Attr("bool", False)},
          infer=same_as_input(), category="reduce")
def cum_prod(inputs, attrs):
    """Running product along axis; exclusive leaves out the element itself, reverse runs from the end."""
    return _cumulative(inputs, attrs, _prod_scan)


# ---- TopK -----------------------------------------------------------------------------------

def _topk_infer(ctx: InferContext):
    shape = ctx.shape(0)
    if shape is not None and len(shape):
        k = ctx.attrs["k"]
        if ctx.has(1):
            k = -1 if ctx.value(1) is None else int_input(ctx.values, 1)[0]
        shape = list(shape)
        shape[ctx.attrs["axis"] % len(shape)] = k
    return [desc(ctx.dtype(0), shape), desc(INT64, shape)]


@register("TopK", attrs={"k": Attr("int", -1, "unless given as input 1"), "axis": Attr("int", -1), "largest": Attr("bool", True),
                         "sorted": Attr("bool", True)}, infer=_topk_infer, category="reduce",
          traits={"no_fp16"})
def top_k(inputs, attrs):
    """The k largest (or smallest) values along axis and their int64 indices; ties keep the lower index."""
    x = np.asarray(inputs[0])
    axis, k = attrs["axis"] % x.ndim, (int_input(inputs, 1) or [attrs["k"]])[0]
    n = x.shape[axis]
    if attrs["largest"]:
        # stable ascending sort of the flipped array, reversed: descending values, ties by lower index
        order = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
        order = n - 1 - order
    else:
        order = np.argsort(x, axis=axis, kind="stable")
    indices = np.take(order, np.arange(k), axis=axis).astype(np.int64)
    return [np.take_along_axis(x, indices, axis=axis), indices]
