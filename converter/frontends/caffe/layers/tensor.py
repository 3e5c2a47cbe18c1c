"""Caffe layers that move data: Concat, Slice, Split, Flatten, Reshape, Permute, Eltwise, Crop, ArgMax,
Tile, Interp, Upsample."""
from __future__ import annotations

import numpy as np

from ....ir import DataType
from ....proto import caffe_pb2
from ..registry import LayerContext, caffe_layer


@caffe_layer("Split")
def split(ctx: LayerContext):
    """Caffe Split hands the same blob to several layers: every top is the bottom."""
    return [ctx.inputs[0]] * len(ctx.layer.top)


@caffe_layer("Concat")
def concat(ctx: LayerContext):
    p = ctx.layer.concat_param
    axis = p.concat_dim if p.HasField("concat_dim") and not p.HasField("axis") else p.axis
    if len(ctx.inputs) == 1:
        return [ctx.inputs[0]]
    return ctx.op("ConcatD", ctx.inputs, {"concat_dim": ctx.axis(axis)})


@caffe_layer("Slice")
def slice_(ctx: LayerContext):
    p = ctx.layer.slice_param
    axis = ctx.axis(p.slice_dim if p.HasField("slice_dim") and not p.HasField("axis") else p.axis)
    dim = ctx.require_shape()[axis]
    n = len(ctx.layer.top)
    if p.slice_point:
        points = [0] + [int(v) for v in p.slice_point] + [dim]
        if len(points) - 1 != n or any(b <= a for a, b in zip(points, points[1:])):
            raise ctx.fail(f"slice_point {list(p.slice_point)} does not cut axis {axis} (size {dim}) "
                           f"into {n} non-empty parts")
        sizes = [b - a for a, b in zip(points, points[1:])]
    else:
        if dim % n:
            raise ctx.fail(f"axis {axis} (size {dim}) cannot be split evenly into {n} tops")
        sizes = [dim // n] * n
    if n == 1:
        return [ctx.inputs[0]]
    return ctx.op("Split", ctx.inputs[:1], {"axis": axis, "split": sizes, "num_split": n}, n_out=n)


def _reshape(ctx: LayerContext, target: list):
    return ctx.op("Reshape", [ctx.inputs[0], ctx.const(np.array(target, np.int64), "_shape")])


@caffe_layer("Flatten")
def flatten(ctx: LayerContext):
    p = ctx.layer.flatten_param
    shape = ctx.require_shape()
    start, end = ctx.axis(p.axis), ctx.axis(p.end_axis)
    merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
    # leading dims copied (0) so a later batch change still works; the merged axis is computed
    target = [0] * start + [merged] + list(shape[end + 1:])
    if end + 1 == len(shape):
        target[start] = -1
    return _reshape(ctx, target)


def caffe_reshape_target(in_shape: tuple, dims: list, axis: int, num_axes: int) -> list:
    """Caffe Reshape: dims replace in_shape[axis : axis+num_axes]; 0 copies, -1 infers. Returned as an
    ONNX-style target (0 = copy the same index) wherever the index is unchanged."""
    rank = len(in_shape)
    start = axis + rank + 1 if axis < 0 else axis
    end = rank if num_axes == -1 else start + num_axes
    # the replaced span starts at the same index in input and output, so Caffe's 0 is ONNX's 0 there
    target = [0] * start + [int(d) for d in dims]
    tail = list(in_shape[end:])
    if len(dims) == end - start:
        target += [0] * len(tail)
    else:
        target += [int(d) for d in tail]
    return target


@caffe_layer("Reshape")
def reshape(ctx: LayerContext):
    p = ctx.layer.reshape_param
    target = caffe_reshape_target(ctx.require_shape(), [int(d) for d in p.shape.dim], p.axis, p.num_axes)
    return _reshape(ctx, target)


@caffe_layer("Permute")
def permute(ctx: LayerContext):
    rank = ctx.require_rank()
    order = [ctx.axis(int(a)) for a in ctx.layer.permute_param.order]
    order += [a for a in range(rank) if a not in order]
    if order == list(range(rank)):
        return [ctx.inputs[0]]
    return ctx.op("Transpose", ctx.inputs[:1], {"perm": order})


@caffe_layer("Eltwise")
def eltwise(ctx: LayerContext):
    p = ctx.layer.eltwise_param
    E = caffe_pb2.EltwiseParameter
    xs = list(ctx.inputs)
    if p.operation == E.SUM and p.coeff:
        if len(p.coeff) != len(xs):
            raise ctx.fail(f"{len(p.coeff)} coeff values for {len(xs)} bottoms")
        xs = [x if c == 1.0 else ctx.op1("Mul", [x, ctx.const(np.array(c, np.float32), f"_coeff{i}")],
                                         suffix=f"_scale{i}")
              for i, (x, c) in enumerate(zip(xs, p.coeff))]
    if len(xs) == 1:
        return [xs[0]]
    if p.operation == E.SUM and len(xs) > 2:
        return ctx.op("AddN", xs)
    binary = {E.SUM: "Add", E.PROD: "Mul", E.MAX: "Maximum"}[p.operation]
    acc = xs[0]
    for i, x in enumerate(xs[1:-1], start=1):
        acc = ctx.op1(binary, [acc, x], suffix=f"_{i}")
    return ctx.op(binary, [acc, xs[-1]])


@caffe_layer("Crop", inputs=2)
def crop(ctx: LayerContext):
    p = ctx.layer.crop_param
    return ctx.op("Crop", ctx.inputs[:2], {"axis": ctx.axis(p.axis), "offsets": [int(o) for o in p.offset]})


@caffe_layer("ArgMax")
def arg_max(ctx: LayerContext):
    """Caffe ArgMax: indices (as float) of the top_k values; without axis over each image's flattened data,
    with out_max_val giving (index, value) pairs [N, 2, k] (with an axis: the values only)."""
    p = ctx.layer.argmax_param
    k = int(p.top_k)
    x = ctx.inputs[0]
    flat = not p.HasField("axis")
    if flat:
        x = ctx.op1("Reshape", [x, ctx.const(np.array([0, -1], np.int64), "_shape")], suffix="_flatten")
        axis = 1
    else:
        axis = ctx.axis(p.axis)
    values, indices = ctx.op("TopK", [x], {"k": k, "axis": axis, "largest": True, "sorted": True},
                             n_out=2, suffix="_topk", final=False)
    if not flat:
        if p.out_max_val:
            return ctx.op("Identity", [values])
        return ctx.op("Cast", [indices], {"dst_type": int(DataType.DT_FLOAT)})
    n_shape = ctx.const(np.array([0, 1, k], np.int64), "_pair_shape")
    idx = ctx.op1("Cast", [indices], {"dst_type": int(DataType.DT_FLOAT)}, suffix="_cast")
    if not p.out_max_val:
        return ctx.op("Reshape", [idx, n_shape])
    idx = ctx.op1("Reshape", [idx, n_shape], suffix="_index")
    val = ctx.op1("Reshape", [values, n_shape], suffix="_value")
    return ctx.op("ConcatD", [idx, val], {"concat_dim": 1})


@caffe_layer("Tile")
def tile(ctx: LayerContext):
    p = ctx.layer.tile_param
    multiples = [1] * ctx.require_rank()
    multiples[ctx.axis(p.axis)] = int(p.tiles)
    return ctx.op("Tile", [ctx.inputs[0], ctx.const(np.array(multiples, np.int64), "_multiples")])


def interp_size(in_h: int, in_w: int, p) -> tuple:
    """Output size of the DeepLab/PSPNet Interp layer (explicit size, zoom, shrink, or both)."""
    h = in_h + p.pad_beg + p.pad_end
    w = in_w + p.pad_beg + p.pad_end
    if p.HasField("shrink_factor") and not p.HasField("zoom_factor"):
        return (h - 1) // p.shrink_factor + 1, (w - 1) // p.shrink_factor + 1
    if p.HasField("zoom_factor") and not p.HasField("shrink_factor"):
        return h + (h - 1) * (p.zoom_factor - 1), w + (w - 1) * (p.zoom_factor - 1)
    if p.HasField("zoom_factor") and p.HasField("shrink_factor"):
        h, w = (h - 1) // p.shrink_factor + 1, (w - 1) // p.shrink_factor + 1
        return h + (h - 1) * (p.zoom_factor - 1), w + (w - 1) * (p.zoom_factor - 1)
    return p.height, p.width


@caffe_layer("Interp")
def interp(ctx: LayerContext):
    p = ctx.layer.interp_param
    shape = ctx.require_shape(rank=4)
    if len(ctx.inputs) > 1:   # resize to the second bottom's spatial size
        h, w = ctx.require_shape(1, rank=4)[2:4]
    else:
        for factor in ("shrink_factor", "zoom_factor"):
            if p.HasField(factor) and getattr(p, factor) < 1:
                raise ctx.fail(f"{factor} {getattr(p, factor)} must be at least 1")
        h, w = interp_size(shape[2], shape[3], p)
    if h <= 0 or w <= 0:
        raise ctx.fail("interp_param gives no output size (set height/width or zoom/shrink factor)")
    return ctx.op("Interp", ctx.inputs[:1], {"height": int(h), "width": int(w), "pad_beg": int(p.pad_beg),
                                              "pad_end": int(p.pad_end)})


@caffe_layer("Upsample")
def upsample(ctx: LayerContext):
    scale = int(ctx.layer.upsample_param.scale)
    return ctx.op("Upsample", ctx.inputs[:1], {"stride_h": scale, "stride_w": scale, "scale": 1.0})
