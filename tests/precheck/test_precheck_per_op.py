"""atc --mode=3 for Caffe and TensorFlow: check_result.json lists every op with its own result and cause
(ATC's codes: 1 type not supported, 2 parameter invalid, 9 name repeated), totals counted per op."""
from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

from converter.cli import main as atc
from tests.tensorflow.tf_builder import DType, GraphDefBuilder
from tools.make_caffe_models import CaffeNetBuilder

F32 = DType(np.float32)


@pytest.fixture(scope="module")
def schema(repo):
    return json.loads((repo / "schemas" / "check-report.schema.json").read_text())


def _report(tmp_path, schema, argv, code):
    path = tmp_path / "check.json"
    assert atc(["--mode=3", *argv, f"--check_report={path}"]) == code
    data = json.loads(path.read_text())
    jsonschema.validate(data, schema)
    return data, {o["name"]: o for o in data["op"]}


def _caffe_net(tmp_path, unsupported: bool):
    b = CaffeNetBuilder("mixed")
    b.input("data", [1, 3, 8, 8])
    b.layer("Convolution", "conv", "data", "conv", [b.randn(4, 3, 3, 3), b.randn(4)],
            convolution_param={"num_output": 4, "kernel_size": [3], "pad": [1]})
    b.layer("ReLU", "relu", "conv", "relu")
    if unsupported:
        b.layer("Fancy", "fancy1", "relu", "f1")
        b.layer("Fancy", "fancy2", "f1", "f2")
        b.layer("Sparkle", "sparkle", "f2", "s")
        b.layer("ReLU", "relu2", "s", "r2")
        b.layer("ReLU", "relu2", "r2", "r3")           # a repeated layer name
    b.layer("Softmax", "prob", "r3" if unsupported else "relu", "prob")
    return b.save(str(tmp_path))


def test_caffe_lists_every_layer_with_its_own_cause(tmp_path, schema, capsys):
    proto, weights = _caffe_net(tmp_path, unsupported=True)
    data, ops = _report(tmp_path, schema, ["--framework=0", f"--model={proto}", f"--weight={weights}"], 1)
    assert [o["name"] for o in data["op"]] == ["conv", "relu", "fancy1", "fancy2", "sparkle", "relu2", "relu2",
                                               "prob"]
    assert (data["result"], data["total"], data["pass"], data["fail"]) == ("failed", 8, 3, 5)
    assert ops["fancy1"]["cause"] == [{"code": 1, "message": "Caffe layer type Fancy is not supported (no converter)"}]
    assert ops["sparkle"]["type"] == "Sparkle" and ops["sparkle"]["cause"][0]["code"] == 1
    repeated = [o for o in data["op"] if o["name"] == "relu2"]
    assert all(o["result"] == "failed" and o["cause"][0]["code"] == 9 for o in repeated)
    assert ops["conv"]["result"] == "success" and ops["conv"]["cause"] == [{"code": 0, "message": "success"}]
    out = capsys.readouterr().out
    assert "E11009" in out and "pre-check failed for 5 of 8 ops" in out and "fancy1 (Fancy)" in out


def test_caffe_supported_net_passes_per_layer(tmp_path, schema):
    proto, weights = _caffe_net(tmp_path, unsupported=False)
    data, ops = _report(tmp_path, schema, ["--framework=0", f"--model={proto}", f"--weight={weights}"], 0)
    assert (data["result"], data["total"], data["pass"], data["fail"]) == ("success", 3, 3, 0)
    assert set(ops) == {"conv", "relu", "prob"}


def test_caffe_bad_parameter_is_charged_to_its_layer(tmp_path, schema):
    b = CaffeNetBuilder("bad")
    b.input("data", [1, 3, 8, 8])
    b.layer("ReLU", "relu", "data", "relu")
    b.layer("Convolution", "conv", "relu", "conv")   # no weights in the .caffemodel
    proto, weights = b.save(str(tmp_path))
    data, ops = _report(tmp_path, schema, ["--framework=0", f"--model={proto}", f"--weight={weights}"], 1)
    assert (data["total"], data["pass"], data["fail"]) == (2, 1, 1)
    assert ops["conv"]["cause"][0]["code"] == 2 and "E11029" in ops["conv"]["cause"][0]["message"]


def test_tensorflow_lists_every_node_with_its_own_cause(tmp_path, schema):
    g = GraphDefBuilder()
    g.placeholder("x", (1, 4))
    g.const("w", np.ones((4, 4), np.float32))
    g.node("mm", "MatMul", ["x", "w"], T=F32)
    g.node("odd1", "OddOp", ["mm"], T=F32)
    g.node("odd2", "OddOp", ["odd1"], T=F32)
    g.node("sw", "Switch", ["odd2", "odd2"], T=F32)
    g.node("relu", "Relu", ["sw"], T=F32)
    g.node("unused", "WeirdOp", ["x"], T=F32)   # not on the path to the requested output
    path = g.save(tmp_path)
    data, ops = _report(tmp_path, schema, ["--framework=3", f"--model={path}", "--out_nodes=relu:0",
                                           "--input_shape=x:1,4"], 1)
    assert sorted(ops) == ["mm", "odd1", "odd2", "relu", "sw", "w"]
    assert (data["total"], data["pass"], data["fail"]) == (6, 4, 2)
    assert ops["odd2"]["cause"][0] == {"code": 1, "message": "TensorFlow op type OddOp is not supported (no converter)"}
    assert ops["w"]["result"] == ops["mm"]["result"] == ops["relu"]["result"] == ops["sw"]["result"] == "success"


def test_tensorflow_switch_without_merge_is_named(tmp_path, schema):
    """TF1 control flow is converted (Switch is a supported type); a Switch whose branch never meets a Merge
    cannot be, and the conversion's refusal is attached to it."""
    g = GraphDefBuilder()
    g.placeholder("x", (1, 4))
    g.placeholder("p", (), np.bool_)
    g.node("sw", "Switch", ["x", "p"], T=F32)
    g.node("relu", "Relu", ["sw:1"], T=F32)
    path = g.save(tmp_path)
    data, ops = _report(tmp_path, schema, ["--framework=3", f"--model={path}", "--out_nodes=relu:0",
                                           "--input_shape=x:1,4;p:"], 1)
    assert ops["sw"]["result"] == "failed" and "E11009" in ops["sw"]["cause"][-1]["message"]
    assert "only one branch" in ops["sw"]["cause"][-1]["message"]


def test_caffe_without_weight_is_e10008(tmp_path, capsys):
    proto, _ = _caffe_net(tmp_path, unsupported=False)
    assert atc(["--mode=3", "--framework=0", f"--model={proto}", f"--check_report={tmp_path / 'c.json'}"]) == 1
    assert "E10008" in capsys.readouterr().out and not (tmp_path / "c.json").exists()
