"""Random ops against TensorFlow 2.21 (goldens by tools/make_tf1_models.py): fixed seeds give TensorFlow's numbers
(integers and uniforms bit for bit, normals to a few float32 ulps of libm), draws inside a loop advance the op's
stream, seeds 0 draw fresh numbers per run, dropout keeps TensorFlow's elements, and a PlaceholderWithDefault is
an input only when --input_shape names it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from converter.api import build_graph
from converter.errors import ConverterError
from converter.ir import DataType, Graph, Op, TensorDesc
from converter.ops import philox
from converter.options import ConvertOptions
from converter.proto import tf_graph_pb2 as tfpb
from converter.runtime import Session

GOLDEN = Path(__file__).parent / "golden"


def _golden(name: str, precision: str = "force_fp32", inputs=None):
    data = np.load(GOLDEN / f"{name}.npz")
    feeds = {k.split(":", 1)[1].rsplit(":", 1)[0]: data[k] for k in data.files if k.startswith("input:")}
    outs = [k.split(":", 1)[1] for k in data.files if k.startswith("output:")]
    names = feeds if inputs is None else inputs
    opts = ConvertOptions(framework=3, model=str(GOLDEN / f"{name}.pb"), precision_mode=precision,
                          input_shape=tuple((k, feeds[k].shape) for k in names),
                          out_nodes=tuple((o.rsplit(":", 1)[0], int(o.rsplit(":", 1)[1])) for o in outs))
    return build_graph(opts), {k: feeds[k] for k in names}, [data["output:" + o] for o in outs], outs


def _producers(name: str) -> dict:
    """Output node -> the op types that feed it (through Identity), from the frozen graph."""
    graph = tfpb.GraphDef()
    graph.ParseFromString((GOLDEN / f"{name}.pb").read_bytes())
    nodes = {n.name: n for n in graph.node}
    found = {}
    for node in graph.node:
        if node.op == "Identity" and node.name.startswith("r"):
            kinds, stack = set(), [node.input[0].split(":")[0]]
            while stack:
                n = nodes[stack.pop().lstrip("^").split(":")[0]]
                kinds.add(n.op)
                stack += [i for i in n.input if not i.startswith("^")] if n.op not in ("Const", "Placeholder") else []
            found[node.name] = kinds
    return found


NORMALS = {"RandomStandardNormal", "TruncatedNormal", "StatelessRandomNormal", "StatelessTruncatedNormal",
           "StatelessRandomNormalV2", "StatelessTruncatedNormalV2"}


def test_seeded_random_ops_draw_tensorflows_numbers():
    """Bit for bit, but for float32/float64 normals: TF computes some of its sines and cosines with vectorised
    libm code, a last-bit difference at times (most are bit-identical too)."""
    graph, feeds, wants, names = _golden("random_seeded")
    kinds = _producers("random_seeded")
    got = Session(graph).run_outputs(feeds)
    exact = 0
    for value, want, name in zip(got, wants, names):
        assert value.dtype == want.dtype and value.shape == want.shape, name
        if kinds[name.split(":")[0]] & NORMALS and want.dtype != np.float16:
            ulp = np.spacing(np.abs(want).astype(want.dtype)).astype(np.float64)
            assert np.all(np.abs(value.astype(np.float64) - want) <= 2 * ulp), name
            exact += np.array_equal(value, want)
        else:
            np.testing.assert_array_equal(value, want, err_msg=name)
            exact += 1
    assert exact >= 30 and len(names) == 36


def test_the_stateless_v1_ops_become_the_seed_scramble_and_the_v2_op():
    graph, _, _, _ = _golden("random_seeded")
    types = [op.type for op in graph.ops()]
    assert "StatelessRandomGetKeyCounter" not in types    # constant seeds: key and counter folded to constants
    assert not {"StatelessRandomUniform", "StatelessRandomNormal", "StatelessTruncatedNormal"} & set(types)
    assert {"TruncatedNormal", "RandomUniformInt", "Multinomial", "RandomShuffle", "StatelessMultinomial",
            "StatelessRandomUniformV2", "StatelessRandomNormalV2", "StatelessTruncatedNormalV2",
            "StatelessRandomUniformIntV2"} <= set(types)


def test_a_random_op_in_a_loop_draws_its_next_numbers_each_iteration():
    """TensorFlow's While with parallel_iterations=1; the same .om run twice gives the same numbers."""
    graph, feeds, wants, _ = _golden("random_in_loop")
    sess = Session(graph)
    for _ in range(2):
        for value, want in zip(sess.run_outputs(feeds), wants):
            np.testing.assert_array_equal(value, want)


def test_seeded_dropout_in_lstm_and_gru_nets_equals_tensorflow():
    graph, feeds, wants, _ = _golden("dropout_rnn")
    assert sum(op.type == "RandomUniform" for op in graph.ops()) >= 10
    for value, want in zip(Session(graph).run_outputs(feeds), wants):
        np.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-6)


