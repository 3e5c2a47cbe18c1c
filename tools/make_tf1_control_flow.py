"""Generate TF1 control-flow goldens: graphs built with tf.compat.v1 and control flow v1 (Switch, Merge,
Enter, Exit, NextIteration, LoopCond, TensorArrayV3), frozen with graph_util.convert_variables_to_constants,
and TensorFlow's outputs for them.

Needs tensorflow and tf_keras (for the v1 RNN cells); neither is a dependency of the converter:

    TF_USE_LEGACY_KERAS=1 python tools/make_tf1_control_flow.py --out tests/tensorflow/golden/control_flow

Each model NAME gives NAME.pb and NAME.npz in the layout of tools/make_tf_models.py ("input:<tensor>",
"output:<tensor>", "__input_shape__", "__out_nodes__"). A model with several cases (the tf.cond one, run with
the predicate true and false) writes NAME.npz for the first and NAME_<case>.npz for the others, from one
NAME.pb. Every frozen graph is checked to hold the control-flow ops its model is about.
"""
from __future__ import annotations

import os
import sys
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tools.make_tf1_models import run_builders  # noqa: E402
from tools.make_tf_models import save_npz  # noqa: E402

LOOP_OPS = {"Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"}
COND_OPS = {"Switch", "Merge"}


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")   # tf.compat.v1.nn.rnn_cell needs tf_keras
    import tensorflow as tf
    tf.compat.v1.disable_v2_behavior()
    tf.compat.v1.disable_control_flow_v2()
    return tf


def _freeze(name: str, out_dir: str, build, cases: list, need: set) -> None:
    """build(tf) -> (placeholders, output tensors); cases: [(case suffix, [feed values])]; the frozen graph
    must hold every op type in ``need``."""
    tf = _tf()
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.set_random_seed(0)
        placeholders, outputs = build(tf)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            frozen = tf.compat.v1.graph_util.convert_variables_to_constants(
                sess, graph.as_graph_def(), sorted({t.op.name for t in outputs}))
            runs = [(suffix, values, sess.run(outputs, dict(zip(placeholders, values)))) for suffix, values in cases]
    counts = Counter(n.op for n in frozen.node)
    missing = sorted(need - set(counts))
    if missing:
        raise SystemExit(f"{name}: the frozen graph lacks {missing} (control flow v2 still on?)")
    with open(os.path.join(out_dir, name + ".pb"), "wb") as f:
        f.write(frozen.SerializeToString())
    for suffix, values, results in runs:
        save_npz(out_dir, f"{name}_{suffix}" if suffix else name, {p.name: v for p, v in zip(placeholders, values)},
                 {t.name: r for t, r in zip(outputs, results)})
    flow = {k: v for k, v in sorted(counts.items()) if k in LOOP_OPS or k.startswith("TensorArray")}
    print(f"wrote {name}.pb ({len(frozen.node)} nodes; {flow})")


def _uniform(rng, shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def lstm_dynamic_rnn(out_dir: str, seed: int = 21) -> None:
    """tf.nn.dynamic_rnn over an LSTMCell (with peepholes and a projection): outputs and final state."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [2, 5, 3], name="x")
        cell = tf.compat.v1.nn.rnn_cell.LSTMCell(6, use_peepholes=True, num_proj=4,
                                                 initializer=tf.compat.v1.random_uniform_initializer(-0.5, 0.5))
        y, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        return [x], [tf.identity(y, "outputs"), tf.identity(state.c, "state_c"), tf.identity(state.h, "state_h")]

    _freeze("lstm_dynamic_rnn", out_dir, build, [("", [_uniform(rng, (2, 5, 3))])],
            LOOP_OPS | {"TensorArrayV3", "TensorArrayScatterV3", "TensorArrayReadV3", "TensorArrayWriteV3",
                        "TensorArrayGatherV3"})


def gru_sequence_length(out_dir: str, seed: int = 22) -> None:
    """dynamic_rnn over a GRUCell with per-example sequence lengths (the loop stops at the longest; shorter
    examples copy their state through and output zeros)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [3, 6, 4], name="x")
        lengths = tf.compat.v1.placeholder(tf.int32, [3], name="lengths")
        cell = tf.compat.v1.nn.rnn_cell.GRUCell(5, kernel_initializer=tf.compat.v1.random_uniform_initializer(-0.6, 0.6),
                                                bias_initializer=tf.compat.v1.random_uniform_initializer(-0.3, 0.3))
        y, state = tf.compat.v1.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
        return [x, lengths], [tf.identity(y, "outputs"), tf.identity(state, "state")]

    _freeze("gru_sequence_length", out_dir, build,
            [("", [_uniform(rng, (3, 6, 4)), np.array([6, 2, 4], np.int32)]),
             ("short", [_uniform(rng, (3, 6, 4)), np.array([1, 3, 0], np.int32)])],
            LOOP_OPS | {"TensorArrayV3", "TensorArrayWriteV3", "TensorArrayGatherV3"})


