"""Canonical ops: tensor family (shape manipulation, slicing, gather/scatter, generators) with ONNX
semantics; every infer keeps whatever dims are known and marks the rest -1."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType, to_numpy
from .registry import Attr, InferContext, broadcast_shapes, desc, flat_ints, register, same_as_input

INT64 = DataType.DT_INT64
UNKNOWN = -1


# ---- helpers ------------------------------------------------------------------------------------

def _opt(inputs: list, i: int):
    """Optional input i (None when absent or past the end of the list)."""
    return inputs[i] if i < len(inputs) else None


def _axis(axis: int, rank: int, node: str = "") -> int:
    """A non-negative axis in [0, rank)."""
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < rank:
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"axis {axis} is out of range for a rank-{rank} tensor", node=node or None)
    return a


def _ints(value) -> list:
    return [int(v) for v in np.asarray(value).reshape(-1)]


def _scalar(value):
    return np.asarray(value).reshape(-1)[0]


def _prod(dims) -> int:
    """Product of dims; -1 if any of them is unknown."""
    n = 1
    for d in dims:
        if d < 0:
            return UNKNOWN
        n *= int(d)
    return n


def _fixed_index(indices, dim, bounded: bool = True):
    """Indices as int64 with negatives counted from the end of an axis of length dim (dim: an array of
    lengths for index tuples in the last axis). ``bounded``: an index outside [-dim, dim) is E10001."""
    idx = np.asarray(indices).astype(np.int64)
    dim = np.asarray(dim, dtype=np.int64)
    if bounded and idx.size and (np.any(idx < -dim) or np.any(idx >= dim)):
        bad = idx[(idx < -dim) | (idx >= dim)].flat[0]
        raise GraphError(INVALID_ARGUMENT_VALUE, f"index {bad} is out of range for an axis of length "
                         f"{dim.tolist()}")
    return np.where(idx < 0, idx + dim, idx)


def _shape_of(ctx: InferContext, i: int):
    """Shape of input i, or None if absent/unknown rank."""
    return ctx.shape(i) if ctx.has(i) else None


def _vector_len(ctx: InferContext, i: int) -> int | None:
    """Length of 1-D input i when known (e.g. the rank a shape input describes)."""
    s = _shape_of(ctx, i)
    return s[0] if s is not None and len(s) == 1 and s[0] >= 0 else None


def _unknown(ctx: InferContext, i: int = 0, rank: int | None = None):
    return [desc(ctx.dtype(i), None if rank is None else (UNKNOWN,) * rank)]


# ---- identity and shape queries -----------------------------------------------------------------

@register("Identity", infer=same_as_input(0), category="tensor", traits={"movement"})
def identity(inputs, attrs):
    """Output = input."""
    return inputs[0]


def _shape_infer(ctx: InferContext):
    s = ctx.shape(0)
    if s is None:
        return [desc(INT64, (UNKNOWN,))]
    return [desc(INT64, (len(range(len(s))[slice(ctx.attrs["start"], ctx.attrs["end"])]),))]


@register("Shape", attrs={"start": Attr("int", 0), "end": Attr("int", None)}, infer=_shape_infer,
          category="tensor", traits={"shape_only"})
def shape(inputs, attrs):
    """The input's shape as int64 (dims start:end, ONNX 15 slicing rules)."""
    return np.array(np.shape(inputs[0])[slice(attrs["start"], attrs["end"])], dtype=np.int64)


@register("Size", infer=lambda ctx: [desc(INT64, ())], category="tensor", traits={"shape_only"})
def size(inputs, attrs):
    """Number of elements as an int64 scalar."""
    return np.array(np.size(inputs[0]), dtype=np.int64)


# ---- reshapes -----------------------------------------------------------------------------------

