"""The config JSON (AMCT defaults, round trip, E-codes for bad configs) and the calibration data (E-codes for
bad files), through the API and `omtool quantize`: never a traceback, never a partial output."""
import json
import os

import numpy as np
import onnx
import pytest

from converter.errors import ConverterError
from converter.omtool import main as omtool
from converter.options import ConvertOptions
from converter.quantize import config as qconfig
from converter.quantize import create_config, quantize
from converter.quantize.layers import QuantLayer

from ._models import data, small_cnn

LAYERS = [QuantLayer("c1", "conv1", "Conv2D", True), QuantLayer("c2", "conv2", "Conv2D", True),
          QuantLayer("fc", "fc", "MatMulV2", False)]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m")
    onnx.save(small_cnn(), str(folder / "m.onnx"))
    np.save(folder / "calib.npy", data(4))
    return folder


def test_default_config_is_amcts():
    cfg = qconfig.default_config(LAYERS)
    assert {k: cfg[k] for k in ("version", "batch_num", "activation_offset", "do_fusion", "skip_fusion_layers")} \
        == {"version": 1, "batch_num": 1, "activation_offset": True, "do_fusion": True, "skip_fusion_layers": []}
    assert cfg["conv1"]["activation_quant_params"] == {"num_bits": 8, "max_percentile": 0.999999,
                                                       "min_percentile": 0.999999, "search_range": [0.7, 1.3],
                                                       "search_step": 0.01, "act_algo": "ifmr"}
    assert cfg["conv1"]["weight_quant_params"] == {"num_bits": 8, "wts_algo": "arq_quantize", "channel_wise": True}
    assert cfg["fc"]["weight_quant_params"]["channel_wise"] is False


@pytest.mark.parametrize("algo", ["ifmr", "hfmg"])
def test_config_round_trips(tmp_path, model, algo):
    path = tmp_path / "cfg.json"
    cfg = create_config(ConvertOptions(framework=5, model=str(model / "m.onnx"), mode=3), str(path), act_algo=algo)
    text = path.read_text()
    assert qconfig.dumps(qconfig.check(json.loads(text), LAYERS)) == text == qconfig.dumps(cfg)


BAD_CONFIGS = [
    ({"version": 2}, "E10001", "version"),
    ({"batch_num": 0}, "E10001", "batch_num"),
    ({"nope": 1}, "E10016", "nope"),
    ({"conv1": {"quant_enable": "yes"}}, "E10001", "quant_enable"),
    ({"conv1": {"colour": 1}}, "E10001", "colour"),
    ({"conv1": {"activation_quant_params": {"max_percentile": 0.3}}}, "E10001", "max_percentile"),
    ({"conv1": {"activation_quant_params": {"search_range": [1.3, 0.7]}}}, "E10001", "search_range"),
    ({"conv1": {"activation_quant_params": {"search_step": 0.9}}}, "E10001", "search_step"),
    ({"conv1": {"activation_quant_params": {"act_algo": "hfmg", "search_step": 0.1}}}, "E10001", "together"),
    ({"conv1": {"activation_quant_params": {"act_algo": "hfmg", "num_of_bins": 100}}}, "E10001", "num_of_bins"),
    ({"conv1": {"activation_quant_params": {"act_algo": "kl"}}}, "E10001", "act_algo"),
    ({"conv1": {"activation_quant_params": {"num_bits": 4}}}, "E10001", "4-bit"),
    ({"fc": {"weight_quant_params": {"channel_wise": True}}}, "E10001", "channel_wise"),
    ({"conv1": {"weight_quant_params": {"wts_algo": "ada_quantize"}}}, "E10001", "arq_quantize"),
    ({"skip_fusion_layers": ["fc"]}, "E10016", "fc"),
    ({"joint_quant": True}, "E10001", "joint_quant"),
    ([1, 2], "E10001", "object"),
]


@pytest.mark.parametrize("raw,code,word", BAD_CONFIGS)
def test_bad_config_values(raw, code, word):
    with pytest.raises(ConverterError) as err:
        qconfig.check(raw, LAYERS)
    assert err.value.code == code and word in err.value.message


@pytest.mark.parametrize("text,code", [("{not json", "E13005"), ('{"version": 1, "version": 1}', "E10001")])
def test_bad_config_files(tmp_path, text, code):
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ConverterError) as err:
        qconfig.load(str(path), LAYERS)
    assert err.value.code == code


def _bad_npy(folder, kind):
    path = folder / f"{kind}.npy"
    if kind == "shape":
        np.save(path, np.zeros((4, 3, 10, 10), np.float32))
    elif kind == "nan":
        x = data(4)
        x[3, 0, 0, 0] = np.nan
        np.save(path, x)
    elif kind == "pickle":
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif kind == "text":
        path.write_text("not an array")
    elif kind == "odd_batch":
        np.save(path, data(3))
    elif kind == "strings":
        np.save(path, np.array(["a"] * 2))
    return str(path)


