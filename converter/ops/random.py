"""Random ops with TensorFlow's own numbers (the generator and sample recipes are in ``philox.py``).

Stateful ops (RandomUniform, RandomStandardNormal, TruncatedNormal, RandomUniformInt, Multinomial,
RandomShuffle) keep TF's ``seed``/``seed2``: with fixed seeds a run draws what a fresh TensorFlow session draws
on its first run, and each execution of the op within a run (an op inside a loop) draws the next numbers, as
TF's kernel does. With ``seed == seed2 == 0`` TensorFlow draws fresh seeds; so do we on every run, unless the
session was given a random seed (``Session(..., random_seed=N)``, ``omtool run --random-seed N``), which gives
every such op a fixed seed pair of its own (``seeds_for_session``). The runtime hands each stateful op the
generator state of the current run under ``attrs[STREAM]``; a kernel called without one starts from the seeds.

Stateless ops (the V2 forms that tf.random.stateless_* emit, StatelessRandomGetKeyCounter that scrambles their
seed into key and counter, and StatelessMultinomial) are pure functions of their inputs. None of these ops is
constant-folded (never_fold) except the key/counter scramble: the model keeps drawing instead of carrying the
numbers as weights.
"""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType, to_numpy
from . import philox
from .registry import Attr, InferContext, desc, register

STREAM = "_philox_stream"          # attrs key of the run's PhiloxStream for a stateful op
PHILOX_ALGORITHMS = (1, 3)        # RNG_ALG_PHILOX, and AUTO_SELECT (Philox on CPU)
MAX_ELEMENTS = 2 ** 31


def op_seeds(attrs: dict) -> tuple:
    """The op's (seed, seed2); (0, 0) means new ones on every run, as in TensorFlow."""
    seed, seed2 = int(attrs.get("seed", 0)), int(attrs.get("seed2", 0))
    if seed or seed2:
        return seed, seed2
    rng = np.random.default_rng()
    return int(rng.integers(1, 2 ** 63)), int(rng.integers(1, 2 ** 63))


def seeds_for_session(random_seed: int, position: int) -> tuple:
    """Op seeds standing in for (0, 0) when a session runs with a fixed random seed: one pair per op."""
    return int(random_seed) & 0x7FFFFFFFFFFFFFFF, position + 1   # seed2 >= 1: never TF's "fresh" (0, 0)


def is_stateful(spec) -> bool:
    """A random op with a generator state (seed/seed2 attrs) that the runtime keeps for the run."""
    return spec.category == "random" and "seed" in spec.attrs and "seed2" in spec.attrs


def new_stream(attrs: dict) -> philox.PhiloxStream:
    return philox.PhiloxStream(*op_seeds(attrs))


def _stream(attrs: dict) -> philox.PhiloxStream:
    stream = attrs.get(STREAM)
    return stream if stream is not None else new_stream(attrs)


def _shape_of(value, name: str) -> tuple:
    shape = np.asarray(value).reshape(-1)
    if shape.size > 8 or np.any(shape < 0) or int(np.prod(shape, dtype=np.int64)) > MAX_ELEMENTS:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: shape {shape.tolist()} is not a valid output shape")
    return tuple(int(d) for d in shape)