def reshape_target(in_shape, target, allowzero: int = 0) -> tuple:
    """Reshape's output shape (ONNX rules for 0 and -1); in_shape dims may be -1 (unknown)."""
    out, copied, infer_at = [], set(), None
    for i, t in enumerate(int(v) for v in target):
        if t == 0 and not allowzero:
            if i >= len(in_shape):
                raise GraphError(INVALID_ARGUMENT_VALUE, f"reshape target {list(target)} copies dim {i} of a rank-"
                                 f"{len(in_shape)} input")
            out.append(in_shape[i])
            if in_shape[i] < 0:
                copied.add(i)
        elif t == -1:
            if infer_at is not None:
                raise GraphError(INVALID_ARGUMENT_VALUE, f"reshape target {list(target)} has more than one -1")
            infer_at = i
            out.append(UNKNOWN)
        else:
            out.append(t)
    if infer_at is None:
        if _prod(in_shape) >= 0 and _prod(out) >= 0 and _prod(in_shape) != _prod(out):
            raise GraphError(INVALID_ARGUMENT_VALUE, f"cannot reshape {tuple(in_shape)} to {list(target)}: the element "
                             "counts differ")
        return tuple(out)
    unknown_in = {i for i, d in enumerate(in_shape) if d < 0}
    if unknown_in != copied:  # the unknown input dims do not cancel out
        return tuple(out)
    total = _prod(d for d in in_shape if d >= 0)
    rest = _prod(d for i, d in enumerate(out) if i != infer_at and d >= 0)
    if rest == 0 or total % rest:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"cannot reshape {tuple(in_shape)} to {list(target)}")
    out[infer_at] = total // rest
    return tuple(out)


def _reshape_infer(ctx: InferContext):
    target, s = ctx.value(1), ctx.shape(0)
    if target is None:
        return _unknown(ctx, 0, _vector_len(ctx, 1))
    if s is None:
        return [desc(ctx.dtype(0), tuple(UNKNOWN if (v == 0 and not ctx.attrs["allowzero"]) or v == -1 else v
                                          for v in _ints(target)))]
    return [desc(ctx.dtype(0), reshape_target(s, _ints(target), ctx.attrs["allowzero"]))]


@register("Reshape", attrs={"allowzero": Attr("int", 0)}, infer=_reshape_infer, category="tensor", traits={"movement"})
def reshape(inputs, attrs):
    """x reshaped to the int64 shape input (0 copies the input dim unless allowzero, -1 is inferred)."""
    x = np.asarray(inputs[0])
    return x.reshape(reshape_target(x.shape, _ints(inputs[1]), attrs["allowzero"]))


def _flatten_shape(s, axis):
    a = axis + len(s) if axis < 0 else axis
    return (_prod(s[:a]), _prod(s[a:]))


@register("Flatten", attrs={"axis": Attr("int", 1)}, category="tensor", traits={"movement"},
          infer=lambda ctx: [desc(ctx.dtype(0), None if ctx.shape(0) is None
                                  else _flatten_shape(ctx.shape(0), ctx.attrs["axis"]))])
def flatten(inputs, attrs):
    """2-D view: dims before axis and from axis on are each multiplied together."""
    x = np.asarray(inputs[0])
    return x.reshape(_flatten_shape(x.shape, attrs["axis"]))


def _given_axes(ctx: InferContext):
    """Squeeze/Unsqueeze axes: the attribute, or input 1 (ONNX 13+ when not known while converting); None
    while that input is not a constant yet."""
    if not ctx.has(1):
        return ctx.attrs["axes"]
    value = ctx.value(1)
    return None if value is None else flat_ints(value)


def _input_axes(inputs, attrs) -> list:
    return flat_ints(inputs[1]) if len(inputs) > 1 and inputs[1] is not None else attrs["axes"]


def _squeeze_infer(ctx: InferContext):
    s, axes = ctx.shape(0), _given_axes(ctx)
    if s is None or axes is None:
        return _unknown(ctx)
    if not axes:
        if UNKNOWN in s:
            return _unknown(ctx)
        return [desc(ctx.dtype(0), tuple(d for d in s if d != 1))]
    drop = {_axis(a, len(s), ctx.op.name) for a in axes}
    return [desc(ctx.dtype(0), tuple(d for i, d in enumerate(s) if i not in drop))]


@register("Squeeze", attrs={"axes": Attr("ints", [])}, infer=_squeeze_infer, category="tensor", traits={"movement"},
          const_inputs={1})
def squeeze(inputs, attrs):
    """Removes the size-1 dims listed in axes (attribute, or constant input 1; all size-1 dims when empty)."""
    x = np.asarray(inputs[0])
    axes = _input_axes(inputs, attrs)
    return np.squeeze(x, axis=tuple(axes) if axes else None)


def _unsqueeze_shape(s, axes):
    rank = len(s) + len(axes)
    at = sorted(_axis(a, rank) for a in axes)
    out, it = [], iter(s)
    for i in range(rank):
        out.append(1 if i in at else next(it))
    return tuple(out)


