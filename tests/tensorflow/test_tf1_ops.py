"""The TF1 op set beyond the basics (goldens tf1_ops and tf1_image_ops by tools/make_tf1_models.py, TensorFlow 2.21 in
graph mode): which outputs equal TensorFlow's bit for bit, the default precision, v1 Select when ranks are known
only at run time, and the E-coded refusals of bad inputs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from converter.api import build_graph
from converter.errors import ConverterError
from converter.frontends.tensorflow import load_tf_graph
from converter.ir import DataType, Graph, Op, TensorDesc
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.tensorflow.tf_builder import DType, GraphDefBuilder

GOLDEN = Path(__file__).parent / "golden"
F32 = DType(np.float32)


def _golden(name: str, precision: str = "force_fp32"):
    data = np.load(GOLDEN / f"{name}.npz")
    feeds = {k.split(":", 1)[1].rsplit(":", 1)[0]: data[k] for k in data.files if k.startswith("input:")}
    outs = [k.split(":", 1)[1] for k in data.files if k.startswith("output:")]
    opts = ConvertOptions(framework=3, model=str(GOLDEN / f"{name}.pb"), precision_mode=precision,
                          input_shape=tuple((k, v.shape) for k, v in feeds.items()),
                          out_nodes=tuple((o.rsplit(":", 1)[0], int(o.rsplit(":", 1)[1])) for o in outs))
    graph = build_graph(opts)
    got = Session(graph).run_outputs(feeds)
    return graph, dict(zip(outs, got)), {o: data["output:" + o] for o in outs}


def test_image_ops_equal_tensorflow():
    """CropAndResize, ExtractImagePatches and every NMS index bit for bit; ResizeArea to float32 rounding (TF sums
    in another order); soft-NMS scores to an ulp (expf)."""
    graph, got, want = _golden("tf1_image_ops")
    types = {op.type for op in graph.ops()}
    assert {"ResizeArea", "CropAndResize", "ExtractImagePatches", "NonMaxSuppressionV5",
            "NonMaxSuppressionWithOverlaps"} <= types
    for name in want:
        index = int(name[3:].split(":")[0])
        if index <= 3 or index == 15:
            np.testing.assert_allclose(got[name], want[name], rtol=1e-6, atol=1e-7, err_msg=name)
        else:
            assert got[name].dtype == want[name].dtype, name
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def test_image_ops_in_the_default_precision():
    """force_fp16: the NMS ops keep fp32 (no_fp16), so the selections are TensorFlow's."""
    _, got, want = _golden("tf1_image_ops", "force_fp16")
    for name in want:
        if want[name].dtype.kind in "iu":
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)
        else:
            scale = float(np.abs(want[name]).max()) or 1.0
            np.testing.assert_allclose(got[name], want[name], atol=4e-3 * scale, err_msg=name)


def test_tf1_ops_equal_tensorflow():
    """Exact but where TF's libm or summation order differ: atan2, asinh/acosh/atanh, det, FakeQuant (an ulp)."""
    graph, got, want = _golden("tf1_ops")
    assert not {"Assert", "Print"} & {op.type for op in graph.ops()}
    near = {41, 43, 44, 45, 46, 57, 59, 60}
    for name in want:
        if int(name[2:].split(":")[0]) in near:
            np.testing.assert_allclose(got[name], want[name], rtol=2e-6, atol=3e-6, err_msg=name)
        else:
            assert got[name].dtype == want[name].dtype, name
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def test_ctc_greedy_decoder_equals_tensorflow():
    """Merged and unmerged repeats, blank 0 or last, an empty sequence; the sparse result and its dense form."""
    graph, got, want = _golden("ctc_decoder")
    assert sum(op.type == "CTCGreedyDecoder" for op in graph.ops()) == 4
    for name in want:
        assert got[name].dtype == want[name].dtype, name
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


@pytest.mark.parametrize("cond_shape", [(4,), (4, 2, 3), ()])
def test_v1_select_when_ranks_are_known_only_at_run_time(tmp_path, cond_shape):
    """Placeholders of unknown rank: the cond is reshaped at run time to pick rows, elements, or everything."""
    g = GraphDefBuilder()
    g.placeholder("cond", None, np.bool_)
    g.placeholder("x", None)
    g.node("neg", "Neg", ["x"], T=F32)
    g.node("out", "Select", ["cond", "x", "neg"], T=F32)
    graph = load_tf_graph(g.save(tmp_path), {}, ["out"])
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 2, 3)).astype(np.float32)
    cond = rng.uniform(size=cond_shape) > 0.5
    got = Session(graph).run({"cond": cond, "x": x})["out:0"]
    want = np.where(cond.reshape(cond.shape + (1,) * (3 - cond.ndim)), x, -x)
    np.testing.assert_array_equal(got, want)


