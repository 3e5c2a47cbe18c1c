"""Generate TF1-era frozen graphs (.pb) and their TensorFlow outputs (.npz): random ops with fixed seeds, dropout
(also inside small LSTM/GRU nets), PlaceholderWithDefault, and the TF1 op set (image ops, NMS, scans, ...).

Same files and CLI as tools/make_tf_models.py (whose helpers it uses), but a process of its own: the graphs are
built in graph mode with tf.compat.v1 layers and rnn_cell, which need the legacy Keras (``pip install tf-keras``,
selected by TF_USE_LEGACY_KERAS=1 before TensorFlow is imported) and control flow v1 (``disable_v2_behavior``).

    python tools/make_tf1_models.py --out tests/tensorflow/golden --only small     # the committed goldens
"""
from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from tools.make_tf_models import _save  # noqa: E402


def _tf():
    import tensorflow as tf
    tf.compat.v1.disable_v2_behavior()
    return tf


def _freeze(build, feeds_of=None):
    """Build a TF1 graph with build(tf) -> (feeds {placeholder: value}, outputs [tensor]), initialise its
    variables, run it, and freeze it (graph_util.convert_variables_to_constants)."""
    tf = _tf()
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        feeds, outputs = build(tf)
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            results = sess.run(outputs, feeds)
            frozen = v1.graph_util.convert_variables_to_constants(sess, graph.as_graph_def(),
                                                                  [t.op.name for t in outputs])
    return frozen, {p.name: v for p, v in feeds.items()}, {t.name: r for t, r in zip(outputs, results)}


def _named(tf, tensors: list, prefix: str) -> list:
    return [tf.identity(t, name=f"{prefix}{i}") for i, t in enumerate(tensors)]


def random_seeded(out_dir: str, seed: int = 21) -> None:
    """Every random op with fixed seeds, in float16/32/64 and int32/64 where TF has them: stateful, stateless V1
    (raw ops) and V2 (tf.random.stateless_*), and the dropouts built on RandomUniform."""
    rng = np.random.default_rng(seed)

    def build(tf):
        v1, raw = tf.compat.v1, tf.raw_ops
        logits = v1.placeholder(tf.float32, [4, 10], name="logits")
        shape = tf.constant([5, 7], tf.int32)
        big = tf.constant([13, 17], tf.int32)     # 56 truncated-normal groups
        seed_pair = tf.constant([17, 29], tf.int64)
        outs = []
        for dtype in (tf.float32, tf.float16, tf.float64):
            outs += [raw.RandomUniform(shape=shape, dtype=dtype, seed=1, seed2=2),
                     raw.RandomStandardNormal(shape=shape, dtype=dtype, seed=3, seed2=4),
                     raw.TruncatedNormal(shape=big, dtype=dtype, seed=5, seed2=6),
                     raw.StatelessRandomUniform(shape=shape, seed=seed_pair, dtype=dtype),
                     raw.StatelessRandomNormal(shape=shape, seed=seed_pair, dtype=dtype),
                     raw.StatelessTruncatedNormal(shape=big, seed=seed_pair, dtype=dtype)]
        outs += [raw.RandomUniformInt(shape=shape, minval=-5, maxval=17, seed=7, seed2=8),
                 raw.RandomUniformInt(shape=shape, minval=tf.constant(-2 ** 40, tf.int64),
                                      maxval=tf.constant(2 ** 41, tf.int64), seed=9, seed2=10),
                 raw.StatelessRandomUniformInt(shape=shape, seed=seed_pair, minval=3, maxval=1000),
                 raw.Multinomial(logits=logits, num_samples=6, seed=11, seed2=12),
                 raw.Multinomial(logits=logits, num_samples=3, seed=13, seed2=14, output_dtype=tf.int32),
                 raw.StatelessMultinomial(logits=logits, num_samples=5, seed=seed_pair),
                 raw.RandomShuffle(value=logits, seed=15, seed2=16),
                 raw.RandomShuffle(value=tf.range(23), seed=17, seed2=18),
                 tf.random.stateless_uniform([6, 5], [3, 4]), tf.random.stateless_normal([6, 5], [3, 4]),
                 tf.random.stateless_truncated_normal([6, 5], [3, 4]),
                 tf.random.stateless_uniform([6, 5], [3, 4], minval=-3, maxval=9, dtype=tf.int32),
                 tf.random.stateless_uniform([6, 5], [3, 4], minval=-3, maxval=9, dtype=tf.int64),
                 tf.random.stateless_categorical(logits, 4, [5, 6]),
                 v1.random.uniform([3, 4], seed=19), v1.random.truncated_normal([3, 4], 1.0, 2.0, seed=20),
                 v1.nn.dropout(logits, keep_prob=0.7, seed=22), tf.nn.dropout(logits, rate=0.4, seed=23)]
        feeds = {logits: rng.normal(0, 1.5, (4, 10)).astype(np.float32)}
        return feeds, _named(tf, outs, "r")

    _save(out_dir, "random_seeded", *_freeze(build))


