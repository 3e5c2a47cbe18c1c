"""TF1 control flow (Switch/Merge, while frames, TensorArrayV3) converted to the canonical If/Loop and sequence ops:
goldens made by TensorFlow 2.21 with control flow v1 (tools/make_tf1_control_flow.py), the refusal message that
counts nodes reached only through control edges, dead-branch folding, and structures that cannot be converted."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from converter.api import build_graph, convert
from converter.errors import ConverterError
from converter.frontends.tensorflow import convert as tf_convert
from converter.frontends.tensorflow import load_tf_graph
from converter.frontends.tensorflow.reader import load_graphdef
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.tensorflow.tf_builder import DType, GraphDefBuilder

GOLDEN = Path(__file__).parent / "golden" / "control_flow"
F32, BOOL, I32 = DType(np.float32), DType(np.bool_), DType(np.int32)
LOOP_OPS = {"Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"}
# golden case -> (model, the TF1 control-flow ops its frozen graph must hold)
CASES = {
    "lstm_dynamic_rnn": ("lstm_dynamic_rnn", LOOP_OPS | {"TensorArrayV3", "TensorArrayWriteV3"}),
    "gru_sequence_length": ("gru_sequence_length", LOOP_OPS | {"TensorArrayV3"}),
    "gru_sequence_length_short": ("gru_sequence_length", LOOP_OPS),
    "bidirectional_rnn": ("bidirectional_rnn", LOOP_OPS | {"TensorArrayV3"}),
    "counting_while": ("counting_while", LOOP_OPS),
    "counting_while_zero": ("counting_while", LOOP_OPS),
    "nested_while": ("nested_while", LOOP_OPS),
    "growing_while": ("growing_while", LOOP_OPS),
    "cond_shapes": ("cond_shapes", {"Switch", "Merge"}),
    "cond_shapes_false": ("cond_shapes", {"Switch", "Merge"}),
    "cond_shapes_negative": ("cond_shapes", {"Switch", "Merge"}),
    "scan": ("scan", LOOP_OPS | {"TensorArrayV3", "TensorArrayScatterV3", "TensorArrayGatherV3"}),
    "tensor_arrays": ("tensor_arrays", LOOP_OPS | {"TensorArraySplitV3", "TensorArrayConcatV3", "TensorArraySizeV3"}),
}


def _golden(case: str):
    data = np.load(GOLDEN / f"{case}.npz")
    feeds = {k.split(":", 1)[1].rsplit(":", 1)[0]: data[k] for k in data.files if k.startswith("input:")}
    outs = [k.split(":", 1)[1] for k in data.files if k.startswith("output:")]
    return data, feeds, outs


def _options(case: str, precision: str, **kw) -> ConvertOptions:
    data, feeds, outs = _golden(case)
    return ConvertOptions(framework=3, model=str(GOLDEN / f"{CASES[case][0]}.pb"), precision_mode=precision,
                          input_shape=tuple((k, tuple(v.shape)) for k, v in feeds.items()),
                          out_nodes=tuple((o.rsplit(":", 1)[0], int(o.rsplit(":", 1)[1])) for o in outs), **kw)


def _compare(results: dict, data, outs, precision: str) -> None:
    assert list(results) == outs
    for key in outs:
        ref, got = data["output:" + key], np.asarray(results[key])
        assert got.shape == ref.shape, key
        if precision == "force_fp32":
            np.testing.assert_allclose(got.astype(np.float64), ref, rtol=0, atol=1e-5, err_msg=key)
            continue
        a, b = got.astype(np.float64).ravel(), ref.astype(np.float64).ravel()
        if not np.any(b):
            np.testing.assert_array_equal(a, b, err_msg=key)
        else:
            assert a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) >= 0.999, key


@pytest.mark.parametrize("case", sorted(CASES))
def test_frozen_graph_holds_tf1_control_flow(case):
    model, needed = CASES[case]
    held = Counter(n.op for n in load_graphdef(str(GOLDEN / f"{model}.pb")).node)
    assert needed <= set(held), sorted(needed - set(held))


@pytest.mark.parametrize("precision", ["force_fp32", "force_fp16"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_matches_tensorflow(case, precision):
    """force_fp32: every output within 1e-5 of TensorFlow's; force_fp16 (the default): cosine >= 0.999."""
    data, feeds, outs = _golden(case)
    graph = build_graph(_options(case, precision))
    types = {op.type for op in graph.ops()}
    assert not types & LOOP_OPS and ("If" in types or "Loop" in types)
    _compare(Session(graph).run(feeds), data, outs, precision)


