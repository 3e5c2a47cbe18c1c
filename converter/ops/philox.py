"""TensorFlow's random number generation, reproduced: the Philox-4x32-10 counter generator and the ways TF's CPU
kernels turn its 32-bit words into samples (random_distributions.h, random_op_cpu.h, multinomial_op.cc,
random_shuffle_op.cc, stateless_random_ops.cc).

A generator is a key (two 32-bit words) and a 128-bit counter; each call gives four words and steps the counter.
Stateful ops (RandomUniform, ...) key it with ``seed`` and start the counter at ``seed2 << 64``; stateless ops
scramble their two seeds through one Philox call into key and counter (``stateless_key_counter``). Which words
make which sample:
- uniform float32: 23 bits of one word; float16: 10 bits of one word; float64: 52 bits of two words;
- normal: Box-Muller on pairs of uniforms (float32/float16: one word each, computed in float32; float64: two);
- truncated normal: normals with |x| >= 2 rejected; output group g (4 values, float64: 2) reads its words from
  call g * 256 on (TF reserves 256 calls per group so that groups do not depend on each other);
- integers in [lo, hi): lo + word % (hi - lo) (int64: two words make the 64-bit word);
- Multinomial: per row, a cumulative sum of exp(logit - max) in float64, each sample is the first class whose
  sum exceeds (two-word uniform double) * total;
- RandomShuffle: Fisher-Yates from the front, position i swapped with i + word % (n - i).
TF fills large tensors on several threads; every kernel here equals TF's result when its threads do not split the
tensor (all but float32 uniform fills: those TF splits into groups of 8 or 16 values but steps the generator by one
call per group, so its numbers for more than about 3000 values depend on its thread count; ours are then those of
a single-threaded TensorFlow). Transcendental functions are numpy's float64 ones, TF's glibc's (float32: correctly
rounded, which float64 rounded to float32 reproduces); float64 normals may differ from TF's in the last bit.
"""
from __future__ import annotations

import numpy as np

PHILOX_M = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
PHILOX_W = (np.uint32(0x9E3779B9), np.uint32(0xBB67AE85))
MASK32 = np.uint64(0xFFFFFFFF)
MASK64 = (1 << 64) - 1
RESERVED_CALLS_PER_OUTPUT = 256    # TF reserves output_count * 256 calls per execution of a stateful op
TRUNCATE = 2.0                     # TruncatedNormal keeps |x| < 2
# StatelessRandomGetKeyCounter: the fixed key that scrambles the two seeds
STATELESS_KEY = (0x3EC8F720, 0x02461E29)