def _unsqueeze_infer(ctx: InferContext):
    axes = _given_axes(ctx)
    if ctx.shape(0) is None or axes is None:
        return [desc(ctx.dtype(0), None)]
    return [desc(ctx.dtype(0), _unsqueeze_shape(ctx.shape(0), axes))]


@register("Unsqueeze", attrs={"axes": Attr("ints", [])}, category="tensor", traits={"movement"},
          infer=_unsqueeze_infer, const_inputs={1})
def unsqueeze(inputs, attrs):
    """Inserts size-1 dims at axes (attribute, or constant input 1; axes index the output)."""
    x = np.asarray(inputs[0])
    return x.reshape(_unsqueeze_shape(x.shape, _input_axes(inputs, attrs)))


def _perm(perm, rank):
    return [_axis(p, rank) for p in perm] if perm else list(reversed(range(rank)))


@register("Transpose", attrs={"perm": Attr("ints", [])}, category="tensor", traits={"movement"},
          infer=lambda ctx: [desc(ctx.dtype(0), None if ctx.shape(0) is None else
                                  tuple(ctx.shape(0)[p] for p in _perm(ctx.attrs["perm"], len(ctx.shape(0)))))])
def transpose(inputs, attrs):
    """Permutes dims (perm empty = reverse them)."""
    x = np.asarray(inputs[0])
    return np.transpose(x, _perm(attrs["perm"], x.ndim))


# ---- concat / split -----------------------------------------------------------------------------

def _concat_infer(ctx: InferContext):
    shapes = [d.shape for d in ctx.inputs if d is not None]
    known = [s for s in shapes if s is not None]
    dtype = next(d.dtype for d in ctx.inputs if d is not None)
    if not known:
        return [desc(dtype, None)]
    rank = len(known[0])
    if any(len(s) != rank for s in known):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"inputs of ranks {sorted({len(s) for s in known})} cannot be "
                         "concatenated; they must all have one rank", node=ctx.op.name)
    axis = _axis(ctx.attrs["concat_dim"], rank, ctx.op.name)
    out = []
    for i in range(rank):
        dims = [s[i] for s in known]
        if i == axis:
            complete = len(known) == len(shapes) and UNKNOWN not in dims
            out.append(sum(dims) if complete else UNKNOWN)
        else:
            out.append(next((d for d in dims if d >= 0), UNKNOWN))
    return [desc(dtype, tuple(out))]


@register("ConcatD", attrs={"concat_dim": Attr("int")}, infer=_concat_infer, category="tensor", traits={"movement"})
def concat(inputs, attrs):
    """Joins the inputs along concat_dim."""
    arrays = [np.asarray(x) for x in inputs if x is not None]
    return np.concatenate(arrays, axis=attrs["concat_dim"])


def split_sizes(dim: int, split, n: int) -> list:
    """Sizes of Split's outputs: given ones, else n chunks of ceil(dim / n) with a smaller last one."""
    if split:
        if dim >= 0 and sum(split) != dim:
            raise GraphError(INVALID_ARGUMENT_VALUE,
                             f"split sizes {list(split)} do not add up to the axis length {dim}")
        return list(split)
    if n <= 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, "Split needs either split sizes or num_split")
    if dim < 0:
        return [UNKNOWN] * n
    chunk = -(-dim // n)
    sizes = [chunk] * (n - 1) + [dim - chunk * (n - 1)]
    if sizes[-1] < 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"cannot split an axis of length {dim} into {n} outputs")
    return sizes


def _split_infer(ctx: InferContext):
    n = ctx.attrs["num_split"] or len(ctx.attrs["split"]) or len(ctx.op.outputs)
    s = ctx.shape(0)
    if s is None:
        return [desc(ctx.dtype(0), None)] * n
    axis = _axis(ctx.attrs["axis"], len(s), ctx.op.name)
    if ctx.has(1) and ctx.value(1) is None:
        sizes = [UNKNOWN] * n
    else:
        sizes = split_sizes(s[axis], _ints(ctx.value(1)) if ctx.has(1) else ctx.attrs["split"], n)
    return [desc(ctx.dtype(0), s[:axis] + (size,) + s[axis + 1:]) for size in sizes]


@register("Split", attrs={"axis": Attr("int", 0), "split": Attr("ints", []), "num_split": Attr("int", 0)},
          infer=_split_infer, category="tensor", traits={"movement"})