def bidirectional_rnn(out_dir: str, seed: int = 23) -> None:
    """bidirectional_dynamic_rnn: an LSTMCell forward, a GRUCell backward (the input reversed with ReverseV2),
    outputs concatenated."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [2, 4, 3], name="x")
        init = tf.compat.v1.random_uniform_initializer(-0.5, 0.5)
        fw = tf.compat.v1.nn.rnn_cell.LSTMCell(4, initializer=init)
        bw = tf.compat.v1.nn.rnn_cell.GRUCell(3, kernel_initializer=init)
        (y_fw, y_bw), (s_fw, s_bw) = tf.compat.v1.nn.bidirectional_dynamic_rnn(fw, bw, x, dtype=tf.float32)
        return [x], [tf.identity(tf.concat([y_fw, y_bw], -1), "outputs"), tf.identity(s_fw.h, "state_fw"),
                     tf.identity(s_bw, "state_bw")]

    _freeze("bidirectional_rnn", out_dir, build, [("", [_uniform(rng, (2, 4, 3))])],
            LOOP_OPS | {"TensorArrayV3", "TensorArrayGatherV3"})


def counting_while(out_dir: str, seed: int = 24) -> None:
    """tf.while_loop whose trip count is a graph input; a loop invariant matrix and two carried tensors, both
    read after the loop (two Exits) along with the counter; a tf.cond on the counter inside the body."""
    rng = np.random.default_rng(seed)
    w = (rng.normal(0, 0.4, (3, 3))).astype(np.float32)

    def build(tf):
        n = tf.compat.v1.placeholder(tf.int32, [], name="n")
        x = tf.compat.v1.placeholder(tf.float32, [2, 3], name="x")
        wc = tf.constant(w)

        def body(i, a, s):
            a = tf.tanh(tf.matmul(a, wc) + tf.cast(i, tf.float32) * 0.1)
            a = tf.cond(tf.equal(i % 2, 0), lambda: a * 1.5, lambda: tf.abs(a))   # a conditional in the body
            return i + 1, a, s + tf.reduce_sum(a)

        i, a, s = tf.compat.v1.while_loop(lambda i, a, s: i < n, body, [tf.constant(0), x, tf.constant(0.0)])
        return [n, x], [tf.identity(i, "count"), tf.identity(a, "value"), tf.identity(s, "total")]

    x = _uniform(rng, (2, 3))
    _freeze("counting_while", out_dir, build, [("", [np.array(5, np.int32), x]), ("zero", [np.array(0, np.int32), x])],
            LOOP_OPS)


def nested_while(out_dir: str, seed: int = 25) -> None:
    """A while inside a while: the inner loop runs i times (its trip count is the outer counter) and reads the
    outer loop's value; the outer loop's trip count is a graph input."""
    rng = np.random.default_rng(seed)

    def build(tf):
        n = tf.compat.v1.placeholder(tf.int32, [], name="n")
        x = tf.compat.v1.placeholder(tf.float32, [4], name="x")

        def outer(i, v, log):
            def inner(j, u):
                return j + 1, u * 0.9 + tf.cast(j, tf.float32) * v

            _, u = tf.compat.v1.while_loop(lambda j, u: j < i, inner, [tf.constant(0), tf.zeros_like(v)])
            return i + 1, tf.sin(v) + u * 0.01, log + tf.reduce_sum(u)

        i, v, log = tf.compat.v1.while_loop(lambda i, v, log: i < n, outer, [tf.constant(0), x, tf.constant(0.0)])
        return [n, x], [tf.identity(v, "value"), tf.identity(log, "log"), tf.identity(i, "count")]

    _freeze("nested_while", out_dir, build, [("", [np.array(4, np.int32), _uniform(rng, (4,))])], LOOP_OPS)


def growing_while(out_dir: str, seed: int = 29) -> None:
    """A loop variable whose shape changes on every pass (shape_invariants [None, 2]): rows are appended, and
    the body reads the row count (so a shape taken from the first pass would be wrong)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        n = tf.compat.v1.placeholder(tf.int32, [], name="n")
        x = tf.compat.v1.placeholder(tf.float32, [1, 2], name="x")

        def body(i, rows):
            count = tf.cast(tf.shape(rows)[0], tf.float32)
            rows = tf.reshape(tf.reshape(rows, [-1]), tf.shape(rows))   # a shape read back as a value
            return i + 1, tf.concat([rows, rows[-1:] * 0.5 + count], axis=0)

        _, rows = tf.compat.v1.while_loop(lambda i, rows: i < n, body, [tf.constant(0), x],
                                          shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 2])])
        return [n, x], [tf.identity(rows, "rows"), tf.identity(tf.shape(rows), "rows_shape")]

    _freeze("growing_while", out_dir, build, [("", [np.array(3, np.int32), _uniform(rng, (1, 2))])], LOOP_OPS)


