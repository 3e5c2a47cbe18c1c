"""Random ops (RandomStandardNormal, RandomUniform) with TensorFlow's own generator.

TensorFlow draws from Philox-4x32-10 keyed by the op's ``seed`` and counter-offset by ``seed2``; each
Philox call gives four uint32 words, turned into four floats: uniform as the 23 mantissa bits in [0, 1),
normal by Box-Muller on pairs of words. Reproducing that here makes a run with fixed seeds equal to
TensorFlow's own run of the same node, which is what lets a model with a random op be compared tensor
for tensor. With ``seed == seed2 == 0`` TensorFlow draws fresh seeds on every run; so do we, unless the
session was given a random seed (``Session(..., random_seed=N)``, ``omtool run --random-seed N``), which
then gives every such op a fixed seed pair of its own (``seeds_for_session``).
"""
from __future__ import annotations

import numpy as np

from ..errors import GraphError
from ..ir import DataType, to_numpy
from .registry import Attr, InferContext, desc, register

PHILOX_M = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
PHILOX_W = (np.uint32(0x9E3779B9), np.uint32(0xBB67AE85))
MASK32 = np.uint64(0xFFFFFFFF)


def philox_words(seed: int, seed2: int, calls: int, first_call: int = 0) -> np.ndarray:
    """(calls, 4) uint32 words of Philox-4x32-10 as TensorFlow's PhiloxRandom(seed, seed2) yields them."""
    seed, seed2 = int(seed) & 0xFFFFFFFFFFFFFFFF, int(seed2) & 0xFFFFFFFFFFFFFFFF
    key = [np.uint32(seed & 0xFFFFFFFF), np.uint32(seed >> 32)]
    index = np.arange(first_call, first_call + calls, dtype=np.uint64)
    ctr = [(index & MASK32).astype(np.uint32), (index >> np.uint64(32)).astype(np.uint32),
           np.full(calls, seed2 & 0xFFFFFFFF, np.uint32), np.full(calls, seed2 >> 32, np.uint32)]
    k0, k1 = key
    with np.errstate(over="ignore"):
        for round_ in range(10):
            p0 = ctr[0].astype(np.uint64) * PHILOX_M[0]
            p1 = ctr[2].astype(np.uint64) * PHILOX_M[1]
            hi0, lo0 = (p0 >> np.uint64(32)).astype(np.uint32), (p0 & MASK32).astype(np.uint32)
            hi1, lo1 = (p1 >> np.uint64(32)).astype(np.uint32), (p1 & MASK32).astype(np.uint32)
            ctr = [hi1 ^ ctr[1] ^ k0, lo1, hi0 ^ ctr[3] ^ k1, lo0]
            if round_ < 9:
                k0, k1 = np.uint32(k0 + PHILOX_W[0]), np.uint32(k1 + PHILOX_W[1])
    return np.stack(ctr, axis=1)


def uint32_to_unit_float(words: np.ndarray) -> np.ndarray:
    """[0, 1) floats from the low 23 bits of each word (TensorFlow's Uint32ToFloat)."""
    bits = (words & np.uint32(0x7FFFFF)) | np.uint32(127 << 23)
    return bits.view(np.float32) - np.float32(1.0)


def standard_normal(seed: int, seed2: int, count: int) -> np.ndarray:
    """``count`` float32 normal samples, equal to TensorFlow's RandomStandardNormal with these seeds."""
    words = philox_words(seed, seed2, -(-count // 4)).reshape(-1, 2)
    u1 = np.maximum(uint32_to_unit_float(words[:, 0]), np.float32(1e-7))
    v1 = np.float32(2.0 * np.pi) * uint32_to_unit_float(words[:, 1])
    radius = np.sqrt(np.float32(-2.0) * np.log(u1))   # float32 log/sin/cos: TF's differ by a few ulps
    out = np.stack([np.sin(v1) * radius, np.cos(v1) * radius], axis=1).reshape(-1)
    return out[:count].astype(np.float32)


def uniform(seed: int, seed2: int, count: int) -> np.ndarray:
    """``count`` float32 samples in [0, 1), equal to TensorFlow's RandomUniform with these seeds."""
    return uint32_to_unit_float(philox_words(seed, seed2, -(-count // 4)).reshape(-1))[:count]


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


def _shape_of(inputs) -> tuple:
    shape = np.asarray(inputs[0]).reshape(-1)
    if np.any(shape < 0) or shape.size > 8 or int(np.prod(shape, dtype=np.int64)) > 2 ** 31:
        raise GraphError("E10001", f"random op: shape {shape.tolist()} is not a valid output shape")
    return tuple(int(d) for d in shape)


def _infer_random(ctx: InferContext):
    value = ctx.value(0)
    shape = None if value is None else tuple(int(d) for d in np.asarray(value).reshape(-1))
    if shape is None and ctx.shape(0) is not None and len(ctx.shape(0)) == 1 and ctx.shape(0)[0] >= 0:
        shape = (-1,) * ctx.shape(0)[0]
    return [desc(ctx.attrs["dtype"], shape)]


RANDOM_ATTRS = {"seed": Attr("int", 0, "TF op seed (0 with seed2 0: fresh numbers each run)"),
                "seed2": Attr("int", 0, "TF second seed"), "dtype": Attr("dtype", int(DataType.DT_FLOAT))}


@register("RandomStandardNormal", attrs=RANDOM_ATTRS, infer=_infer_random, category="random",
          traits={"never_fold"})
def random_standard_normal(inputs, attrs):
    """RandomStandardNormal: (shape) -> normal samples of that shape, TensorFlow's Philox stream."""
    shape = _shape_of(inputs)
    values = standard_normal(*op_seeds(attrs), int(np.prod(shape, dtype=np.int64)))
    return values.reshape(shape).astype(to_numpy(attrs["dtype"]))


@register("RandomUniform", attrs=RANDOM_ATTRS, infer=_infer_random, category="random", traits={"never_fold"})
def random_uniform(inputs, attrs):
    """RandomUniform: (shape) -> samples in [0, 1) of that shape, TensorFlow's Philox stream."""
    shape = _shape_of(inputs)
    values = uniform(*op_seeds(attrs), int(np.prod(shape, dtype=np.int64)))
    return values.reshape(shape).astype(to_numpy(attrs["dtype"]))