def split(inputs, attrs):
    """Splits x along axis into pieces of the sizes in split (or input 1), else num_split near-equal pieces."""
    x = np.asarray(inputs[0])
    given = _opt(inputs, 1)
    sizes = _ints(given) if given is not None else attrs["split"]
    axis = _axis(attrs["axis"], x.ndim)
    sizes = split_sizes(x.shape[axis], sizes, attrs["num_split"] or len(sizes))
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


# ---- slicing ------------------------------------------------------------------------------------

def clamp_slice(dim: int, start: int, end: int, step: int) -> tuple:
    """(start, end, step, count) for one axis of length dim, clamped as ONNX Slice 10+ does."""
    if step == 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, "Slice step must not be 0")
    start += dim if start < 0 else 0
    end += dim if end < 0 else 0
    hi = dim if step > 0 else dim - 1
    start = min(max(start, 0), hi)
    end = min(max(end, 0 if step > 0 else -1), hi)
    count = max(0, (end - start + step + (-1 if step > 0 else 1)) // step)
    return start, end, step, count


def _slice_specs(rank, starts, ends, axes, steps):
    starts, ends = _ints(starts), _ints(ends)
    axes = list(range(len(starts))) if axes is None else _ints(axes)
    steps = [1] * len(starts) if steps is None else _ints(steps)
    return [(_axis(a, rank), s, e, st) for a, s, e, st in zip(axes, starts, ends, steps)]


def _slice_infer(ctx: InferContext):
    s = ctx.shape(0)
    if s is None:
        return _unknown(ctx)
    starts, ends, axes, steps = (ctx.value(i) for i in range(1, 5))
    out = list(s)
    axes_unknown = ctx.has(3) and axes is None
    if axes_unknown or starts is None or ends is None or (ctx.has(4) and steps is None):
        if axes_unknown:
            touched = range(len(s))
        elif axes is not None:
            touched = _ints(axes)
        else:  # default axes: the first len(starts) dims
            touched = range(min(_vector_len(ctx, 1) or len(s), len(s)))
        for a in touched:
            out[_axis(a, len(s), ctx.op.name)] = UNKNOWN
        return [desc(ctx.dtype(0), tuple(out))]
    for a, start, end, step in _slice_specs(len(s), starts, ends, axes, steps):
        out[a] = UNKNOWN if s[a] < 0 else clamp_slice(s[a], start, end, step)[3]
    return [desc(ctx.dtype(0), tuple(out))]


@register("Slice", infer=_slice_infer, category="tensor", traits={"movement"})
def slice_(inputs, attrs):
    """ONNX Slice (x, starts, ends, axes?, steps?): clamped ranges, negative indices and steps."""
    x = np.asarray(inputs[0])
    index = [slice(None)] * x.ndim
    for a, start, end, step in _slice_specs(x.ndim, inputs[1], inputs[2], _opt(inputs, 3), _opt(inputs, 4)):
        start, end, step, _ = clamp_slice(x.shape[a], start, end, step)
        index[a] = slice(start, end if end >= 0 else None, step)
    return x[tuple(index)]


# ---- gather / scatter ---------------------------------------------------------------------------

def _gather_infer(ctx: InferContext):
    s, idx = ctx.shape(0), ctx.shape(1)
    if s is None or idx is None:
        return _unknown(ctx)
    a = _axis(ctx.attrs["axis"], len(s), ctx.op.name)
    return [desc(ctx.dtype(0), s[:a] + tuple(idx) + s[a + 1:])]


@register("GatherV2", attrs={"axis": Attr("int", 0)}, infer=_gather_infer, category="tensor", traits={"movement"})
def gather(inputs, attrs):
    """ONNX Gather: takes entries of x along axis (negative indices count from the end)."""
    x = np.asarray(inputs[0])
    axis = _axis(attrs["axis"], x.ndim)
    return np.take(x, _fixed_index(inputs[1], x.shape[axis]), axis=axis)


@register("GatherElements", attrs={"axis": Attr("int", 0)}, category="tensor", traits={"movement"},
          infer=lambda ctx: [desc(ctx.dtype(0), ctx.shape(1))])
def gather_elements(inputs, attrs):
    """ONNX GatherElements: out[i][j][k] = x[index[i][j][k]][j][k] for axis 0, and so on."""
    x = np.asarray(inputs[0])
    axis = _axis(attrs["axis"], x.ndim)
    return np.take_along_axis(x, _fixed_index(inputs[1], x.shape[axis]), axis=axis)


def _gather_nd_infer(ctx: InferContext):
    s, idx = ctx.shape(0), ctx.shape(1)
    if s is None or idx is None or idx[-1] < 0:
        return _unknown(ctx)
    b = ctx.attrs["batch_dims"]
    return [desc(ctx.dtype(0), tuple(idx[:-1]) + tuple(s[b + idx[-1]:]))]


@register("GatherND", attrs={"batch_dims": Attr("int", 0)}, infer=_gather_nd_infer, category="tensor",
          traits={"movement"})
def gather_nd(inputs, attrs):
    """ONNX GatherND: index tuples in the last dim of indices pick slices of x after batch_dims dims."""
    x, indices, b = np.asarray(inputs[0]), np.asarray(inputs[1]), attrs["batch_dims"]
    k = indices.shape[-1]
    nbatch = _prod(x.shape[:b])
    xb = x.reshape((nbatch,) + x.shape[b:])
    ib = _fixed_index(indices.reshape((nbatch,) + indices.shape[b:]), np.array(xb.shape[1:1 + k]))
    batch = np.arange(nbatch).reshape((nbatch,) + (1,) * (ib.ndim - 2))
    picked = xb[(batch,) + tuple(ib[..., j] for j in range(k))]
    return picked.reshape(indices.shape[:-1] + x.shape[b + k:])


_SCATTER_UFUNCS = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


def _scatter(out, index: tuple, updates, reduction: str):
    """out[index] = updates, or reduced into out with add/mul/max/min (repeated indices accumulate)."""
    if reduction == "none":
        out[index] = updates
        return out
    if reduction not in _SCATTER_UFUNCS:
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"scatter reduction '{reduction}' is not one of none, add, mul, max, min")
    _SCATTER_UFUNCS[reduction].at(out, index, updates)
    return out