def cond_shapes(out_dir: str, seed: int = 26) -> None:
    """tf.cond on a boolean graph input; the branches use different ops and give different output shapes
    (true: relu(x @ w) [2, 5]; false: a sum over the rows, [1, 3]); a second output has one shape in both.
    A third output comes from a tf.cond on a computed predicate with another tf.cond inside its true branch."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 0.5, (3, 5)).astype(np.float32)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [2, 3], name="x")
        p = tf.compat.v1.placeholder(tf.bool, [], name="p")
        y, z = tf.cond(p, lambda: (tf.nn.relu(tf.matmul(x, tf.constant(w))), x * 2.0),
                       lambda: (tf.reduce_sum(x, axis=0, keepdims=True) - 1.0, tf.exp(x)))

        def inner():
            return tf.cond(x[0, 0] > 0, lambda: tf.sigmoid(x) + 3.0, lambda: x - 3.0)

        v = tf.cond(tf.reduce_sum(x) > 0, inner, lambda: tf.square(x))
        return [x, p], [tf.identity(y, "y"), tf.identity(z, "z"), tf.identity(v, "v")]

    x = _uniform(rng, (2, 3))
    x_neg = -np.abs(x)
    _freeze("cond_shapes", out_dir, build, [("", [x, np.array(True)]), ("false", [x, np.array(False)]),
                                            ("negative", [x_neg, np.array(True)])], COND_OPS)


def tensor_arrays(out_dir: str, seed: int = 28) -> None:
    """TensorArray ops outside a loop (split, read, concat, size) and inside one (a dynamically sized array
    written at each step, then stacked and sized after the loop)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [6, 2], name="x")
        n = tf.compat.v1.placeholder(tf.int32, [], name="n")
        parts = tf.TensorArray(tf.float32, size=3, infer_shape=False, clear_after_read=False)
        parts = parts.split(x, tf.constant([1, 2, 3], tf.int64))
        grown = tf.TensorArray(tf.float32, size=0, dynamic_size=True)

        def body(i, ta):
            return i + 1, ta.write(i, x[i % 6] * tf.cast(i, tf.float32))

        _, grown = tf.compat.v1.while_loop(lambda i, ta: i < n, body, [tf.constant(0), grown])
        outs = [parts.read(2), parts.concat() * 2.0, parts.size(), grown.stack(), grown.size()]
        return [x, n], [tf.identity(o, f"out{k}") for k, o in enumerate(outs)]

    _freeze("tensor_arrays", out_dir, build, [("", [_uniform(rng, (6, 2)), np.array(4, np.int32)])],
            LOOP_OPS | {"TensorArrayV3", "TensorArraySplitV3", "TensorArrayReadV3", "TensorArrayConcatV3",
                        "TensorArraySizeV3", "TensorArrayWriteV3", "TensorArrayGatherV3"})


def scan(out_dir: str, seed: int = 27) -> None:
    """tf.scan: a running state over the rows of the input (TensorArrays unstacked and stacked in a while)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        x = tf.compat.v1.placeholder(tf.float32, [6, 3], name="x")
        y = tf.scan(lambda acc, row: acc * 0.5 + tf.tanh(row), x, initializer=tf.ones([3]))
        return [x], [tf.identity(y, "scanned")]

    _freeze("scan", out_dir, build, [("", [_uniform(rng, (6, 3))])],
            LOOP_OPS | {"TensorArrayV3", "TensorArrayScatterV3", "TensorArrayReadV3", "TensorArrayWriteV3",
                        "TensorArrayGatherV3"})


BUILDERS = {"lstm_dynamic_rnn": lstm_dynamic_rnn, "gru_sequence_length": gru_sequence_length,
            "bidirectional_rnn": bidirectional_rnn, "counting_while": counting_while, "nested_while": nested_while,
            "growing_while": growing_while,
            "cond_shapes": cond_shapes, "scan": scan, "tensor_arrays": tensor_arrays}


def main(argv=None) -> int:
    return run_builders(BUILDERS, argv, __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
