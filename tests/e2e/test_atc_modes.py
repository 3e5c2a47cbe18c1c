"""atc modes 1 and 6 through the CLI, on real fixtures and our own conversions, and Netron opening the
files real conversions produce (fp16 Casts, fused convs, NC1HWC0 boundaries, subgraphs)."""
import json
import os
import shutil
import subprocess

import jsonschema
import pytest

from converter.cli import main as atc
from tests.helpers import save
from tools.make_samples import dynamic_seg, mlp, tiny_cnn


@pytest.fixture(scope="module")
def schema(repo):
    return json.loads((repo / "schemas" / "om-json.schema.json").read_text())


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv")
    cnn, seg, fc = save(tiny_cnn(), d, "cnn.onnx"), save(dynamic_seg(), d, "seg.onnx"), save(mlp(), d, "mlp.onnx")
    runs = {
        "cnn_fp16": [f"--model={cnn}"],
        "cnn_fp32": [f"--model={cnn}", "--precision_mode=force_fp32"],
        "cnn_5hd": [f"--model={cnn}", "--out_nodes=conv2:0", "--is_output_adjust_hw_layout=true",
                    "--input_fp16_nodes=x", "--is_input_adjust_hw_layout=true"],
        "seg": [f"--model={seg}", "--input_shape=x:1,3,16,16", "--precision_mode=allow_mix_precision"],
        "mlp": [f"--model={fc}", "--input_shape=x:4,64", "--output_type=FP16"],
    }
    paths = {}
    for name, args in runs.items():
        out = d / name
        assert atc(["--framework=5", f"--output={out}", *args]) == 0, name
        paths[name] = str(out) + ".om"
    return paths


def test_mode1_on_every_fixture(shared, tmp_path, schema, capsys):
    fixtures = sorted((shared / "fixtures" / "om").glob("*.om"))
    assert len(fixtures) == 12
    for om in fixtures:
        out = tmp_path / (om.stem + ".json")
        assert atc(["--mode=1", f"--om={om}", f"--json={out}"]) == 0, capsys.readouterr().out
        jsonschema.validate(json.loads(out.read_text()), schema)


def test_mode1_on_our_files(converted, tmp_path, schema):
    for name, om in converted.items():
        out = tmp_path / f"{name}.json"
        assert atc(["--mode=1", f"--om={om}", f"--json={out}"]) == 0
        model = json.loads(out.read_text())
        jsonschema.validate(model, schema)
        text = out.read_text()
        for field in ("data_offset", "weight_size", "data", "size", "memory_size"):
            assert f'"{field}":' not in text, field  # dropped fields (map keys may still say them)


def test_mode1_boundary_layouts_are_recorded(converted, tmp_path):
    out = tmp_path / "b.json"
    atc(["--mode=1", f"--om={converted['cnn_5hd']}", f"--json={out}"])
    ops = json.loads(out.read_text())["graph"][0]["op"]
    data = next(op for op in ops if op["type"] == "Data")
    assert data["output_desc"][0]["layout"] == "NC1HWC0" and data["output_desc"][0]["dtype"] == "DT_FLOAT16"
    net = next(op for op in ops if op["type"] == "NetOutput")
    assert net["input_desc"][0]["layout"] == "NC1HWC0"


def test_mode1_source_dumps(tmp_path):
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    plain, shaped = tmp_path / "g.json", tmp_path / "s.json"
    assert atc(["--mode=1", "--framework=5", f"--om={src}", f"--json={plain}"]) == 0
    graph = json.loads(plain.read_text())
    assert {n["op_type"] for n in graph["node"]} >= {"Conv", "BatchNormalization", "Gemm"}
    assert atc(["--mode=1", "--framework=5", f"--om={src}", f"--json={shaped}", "--dump_mode=1"]) == 0
    model = json.loads(shaped.read_text())
    conv = next(op for op in model["graph"][0]["op"] if op["type"] == "Conv2D")
    assert conv["output_desc"][0]["shape"]["dim"] == [1, 8, 32, 32]
    assert conv["output_desc"][0]["dtype"] == 1  # dump_mode 1: enums as numbers


def test_mode1_missing_om_is_E13001(tmp_path, capsys):
    assert atc(["--mode=1", f"--om={tmp_path / 'none.om'}", f"--json={tmp_path / 'x.json'}"]) == 1
    assert "E13001" in capsys.readouterr().out and not (tmp_path / "x.json").exists()


def test_mode1_bad_om_is_E10003(tmp_path, capsys):
    bad = tmp_path / "bad.om"
    bad.write_bytes(b"IMOD" + b"\0" * 100)
    assert atc(["--mode=1", f"--om={bad}", f"--json={tmp_path / 'x.json'}"]) == 1
    assert "E10003" in capsys.readouterr().out and not (tmp_path / "x.json").exists()


def test_mode6_prints_model_info(converted, capsys):
    assert atc(["--mode=6", f"--om={converted['mlp']}"]) == 0
    out = capsys.readouterr().out
    assert "x: DT_FLOAT [4,64]" in out and "y: DT_FLOAT16 [4,10]" in out


def test_netron_opens_converted_models(converted, shared):
    checker = shared / "tools" / "netron-om-check" / "netron-om-check"
    try:
        import netron
    except ImportError:
        pytest.skip("the netron Python package is not installed")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    run = subprocess.run([str(checker), "--netron", os.path.dirname(netron.__file__), "--strict",
                          *converted.values()], capture_output=True, text=True, timeout=300)
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert len(results) == len(converted), run.stderr
    for r in results:
        assert r["ok"], r


def test_same_input_gives_byte_identical_om(tmp_path):
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    runs = []
    for _ in range(2):  # same command (the command line is recorded in the file), run twice
        assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'm'}", "--soc_version=Ascend310"]) == 0
        runs.append((tmp_path / "m.om").read_bytes())
    assert runs[0] == runs[1]


def test_python_dash_m_converter_is_atc(tmp_path):
    import sys
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    run = subprocess.run([sys.executable, "-m", "converter", "--framework=5", f"--model={src}",
                          f"--output={tmp_path / 'm'}"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ATC run success" in run.stdout and (tmp_path / "m.om").exists()


def test_mode5_text_modeldef_to_json(tmp_path, schema):
    txt = tmp_path / "g.txt"
    txt.write_text('name: "text_model"\ngraph { name: "g" op { name: "x" type: "Data" '
                   'output_desc { dtype: DT_FLOAT shape { dim: 1 dim: 3 } layout: "ND" } } '
                   'op { name: "out" type: "NetOutput" input: "x:0" } }\n')
    out = tmp_path / "g.json"
    assert atc(["--mode=5", f"--om={txt}", f"--json={out}"]) == 0
    model = json.loads(out.read_text())
    jsonschema.validate(model, schema)
    assert model["name"] == "text_model" and model["graph"][0]["op"][0]["output_desc"][0]["dtype"] == "DT_FLOAT"
    bad = tmp_path / "bad.txt"
    bad.write_text("this is { not a model")
    assert atc(["--mode=5", f"--om={bad}", f"--json={tmp_path / 'b.json'}"]) == 1
    assert not (tmp_path / "b.json").exists()