@register("ScatterND", attrs={"reduction": Attr("str", "none")}, infer=same_as_input(0), category="tensor")
def scatter_nd(inputs, attrs):
    """ONNX ScatterND: a copy of data with the slices named by indices replaced (or reduced) by updates."""
    data, indices, updates = (np.asarray(v) for v in inputs[:3])
    k = indices.shape[-1]
    flat = _fixed_index(indices.reshape(-1, k), np.array(data.shape[:k]))
    upd = updates.reshape((flat.shape[0],) + data.shape[k:])
    return _scatter(np.array(data, copy=True), tuple(flat.T), upd, attrs["reduction"])


@register("ScatterElements", attrs={"axis": Attr("int", 0), "reduction": Attr("str", "none")},
          infer=same_as_input(0), category="tensor")
def scatter_elements(inputs, attrs):
    """ONNX ScatterElements (and old Scatter): out[index[i][j]][j] = updates[i][j] for axis 0, etc."""
    data, indices, updates = (np.asarray(v) for v in inputs[:3])
    axis = _axis(attrs["axis"], data.ndim)
    coords = list(np.indices(indices.shape, sparse=True))
    coords[axis] = _fixed_index(indices, data.shape[axis])
    out = np.array(data, copy=True)
    return _scatter(out, tuple(coords), updates, attrs["reduction"])


# ---- generators ---------------------------------------------------------------------------------

def _fill_infer(ctx: InferContext):
    from ..ir import from_numpy
    dtype = from_numpy(np.asarray(ctx.attrs["value"]).dtype)
    v = ctx.value(0)
    if v is not None:
        return [desc(dtype, _ints(v))]
    n = _vector_len(ctx, 0)
    return [desc(dtype, None if n is None else (UNKNOWN,) * n)]


@register("Fill", attrs={"value": Attr("tensor", np.zeros(1, np.float32))}, infer=_fill_infer, category="tensor")
def fill(inputs, attrs):
    """ONNX ConstantOfShape: a tensor of the given int64 shape filled with the one-element value."""
    value = np.asarray(attrs["value"])
    return np.full(tuple(_ints(inputs[0])), value.reshape(-1)[0], dtype=value.dtype)


def _range_count(start, limit, delta) -> int:
    return max(int(np.ceil((float(limit) - float(start)) / float(delta))), 0)


def _range_infer(ctx: InferContext):
    vals = [ctx.value(i) for i in range(3)]
    n = UNKNOWN if any(v is None for v in vals) else _range_count(*(_scalar(v) for v in vals))
    return [desc(ctx.dtype(0), (n,))]


