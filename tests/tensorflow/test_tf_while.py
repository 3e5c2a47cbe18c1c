"""TF functional While / StatelessWhile (what tf.while_loop and Keras RNN layers freeze into) become the
canonical Loop: checked against a plain Python loop of the same arithmetic, through the .om."""
from __future__ import annotations

import numpy as np

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.tensorflow.tf_builder import DType, GraphDefBuilder, add_function

F32, I32 = DType(np.float32), DType(np.int32)


def _while_graph(op: str):
    """i = 0; while i < limit: x = x * 0.5 + w; i = i + 1   (limit is a graph input, w an outer constant
    passed as a loop variable, as TF does)."""
    g = GraphDefBuilder()
    g.placeholder("x", (2, 3))
    g.placeholder("limit", (), np.int32)
    g.const("i0", np.array(0, np.int32))
    g.const("w", np.arange(6, dtype=np.float32).reshape(2, 3) / 10)
    INT, FLT = 3, 1
    args = [("i", INT), ("x", FLT), ("lim", INT), ("w", FLT)]
    add_function(g, "cond_fn", args, [("ok", 10)], [("less", "Less", ["i", "lim"], {"T": I32})], {"ok": "less:z:0"})
    add_function(g, "body_fn", args, [("i1", INT), ("x1", FLT), ("lim1", INT), ("w1", FLT)],
              [("one", "Const", [], {"dtype": I32, "value": np.array(1, np.int32)}),
               ("half", "Const", [], {"dtype": F32, "value": np.array(0.5, np.float32)}),
               ("inc", "AddV2", ["i", "one:output:0"], {"T": I32}),
               ("scaled", "Mul", ["x", "half:output:0"], {"T": F32}),
               ("next", "AddV2", ["scaled:z:0", "w"], {"T": F32})],
              {"i1": "inc:z:0", "x1": "next:z:0", "lim1": "lim", "w1": "w"})
    n = g.graph.node.add(name="loop", op=op)
    n.input.extend(["i0", "x", "limit", "w"])
    n.attr["cond"].func.name = "cond_fn"
    n.attr["body"].func.name = "body_fn"
    g.node("out", "Identity", ["loop:1"], T=F32)
    g.node("count", "Identity", ["loop:0"], T=I32)
    return g


def _reference(x, limit):
    w = np.arange(6, dtype=np.float32).reshape(2, 3) / 10
    i = 0
    while i < limit:
        x = x * np.float32(0.5) + w
        i += 1
    return x, i


def test_while_becomes_loop_and_runs(tmp_path):
    for op in ("While", "StatelessWhile"):
        pb = _while_graph(op).save(tmp_path, f"{op}.pb")
        om = api.convert(ConvertOptions(framework=3, model=pb, output=str(tmp_path / op), precision_mode="force_fp32",
                                        input_shape=(("x", (2, 3)), ("limit", ())),
                                        out_nodes=(("out", 0), ("count", 0))))
        sess = Session(om)
        assert "Loop" in {o.type for o in sess.graph.ops()}
        x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
        for limit in (0, 1, 6):
            got = sess.run({"x": x, "limit": np.array(limit, np.int32)})
            want_x, want_i = _reference(x, limit)
            np.testing.assert_allclose(got["out:0"], want_x, rtol=1e-6)
            assert int(got["count:0"]) == want_i


# The golden tf_while_loop.pb/.npz (a tf.while_loop frozen by TensorFlow 2.21 with convert_variables_to_constants_v2
# and lower_control_flow=False, so it stays a StatelessWhile) is checked by test_tf_end_to_end.py's golden test.
