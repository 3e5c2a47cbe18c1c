"""TF random ops: the stateful ones keep their seeds and dtype (the canonical ops draw TensorFlow's own Philox
numbers, so fixed seeds give TensorFlow's values); the stateless V1 ops become the scramble of their seed
(StatelessRandomGetKeyCounter) followed by the V2 op, which is what TF computes."""
from __future__ import annotations

import numpy as np

from ....ir import DataType
from ..registry import NodeContext, tf_op
from ._util import dtype_attr

FLOAT_TYPES = (DataType.DT_FLOAT, DataType.DT_FLOAT16, DataType.DT_DOUBLE)
INT_TYPES = (DataType.DT_INT32, DataType.DT_INT64)
PHILOX = 1   # RNG_ALG_PHILOX: what the V1 stateless ops use


def _seeds(ctx: NodeContext) -> dict:
    return {"seed": int(ctx.attr("seed", 0)), "seed2": int(ctx.attr("seed2", 0))}


def _value_type(ctx: NodeContext, key: str, allowed) -> DataType:
    dtype = dtype_attr(ctx, key, DataType.DT_FLOAT)
    if dtype not in allowed:
        names = ", ".join(t.name for t in allowed)
        raise ctx.fail(f"{ctx.op_type} of type {dtype.name} is not supported ({names})")
    return dtype


@tf_op("RandomStandardNormal", "RandomUniform", "TruncatedNormal", inputs=1)
def random_op(ctx: NodeContext):
    """(shape) -> samples; seed/seed2 as in the NodeDef (both 0: fresh numbers on every run)."""
    attrs = {**_seeds(ctx), "dtype": int(_value_type(ctx, "dtype", FLOAT_TYPES))}
    return ctx.op(ctx.op_type, ctx.inputs[:1], attrs)


@tf_op("RandomUniformInt", inputs=3)
def random_uniform_int(ctx: NodeContext):
    """(shape, minval, maxval) -> integers of minval's type (Tout) in [minval, maxval)."""
    _value_type(ctx, "Tout", INT_TYPES)
    return ctx.op("RandomUniformInt", ctx.inputs[:3], _seeds(ctx))


@tf_op("Multinomial", inputs=2)
def multinomial(ctx: NodeContext):
    """(logits, num_samples) -> class indices (output_dtype, int64 by default)."""
    attrs = {**_seeds(ctx), "output_dtype": int(_value_type(ctx, "output_dtype", INT_TYPES))}
    return ctx.op("Multinomial", ctx.inputs[:2], attrs)


@tf_op("RandomShuffle", inputs=1)
def random_shuffle(ctx: NodeContext):
    return ctx.op("RandomShuffle", ctx.inputs[:1], _seeds(ctx))


@tf_op("StatelessRandomGetKeyCounter", inputs=1)
def get_key_counter(ctx: NodeContext):
    return ctx.op("StatelessRandomGetKeyCounter", ctx.inputs[:1], n_out=2)


@tf_op("StatelessRandomGetKeyCounterAlg", inputs=1)
def get_key_counter_alg(ctx: NodeContext):
    key, counter = ctx.op("StatelessRandomGetKeyCounter", ctx.inputs[:1], n_out=2)
    return [key, counter, ctx.const(np.array(PHILOX, np.int32), "alg")]


@tf_op("StatelessRandomGetAlg")
def get_alg(ctx: NodeContext):
    """The algorithm TF picks on a CPU: Philox."""
    return [ctx.const(np.array(PHILOX, np.int32), "alg")]


STATELESS_V1 = {"StatelessRandomUniform": "StatelessRandomUniformV2", "StatelessRandomNormal": "StatelessRandomNormalV2",
                "StatelessTruncatedNormal": "StatelessTruncatedNormalV2"}


def _key_counter_alg(ctx: NodeContext) -> list:
    """A V1 op's seed (input 1) as the V2 ops' key, counter and algorithm inputs."""
    key, counter = ctx.op("StatelessRandomGetKeyCounter", [ctx.input(1)], n_out=2, suffix="key_counter")
    return [key, counter, ctx.const(np.array(PHILOX, np.int32), "alg")]


@tf_op(*STATELESS_V1, inputs=2)
def stateless_v1(ctx: NodeContext):
    """(shape, seed) -> samples: the seed scrambled into key and counter, then the V2 op."""
    dtype = int(_value_type(ctx, "dtype", FLOAT_TYPES))
    return ctx.op(STATELESS_V1[ctx.op_type], [ctx.input(0)] + _key_counter_alg(ctx), {"dtype": dtype})


@tf_op(*STATELESS_V1.values(), inputs=4)
def stateless_v2(ctx: NodeContext):
    """(shape, key, counter, alg) -> samples."""
    dtype = int(_value_type(ctx, "dtype", FLOAT_TYPES))
    return ctx.op(ctx.op_type, ctx.inputs[:4], {"dtype": dtype})


@tf_op("StatelessRandomUniformInt", inputs=4)
def stateless_uniform_int_v1(ctx: NodeContext):
    """(shape, seed, minval, maxval) -> integers in [minval, maxval)."""
    _value_type(ctx, "dtype", INT_TYPES)
    inputs = [ctx.input(0)] + _key_counter_alg(ctx) + [ctx.input(2), ctx.input(3)]
    return ctx.op("StatelessRandomUniformIntV2", inputs)


@tf_op("StatelessRandomUniformIntV2", inputs=6)
def stateless_uniform_int_v2(ctx: NodeContext):
    _value_type(ctx, "dtype", INT_TYPES)
    return ctx.op("StatelessRandomUniformIntV2", ctx.inputs[:6])


@tf_op("StatelessMultinomial", inputs=3)
def stateless_multinomial(ctx: NodeContext):
    """(logits, num_samples, seed) -> class indices."""
    attrs = {"output_dtype": int(_value_type(ctx, "output_dtype", INT_TYPES))}
    return ctx.op("StatelessMultinomial", ctx.inputs[:3], attrs)