def _count(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _shape_from_input(ctx: InferContext, i: int = 0):
    """The output shape a shape input gives: its value, or its length's worth of unknown dims."""
    value = ctx.value(i)
    if value is not None:
        return tuple(int(d) for d in np.asarray(value).reshape(-1))
    shape = ctx.shape(i)
    if shape is not None and len(shape) == 1 and shape[0] >= 0:
        return (-1,) * shape[0]
    return None


def _infer_by_dtype_attr(ctx: InferContext):
    return [desc(ctx.attrs["dtype"], _shape_from_input(ctx))]


def _infer_like_minval(minval_input: int):
    def infer(ctx: InferContext):
        return [desc(ctx.dtype(minval_input), _shape_from_input(ctx))]
    return infer


def _bounds(inputs, lo_index: int, name: str) -> tuple:
    low, high = (np.asarray(inputs[i]).reshape(-1) for i in (lo_index, lo_index + 1))
    if low.size != 1 or high.size != 1:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: minval and maxval must be scalars")
    low, high = int(low[0]), int(high[0])
    if low >= high:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: minval {low} must be less than maxval {high}")
    return low, high


def _float_dtype(attrs: dict, name: str) -> np.dtype:
    try:
        dtype = to_numpy(attrs["dtype"])
    except KeyError:
        dtype = None
    if dtype not in (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: random values of type {DataType(attrs['dtype']).name} are not "
                         "supported (float16, float32, float64)")
    return dtype


SEED_ATTRS = {"seed": Attr("int", 0, "TF op seed (0 with seed2 0: fresh numbers each run)"),
              "seed2": Attr("int", 0, "TF second seed")}
RANDOM_ATTRS = {**SEED_ATTRS, "dtype": Attr("dtype", int(DataType.DT_FLOAT))}
DRAWS = {"RandomUniform": philox.uniform, "RandomStandardNormal": philox.normal,
         "TruncatedNormal": philox.truncated_normal}


def _float_draw(op_type: str):
    def kernel(inputs, attrs):
        shape = _shape_of(inputs[0], op_type)
        dtype = _float_dtype(attrs, op_type)
        gen = _stream(attrs).reserve_outputs(_count(shape))
        return DRAWS[op_type](gen, _count(shape), dtype).reshape(shape)
    return kernel


register("RandomUniform", attrs=RANDOM_ATTRS, infer=_infer_by_dtype_attr, category="random", traits={"never_fold"},
         doc="RandomUniform: (shape) -> samples in [0, 1), TensorFlow's Philox numbers")(_float_draw("RandomUniform"))
register("RandomStandardNormal", attrs=RANDOM_ATTRS, infer=_infer_by_dtype_attr, category="random",
         traits={"never_fold"}, doc="RandomStandardNormal: (shape) -> normal samples, TensorFlow's Philox numbers"
         )(_float_draw("RandomStandardNormal"))
register("TruncatedNormal", attrs=RANDOM_ATTRS, infer=_infer_by_dtype_attr, category="random", traits={"never_fold"},
         doc="TruncatedNormal: (shape) -> normal samples with |x| < 2 (others redrawn), TensorFlow's numbers"
         )(_float_draw("TruncatedNormal"))


@register("RandomUniformInt", attrs=SEED_ATTRS, infer=_infer_like_minval(1), category="random",
          traits={"never_fold"})
def random_uniform_int(inputs, attrs):
    """RandomUniformInt: (shape, minval, maxval) -> integers in [minval, maxval), TensorFlow's numbers."""
    shape = _shape_of(inputs[0], "RandomUniformInt")
    low, high = _bounds(inputs, 1, "RandomUniformInt")
    gen = _stream(attrs).reserve_outputs(_count(shape))
    return philox.uniform_int(gen, _count(shape), low, high, np.asarray(inputs[1]).dtype).reshape(shape)


def _num_samples(value, name: str) -> int:
    count = np.asarray(value).reshape(-1)
    if count.size != 1 or int(count[0]) < 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: num_samples must be a non-negative scalar")
    return int(count[0])


def _logits(value, name: str) -> np.ndarray:
    logits = np.asarray(value)
    if logits.ndim != 2 or logits.shape[1] < 1:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: logits must be [batch, classes] with at least one class")
    return logits


def _infer_multinomial(ctx: InferContext):
    shape = ctx.shape(0)
    value = ctx.value(1)
    samples = -1 if value is None else int(np.asarray(value).reshape(-1)[0])
    batch = shape[0] if shape is not None and len(shape) == 2 else -1
    return [desc(ctx.attrs["output_dtype"], (batch, samples))]


OUTPUT_DTYPE = {"output_dtype": Attr("dtype", int(DataType.DT_INT64))}


@register("Multinomial", attrs={**SEED_ATTRS, **OUTPUT_DTYPE}, infer=_infer_multinomial, category="random",
          traits={"never_fold"})
def multinomial(inputs, attrs):
    """Multinomial: (logits [batch, classes], num_samples) -> class indices [batch, num_samples]."""
    logits, samples = _logits(inputs[0], "Multinomial"), _num_samples(inputs[1], "Multinomial")
    gen = _stream(attrs).reserve_outputs(logits.shape[0] * (-(-samples // 4) * 4))
    return philox.multinomial(gen, logits, samples).astype(to_numpy(attrs["output_dtype"]))


@register("RandomShuffle", attrs=SEED_ATTRS, infer=lambda ctx: [desc(ctx.dtype(0), ctx.shape(0))],
          category="random", traits={"never_fold"})
def random_shuffle(inputs, attrs):
    """RandomShuffle: the rows (first axis) of the input in a random order, TensorFlow's permutation."""
    x = np.asarray(inputs[0])
    if x.ndim == 0 or x.shape[0] <= 1 or x.size <= 1:
        return x.copy()
    gen = _stream(attrs).reserve(-(-(x.shape[0] - 1) // 4))
    return x[philox.shuffle_order(gen, x.shape[0])]


# ---- stateless ------------------------------------------------------------------------------------

def _seed_pair(value, name: str) -> tuple:
    seed = np.asarray(value).reshape(-1)
    if seed.size != 2 or seed.dtype.kind not in "iu":
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: the seed must be two integers")
    return int(seed[0]), int(seed[1])


@register("StatelessRandomGetKeyCounter", category="random",
          infer=lambda ctx: [desc(DataType.DT_UINT64, (1,)), desc(DataType.DT_UINT64, (2,))])
def stateless_key_counter(inputs, attrs):
    """StatelessRandomGetKeyCounter: (seed [2]) -> Philox key [1] and counter [2] (uint64), the seed scrambled."""
    return list(philox.stateless_key_counter(*_seed_pair(inputs[0], "StatelessRandomGetKeyCounter")))


def _generator(inputs, name: str) -> philox.Philox:
    """The generator of a V2 stateless op: inputs (shape, key, counter, alg, ...)."""
    alg = np.asarray(inputs[3]).reshape(-1)
    if alg.size != 1 or int(alg[0]) not in PHILOX_ALGORITHMS:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: random algorithm {alg.tolist()} is not supported (1 Philox, 3 auto)")
    key, counter = np.asarray(inputs[1]).reshape(-1), np.asarray(inputs[2]).reshape(-1)
    if key.size != 1 or counter.size != 2:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: Philox needs a key of 1 and a counter of 2 uint64 values")
    return philox.Philox.from_key_counter(key.astype(np.uint64), counter.astype(np.uint64))


STATELESS_DRAWS = {"StatelessRandomUniformV2": philox.uniform, "StatelessRandomNormalV2": philox.normal,
                   "StatelessTruncatedNormalV2": philox.truncated_normal}
STATELESS_DOCS = {"StatelessRandomUniformV2": "samples in [0, 1)", "StatelessRandomNormalV2": "normal samples",
                  "StatelessTruncatedNormalV2": "normal samples with |x| < 2"}


def _stateless_draw(op_type: str):
    def kernel(inputs, attrs):
        shape = _shape_of(inputs[0], op_type)
        return STATELESS_DRAWS[op_type](_generator(inputs, op_type), _count(shape),
                                        _float_dtype(attrs, op_type)).reshape(shape)
    return kernel


for _type in STATELESS_DRAWS:
    register(_type, attrs={"dtype": Attr("dtype", int(DataType.DT_FLOAT))}, infer=_infer_by_dtype_attr,
             category="random", traits={"never_fold"},
             doc=f"{_type}: (shape, key, counter, alg) -> {STATELESS_DOCS[_type]}, TensorFlow's numbers"
             )(_stateless_draw(_type))


@register("StatelessRandomUniformIntV2", infer=_infer_like_minval(4), category="random", traits={"never_fold"})
def stateless_uniform_int(inputs, attrs):
    """StatelessRandomUniformIntV2: (shape, key, counter, alg, minval, maxval) -> integers in [minval, maxval)."""
    shape = _shape_of(inputs[0], "StatelessRandomUniformIntV2")
    low, high = _bounds(inputs, 4, "StatelessRandomUniformIntV2")
    gen = _generator(inputs, "StatelessRandomUniformIntV2")
    return philox.uniform_int(gen, _count(shape), low, high, np.asarray(inputs[4]).dtype).reshape(shape)


@register("StatelessMultinomial", attrs=OUTPUT_DTYPE, infer=_infer_multinomial, category="random",
          traits={"never_fold"})
def stateless_multinomial(inputs, attrs):
    """StatelessMultinomial: (logits, num_samples, seed [2]) -> class indices [batch, num_samples]."""
    logits = _logits(inputs[0], "StatelessMultinomial")
    samples = _num_samples(inputs[1], "StatelessMultinomial")
    key, counter = philox.stateless_key_counter(*_seed_pair(inputs[2], "StatelessMultinomial"))
    gen = philox.Philox.from_key_counter(key, counter)
    return philox.multinomial(gen, logits, samples).astype(to_numpy(attrs["output_dtype"]))