@pytest.mark.parametrize("kind,code", [("shape", "E10049"), ("nan", "E10001"), ("pickle", "E13005"),
                                       ("text", "E13005"), ("odd_batch", "E10049"), ("strings", "E10001"),
                                       ("missing", "E13001")])
def test_bad_calibration_data_writes_nothing(tmp_path, model, kind, code):
    spec = _bad_npy(tmp_path, kind) if kind != "missing" else str(tmp_path / "nope.npy")
    out = tmp_path / "out"
    with pytest.raises(ConverterError) as err:
        quantize(ConvertOptions(framework=5, model=str(model / "m.onnx"), output=str(out / "m")), [spec],
                 batch_num=2)
    assert err.value.code == code
    assert not out.exists() or not os.listdir(out)


def test_too_few_batches_and_unknown_input(tmp_path, model):
    opts = ConvertOptions(framework=5, model=str(model / "m.onnx"), output=str(tmp_path / "m"))
    with pytest.raises(ConverterError, match="batch_num is 3"):
        quantize(opts, [str(model / "calib.npy")], batch_num=3)
    with pytest.raises(ConverterError) as err:
        quantize(opts, [f"y={model / 'calib.npy'}"])
    assert err.value.code == "E10016"


def test_omtool_quantize_errors_are_e_codes(tmp_path, model, capsys):
    rc = omtool(["quantize", f"--model={model / 'm.onnx'}", f"--output={tmp_path / 'm'}",
                 "--calibration-data", str(tmp_path / "none.npy")])
    err = capsys.readouterr().err
    assert rc == 1 and "E13001" in err and "Traceback" not in err
    cfg = tmp_path / "bad.json"
    cfg.write_text('{"conv1": {"activation_quant_params": {"search_step": -1}}}')
    rc = omtool(["quantize", f"--model={model / 'm.onnx'}", f"--output={tmp_path / 'm'}",
                 "--calibration-data", str(model / "calib.npy"), "--config", str(cfg)])
    err = capsys.readouterr().err
    assert rc == 1 and "E10001" in err and "search_step" in err
    assert sorted(os.listdir(tmp_path)) == ["bad.json"]


def test_omtool_quantize_and_verify(tmp_path, model, capsys):
    out = tmp_path / "m"
    rc = omtool(["quantize", f"--model={model / 'm.onnx'}", f"--output={out}", "-d", str(model / "calib.npy"),
                 "--batch-num", "2", "--act-algo", "hfmg", "--check-data", str(model / "calib.npy"), "--bisect"])
    text = capsys.readouterr().out
    assert rc == 0 and "hurts most" in text and "PASSED" in text
    rc = omtool(["verify", str(model / "m.onnx"), f"{out}.om", "--record", f"{out}_record.txt",
                 "--data", str(model / "calib.npy"), "--json", str(tmp_path / "r.json")])
    assert rc == 0 and json.load(open(tmp_path / "r.json"))["outputs"][0]["cosine_min"] > 0.99
    rc = omtool(["quantize", f"--model={model / 'm.onnx'}", "--create-config", str(tmp_path / "c.json")])
    assert rc == 0 and json.load(open(tmp_path / "c.json"))["conv2"]["quant_enable"] is True


def test_space_separated_options_and_determinism(tmp_path, model, capsys):
    """atc's options also as `--model m.onnx`; the same inputs give byte-identical outputs."""
    outs = []
    out = tmp_path / "m"
    for _ in range(2):
        rc = omtool(["quantize", "--model", str(model / "m.onnx"), "--output", str(out), "-d",
                     str(model / "calib.npy"), "--batch-num", "2"])
        assert rc == 0, capsys.readouterr().err
        outs.append([(out.parent / f"m{s}").read_bytes() for s in (".om", "_record.txt", "_deploy_model.onnx")])
    assert outs[0] == outs[1]


@pytest.mark.parametrize("value", ["scale_d: 0 scale_w: 1", "scale_d: nan scale_w: 1", "scale_d: 1 scale_w: -2",
                                   "scale_d: 1 offset_d: 300 scale_w: 1", "scale_d: 1 scale_w: 1 offset_w: 3",
                                   "offset_d: 1 scale_w: 1", "scale_d: 1"])
def test_bad_record_values(value):
    from converter.quantize.record import from_text
    with pytest.raises(ConverterError) as err:
        from_text(f'record {{ key: "conv1" value {{ {value} }} }}')
    assert err.value.code == "E13005"


def test_deeply_nested_config_is_an_e_code(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ConverterError) as err:
        qconfig.load(str(path), LAYERS)
    assert err.value.code == "E13005"
