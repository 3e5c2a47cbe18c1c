"""--external_weight=1: weights in files under weight/ beside the .om (Consts become FileConstant ops);
the runtime reads them back and gives the same numbers as an .om with weights inside."""
import json
import os

import numpy as np

from converter.cli import main as atc
from converter.runtime import Session
from tests.helpers import save
from tools.make_samples import tiny_cnn


def test_external_weights_round_trip(tmp_path):
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'in'}"]) == 0
    assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'out' / 'ext'}",
                "--external_weight=1"]) == 0
    files = sorted(os.listdir(tmp_path / "out" / "weight"))
    assert files and all(not f.startswith(".tmp") for f in files)
    assert os.path.getsize(tmp_path / "out" / "ext.om") < os.path.getsize(tmp_path / "in.om")
    dump = tmp_path / "ext.json"
    assert atc(["--mode=1", f"--om={tmp_path / 'out' / 'ext.om'}", f"--json={dump}"]) == 0
    types = {op["type"] for op in json.loads(dump.read_text())["graph"][0]["op"]}
    assert "FileConstant" in types and "Const" not in types
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    a = Session(str(tmp_path / "in.om")).run({"x": x})["prob"]
    b = Session(str(tmp_path / "out" / "ext.om")).run({"x": x})["prob"]
    np.testing.assert_array_equal(a, b)


def test_missing_weight_file_is_E13001(tmp_path):
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'ext'}", "--external_weight=1"]) == 0
    victim = sorted(os.listdir(tmp_path / "weight"))[0]
    os.unlink(tmp_path / "weight" / victim)
    from converter.errors import ConverterError
    try:
        Session(str(tmp_path / "ext.om"))
    except ConverterError as e:
        assert e.code == "E13001" and victim in e.message
    else:
        raise AssertionError("a missing weight file must be refused")