@pytest.mark.parametrize("case", ["lstm_dynamic_rnn", "nested_while", "cond_shapes_false", "tensor_arrays"])
def test_golden_through_the_om_file(tmp_path, case):
    data, feeds, outs = _golden(case)
    om = convert(_options(case, "force_fp32", output=str(tmp_path / case)))
    _compare(Session(om).run(feeds), data, outs, "force_fp32")


def test_loop_structure_of_dynamic_rnn():
    """One Loop; the LSTM weights (Enter is_constant of frozen variables) are constants inside its body, the
    TensorArrays are sequences (written inside, gathered after)."""
    graph = build_graph(_options("lstm_dynamic_rnn", "force_fp32"))
    loops = [op for op in graph.ops() if op.type == "Loop"]
    assert len(loops) == 1
    body = loops[0].subgraphs["body"]
    body_types = Counter(op.type for op in body.ops())
    assert body_types["MatMulV2"] >= 1 and body_types["SequenceSetItem"] == 1 and body_types["SequenceAt"] == 1
    weights = [op for op in body.ops() if op.type == "Const" and op.value.size >= 6 * 4]
    assert weights, "the kernel should be a Const inside the body"
    assert Counter(op.type for op in graph.ops())["SequenceGather"] == 1


def test_nested_loop_reads_the_outer_counter():
    graph = build_graph(_options("nested_while", "force_fp32"))
    outer = next(op for op in graph.ops() if op.type == "Loop")
    inner = [op for op in outer.subgraphs["body"].ops() if op.type == "Loop"]
    assert len(inner) == 1
    data, feeds, outs = _golden("nested_while")
    session = Session(graph)
    for n in (0, 1, 5):
        got = session.run({"n": np.array(n, np.int32), "x": feeds["x"]})
        assert int(got["count:0"]) == n


def test_assert_nodes_are_dropped_with_a_note():
    with pytest.warns(Warning, match=r"1 TensorFlow Assert node\(s\) dropped \(e\.g\. rnn/Assert/Assert\)"):
        build_graph(_options("gru_sequence_length", "force_fp32"))


# ---- the refusal message counts nodes reached only through control edges ---------------------------------------

def test_refusal_counts_switches_reached_only_through_control_edges(monkeypatch):
    """cond_shapes holds 9 Switches; the pivot ones (Switch(pred, pred)) are read only by Identity nodes that
    constants reach through control edges. With Switch made unsupported, all 9 are counted."""
    switches = sum(n.op == "Switch" for n in load_graphdef(str(GOLDEN / "cond_shapes.pb")).node)
    assert switches == 9
    supported = tf_convert.is_supported
    monkeypatch.setattr(tf_convert, "is_supported", lambda op_type: op_type != "Switch" and supported(op_type))
    with pytest.raises(ConverterError) as err:
        build_graph(_options("cond_shapes", "force_fp32"))
    assert err.value.code == "E11009" and "Switch x9" in str(err.value)


def test_refusal_lists_ops_inside_loop_bodies_and_branches_at_once(monkeypatch):
    """Unsupported ops in a while body and in a tf.cond inside it are listed together, before any rewriting."""
    supported = tf_convert.is_supported
    monkeypatch.setattr(tf_convert, "is_supported", lambda op_type: op_type not in ("Tanh", "Abs")
                        and supported(op_type))
    with pytest.raises(ConverterError) as err:
        build_graph(_options("counting_while", "force_fp32"))
    assert err.value.code == "E11009" and "Abs x1 (e.g. while/cond/Abs)" in str(err.value)
    assert "Tanh x1 (e.g. while/Tanh)" in str(err.value)


def test_refusal_counts_unknown_ops_behind_control_edges(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (2, 3))
    g.node("odd_data", "FancyOp", ["x"], T=F32)
    g.node("odd_guard", "FancyOp", ["x"], T=F32)           # only a control input of the Identity below
    g.node("odd_deeper", "OtherOp", ["x"], T=F32)          # only a control input of the const
    g.const("c", np.float32(1.0))
    g.graph.node[-1].input.append("^odd_deeper")
    g.node("sum", "AddV2", ["odd_data", "c"], T=F32)
    g.node("out", "Identity", ["sum", "^odd_guard"], T=F32)
    with pytest.raises(ConverterError) as err:
        load_tf_graph(g.save(tmp_path), {}, ["out"])
    text = str(err.value)
    assert "FancyOp x2 (e.g. odd_data, odd_guard)" in text and "OtherOp x1 (e.g. odd_deeper)" in text


