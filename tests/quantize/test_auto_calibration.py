"""Accuracy-based automatic calibration (AMCT's accuracy_based_auto_calibration): on a CNN whose Gemm reads one
huge, useless feature, plain quantization wrecks the output; --auto-calibration ranks the layers by their
single-layer cosine, leaves the Gemm (and only it) in float, writes the final config / ranking / history and
meets the target. Bad targets and impossible targets are E-codes that write nothing."""
import json
import os
from pathlib import Path

import numpy as np
import onnx
import pytest

from converter.errors import ConverterError
from converter.omtool import main as omtool
from converter.options import ConvertOptions
from converter.quantize import quantize
from converter.quantize import record as qrecord
from converter.quantize.auto_calibration import layer_sensitivity
from converter.quantize.check import compare
from converter.quantize.data import BatchSource
from converter.quantize.graphs import fp32_graph
from converter.quantize.layers import find_layers
from converter.quantize.rewrite import apply_record

from ._models import data, small_cnn


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("auto")
    onnx.save(small_cnn(outlier=300.0), str(folder / "outlier.onnx"))
    onnx.save(small_cnn(), str(folder / "plain.onnx"))
    np.save(folder / "calib.npy", data(8))
    return folder


def _options(folder, name, out):
    return ConvertOptions(framework=5, model=str(folder / f"{name}.onnx"), output=str(out))


def _fake_quant_check(folder, name, records):
    """The fake-quant graph with these records against fp32 on the calibration data."""
    opts = _options(folder, name, folder / "unused")
    graph = fp32_graph(opts)
    data_ = BatchSource(graph, [str(folder / "calib.npy")])
    return compare(graph, apply_record(graph.copy(), find_layers(graph), records), data_, [0, 1, 2, 3])


@pytest.mark.parametrize("algo,sensitivity", [("ifmr", "layer"), ("hfmg", "layer"), ("ifmr", "output")])
def test_rolls_back_the_outlier_layer(tmp_path, model, algo, sensitivity):
    plain = quantize(_options(model, "outlier", tmp_path / "plain/m"), [str(model / "calib.npy")], batch_num=4,
                     act_algo=algo)
    assert not _fake_quant_check(model, "outlier", plain.records)["passed"]      # what the feature is for
    res = quantize(_options(model, "outlier", tmp_path / "auto/m"), [str(model / "calib.npy")], batch_num=4,
                   act_algo=algo, auto_calibration=True, sensitivity=sensitivity)
    auto = res.auto_calibration
    assert auto["rolled_back"] == ["fc"] and res.layers == ["conv1", "conv2"]
    assert auto["ranking"][0][0] == "fc"
    assert auto["ranking"][0][1] < 0.5 and auto["ranking"][1][1] > 0.999
    assert [(h["rolled_back"], h["passed"]) for h in auto["history"]] == [([], False), (["fc"], True)]
    check = _fake_quant_check(model, "outlier", res.records)
    assert check["passed"] and check["outputs"][0]["cosine_min"] >= 0.99
    cfg = json.loads(Path(res.config).read_text())
    assert cfg["fc"]["quant_enable"] is False and cfg["conv1"]["quant_enable"] is True
    assert list(qrecord.read(res.record)) == ["conv1", "conv2"]
    ranking, history = (json.loads(Path(p).read_text()) for p in res.auto_files)
    assert ranking == [[n, c] for n, c in auto["ranking"]] and history == auto["history"]
    again = quantize(_options(model, "outlier", tmp_path / "again/m"), [str(model / "calib.npy")],
                     config_path=res.config, act_algo=algo)                    # the final config reproduces it
    assert again.layers == res.layers and Path(again.record).read_text() == Path(res.record).read_text()


def test_nothing_rolled_back_when_the_target_is_met(tmp_path, model):
    res = quantize(_options(model, "plain", tmp_path / "m"), [str(model / "calib.npy")], batch_num=4,
                   auto_calibration=True)
    assert res.auto_calibration["rolled_back"] == [] and res.layers == ["conv1", "conv2", "fc"]
    assert res.auto_calibration["ranking"] == [] and len(res.auto_calibration["history"]) == 1


def test_single_layer_sensitivity_of_a_healthy_model(model):
    """Every layer of the plain CNN alone, fed its fp32 input: close to, and below, its fp32 output."""
    opts = _options(model, "plain", model / "unused")
    graph = fp32_graph(opts)
    layers = find_layers(graph)
    data_ = BatchSource(graph, [str(model / "calib.npy")])
    res = quantize(_options(model, "plain", model / "s/m"), [str(model / "calib.npy")], batch_num=2)
    sens = layer_sensitivity(graph, layers, res.records, data_, [0, 1])
    assert set(sens) == {"conv1", "conv2", "fc"} and all(0.99 < c < 1.0 for c in sens.values())


def test_impossible_target_writes_nothing(tmp_path, model):
    with pytest.raises(ConverterError) as err:
        quantize(_options(model, "outlier", tmp_path / "m"), [str(model / "calib.npy")], batch_num=4,
                 auto_calibration=True, min_cosine=1.0)
    assert err.value.code == "E10001" and "every one of its 3 layer(s)" in str(err.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("args,code", [(["--min-cosine", "1.5"], "E10013"), (["--min-cosine", "-0.1"], "E10013"),
                                       (["--min-cosine", "nan"], "E10013"), (["--min-top1", "2"], "E10013"),
                                       (["--sensitivity", "hessian"], "E10001")])
def test_bad_targets_are_e_codes(tmp_path, model, capsys, args, code):
    rc = omtool(["quantize", f"--model={model / 'outlier.onnx'}", f"--output={tmp_path / 'o/m'}", "-d",
                 str(model / "calib.npy"), "--auto-calibration", *args])
    err = capsys.readouterr().err
    assert rc == 1 and code in err and args[0] in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args,option", [(["--create-config", "c.json", "--auto-calibration"], "--auto-calibration"),
                                         (["--output=o/m", "-d", "calib", "--sensitivity", "output"], "--sensitivity")])
def test_options_that_need_or_exclude_auto_calibration(tmp_path, model, capsys, monkeypatch, args, option):
    monkeypatch.chdir(tmp_path)
    args = [str(model / "calib.npy") if a == "calib" else a for a in args]
    rc = omtool(["quantize", f"--model={model / 'outlier.onnx'}", *args])
    err = capsys.readouterr().err
    assert rc == 1 and "E10001" in err and option in err and os.listdir(tmp_path) == []


def test_omtool_auto_calibration(tmp_path, model, capsys):
    out = tmp_path / "m"
    rc = omtool(["quantize", f"--model={model / 'outlier.onnx'}", f"--output={out}", "-d", str(model / "calib.npy"),
                 "--batch-num", "4", "--auto-calibration", "--check-data", str(model / "calib.npy")])
    text = capsys.readouterr().out
    assert rc == 0 and "auto calibration: 1 of 3 layer(s) left in float (fc)" in text and "PASSED" in text
    assert os.path.isfile(f"{out}_auto_calibration_ranking.json") and os.path.isfile(f"{out}_auto_calibration_record.json")