@register("Range", infer=_range_infer, category="tensor", traits={"no_fp16"})
def range_(inputs, attrs):
    """ONNX Range(start, limit, delta): start + i * delta for i < ceil((limit - start) / delta)."""
    start, limit, delta = (_scalar(v) for v in inputs[:3])
    dtype = np.asarray(inputs[0]).dtype
    n = _range_count(start, limit, delta)
    return (start + np.arange(n, dtype=np.float64 if dtype.kind == "f" else np.int64) * delta).astype(dtype)


def _expand_infer(ctx: InferContext):
    s, target = ctx.shape(0), ctx.value(1)
    if target is None:
        n = _vector_len(ctx, 1)
        return _unknown(ctx, 0, None if n is None or s is None else max(n, len(s)))
    target = tuple(_ints(target))
    return [desc(ctx.dtype(0), None if s is None else broadcast_shapes(s, target))]


@register("BroadcastTo", infer=_expand_infer, category="tensor", traits={"movement"})
def broadcast_to(inputs, attrs):
    """ONNX Expand: x broadcast with the shape input (bidirectionally: size-1 target dims keep x's)."""
    x, target = np.asarray(inputs[0]), tuple(_ints(inputs[1]))
    if any(d < 0 for d in target):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"the target shape {list(target)} has a negative dim")
    return np.array(np.broadcast_to(x, broadcast_shapes(x.shape, target)))


def _tile_infer(ctx: InferContext):
    s, reps = ctx.shape(0), ctx.value(1)
    if s is None:
        return _unknown(ctx, 0, _vector_len(ctx, 1))
    if reps is None:
        return _unknown(ctx, 0, len(s))
    return [desc(ctx.dtype(0), tuple(0 if r == 0 else (UNKNOWN if d < 0 else d * r)
                                     for d, r in zip(s, _ints(reps))))]


@register("Tile", infer=_tile_infer, category="tensor", traits={"movement"})
def tile(inputs, attrs):
    """Repeats x multiples[i] times along each dim i."""
    return np.tile(np.asarray(inputs[0]), _ints(inputs[1]))


def _one_hot_infer(ctx: InferContext):
    s, depth = ctx.shape(0), ctx.value(1)
    if s is None:
        return [desc(ctx.dtype(2), None)]
    axis = _axis(ctx.attrs["axis"], len(s) + 1, ctx.op.name)
    d = UNKNOWN if depth is None else int(_scalar(depth))
    return [desc(ctx.dtype(2), s[:axis] + (d,) + s[axis:])]


@register("OneHot", attrs={"axis": Attr("int", -1)}, infer=_one_hot_infer, category="tensor")
def one_hot(inputs, attrs):
    """ONNX OneHot(indices, depth, values=[off, on]): a new depth-long axis at axis."""
    depth = int(_scalar(inputs[1]))
    values = np.asarray(inputs[2]).reshape(-1)
    idx = _fixed_index(inputs[0], depth, bounded=False)   # out of range: an all-off row
    hot = idx[..., None] == np.arange(depth)
    hot = np.moveaxis(hot, -1, _axis(attrs["axis"], idx.ndim + 1))
    return np.where(hot, values[1], values[0]).astype(values.dtype)


def _non_zero_infer(ctx: InferContext):
    if ctx.value(0) is not None:
        return [desc(INT64, non_zero([ctx.value(0)], ctx.attrs).shape)]
    return [desc(INT64, (UNKNOWN if ctx.shape(0) is None else max(len(ctx.shape(0)), 1), UNKNOWN))]


@register("NonZero", infer=_non_zero_infer, category="tensor", traits={"no_fp16"})
def non_zero(inputs, attrs):
    """Coordinates of the non-zero entries, int64 [rank, count]."""
    x = np.asarray(inputs[0])
    if x.ndim == 0:  # numpy refuses nonzero() on scalars; onnxruntime treats them as 1-element vectors
        return np.zeros((1, int(bool(x))), np.int64)
    return np.array(np.nonzero(x), dtype=np.int64).reshape(x.ndim, -1)


@register("Trilu", attrs={"upper": Attr("int", 1)}, infer=same_as_input(0), category="tensor")
def trilu(inputs, attrs):
    """Upper (or lower) triangle of the last two dims from diagonal k (input 1, default 0)."""
    k = _opt(inputs, 1)
    k = 0 if k is None else int(_scalar(k))
    x = np.asarray(inputs[0])
    return (np.triu if attrs["upper"] else np.tril)(x, k)