def test_assert_inputs_are_not_needed(tmp_path):
    """An Assert reached through a control edge is dropped with its inputs (an unsupported op there is fine)."""
    g = GraphDefBuilder()
    g.placeholder("x", (2,))
    g.node("check", "OddStringOp", ["x"])
    g.node("guard", "Assert", ["check", "x"])
    g.node("out", "Relu", ["x", "^guard"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, ["out"])
    assert any("1 TensorFlow Assert node(s) dropped (e.g. guard)" in m for m in graph.meta["frontend_warnings"])
    x = np.array([-1.0, 2.0], np.float32)
    np.testing.assert_array_equal(Session(graph).run({"x": x})["out:0"], np.maximum(x, 0))


def test_check_numerics_passes_its_input_with_a_note(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (2,))
    g.node("checked", "CheckNumerics", ["x"], T=F32, message="bad")
    g.node("out", "Exp", ["checked"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, ["out"])
    assert any("1 TensorFlow CheckNumerics node(s) dropped (e.g. checked)" in m
               for m in graph.meta["frontend_warnings"])
    x = np.array([0.0, 1.0], np.float32)
    np.testing.assert_allclose(Session(graph).run({"x": x})["out:0"], np.exp(x))


# ---- dead branches ---------------------------------------------------------------------------------------------------

def _cond_on_batch(tmp_path):
    """out = tf.cond(shape(x)[0] > 1, lambda: reduce_sum(x, 0), lambda: x[0] * 2) built the way TF1 does (a
    pivot Switch, pivot Identities, a Const tied to its branch by a control edge)."""
    g = GraphDefBuilder()
    g.placeholder("x", (-1, 3))
    g.node("shape", "Shape", ["x"], T=F32, out_type=I32)
    for name, value in (("b", [0]), ("e", [1]), ("s", [1])):
        g.const(name, np.array(value, np.int32))
    g.node("batch", "StridedSlice", ["shape", "b", "e", "s"], T=I32, Index=I32, shrink_axis_mask=1)
    g.const("one", np.array(1, np.int32))
    g.node("pred", "Greater", ["batch", "one"], T=I32)
    g.node("cond/Switch", "Switch", ["pred", "pred"], T=BOOL)
    g.node("cond/switch_t", "Identity", ["cond/Switch:1"], T=BOOL)
    g.node("cond/switch_f", "Identity", ["cond/Switch"], T=BOOL)
    g.node("cond/pred_id", "Identity", ["pred"], T=BOOL)
    g.node("cond/Sum/Switch", "Switch", ["x", "cond/pred_id"], T=F32)
    g.const("cond/Sum/axis", np.array(0, np.int32))
    g.graph.node[-1].input.append("^cond/switch_t")
    g.node("cond/Sum", "Sum", ["cond/Sum/Switch:1", "cond/Sum/axis"], T=F32, Tidx=I32)
    g.node("cond/first/Switch", "Switch", ["x", "cond/pred_id"], T=F32)
    g.node("cond/first", "StridedSlice", ["cond/first/Switch", "b", "e", "s"], T=F32, Index=I32, shrink_axis_mask=1)
    g.const("cond/two", np.float32(2.0))
    g.graph.node[-1].input.append("^cond/switch_f")
    g.node("cond/double", "Mul", ["cond/first", "cond/two"], T=F32)
    g.node("cond/Merge", "Merge", ["cond/double", "cond/Sum"], T=F32, N=2)
    g.node("out", "Identity", ["cond/Merge"], T=F32)
    return g.save(tmp_path)


@pytest.mark.parametrize("batch", [1, 4])
def test_branch_of_a_predicate_known_from_shapes_is_folded(tmp_path, batch):
    path = _cond_on_batch(tmp_path)
    x = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3) - 2
    graph = build_graph(ConvertOptions(framework=3, model=path, input_shape=(("x", (batch, 3)),),
                                       out_nodes=(("out", 0),), precision_mode="force_fp32"))
    types = {op.type for op in graph.ops()}
    assert "If" not in types and ("ReduceSum" in types) == (batch > 1)
    want = x.sum(0) if batch > 1 else x[0] * 2
    np.testing.assert_allclose(Session(graph).run({"x": x})["out:0"], want)


def test_predicate_unknown_until_run_keeps_both_branches(tmp_path):
    path = _cond_on_batch(tmp_path)
    graph = load_tf_graph(path, {}, ["out"])     # batch left unknown: the If stays
    assert [op.type for op in graph.ops()].count("If") == 1
    session = Session(graph)
    for batch in (1, 3):
        x = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3)
        want = x.sum(0) if batch > 1 else x[0] * 2
        np.testing.assert_allclose(session.run({"x": x})["out:0"], want)


# ---- what cannot be converted is refused by name -----------------------------------------------------------------

def test_switch_without_merge_is_refused(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (2,))
    g.placeholder("p", (), np.bool_)
    g.node("sw", "Switch", ["x", "p"], T=F32)
    g.node("out", "Relu", ["sw:1"], T=F32)
    with pytest.raises(ConverterError) as err:
        load_tf_graph(g.save(tmp_path), {}, ["out"])
    assert err.value.code == "E11009" and err.value.node == "sw" and "only one branch" in str(err.value)


