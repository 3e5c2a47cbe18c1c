"""Model-level E-codes through the real `atc` entry point: each failure prints the E-code, exits 1 and leaves
no output file behind."""
import os

import pytest
from onnx import TensorProto, helper

from converter.cli import main as atc
from tests.helpers import save
from tools.make_samples import dynamic_seg, tiny_cnn


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    bad = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                             helper.make_node("FancyOp", ["r"], ["y"], name="fancy1", domain=""),
                             helper.make_node("FancyOp", ["y"], ["z"], name="fancy2", domain=""),
                             helper.make_node("OtherOp", ["z"], ["w"], name="other")], "g",
                            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                            [helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 4])])
    unsupported = helper.make_model(bad, opset_imports=[helper.make_opsetid("", 13)])
    txt = d / "net.prototxt"
    txt.write_text('name: "x"\nlayer { name: "data" type: "Input" top: "data" }\n')
    return {"cnn": save(tiny_cnn(), d, "cnn.onnx"), "seg": save(dynamic_seg(), d, "seg.onnx"),
            "unsupported": save(unsupported, d, "unsupported.onnx"), "prototxt": str(txt)}


CASES = [
    ("E10016", "cnn", ["--input_shape=nope:1,3,32,32"]),
    ("E10049", "cnn", ["--input_shape=x:1,3,32"]),
    ("E10011", "seg", ["--input_shape=x:0,3,16,16"]),
    ("E10001", "seg", []),                                        # dynamic dims left unfixed
    ("E11016", "cnn", ["--out_nodes=no_such_node:0"]),
    ("E11017", "cnn", ["--out_nodes=conv1:3"]),
    ("E10016", "cnn", ["--input_fp16_nodes=nope"]),
    ("E10017", "cnn", ["--input_fp16_nodes=conv1"]),
    ("E11009", "unsupported", []),
    ("E10041", "prototxt", []),                                   # a Caffe file given as ONNX
    ("E10001", "cnn", ["--input_format=NHWC"]),                   # not allowed for ONNX
]


@pytest.mark.parametrize("code,model,extra", CASES, ids=[f"{c}-{m}-{'_'.join(e) or 'none'}" for c, m, e in CASES])
def test_conversion_error_is_coded_and_leaves_no_file(models, tmp_path, capsys, code, model, extra):
    out = tmp_path / "out" / "m"
    rc = atc(["--framework=5", f"--model={models[model]}", f"--output={out}", *extra])
    text = capsys.readouterr().out
    assert rc == 1
    assert f"{code}:" in text, text
    assert "Traceback" not in text
    assert not os.path.exists(str(out) + ".om")
    leftovers = [f for f in os.listdir(tmp_path / "out")] if (tmp_path / "out").exists() else []
    assert leftovers == []


def test_unsupported_ops_are_all_listed_at_once(models, tmp_path, capsys):
    atc(["--framework=5", f"--model={models['unsupported']}", f"--output={tmp_path / 'm'}"])
    text = capsys.readouterr().out
    assert "FancyOp x2" in text and "OtherOp x1" in text and "fancy1" in text


def test_onnx_file_as_tensorflow_is_E10041(models, tmp_path, capsys):
    rc = atc(["--framework=3", f"--model={models['cnn']}", f"--output={tmp_path / 'm'}"])
    assert rc == 1 and "E10041" in capsys.readouterr().out
    assert not (tmp_path / "m.om").exists()


def test_success_writes_the_om_and_records_the_command(models, tmp_path, capsys):
    out = tmp_path / "m"
    rc = atc(["--framework=5", f"--model={models['cnn']}", f"--output={out}", "--soc_version=Ascend310",
              "--log=error"])
    assert rc == 0, capsys.readouterr().out
    from converter.om.reader import read_om
    attrs = read_om(str(out) + ".om").attrs
    assert "--soc_version=Ascend310" in attrs["atc_cmdline"] and attrs["soc_version"] == "Ascend310"


def test_mode3_precheck_report(models, tmp_path, repo):
    import json

    import jsonschema
    report = tmp_path / "check.json"
    assert atc(["--mode=3", "--framework=5", f"--model={models['unsupported']}", f"--check_report={report}"]) == 1
    data = json.loads(report.read_text())
    jsonschema.validate(data, json.loads((repo / "schemas" / "check-report.schema.json").read_text()))
    assert data["result"] == "failed" and data["fail"] == 3 and data["pass"] == 1
    assert {o["name"] for o in data["op"] if o["result"] == "failed"} == {"fancy1", "fancy2", "other"}
    ok = tmp_path / "ok.json"
    assert atc(["--mode=3", "--framework=5", f"--model={models['cnn']}", f"--check_report={ok}"]) == 0
    assert json.loads(ok.read_text())["result"] == "success"


def test_mode3_does_not_need_input_shapes(models, tmp_path):
    report = tmp_path / "check.json"
    assert atc(["--mode=3", "--framework=5", f"--model={models['seg']}", f"--check_report={report}"]) == 0