def random_in_loop(out_dir: str, seed: int = 22) -> None:
    """Seeded random ops inside a functional While (control flow v2): each iteration draws the op's next numbers,
    and the last carried value depends on all of them. parallel_iterations=1: with more, TF may run the draws
    of several iterations out of order (the same numbers, handed to other iterations)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        v1 = tf.compat.v1
        v1.enable_control_flow_v2()
        try:
            x = v1.placeholder(tf.float32, [3], name="input")

            def body(i, acc, ints):
                noise = tf.random.uniform([3], seed=31) + v1.random.normal([3], seed=32)
                return i + 1, acc * 0.5 + noise, ints * 7 + tf.random.uniform([3], 0, 100, tf.int32, seed=33)

            _, acc, ints = tf.while_loop(lambda i, a, n: i < 5, body, [tf.constant(0), x, tf.zeros([3], tf.int32)],
                                         parallel_iterations=1)
        finally:
            v1.disable_control_flow_v2()
        return {x: rng.normal(0, 1, 3).astype(np.float32)}, _named(tf, [acc, ints], "loop")

    _save(out_dir, "random_in_loop", *_freeze(build))


def dropout_rnn(out_dir: str, seed: int = 23) -> None:
    """Seeded dropout in TF1 recurrent nets (static_rnn: unrolled, no control flow): an LSTMCell and a GRU +
    BasicLSTM stack in DropoutWrapper (input, output and state dropout), and tf.compat.v1.layers.dropout."""
    rng = np.random.default_rng(seed)

    def build(tf):
        v1 = tf.compat.v1
        v1.set_random_seed(seed)
        cells = v1.nn.rnn_cell
        x = v1.placeholder(tf.float32, [2, 5, 3], name="input")
        steps = tf.unstack(x, axis=1)
        lstm = cells.DropoutWrapper(cells.LSTMCell(4), input_keep_prob=0.8, output_keep_prob=0.7,
                                    state_keep_prob=0.9, seed=1)
        lstm_out, _ = v1.nn.static_rnn(lstm, steps, dtype=tf.float32, scope="lstm")
        stack = cells.MultiRNNCell([cells.DropoutWrapper(cells.GRUCell(4), output_keep_prob=0.6, seed=2),
                                    cells.BasicLSTMCell(3)])
        gru_out, _ = v1.nn.static_rnn(stack, steps, dtype=tf.float32, scope="gru")
        dense = v1.layers.dense(v1.layers.dropout(tf.concat([lstm_out[-1], gru_out[-1]], 1), 0.5, training=True),
                                2, name="head")
        return {x: rng.normal(0, 1, (2, 5, 3)).astype(np.float32)}, _named(tf, [lstm_out[-1], gru_out[-1], dense],
                                                                          "rnn")

    _save(out_dir, "dropout_rnn", *_freeze(build))


def dropout_unseeded(out_dir: str, seed: int = 24) -> None:
    """tf.compat.v1.nn.dropout without a seed (fresh mask on every run): compared by which elements are kept."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [32, 40], name="input")
        return {x: rng.uniform(0.5, 1.5, (32, 40)).astype(np.float32)}, \
            _named(tf, [tf.compat.v1.nn.dropout(x, keep_prob=0.7)], "dropped")

    _save(out_dir, "dropout_unseeded", *_freeze(build))


def keep_prob_default(out_dir: str, seed: int = 25) -> None:
    """A dropout keep_prob given by a PlaceholderWithDefault(1.0): one golden feeds it (0.6), one leaves it."""
    rng = np.random.default_rng(seed)
    x_value = rng.normal(0, 1, (3, 8)).astype(np.float32)
    for name, fed in (("keep_prob_fed", True), ("keep_prob_default", False)):
        def build(tf):
            v1 = tf.compat.v1
            x = v1.placeholder(tf.float32, [3, 8], name="input")
            keep = v1.placeholder_with_default(1.0, [], name="keep_prob")
            y = v1.layers.dense(v1.nn.dropout(x, keep_prob=keep, seed=5), 4, name="fc",
                                kernel_initializer=v1.constant_initializer(rng.normal(0, 0.5, (8, 4))))
            feeds = {x: x_value, keep: np.float32(0.6)} if fed else {x: x_value}
            return feeds, _named(tf, [y], "out")

        _save(out_dir, name, *_freeze(build))


BUILDERS = {"random_seeded": random_seeded, "random_in_loop": random_in_loop, "dropout_rnn": dropout_rnn,
            "dropout_unseeded": dropout_unseeded, "keep_prob": keep_prob_default}
SMALL = list(BUILDERS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the .pb and .npz files")
    parser.add_argument("--only", nargs="*", help=f"model names, or 'small' for all of {SMALL}")
    ns = parser.parse_args(argv)
    names = ns.only or SMALL
    if "small" in names:
        names = [n for n in names if n != "small"] + SMALL
    os.makedirs(ns.out, exist_ok=True)
    for name in names:
        if name not in BUILDERS:
            print(f"unknown model {name}", file=sys.stderr)
            return 2
        BUILDERS[name](ns.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