def test_loop_without_loop_cond_is_refused(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", ())
    g.node("w/Enter", "Enter", ["x"], T=F32, frame_name="w/ctx", is_constant=False)
    g.node("w/Merge", "Merge", ["w/Enter", "w/Next"], T=F32, N=2)
    g.node("w/Next", "NextIteration", ["w/Merge"], T=F32)
    g.node("w/Exit", "Exit", ["w/Merge"], T=F32)
    g.node("out", "Identity", ["w/Exit"], T=F32)
    with pytest.raises(ConverterError) as err:
        load_tf_graph(g.save(tmp_path), {}, ["out"])
    assert err.value.code == "E11009" and "LoopCond" in str(err.value)


def test_nodes_after_a_conditional_know_its_shape(tmp_path):
    """A v1 Select with a rank-1 condition picks rows of x: the handler needs x's rank, here the output of a
    conditional (known from its branches)."""
    g = GraphDefBuilder()
    g.placeholder("x", (3, 2))
    g.placeholder("p", (), np.bool_)
    g.placeholder("keep", (3,), np.bool_)
    g.node("sw", "Switch", ["x", "p"], T=F32)
    g.node("neg", "Neg", ["sw:1"], T=F32)
    g.node("merge", "Merge", ["sw", "neg"], T=F32, N=2)
    g.const("zeros", np.zeros((3, 2), np.float32))
    g.node("out", "Select", ["keep", "merge", "zeros"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, ["out"])
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    keep = np.array([True, False, True])
    for p in (False, True):
        got = Session(graph).run({"x": x, "p": np.array(p), "keep": keep})["out:0"]
        np.testing.assert_array_equal(got, np.where(keep[:, None], -x if p else x, 0))


# ---- damaged control flow ----------------------------------------------------------------------------------------

def _mutate(graphdef, rng) -> None:
    """One structural change: a node removed, an input dropped or redirected, an op type changed to another
    control-flow op, a control edge added, a frame name or is_constant changed."""
    nodes = list(graphdef.node)
    node, kind = rng.choice(nodes), rng.randrange(6)
    if kind == 0:
        graphdef.node.remove(node)
    elif kind == 1 and node.input:
        del node.input[rng.randrange(len(node.input))]
    elif kind == 2 and node.input:
        node.input[rng.randrange(len(node.input))] = rng.choice(nodes).name + rng.choice(["", ":1"])
    elif kind == 3:
        node.op = rng.choice(sorted(LOOP_OPS) + ["Identity"])
    elif kind == 4:
        node.input.append("^" + rng.choice(nodes).name)
    elif "frame_name" in node.attr:
        node.attr["frame_name"].s = rng.choice([b"x", node.attr["frame_name"].s + b"/z"])
        node.attr["is_constant"].b = not node.attr["is_constant"].b


def test_damaged_control_flow_gives_e_codes(tmp_path):
    """Seeded structural damage to TF1 loops and conditionals: an E-coded refusal (or a conversion), never a
    traceback nor E19999."""
    import random
    rng = random.Random(12)
    outputs = {"lstm_dynamic_rnn": ["outputs"], "cond_shapes": ["y", "v"], "nested_while": ["value", "count"],
               "tensor_arrays": ["out1", "out3"]}
    path = tmp_path / "damaged.pb"
    for _ in range(150):
        name = rng.choice(sorted(outputs))
        graphdef = load_graphdef(str(GOLDEN / f"{name}.pb"))
        for _ in range(rng.randint(1, 3)):
            _mutate(graphdef, rng)
        path.write_bytes(graphdef.SerializeToString())
        try:
            load_tf_graph(str(path), {}, outputs[name])
        except ConverterError as err:
            assert err.code != "E19999", err


@pytest.mark.parametrize("true_first", [False, True])
def test_merge_value_index_is_the_input_taken(tmp_path, true_first):
    g = GraphDefBuilder()
    g.placeholder("x", (2,))
    g.placeholder("p", (), np.bool_)
    g.node("sw", "Switch", ["x", "p"], T=F32)
    g.node("neg", "Neg", ["sw:1"], T=F32)
    g.node("merge", "Merge", ["neg", "sw"] if true_first else ["sw", "neg"], T=F32, N=2)
    g.node("index", "Identity", ["merge:1"], T=I32)
    graph = load_tf_graph(g.save(tmp_path), {}, ["merge", "index"])
    x = np.array([1.0, -2.0], np.float32)
    for p in (False, True):
        got = Session(graph).run({"x": x, "p": np.array(p)})
        np.testing.assert_array_equal(got["merge:0"], -x if p else x)
        assert int(got["index:0"]) == (int(p) if not true_first else int(not p))
