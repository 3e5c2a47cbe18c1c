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


def tf1_image_ops(out_dir: str, seed: int = 26) -> None:
    """ResizeArea, CropAndResize (bilinear, nearest, extrapolated, one-pixel crops), ExtractImagePatches (SAME,
    VALID, rates) and NonMaxSuppression V1..V5 (score threshold, padding, soft-NMS) and WithOverlaps."""
    rng = np.random.default_rng(seed)

    def build(tf):
        v1, raw = tf.compat.v1, tf.raw_ops
        x = v1.placeholder(tf.float32, [2, 9, 11, 3], name="input")
        boxes = v1.placeholder(tf.float32, [12, 4], name="boxes")
        scores = v1.placeholder(tf.float32, [12], name="scores")
        crop_boxes = tf.constant([[0.1, 0.2, 0.7, 0.9], [0.0, 0.0, 1.0, 1.0], [-0.2, 0.3, 0.6, 1.3],
                                  [0.8, 0.9, 0.2, 0.1], [0.5, 0.5, 0.5, 0.5]], tf.float32)
        crop_index = tf.constant([0, 1, 1, 0, 1], tf.int32)
        outs = [v1.image.resize_area(x, [5, 7]), v1.image.resize_area(x, [13, 4]),
                v1.image.resize_area(x, [4, 6], align_corners=True), v1.image.resize_area(x, [9, 11]),
                tf.image.crop_and_resize(x, crop_boxes, crop_index, [6, 5]),
                tf.image.crop_and_resize(x, crop_boxes, crop_index, [4, 7], method="nearest",
                                         extrapolation_value=-1.0),
                tf.image.crop_and_resize(x, crop_boxes, crop_index, [1, 1]),
                v1.extract_image_patches(x, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"),
                v1.extract_image_patches(x, [1, 2, 3, 1], [1, 3, 2, 1], [1, 2, 1, 1], "VALID"),
                raw.NonMaxSuppression(boxes=boxes, scores=scores, max_output_size=6, iou_threshold=0.3),
                raw.NonMaxSuppressionV2(boxes=boxes, scores=scores, max_output_size=20, iou_threshold=0.5)]
        v3 = raw.NonMaxSuppressionV3(boxes=boxes, scores=scores, max_output_size=8, iou_threshold=0.4,
                                     score_threshold=0.2)
        v4 = raw.NonMaxSuppressionV4(boxes=boxes, scores=scores, max_output_size=9, iou_threshold=0.4,
                                     score_threshold=0.1, pad_to_max_output_size=True)
        v5 = raw.NonMaxSuppressionV5(boxes=boxes, scores=scores, max_output_size=7, iou_threshold=0.5,
                                     score_threshold=0.05, soft_nms_sigma=0.4, pad_to_max_output_size=True)
        hard = raw.NonMaxSuppressionV5(boxes=boxes, scores=scores, max_output_size=12, iou_threshold=0.35,
                                       score_threshold=0.0, soft_nms_sigma=0.0)
        overlaps = raw.NonMaxSuppressionWithOverlaps(
            overlaps=tf.matmul(boxes, boxes, transpose_b=True) / 4.0, scores=scores, max_output_size=5,
            overlap_threshold=0.3, score_threshold=0.1)
        outs += [v3, v4[0], v4[1], v5[0], v5[1], v5[2], hard[0], overlaps]
        centres = rng.uniform(0.2, 0.8, (12, 2))
        sizes = rng.uniform(0.1, 0.4, (12, 2))
        box_values = np.concatenate([centres - sizes / 2, centres + sizes / 2], 1)[:, [0, 1, 2, 3]]
        box_values[3] = box_values[3][[2, 3, 0, 1]]                     # corners given the other way round
        box_values[7] = box_values[2] + 0.01                            # near-duplicates
        score_values = rng.uniform(0, 1, 12)
        score_values[5] = score_values[8]                               # a tie
        feeds = {x: rng.uniform(-1, 1, (2, 9, 11, 3)).astype(np.float32), boxes: box_values.astype(np.float32),
                 scores: score_values.astype(np.float32)}
        return feeds, _named(tf, outs, "img")

    _save(out_dir, "tf1_image_ops", *_freeze(build))


def tf1_ops(out_dir: str, seed: int = 27) -> None:
    """The rest of the TF1 op set that tf.compat.v1, tf.nn and slim graphs hold: scans, segment reductions, gathers
    and scatters, Where, Unique, ReverseSequence, v1 Select, masks and guards, FakeQuant, BatchNorm of TF 0.x."""
    rng = np.random.default_rng(seed)

    def build(tf):
        v1, raw = tf.compat.v1, tf.raw_ops
        x = v1.placeholder(tf.float32, [3, 5, 4], name="input")
        ids = v1.placeholder(tf.int32, [3, 5], name="ids")
        lengths = v1.placeholder(tf.int32, [3], name="lengths")
        flat = tf.reshape(x, [15, 4])
        outs = [tf.math.cumprod(x, 1, exclusive=True, reverse=True), tf.math.cumsum(x, 2, reverse=True),
                v1.reverse_sequence(x, lengths, seq_axis=1, batch_axis=0),
                v1.reverse_sequence(tf.transpose(x, [1, 0, 2]), lengths, seq_axis=0, batch_axis=1),
                v1.where(x[:, 0, 0] > 0, x, -x), v1.where(x > 0, x, x * 3.0), raw.Select(condition=True, x=x, y=-x),
                tf.cast(v1.where(x > 0.5), tf.float32),
                tf.math.unsorted_segment_sum(x, ids, 6), tf.math.unsorted_segment_max(x, ids, 6),
                tf.math.unsorted_segment_min(x, ids - 1, 5), tf.math.unsorted_segment_prod(x, ids, 6),
                tf.math.segment_sum(flat, [0, 0, 1, 1, 1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]),
                tf.math.segment_mean(flat, [0, 0, 1, 1, 1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]),
                tf.math.segment_max(flat, [0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 5, 5, 5, 5, 5]),
                tf.math.segment_min(flat, [0] * 15), tf.math.segment_prod(flat[:4], [1, 1, 2, 2]),
                tf.gather_nd(x, [[0, 1], [2, 3], [1, 4]]), tf.gather_nd(x, [[[0, 1, 2]], [[2, 0, 3]]]),
                tf.scatter_nd([[1], [3], [1]], tf.ones([3, 4]), [5, 4]),
                tf.tensor_scatter_nd_update(x, [[0, 1], [2, 2]], -tf.ones([2, 4])),
                tf.tensor_scatter_nd_add(x, [[0, 1], [0, 1]], tf.ones([2, 4])),
                tf.tensor_scatter_nd_sub(x, [[1, 1]], tf.ones([1, 4])),
                tf.tensor_scatter_nd_max(x, [[1]], tf.zeros([1, 5, 4])), tf.tensor_scatter_nd_min(x, [[2]], tf.zeros([1, 5, 4])),
                v1.sparse_to_dense([[0, 1], [2, 3]], [3, 5], [7.0, 8.0], -1.0),
                v1.sparse_to_dense([1, 4], [6], 3.0),
                tf.unique(tf.reshape(ids, [-1]))[0], tf.unique(tf.reshape(ids, [-1]))[1],
                tf.rank(x), tf.shape_n([x, flat])[1], tf.broadcast_dynamic_shape(tf.shape(x), [5, 1]),
                tf.linalg.band_part(x, 1, 2), tf.linalg.band_part(x, -1, 0), tf.roll(x, [2, -1], [1, 2]),
                tf.reduce_all(x > -0.5, 1), tf.reduce_any(x > 0.9, [0, 2]), tf.math.is_finite(x / (x - x[0:1])),
                tf.math.is_inf(1.0 / x[:, :, 1]), tf.math.divide_no_nan(x, tf.round(x)),
                tf.math.multiply_no_nan(x, tf.round(x)), tf.math.xlogy(tf.round(x), tf.abs(x)),
                tf.math.xdivy(tf.round(x), x), tf.math.atan2(x, x[:, :, ::-1]), tf.math.asinh(x),
                tf.math.acosh(tf.abs(x) + 1.0), tf.math.atanh(tf.tanh(x) * 0.9), tf.math.rint(x * 3.0),
                tf.truncatemod(ids - 7, 3), tf.truncatediv(ids - 7, 3), tf.math.floormod(ids - 7, 3),
                tf.bitwise.left_shift(ids, 2), tf.bitwise.right_shift(ids, 1), tf.bitwise.invert(ids),
                tf.bitwise.bitwise_xor(ids, 6), tf.nn.l2_loss(x), tf.math.reduce_euclidean_norm(x, 2),
                tf.linalg.det(x[:, :4, :] + 2.0 * tf.eye(4)),
                tf.quantization.fake_quant_with_min_max_args(x, -0.7, 0.9, num_bits=6),
                tf.quantization.fake_quant_with_min_max_vars(x, -0.5, 0.8, narrow_range=True),
                tf.quantization.fake_quant_with_min_max_vars_per_channel(x, [-1.0, -0.5, -0.2, 0.0],
                                                                         [1.0, 0.5, 0.9, 0.3]),
                v1.nn.batch_norm_with_global_normalization(x, tf.constant([0.1, -0.2, 0.0, 0.3]),
                                                           tf.constant([1.5, 0.5, 1.0, 2.0]),
                                                           tf.constant([0.0, 0.1, 0.2, 0.3]),
                                                           tf.constant([1.0, 2.0, 0.5, 1.5]), 1e-3, True),
                v1.Print(x, [ids], "ids: ") * 2.0]
        with tf.control_dependencies([v1.Assert(tf.reduce_all(lengths >= 0), [lengths])]):
            outs.append(tf.identity(x) + 1.0)
        feeds = {x: rng.normal(0, 1, (3, 5, 4)).astype(np.float32), ids: rng.integers(0, 6, (3, 5)).astype(np.int32),
                 lengths: np.array([5, 2, 0], np.int32)}
        return feeds, _named(tf, outs, "op")

    _save(out_dir, "tf1_ops", *_freeze(build))


def ctc_decoder(out_dir: str, seed: int = 28) -> None:
    """CTCGreedyDecoder (a CRNN's last op) with repeats merged and not, a custom blank, and short sequences; the
    sparse result also as the dense tensor a model makes of it (SparseToDense)."""
    rng = np.random.default_rng(seed)

    def build(tf):
        v1, raw = tf.compat.v1, tf.raw_ops
        logits = v1.placeholder(tf.float32, [12, 3, 5], name="logits")
        lengths = v1.placeholder(tf.int32, [3], name="lengths")
        outs = []
        for merge, blank in ((True, -1), (False, -1), (True, 0)):
            decoded = raw.CTCGreedyDecoder(inputs=logits, sequence_length=lengths, merge_repeated=merge,
                                           blank_index=blank)
            outs += list(decoded)
        sparse = v1.nn.ctc_greedy_decoder(logits, lengths)[0][0]
        outs.append(v1.sparse_tensor_to_dense(sparse, default_value=-1))
        values = rng.normal(0, 1, (12, 3, 5)).astype(np.float32)
        values[3:6, 0] = values[3, 0]                                   # repeats to merge
        return {logits: values, lengths: np.array([12, 7, 0], np.int32)}, _named(tf, outs, "ctc")

    _save(out_dir, "ctc_decoder", *_freeze(build))


BUILDERS = {"tf1_image_ops": tf1_image_ops, "ctc_decoder": ctc_decoder, "tf1_ops": tf1_ops, "random_seeded": random_seeded, "random_in_loop": random_in_loop, "dropout_rnn": dropout_rnn,
            "dropout_unseeded": dropout_unseeded, "keep_prob": keep_prob_default}
SMALL = list(BUILDERS)


def run_builders(builders: dict, argv, description: str) -> int:
    """The CLI of the TF1 golden makers: --out DIR, --only NAME... ('small' or nothing: every builder)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", required=True, help="folder for the .pb and .npz files")
    parser.add_argument("--only", nargs="*", help=f"model names, or 'small' for all of {list(builders)}")
    ns = parser.parse_args(argv)
    names = ns.only or list(builders)
    if "small" in names:
        names = [n for n in names if n != "small"] + list(builders)
    os.makedirs(ns.out, exist_ok=True)
    for name in names:
        if name not in builders:
            print(f"unknown model {name}", file=sys.stderr)
            return 2
        builders[name](ns.out)
    return 0


def main(argv=None) -> int:
    return run_builders(BUILDERS, argv, __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