def _graph(op_type: str, inputs: list, attrs: dict, n_out: int = 1) -> Graph:
    g = Graph("g")
    refs = []
    for i, value in enumerate(inputs):
        g.add_const(f"c{i}", np.asarray(value))
        refs.append((f"c{i}", 0))
    g.add(Op("op", op_type, attrs, [TensorDesc(dtype=DataType.DT_FLOAT, shape=None) for _ in range(n_out)]), refs)
    g.add(Op("out", "NetOutput", {"output_names": ["op"]}), [("op", 0)])
    return g


IMAGE = np.zeros((1, 4, 4, 1), np.float32)


@pytest.mark.parametrize("op_type, inputs, attrs, message", [
    ("CropAndResize", [IMAGE, np.zeros((1, 4), np.float32), np.array([1], np.int32), np.array([2, 2], np.int32)],
     {}, "box_index"),
    ("CropAndResize", [IMAGE, np.full((1, 4), np.nan, np.float32), np.array([0], np.int32),
                       np.array([2, 2], np.int32)], {}, "finite"),
    ("ResizeArea", [IMAGE, np.array([0, 2], np.int32)], {}, "positive"),
    ("NonMaxSuppressionV5", [np.zeros((3, 4), np.float32), np.zeros(3, np.float32), np.int32(2), np.float32(1.5),
                             np.float32(0), np.float32(0)], {}, "iou_threshold"),
    ("MatrixDiag", [np.ones((2, 3), np.float32), np.array([0, 1], np.int32), np.int32(-1), np.int32(-1),
                    np.float32(0)], {}, "one diagonal"),
    ("FakeQuantWithMinMaxVars", [np.ones(3, np.float32), np.float32(1), np.float32(0)], {}, "min must not exceed"),
    ("SegmentSum", [np.ones((3, 2), np.float32), np.array([1, 0, 1], np.int32)], {}, "sorted"),
    ("UnsortedSegmentSum", [np.ones((3, 2), np.float32), np.array([0, 5, 1], np.int32), np.int32(3)], {},
     "below the number"),
    ("Roll", [np.ones((3, 2), np.float32), np.array([1, 2], np.int32), np.array([3], np.int32)], {}, "pair up"),
    ("BroadcastArgs", [np.array([2, 3], np.int32), np.array([4], np.int32)], {}, "do not broadcast"),
])
def test_bad_inputs_are_e_coded(op_type, inputs, attrs, message):
    with pytest.raises(ConverterError, match=message) as info:
        Session(_graph(op_type, inputs, attrs)).run({})
    assert info.value.code == "E10001"


def test_what_stays_unsupported_is_listed_at_once_with_every_op_counted(tmp_path):
    """The random distributions TF draws by rejection (gamma, Poisson) and special functions: one E11009 naming
    every type with its count, before anything is built."""
    g = GraphDefBuilder()
    g.placeholder("x", (4,))
    g.const("shape", np.array([3], np.int32))
    g.node("gamma1", "RandomGamma", ["shape", "x"], T=F32, S=DType(np.int32), seed=1, seed2=2)
    g.node("gamma2", "RandomGamma", ["shape", "x"], T=F32, S=DType(np.int32), seed=3, seed2=4)
    g.node("poisson", "RandomPoissonV2", ["shape", "x"], dtype=F32, R=F32, S=DType(np.int32))
    g.node("lg1", "Lgamma", ["x"], T=F32)
    g.node("lg2", "Lgamma", ["lg1"], T=F32)
    g.node("lg3", "Lgamma", ["lg2"], T=F32)
    g.node("sum", "AddN", ["lg3", "x"], T=F32, N=2)
    with pytest.raises(ConverterError) as info:
        load_tf_graph(g.save(tmp_path), {"x": (4,)}, ["gamma1", "gamma2", "poisson", "sum"])
    message = info.value.message
    assert info.value.code == "E11009" and message.startswith("3 TensorFlow op type(s) have no converter")
    for part in ("Lgamma x3 (e.g. lg1, lg2, lg3)", "RandomGamma x2 (e.g. gamma1, gamma2)", "RandomPoissonV2 x1"):
        assert part in message, message