def _eye_dtype(attrs, x_dtype):
    return to_numpy(attrs["dtype"]) if attrs["dtype"] else x_dtype


@register("EyeLike", attrs={"k": Attr("int", 0), "dtype": Attr("dtype", 0)}, category="tensor",
          infer=lambda ctx: [desc(ctx.attrs["dtype"] or ctx.dtype(0), ctx.shape(0))])
def eye_like(inputs, attrs):
    """A 2-D identity-like matrix shaped like x, ones on diagonal k; dtype attr (0 = x's dtype)."""
    x = np.asarray(inputs[0])
    return np.eye(x.shape[0], x.shape[1], attrs["k"], dtype=_eye_dtype(attrs, x.dtype))


# ---- einsum / compress / reverse sequence -------------------------------------------------------

def einsum_shape(equation: str, shapes: list):
    """Output shape of an einsum equation for input shapes with possible -1 dims (None if unknowable)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if any(s is None for s in shapes) or len(terms) != len(shapes):
        return None
    dims, ell, counts = {}, None, {}
    for term, s in zip(terms, shapes):
        pre, has_ell, post = term.partition("...")
        n_ell = len(s) - len(pre) - len(post)
        if has_ell:
            part = tuple(s[len(pre):len(pre) + n_ell])
            ell = part if ell is None else broadcast_shapes(ell, part)
        for c, d in zip(pre + post, tuple(s[:len(pre)]) + tuple(s[len(s) - len(post):])):
            counts[c] = counts.get(c, 0) + 1
            if dims.get(c, UNKNOWN) in (UNKNOWN, 1):
                dims[c] = d
    if not arrow:
        rhs = ("..." if ell is not None else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    pre, has_ell, post = rhs.partition("...")
    return tuple(dims[c] for c in pre) + (tuple(ell or ()) if has_ell else ()) + tuple(dims[c] for c in post)


@register("Einsum", attrs={"equation": Attr("str")}, category="tensor", traits={"cube"},
          infer=lambda ctx: [desc(ctx.dtype(0), einsum_shape(ctx.attrs["equation"],
                                                              [d.shape for d in ctx.inputs]))])
def einsum(inputs, attrs):
    """numpy.einsum with the equation attr."""
    arrays = [np.asarray(x) for x in inputs]
    return np.asarray(np.einsum(attrs["equation"], *arrays)).astype(arrays[0].dtype, copy=False)


def _compress_infer(ctx: InferContext):
    s, cond, axis = ctx.shape(0), ctx.value(1), ctx.attrs["axis"]
    if s is None:
        return _unknown(ctx)
    if axis is None:
        full = _prod(s)
        n = UNKNOWN if cond is None or full < 0 else int(np.count_nonzero(np.asarray(cond).reshape(-1)[:full]))
        return [desc(ctx.dtype(0), (n,))]
    a = _axis(axis, len(s), ctx.op.name)
    n = UNKNOWN if cond is None or s[a] < 0 else int(np.count_nonzero(np.asarray(cond).reshape(-1)[:s[a]]))
    return [desc(ctx.dtype(0), s[:a] + (n,) + s[a + 1:])]


@register("Compress", attrs={"axis": Attr("int", None)}, infer=_compress_infer, category="tensor")
def compress(inputs, attrs):
    """Keeps the slices along axis (flattened x when axis is None) where condition is true."""
    return np.compress(np.asarray(inputs[1]).astype(bool), np.asarray(inputs[0]), axis=attrs["axis"])


@register("ReverseSequence", attrs={"batch_axis": Attr("int", 1), "time_axis": Attr("int", 0)},
          infer=same_as_input(0), category="tensor")
def reverse_sequence(inputs, attrs):
    """Reverses the first sequence_lens[b] steps along time_axis for each batch entry b."""
    x = np.asarray(inputs[0])
    b_axis, t_axis = _axis(attrs["batch_axis"], x.ndim), _axis(attrs["time_axis"], x.ndim)
    out = np.array(x, copy=True)
    for b, n in enumerate(_ints(inputs[1])):
        src = [slice(None)] * x.ndim
        src[b_axis], src[t_axis] = b, slice(0, n)
        dst = list(src)
        dst[t_axis] = slice(n - 1, None, -1) if n > 0 else slice(0, 0)
        out[tuple(dst)] = x[tuple(src)]
    return out