class Philox:
    """A Philox-4x32-10 generator: key (k0, k1) and a 128-bit counter, as TF's PhiloxRandom."""

    def __init__(self, key: tuple, counter: int):
        self.key = (int(key[0]) & 0xFFFFFFFF, int(key[1]) & 0xFFFFFFFF)
        self.counter = int(counter) & ((1 << 128) - 1)

    @classmethod
    def from_seeds(cls, seed: int, seed2: int) -> "Philox":
        """PhiloxRandom(seed, seed2) of the stateful ops: key = seed, counter = seed2 in the high 64 bits."""
        seed, seed2 = int(seed) & MASK64, int(seed2) & MASK64
        return cls((seed & 0xFFFFFFFF, seed >> 32), seed2 << 64)

    @classmethod
    def from_key_counter(cls, key: int, counter) -> "Philox":
        """The V2 stateless ops' uint64 key [1] and counter [2] tensors."""
        key = int(np.asarray(key, np.uint64).reshape(-1)[0])
        lo, hi = (int(c) for c in np.asarray(counter, np.uint64).reshape(-1)[:2])
        return cls((key & 0xFFFFFFFF, key >> 32), lo | hi << 64)

    def skipped(self, calls: int) -> "Philox":
        """The generator ``calls`` calls further on (TF's Skip)."""
        return Philox(self.key, self.counter + int(calls))

    def words(self, calls: int) -> np.ndarray:
        """(calls, 4) uint32: the next ``calls`` outputs."""
        return self.words_at(np.arange(calls, dtype=np.uint64))

    def words_at(self, offsets: np.ndarray) -> np.ndarray:
        """(len(offsets), 4) uint32: the outputs of the calls ``offsets`` steps on (any order, repeats allowed)."""
        lo, hi = self.counter & MASK64, self.counter >> 64
        offsets = np.asarray(offsets, dtype=np.uint64)
        with np.errstate(over="ignore"):
            low = np.uint64(lo) + offsets
            high = np.uint64(hi) + (low < np.uint64(lo)).astype(np.uint64)
        return _philox_rounds(self.key, low, high)

    def flat_words(self, count: int) -> np.ndarray:
        """The next ``count`` words, one after the other (TF's SingleSampleAdapter)."""
        return self.words(-(-count // 4)).reshape(-1)[:count]


class PhiloxStream:
    """The generator state of one stateful random op during one run: each execution reserves calls from it
    (TF's GuardedPhiloxRandom), so an op inside a loop draws new numbers on every iteration."""

    def __init__(self, seed: int, seed2: int):
        self.generator = Philox.from_seeds(seed, seed2)

    def reserve(self, calls: int) -> Philox:
        reserved = self.generator
        self.generator = reserved.skipped(calls)
        return reserved

    def reserve_outputs(self, count: int) -> Philox:
        """ReserveRandomOutputs(count, 256): what RandomUniform/Normal/TruncatedNormal/UniformInt reserve."""
        return self.reserve(count * RESERVED_CALLS_PER_OUTPUT)


def stateless_key_counter(seed0: int, seed1: int) -> tuple:
    """(key, counter) as uint64 values of StatelessRandomGetKeyCounter: the seeds scrambled by one Philox call."""
    seed0, seed1 = int(seed0) & MASK64, int(seed1) & MASK64
    mix = [int(w) for w in Philox(STATELESS_KEY, seed0 | seed1 << 64).words(1)[0]]
    key = mix[0] | mix[1] << 32
    return np.array([key], np.uint64), np.array([0, mix[2] | mix[3] << 32], np.uint64)


# ---- words -> values ------------------------------------------------------------------------------

def unit_float32(words: np.ndarray) -> np.ndarray:
    """[0, 1) float32 from the low 23 bits of each word (Uint32ToFloat)."""
    bits = (words & np.uint32(0x7FFFFF)) | np.uint32(127 << 23)
    return bits.view(np.float32) - np.float32(1.0)


def unit_float16(words: np.ndarray) -> np.ndarray:
    """[0, 1) float16 from the low 10 bits of each word (Uint16ToHalf)."""
    bits = ((words & np.uint32(0x3FF)) | np.uint32(15 << 10)).astype(np.uint16)
    return bits.view(np.float16) - np.float16(1.0)


def unit_float64(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """[0, 1) float64 from 20 bits of the first word and all 32 of the second (Uint64ToDouble)."""
    mantissa = (first.astype(np.uint64) & np.uint64(0xFFFFF)) << np.uint64(32) | second.astype(np.uint64)
    return (mantissa | np.uint64(1023 << 52)).view(np.float64) - 1.0


def box_muller_float32(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Pairs of normals (interleaved) from pairs of words, in float32 (BoxMullerFloat). The angle is
    2 * M_PI (a double) times the uniform, rounded to float; logf, sqrtf, sinf and cosf are correctly rounded
    float functions, which float64 numpy rounded to float32 reproduces."""
    u1 = np.maximum(unit_float32(first), np.float32(1e-7))
    angle = (2.0 * np.pi * unit_float32(second).astype(np.float64)).astype(np.float32).astype(np.float64)
    log = np.log(u1.astype(np.float64)).astype(np.float32)
    radius = np.sqrt((np.float32(-2.0) * log).astype(np.float64)).astype(np.float32)
    sin, cos = np.sin(angle).astype(np.float32), np.cos(angle).astype(np.float32)
    return np.stack([sin * radius, cos * radius], axis=-1).reshape(-1)


def box_muller_float64(w0, w1, w2, w3) -> np.ndarray:
    """Pairs of float64 normals (interleaved) from four words each (BoxMullerDouble)."""
    u1 = np.maximum(unit_float64(w0, w1), 1e-7)
    v1 = 2.0 * np.pi * unit_float64(w2, w3)
    radius = np.sqrt(-2.0 * np.log(u1))
    return np.stack([np.sin(v1) * radius, np.cos(v1) * radius], axis=-1).reshape(-1)


def _float_kind(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"random floats of type {dtype} are not supported (float16, float32, float64)")
    return dtype


def uniform(gen: Philox, count: int, dtype=np.float32) -> np.ndarray:
    """RandomUniform's values: [0, 1) in dtype."""
    dtype = _float_kind(dtype)
    if dtype == np.float64:
        words = gen.flat_words(2 * count).reshape(-1, 2)
        return unit_float64(words[:, 0], words[:, 1])
    words = gen.flat_words(count)
    return unit_float16(words) if dtype == np.float16 else unit_float32(words)


def normal(gen: Philox, count: int, dtype=np.float32) -> np.ndarray:
    """RandomStandardNormal's values."""
    dtype = _float_kind(dtype)
    if dtype == np.float64:
        words = gen.words(-(-count // 2)).reshape(-1, 4)
        return box_muller_float64(*words.T)[:count]
    words = gen.words(-(-count // 4)).reshape(-1, 2)
    return box_muller_float32(words[:, 0], words[:, 1])[:count].astype(dtype)


def truncated_normal(gen: Philox, count: int, dtype=np.float32) -> np.ndarray:
    """TruncatedNormal's values: per output group, normals with |x| >= 2 skipped, from the group's own calls."""
    dtype = _float_kind(dtype)
    group = 2 if dtype == np.float64 else 4
    groups = -(-count // group)
    skip = group * RESERVED_CALLS_PER_OUTPUT // 4          # calls reserved per group
    calls = 2                          # 8 candidates per group: a group needs more about once in 1e4
    starts = np.arange(groups, dtype=np.uint64) * np.uint64(skip)
    words = gen.words_at((starts[:, None] + np.arange(calls, dtype=np.uint64)[None, :]).reshape(-1))
    values = _normals(words.reshape(-1), dtype).reshape(groups, -1)
    accepted = np.abs(values) < TRUNCATE
    rank = np.cumsum(accepted, axis=1)
    out = np.zeros((groups, group), values.dtype)
    full = rank[:, -1] >= group
    rows, cols = np.nonzero(accepted & (rank <= group) & full[:, None])
    out[rows, rank[rows, cols] - 1] = values[rows, cols]
    for g in np.nonzero(~full)[0]:     # draw on within the group's reserved calls
        kept, extra = values[g][accepted[g]], calls
        while kept.size < group:
            more = _normals(gen.skipped(int(starts[g]) + extra).words(calls).reshape(-1), dtype)
            kept, extra = np.concatenate([kept, more[np.abs(more) < TRUNCATE]]), extra + calls
        out[g] = kept[:group]
    return out.reshape(-1)[:count].astype(dtype)


def _philox_rounds(key, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Philox-4x32-10 of the 128-bit counters (low, high) under key: (n, 4) uint32."""
    ctr = [(low & MASK32).astype(np.uint32), (low >> np.uint64(32)).astype(np.uint32),
           (high & MASK32).astype(np.uint32), (high >> np.uint64(32)).astype(np.uint32)]
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
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


def _normals(words: np.ndarray, dtype) -> np.ndarray:
    if dtype == np.float64:
        w = words.reshape(-1, 4)
        return box_muller_float64(*w.T)
    w = words.reshape(-1, 2)
    return box_muller_float32(w[:, 0], w[:, 1])


def uniform_int(gen: Philox, count: int, low: int, high: int, dtype=np.int32) -> np.ndarray:
    """RandomUniformInt's values in [low, high): low + word % (high - low), with TF's unsigned arithmetic."""
    dtype = np.dtype(dtype)
    if dtype == np.int64:
        words = gen.flat_words(2 * count).reshape(-1, 2).astype(np.uint64)
        bits = words[:, 0] | words[:, 1] << np.uint64(32)
        span = np.uint64((int(high) - int(low)) & MASK64)
        with np.errstate(over="ignore"):
            return (np.uint64(int(low) & MASK64) + bits % span).view(np.int64)
    if dtype != np.int32:
        raise ValueError(f"random integers of type {dtype} are not supported (int32, int64)")
    span = np.uint32((int(high) - int(low)) & 0xFFFFFFFF)
    with np.errstate(over="ignore"):
        return (np.uint32(int(low) & 0xFFFFFFFF) + gen.flat_words(count) % span).view(np.int32)


def multinomial(gen: Philox, logits: np.ndarray, num_samples: int) -> np.ndarray:
    """(batch, num_samples) int64 class indices (Multinomial's CPU kernel, its rows drawn one after the other)."""
    logits = np.asarray(logits)
    batch, classes = logits.shape
    words = gen.flat_words(2 * batch * num_samples).reshape(batch, num_samples, 2)
    out = np.zeros((batch, num_samples), np.int64)
    for b in range(batch):
        row = logits[b]
        finite = np.isfinite(row)
        top = row[finite].max() if finite.any() else np.finfo(row.dtype).min
        cdf = np.cumsum(np.where(finite, np.exp(row.astype(np.float64) - float(top)), 0.0))
        targets = unit_float64(words[b, :, 0], words[b, :, 1]) * cdf[-1]
        out[b] = np.searchsorted(cdf, targets, side="right")
    return out


def shuffle_order(gen: Philox, n: int) -> np.ndarray:
    """The permutation RandomShuffle applies to n rows (its n - 1 words, Fisher-Yates from the front)."""
    order = np.arange(n, dtype=np.int64)
    words = gen.flat_words(max(n - 1, 0)).astype(np.int64)
    for i in range(n - 1):
        j = i + int(words[i]) % (n - i)
        order[i], order[j] = order[j], order[i]
    return order
