"""ONNX random ops: RandomUniform(Like), RandomNormal(Like) and Bernoulli, built on the canonical
RandomUniform / RandomStandardNormal (never folded), scaled and shifted by Mul/Add, Bernoulli as u < p.

The numbers come from TensorFlow's Philox stream (ops/random.py), not onnxruntime's generator: a seeded model
gives the same numbers on every run here, but not onnxruntime's numbers. An ONNX ``seed`` (a float) keys the
stream with its 32 bits and a second seed of ONNX's own; without one, each run draws fresh numbers (unless
the session fixes them: ``omtool run --random-seed N``). Draws are float32, cast to the requested dtype.
"""
from __future__ import annotations

import numpy as np

from ....ir import DataType, from_numpy, to_numpy
from ..registry import NodeContext, onnx_op
from .elementwise import known_dtype, onnx_type_to_datatype

ONNX_SEED2 = 0x4F4E4E58   # "ONNX": the second Philox seed of ONNX-seeded ops (never TensorFlow's fresh 0, 0)
FLOATS = (DataType.DT_FLOAT, DataType.DT_FLOAT16, DataType.DT_DOUBLE)


def _seeds(ctx: NodeContext) -> dict:
    seed = ctx.attr("seed")
    if seed is None:
        return {"seed": 0, "seed2": 0}
    return {"seed": int(np.asarray(seed, np.float32).view(np.uint32)), "seed2": ONNX_SEED2}


def _dtype(ctx: NodeContext, default=None):
    """The output DataType the node asks for (None: the input's, for the Like ops and Bernoulli)."""
    value = ctx.attr("dtype")
    if value is None:
        return default
    dtype = onnx_type_to_datatype(int(value))
    if dtype not in FLOATS and ctx.op_type != "Bernoulli":
        raise ctx.fail(f"dtype {to_numpy(dtype)} is not a float type")
    return dtype


def _like(ctx: NodeContext, ref, dtype, suffix: str, last: bool):
    """``ref`` in ``dtype``, or in input 0's dtype when dtype is None."""
    kw = {} if last else {"n_out": 1, "suffix": suffix}
    if dtype is None:
        known = known_dtype(ctx, 0)
        if known is None:
            return ctx.op("CastLike", [ref, ctx.input(0)], **kw)[0]
        dtype = from_numpy(known)
    return ctx.op("Cast", [ref], {"dst_type": int(dtype)}, **kw)[0]


def _draw(ctx: NodeContext, kind: str, affine: tuple, dtype) -> list:
    """kind (RandomUniform / RandomStandardNormal) of the shape attr (or input 0's shape for the Like ops),
    then x * scale + shift when they are not 1 and 0, then the dtype."""
    if ctx.op_type.endswith("Like"):
        shape = ctx.op("Shape", [ctx.input(0)], n_out=1, suffix="_shape")[0]
    else:
        shape = ctx.const(np.asarray([int(d) for d in ctx.require_attr("shape")], np.int64), "_shape")
    y = ctx.op(kind, [shape], {"dtype": int(DataType.DT_FLOAT), **_seeds(ctx)}, n_out=1, suffix="_draw")[0]
    scale, shift = affine
    if scale != 1.0:
        y = ctx.op("Mul", [y, ctx.const(np.float32(scale), "_scale")], n_out=1, suffix="_scaled")[0]
    if shift != 0.0:
        y = ctx.op("Add", [y, ctx.const(np.float32(shift), "_shift")], n_out=1, suffix="_shifted")[0]
    return [_like(ctx, y, dtype, "", last=True)]


@onnx_op("RandomUniform", "RandomUniformLike")
def random_uniform(ctx: NodeContext):
    low, high = float(ctx.attr("low")), float(ctx.attr("high"))
    default = DataType.DT_FLOAT if not ctx.op_type.endswith("Like") else None
    return _draw(ctx, "RandomUniform", (high - low, low), _dtype(ctx, default))


@onnx_op("RandomNormal", "RandomNormalLike")
def random_normal(ctx: NodeContext):
    default = DataType.DT_FLOAT if not ctx.op_type.endswith("Like") else None
    return _draw(ctx, "RandomStandardNormal", (float(ctx.attr("scale")), float(ctx.attr("mean"))),
                 _dtype(ctx, default))


@onnx_op("Bernoulli", since=15)
def bernoulli(ctx: NodeContext):
    """1 where a uniform draw in [0, 1) is below the probability (input 0), else 0, in dtype (default the
    input's)."""
    shape = ctx.op("Shape", [ctx.input(0)], n_out=1, suffix="_shape")[0]
    u = ctx.op("RandomUniform", [shape], {"dtype": int(DataType.DT_FLOAT), **_seeds(ctx)}, n_out=1,
               suffix="_draw")[0]
    hit = ctx.op("Less", [u, ctx.input(0)], n_out=1, suffix="_hit")[0]
    return [_like(ctx, hit, _dtype(ctx), "", last=True)]
