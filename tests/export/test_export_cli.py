"""`omtool export` and converter.export.export_onnx: the written file, model boundaries in device formats,
control flow, E-coded refusals (every op that cannot be written listed at once), bad input, atomic writes."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import pytest

from converter import api
from converter.errors import ConverterError
from converter.export import export_onnx, graph_to_onnx, load_om_graph
from converter.ir import DataType, Graph, Op, TensorDesc
from converter.omtool import main as omtool
from converter.ops.layout import to_nc1hwc0
from converter.options import ConvertOptions
from converter.runtime import Session
from converter.runtime.inputs import model_feeds
from tests.helpers import save
from tests.models.test_if import _if_model
from tests.models.test_loop import _loop_model
from tools.export_roundtrip import ort_run, scaled_error

pytest.importorskip("onnxruntime")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(REPO, "samples", "tiny_cnn.onnx")
X = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)


def _convert(tmp_path, name="m", model=TINY, **kw) -> str:
    kw.setdefault("input_shape", (("x", (1, 3, 32, 32)),))
    return api.convert(ConvertOptions(framework=5, model=model, output=str(tmp_path / name), **kw))


def test_omtool_export_writes_a_model_onnxruntime_runs(tmp_path, capsys):
    om = _convert(tmp_path, precision_mode="force_fp32")
    out = tmp_path / "m.onnx"
    assert omtool(["export", om, "--onnx", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 21 and model.producer_name == "om-converter"
    assert {p.key: p.value for p in model.metadata_props}["source"] == "m.om"
    assert oct(os.stat(out).st_mode & 0o777) == oct(0o666 & ~_umask())
    assert scaled_error(ort_run(str(out), {"x": X})[0], ort_run(TINY, {"x": X})[0]) <= 1e-5


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_export_is_deterministic(tmp_path):
    om = _convert(tmp_path)
    a, b = export_onnx(om, str(tmp_path / "a.onnx")), export_onnx(om, str(tmp_path / "b.onnx"))
    assert Path(a).read_bytes() == Path(b).read_bytes()


def test_fp16_model_keeps_fp16_weights_rounding_and_casts(tmp_path):
    om = _convert(tmp_path)   # force_fp16, ATC's default
    model = graph_to_onnx(load_om_graph(om))
    ops = [n.op_type for n in model.graph.node]
    assert "Cast" in ops and "Conv" in ops
    assert all(t.data_type == onnx.TensorProto.FLOAT for t in model.graph.initializer if len(t.dims) == 4)
    sess = Session(om)
    ours = sess.run_outputs(model_feeds(sess.graph, {"x": X}))[0]
    assert scaled_error(ort_run(model.SerializeToString(), {"x": X})[0], ours) <= 2e-3


def test_nc1hwc0_and_fp16_boundaries_become_plain_layouts(tmp_path):
    """--input_fp16_nodes + --is_input_adjust_hw_layout and --is_output_adjust_hw_layout: the .om takes and
    gives fp16 NC1HWC0 tensors; the ONNX model takes and gives them as fp16 NCHW."""
    om = _convert(tmp_path, precision_mode="force_fp32", input_fp16_nodes=("x",), is_input_adjust_hw_layout=(True,))
    model = graph_to_onnx(load_om_graph(om))
    x_type = model.graph.input[0].type.tensor_type
    assert x_type.elem_type == onnx.TensorProto.FLOAT16
    assert [d.dim_value for d in x_type.shape.dim] == [1, 3, 32, 32]
    x16 = X.astype(np.float16)
    ours = Session(om).run_outputs({"x": to_nc1hwc0(x16)})[0]
    theirs = ort_run(model.SerializeToString(), {"x": x16})[0]
    assert scaled_error(theirs, ours) <= 1e-5


def _conv_model(tmp_path):
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.random.default_rng(1).standard_normal((20, 3, 3, 3)).astype(np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], name="conv")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 20, 8, 8])], [w])
    return save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path, "conv.onnx")


def test_nc1hwc0_output_becomes_plain_nchw(tmp_path):
    src = _conv_model(tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "c"),
                                    is_output_adjust_hw_layout=(True,)))
    model = graph_to_onnx(load_om_graph(om))
    y_type = model.graph.output[0].type.tensor_type
    assert y_type.elem_type == onnx.TensorProto.FLOAT16 and [d.dim_value for d in y_type.shape.dim] == [1, 20, 8, 8]
    x = np.random.default_rng(2).standard_normal((1, 3, 8, 8)).astype(np.float32)
    ours = Session(om).run_outputs({"x": x})[0]                       # fp16 NC1HWC0: (1, 2, 8, 8, 16)
    theirs = ort_run(model.SerializeToString(), {"x": x})[0]
    assert ours.shape == (1, 2, 8, 8, 16) and theirs.shape == (1, 20, 8, 8)
    assert scaled_error(to_nc1hwc0(theirs), ours) <= 2e-3


@pytest.mark.parametrize("cond", [True, False])
def test_if_becomes_onnx_if(tmp_path, cond):
    src = save(_if_model(cond_is_input=True), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m"), precision_mode="force_fp32"))
    out = export_onnx(om, str(tmp_path / "m.onnx"))
    assert "If" in [n.op_type for n in onnx.load(out).graph.node]
    feeds = {"a": np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32), "c": np.array(cond)}
    assert scaled_error(ort_run(out, feeds)[0], ort_run(src, feeds)[0]) <= 1e-5


@pytest.mark.parametrize("with_cond_stop", [False, True])
@pytest.mark.parametrize("trips", [1, 7])
def test_loop_becomes_onnx_loop(tmp_path, with_cond_stop, trips):
    src = save(_loop_model(with_cond_stop), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m"), precision_mode="force_fp32"))
    out = export_onnx(om, str(tmp_path / "m.onnx"))
    rng = np.random.default_rng(trips)
    feeds = {"a": rng.standard_normal((2, 3)).astype(np.float32) + 1, "M": np.array(trips, np.int64),
             "acc0": rng.standard_normal((2, 3)).astype(np.float32)}
    for got, want in zip(ort_run(out, feeds), ort_run(src, feeds)):
        assert scaled_error(got, want) <= 1e-5


def _graph_with(*ops_and_attrs) -> Graph:
    """x -> op1 -> op2 -> ... -> NetOutput (descs given, no inference needed for the refusal checks)."""
    g = Graph("refused")
    g.add_data("x", TensorDesc(DataType.DT_FLOAT, (1, 4, 8, 8), "NCHW"), 0)
    prev = ("x", 0)
    for k, (op_type, attrs, n_in) in enumerate(ops_and_attrs):
        extra = [(g.add_const(f"c{k}_{i}", np.zeros((1, 4, 8, 8), np.float32)).name, 0) for i in range(n_in - 1)]
        g.add(Op(f"op{k}", op_type, attrs, [TensorDesc(DataType.DT_FLOAT, (1, 4, 8, 8), "NCHW")]), [prev] + extra)
        prev = (f"op{k}", 0)
    g.add(Op("NetOutput", "NetOutput"), [prev])
    return g


def test_op_types_without_onnx_form_are_listed_at_once():
    g = _graph_with(("DetectionOutput", {"num_classes": 2}, 3), ("SoftmaxV2", {}, 1),
                    ("Relu", {}, 1), ("DetectionOutput", {"num_classes": 2}, 3), ("ConcatV2D", {}, 1))
    with pytest.raises(ConverterError) as info:
        graph_to_onnx(g)
    assert info.value.code == "E11009"
    assert "ConcatV2D (1), DetectionOutput (2), SoftmaxV2 (1)" in info.value.message
    assert "Relu" not in info.value.message


def test_ops_onnx_cannot_express_are_listed_at_once():
    g = _graph_with(("PadV3", {"mode": "bogus"}, 2), ("SpaceToDepth", {"blocksize": 2, "mode": "CRD"}, 1),
                    ("Relu", {}, 1), ("LRN", {"size": 3, "norm_region": "WITHIN_CHANNEL", "data_format": "NHWC"}, 1))
    with pytest.raises(ConverterError) as info:
        graph_to_onnx(g)
    message = info.value.message
    assert info.value.code == "E11009" and "3 op(s) have no ONNX form" in message
    assert "op0 (PadV3): pad mode 'bogus'" in message and "op1 (SpaceToDepth): SpaceToDepth mode CRD" in message
    assert "op3 (LRN): LRN WITHIN_CHANNEL in a channels-last layout" in message


def test_refused_export_leaves_no_file_and_keeps_an_existing_one(tmp_path, capsys):
    om = _convert(tmp_path)
    target = tmp_path / "out.onnx"
    target.write_bytes(b"previous")
    from converter.export import registry
    saved = registry.EMITTERS.pop("Conv2D")
    try:
        assert omtool(["export", om, "--onnx", str(target)]) == 1
    finally:
        registry.EMITTERS["Conv2D"] = saved
    err = capsys.readouterr().err
    assert "E11009" in err and "Conv2D (2)" in err and "Traceback" not in err
    assert target.read_bytes() == b"previous" and sorted(os.listdir(tmp_path)) == ["m.om", "out.onnx"]


@pytest.mark.parametrize("args,code", [
    (["missing.om", "--onnx", "{tmp}/m.onnx"], "E13001"),
    (["{tmp}/bad.om", "--onnx", "{tmp}/m.onnx"], "E10003"),
    (["{om}", "--onnx", "{tmp}/no_such_folder/m.onnx"], "E13004"),
    (["{om}", "--onnx", "{tmp}"], "E13004"),
    (["{om}"], "E10004"),
])
def test_bad_input_is_e_coded(tmp_path, capsys, args, code):
    om = _convert(tmp_path)
    (tmp_path / "bad.om").write_bytes(b"IMOD" + b"\0" * 100)
    argv = ["export"] + [a.format(tmp=tmp_path, om=om) for a in args]
    assert omtool(argv) == 1
    err = capsys.readouterr().err
    assert f"omtool failed: {code}" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.onnx")) and not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize("name", ["hiai_tf_softmax_no_infershaped.om", "hiai_tf_softmax_v100.om",
                                  "hiai_tf_softmax_infershaped.om"])
def test_real_compiled_files_export_and_match_our_runtime(name, tmp_path):
    """Real HiAI-compiled files are lowered from their device op types to canonical ops, then exported: the
    ONNX model computes what our runtime computes on the same file."""
    from converter.runtime import Session
    from converter.runtime.inputs import random_inputs
    from tests.om.conftest import fixtures_dir
    folder = fixtures_dir()
    if folder is None:
        pytest.skip("real .om fixtures not found (../shared/fixtures/om)")
    out = tmp_path / "real.onnx"
    assert omtool(["export", str(folder / name), "--onnx", str(out)]) == 0
    sess = Session(str(folder / name))
    feeds = random_inputs(sess.graph, 0)
    ours = list(sess.run(feeds).values())
    theirs = ort_run(str(out), feeds)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert scaled_error(b, a) <= 1e-5


def test_real_atc_file_names_what_it_cannot_write(tmp_path, capsys):
    """hh_om.om lowers (with its source) to canonical ops, but its seeded RandomStandardNormal has no ONNX
    form (ONNX cannot reproduce TensorFlow's draws): refused by type with E11009, nothing written."""
    from tests.om.conftest import fixtures_dir
    folder = fixtures_dir()
    if folder is None:
        pytest.skip("real .om fixtures not found (../shared/fixtures/om)")
    out = tmp_path / "hh.onnx"
    source = folder / "hh_source" / "hh.pb"
    assert omtool(["export", str(folder / "hh_om.om"), "--onnx", str(out), "--source", str(source)]) == 1
    err = capsys.readouterr().err
    assert "E11009" in err and "RandomStandardNormal" in err
    assert not out.exists()


def test_external_weights_are_read_into_the_export(tmp_path):
    """--external_weight=1 keeps weights in weight/ files beside the .om; the export holds them."""
    om = _convert(tmp_path, precision_mode="force_fp32", external_weight=1)
    assert (tmp_path / "weight").is_dir()
    out = export_onnx(om, str(tmp_path / "m.onnx"))
    assert scaled_error(ort_run(out, {"x": X})[0], ort_run(TINY, {"x": X})[0]) <= 1e-5