def test_unseeded_dropout_keeps_tensorflows_values_for_about_keep_prob_of_the_elements():
    graph, feeds, (want,), _ = _golden("dropout_unseeded")
    x = feeds["input"]
    scale = np.float32(1) / (np.float32(1) - np.float32(0.3))     # TF: x * (1 / (1 - rate)), in float32
    runs = [Session(graph).run_outputs(feeds)[0] for _ in range(3)]
    tf_kept = want != 0
    for got in runs:
        kept = got != 0
        np.testing.assert_array_equal(got[kept], (x * scale)[kept])
        np.testing.assert_array_equal(got[kept & tf_kept], want[kept & tf_kept])
        # binomial(1280, 0.7): 4 standard deviations are 0.05
        assert abs(kept.mean() - 0.7) < 0.05 and abs(tf_kept.mean() - 0.7) < 0.05
    assert not np.array_equal(runs[0], runs[1])     # seeds 0: a fresh mask on every run


def test_a_session_random_seed_fixes_unseeded_draws():
    graph, feeds, _, _ = _golden("dropout_unseeded")
    first, again, other = (Session(graph, random_seed=s).run_outputs(feeds)[0] for s in (3, 3, 4))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("name, inputs", [("keep_prob_fed", ["input", "keep_prob"]), ("keep_prob_default", ["input"])])
def test_placeholder_with_default_fed_or_defaulted(name, inputs):
    """keep_prob named in --input_shape is an input (fed 0.6); not named, it is its default 1.0."""
    graph, feeds, (want,), _ = _golden(name)
    assert [op.name for op in graph.data_ops()] == inputs
    np.testing.assert_allclose(Session(graph).run_outputs(feeds)[0], want, rtol=1e-6, atol=1e-6)


def test_the_default_precision_keeps_the_seeded_draws():
    """force_fp16: the random ops still draw fp32 (their dtype), so integer and uniform outputs stay exact."""
    graph, feeds, wants, names = _golden("random_seeded", "force_fp16")
    got = Session(graph).run_outputs(feeds)
    for value, want, name in zip(got, wants, names):
        if want.dtype.kind in "iu" or name in ("r0:0", "r3:0"):
            np.testing.assert_array_equal(value, want, err_msg=name)


# ---- the generator itself -------------------------------------------------------------------------

def test_the_counter_carries_into_its_high_half():
    gen = philox.Philox((1, 2), (1 << 64) - 2)
    words = gen.words(4)
    np.testing.assert_array_equal(words[2:], philox.Philox((1, 2), 1 << 64).words(2))
    np.testing.assert_array_equal(words, gen.words_at(np.arange(4)))


def test_stateless_key_counter_matches_the_v1_ops():
    """StatelessRandomUniform(seed) is StatelessRandomUniformV2 on the scrambled key and counter."""
    key, counter = philox.stateless_key_counter(17, 29)
    assert key.dtype == np.uint64 and counter.shape == (2,) and counter[0] == 0
    gen = philox.Philox.from_key_counter(key, counter)
    data = np.load(GOLDEN / "random_seeded.npz")
    np.testing.assert_array_equal(philox.uniform(gen, 35).reshape(5, 7), data["output:r3:0"])


def test_multinomial_never_picks_a_class_of_zero_probability():
    gen = philox.Philox.from_seeds(1, 2)
    logits = np.array([[-np.inf, 0.0, -np.inf, 1.0], [0.0, -np.inf, -np.inf, -np.inf]], np.float32)
    samples = philox.multinomial(gen, logits, 200)
    assert set(samples[0].tolist()) == {1, 3} and set(samples[1].tolist()) == {0}


def test_shuffle_is_a_permutation():
    order = philox.shuffle_order(philox.Philox.from_seeds(3, 4), 50)
    assert sorted(order.tolist()) == list(range(50)) and order.tolist() != list(range(50))


def _random_graph(op_type: str, inputs: list, attrs: dict) -> Graph:
    g = Graph("g")
    refs = []
    for i, value in enumerate(inputs):
        g.add_const(f"c{i}", np.asarray(value))
        refs.append((f"c{i}", 0))
    g.add(Op("r", op_type, attrs, [TensorDesc(dtype=DataType.DT_FLOAT, shape=None)]), refs)
    g.add(Op("out", "NetOutput", {"output_names": ["r"]}), [("r", 0)])
    return g


@pytest.mark.parametrize("op_type, inputs, attrs, message", [
    ("RandomUniform", [np.array([-1, 3], np.int32)], {}, "not a valid output shape"),
    ("RandomUniform", [np.array([2, 3], np.int32)], {"dtype": int(DataType.DT_INT32)}, "not supported"),
    ("RandomUniformInt", [np.array([2], np.int32), np.int32(5), np.int32(5)], {}, "less than maxval"),
    ("Multinomial", [np.zeros((2, 0), np.float32), np.int32(3)], {}, "at least one class"),
    ("StatelessRandomUniformV2", [np.array([2], np.int32), np.zeros(1, np.uint64), np.zeros(2, np.uint64),
                                  np.int32(2)], {}, "algorithm"),
])
def test_bad_random_op_inputs_are_e_coded(op_type, inputs, attrs, message):
    with pytest.raises(ConverterError, match=message) as info:
        Session(_random_graph(op_type, inputs, attrs)).run({})
    assert info.value.code == "E10001"
