"""Real compiled .om files (../shared/fixtures/om): each runs on the CPU or is refused with one E11009 that
lists every op it cannot run; hh_om.om (ATC, Ascend 310) against the device's own output and TensorFlow."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from converter.ascend.fusion import is_fused
from converter.ascend.ge_graph import read_graph
from converter.ascend.lower import BOUNDARY_TYPES
from converter.ascend.table import find
from converter.errors import ConverterError, UnsupportedOpError
from converter.om.reader import read_om
from converter.runtime import Session
from converter.runtime.inputs import model_feeds, random_inputs

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("OM_FIXTURES", REPO.parent / "shared" / "fixtures" / "om"))
GOLDENS = REPO / "tests" / "data" / "ascend"
HH = FIXTURES / "hh_om.om"
HH_SOURCE = FIXTURES / "hh_source"

pytestmark = pytest.mark.skipif(not HH.is_file(), reason="real .om fixtures not found (../shared/fixtures/om)")

# what each refused fixture cannot run (op types GE's test data and the HiAI converter use, not GE built-ins)
REFUSED = {
    "ge_dynamic_and_static_graph_without_unfold.om": {"PartitionedCall"},
    "ge_flow_model.om": {"FakeOpNpu"},
    "ge_root_model.om": {"FakeOpNpu"},
    "hiai_aipp.om": {"Aipp", "AippConfig", "ConvTranspose", "Convolution"},
    "hiai_tf_conv_opversion_5.om": {"Convolution"},
    "hiai_tf_softmax_hcs_cpucl.om": {"GraphOp"},
    "hiai_tf_softmax_hcs_npucl.om": {"GraphOp"},
    "hiai_tf_use_origin_format.om": {"BNInference", "ConvolutionDepthwise"},
    "hh_om.om": {"compiled fusion op Abs+Mul+Mul+Add"},
}
RUNS = {"hiai_tf_softmax_no_infershaped.om", "hiai_tf_softmax_v100.om", "hiai_tf_softmax_infershaped.om"}


def _unknown_types(path: Path) -> set:
    """Op types of graph 0 outside the GE table, read straight from the file (for the 'full list' check)."""
    model = read_om(path).model_def
    return {op.type for op in read_graph(model.graph[0])
            if op.type not in BOUNDARY_TYPES + ("Const", "Constant", "FrameworkOp") and not is_fused(op)
            and find(op.type) is None}


def test_the_fixture_list_is_complete():
    assert {p.name for p in FIXTURES.glob("*.om")} == set(REFUSED) | RUNS


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_every_missing_kind(name):
    path = FIXTURES / name
    with pytest.raises(UnsupportedOpError) as info:
        Session(str(path))
    message = info.value.message
    assert info.value.code == "E11009"
    for kind in REFUSED[name] | _unknown_types(path):
        assert kind in message, (kind, message)
    assert f"{len(REFUSED[name])} kind(s)" in message


@pytest.mark.parametrize("name", sorted(RUNS))
def test_runs(name):
    sess = Session(str(FIXTURES / name))
    outs = sess.run(model_feeds(sess.graph, random_inputs(sess.graph, 0)))
    assert outs and all(np.all(np.isfinite(v.astype(np.float32))) for v in outs.values())


def test_hh_refusal_names_both_fusions_and_the_way_out():
    with pytest.raises(UnsupportedOpError) as info:
        Session(str(HH))
    message = info.value.message
    assert "x2" in message and "recognition/lrelu/Abs" in message and "--source" in message


@pytest.fixture(scope="module")
def hh():
    x = np.fromfile(HH_SOURCE / "hh_input0.bin", np.float32).reshape(100, 784)
    device = np.fromfile(HH_SOURCE / "hh_output0_device.bin", np.float32).reshape(100, 28, 28, 1)
    gold = np.load(GOLDENS / "hh_tf_goldens.npz")
    return x, device, gold


def _stats(a, b):
    a, b = np.asarray(a, np.float64).reshape(-1), np.asarray(b, np.float64).reshape(-1)
    return float(np.corrcoef(a, b)[0, 1]), float(np.abs(a - b).mean())


def test_hh_agrees_with_the_ascend_310_as_two_tensorflow_runs_agree(hh):
    x, device, gold = hh
    sess = Session(str(HH), source=str(HH_SOURCE / "hh.pb"), random_seed=0)
    notes = sess.graph.meta["lowering_notes"]
    assert sum("wiring taken from the source model" in n for n in notes) == 2
    out = sess.run({"input": x})["generation/output:0"]
    assert out.shape == (100, 28, 28, 1) and out.dtype == np.float32
    corr, mad = _stats(out, device)
    tf_corr, tf_mad = gold["tf_pairs_corr_mad"].T
    assert tf_corr.min() - 0.003 <= corr <= tf_corr.max() + 0.003, (corr, tf_corr.min(), tf_corr.max())
    assert tf_mad.min() - 0.002 <= mad <= tf_mad.max() + 0.002, (mad, tf_mad.min(), tf_mad.max())


def test_hh_deterministic_tensors_equal_tensorflows(hh):
    """The encoder's mean and stddev, and a whole run with TensorFlow's seeds, element by element (the .om
    computes in fp16: differences are fp16 rounding)."""
    x, _, gold = hh
    sess = Session(str(HH), source=str(HH_SOURCE / "hh.pb"))
    for op in sess.graph.ops():
        if op.type == "RandomStandardNormal":
            op.attrs["seed"], op.attrs["seed2"] = (int(s) for s in gold["fixed_seeds"])
    sess = Session(sess.graph)
    result = sess.run({"input": x}, capture=True)
    captured = result["__all__"]
    pairs = ((captured["recognition/w_mean/MatMuladd/part0_MatMulV2:0"], gold["mean"], 1e-2, 1.5e-3),
             (captured["recognition/w_stddev/MatMulmul/part0_MatMulV2:0"], gold["stddev"], 2e-3, 5e-4),
             (result["generation/output:0"][:8], gold["fixed_output_first8"], 1e-2, 5e-4))
    for got, want, max_abs, mean_abs in pairs:
        err = np.abs(np.asarray(got, np.float32) - want)
        assert err.max() <= max_abs and err.mean() <= mean_abs, (err.max(), err.mean())


def test_hh_from_the_command_line_with_a_raw_input(tmp_path):
    from typer.testing import CliRunner

    from converter.omtool import app
    result = CliRunner().invoke(app, ["run", str(HH), "--source", str(HH_SOURCE / "hh.pb"), "--random-seed", "1",
                                      "-i", f"input={HH_SOURCE / 'hh_input0.bin'}", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = np.load(tmp_path / "generation_output_0.npy")
    assert out.shape == (100, 28, 28, 1)
    bad = tmp_path / "short.bin"
    bad.write_bytes(b"\0" * 12)
    result = CliRunner().invoke(app, ["run", str(HH), "--source", str(HH_SOURCE / "hh.pb"), "-i", f"input={bad}"])
    assert result.exit_code == 1 and "E10049" in result.output and "313600" in result.output


def test_a_source_that_does_not_name_the_fused_nodes_is_refused(tmp_path):
    from converter.proto import tf_graph_pb2 as tfpb
    graph = tfpb.GraphDef()
    graph.node.add(name="x", op="Placeholder")
    path = tmp_path / "other.pb"
    path.write_bytes(graph.SerializeToString())
    with pytest.raises(ConverterError, match="does not name these parts"):
        Session(str(HH), source=str(path))
