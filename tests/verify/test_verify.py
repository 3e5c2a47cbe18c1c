"""omtool verify: passes on good conversions, fails (exit 1, output named) on a broken one, and --bisect
names the op that was broken."""
import json

import jsonschema
import numpy as np
import pytest

from converter import api
from converter.om.reader import read_om
from converter.om.writer import write_om
from converter.omtool import main as omtool
from converter.options import ConvertOptions
from converter.verify import Tolerance, verify
from tests.helpers import save
from tools.make_samples import dynamic_seg, tiny_cnn


@pytest.fixture
def cnn(tmp_path):
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "cnn"),
                                    precision_mode="force_fp32"))
    return src, om


def _break_op(om_path: str, op_name: str, out_path: str) -> None:
    """Rewrite an .om with one conv's weights scaled (a deliberately wrong conversion)."""
    model = read_om(om_path)
    graph = model.to_graph()
    w_ref = graph.inputs_of(op_name)[1]
    w = graph.op(w_ref[0])
    w.value = np.asarray(w.value) * 1.5
    write_om(graph, out_path, model.attrs)


def test_verify_passes_on_good_conversion(cnn):
    src, om = cnn
    report = verify(src, om)
    assert report["passed"] and report["outputs"][0]["name"] == "prob"
    assert report["outputs"][0]["cosine"] > 0.99999


def test_verify_fp16_conversion_needs_fp16_tolerance(tmp_path):
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "cnn16")))
    strict = verify(src, om, tol=Tolerance(atol=1e-7, rtol=1e-7))
    assert not strict["passed"]
    assert verify(src, om, tol=Tolerance(atol=1e-2, rtol=1e-2))["passed"]


def test_broken_conversion_fails_and_bisect_names_the_op(cnn, tmp_path, capsys, repo):
    src, om = cnn
    bad = str(tmp_path / "bad.om")
    graph = read_om(om).to_graph()
    conv2 = [op for op in graph.ops() if op.type == "Conv2D"][1]
    _break_op(om, conv2.name, bad)
    report_path = tmp_path / "report.json"
    assert omtool(["verify", src, bad, "--bisect", "--json", str(report_path)]) == 1
    out = capsys.readouterr().out
    assert "prob" in out and "FAIL" in out and conv2.name in out
    report = json.loads(report_path.read_text())
    schema = json.loads((repo / "schemas" / "verify-report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report["passed"] is False and report["outputs"][0]["name"] == "prob"
    assert report["bisect"]["found"] and report["bisect"]["op"] == conv2.name


def test_verify_cli_exit_zero_on_pass(cnn, capsys):
    src, om = cnn
    assert omtool(["verify", src, om, "--seed", "3"]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_verify_with_given_inputs(tmp_path):
    src = save(dynamic_seg(), tmp_path, "seg.onnx")
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "seg"),
                                    input_shape=(("x", (1, 3, 8, 12)),), precision_mode="force_fp32"))
    x = tmp_path / "x.npy"
    np.save(x, np.random.default_rng(0).standard_normal((1, 3, 8, 12)).astype(np.float32))
    assert omtool(["verify", src, om, "--input", f"x={x}"]) == 0


def test_verify_missing_input_file_is_e_coded(cnn, capsys):
    src, om = cnn
    assert omtool(["verify", src, om, "--input", "x=/nonexistent.npy"]) == 1
    assert "E13001" in capsys.readouterr().err


def test_missing_source_framework_is_named(tmp_path, capsys):
    """Caffe and TensorFlow sources run in pycaffe / tensorflow when installed; otherwise the package is named."""
    import importlib.util
    from tools.make_caffe_models import mobilenet
    builder, shapes = mobilenet()
    proto, weights = builder.save(str(tmp_path), "net")
    om = api.convert(ConvertOptions(framework=0, model=proto, weight=weights, output=str(tmp_path / "net")))
    if importlib.util.find_spec("caffe") is None:
        assert omtool(["verify", proto, om, "--weight", weights]) == 1
        assert "caffe" in capsys.readouterr().err
    if importlib.util.find_spec("tensorflow") is None:
        from tests.tensorflow.tf_builder import DType, GraphDefBuilder
        g = GraphDefBuilder()
        g.placeholder("x", (1, 4))
        g.node("y", "Relu", ["x"], T=DType(np.float32))
        pb = g.save(tmp_path, "g.pb")
        om2 = api.convert(ConvertOptions(framework=3, model=pb, output=str(tmp_path / "g"), out_nodes=(("y", 0),)))
        assert omtool(["verify", pb, om2]) == 1
        assert "tensorflow" in capsys.readouterr().err


def test_missing_pycaffe_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    """pycaffe is not on PyPI: the message names conda-forge, the distribution package and a source build,
    never a pip command or an extra that does not exist."""
    import sys
    from tools.make_caffe_models import mobilenet
    monkeypatch.setitem(sys.modules, "caffe", None)     # import caffe -> ImportError, as when not installed
    builder, _ = mobilenet()
    proto, weights = builder.save(str(tmp_path), "net")
    om = api.convert(ConvertOptions(framework=0, model=proto, weight=weights, output=str(tmp_path / "net")))
    assert omtool(["verify", proto, om, "--weight", weights]) == 1
    err = capsys.readouterr().err
    assert "E10001" in err and "pycaffe" in err
    assert "conda install -c conda-forge caffe" in err and "apt install caffe-cpu" in err and "PYTHONPATH" in err
    assert "pip install 'caffe" not in err and "extra" not in err
