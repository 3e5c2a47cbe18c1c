"""Multi-profile ("gear") models: --dynamic_batch_size / --dynamic_image_size / --dynamic_dims are recorded in
the .om and the runtime runs exactly those shapes (others are refused with E10001, as on a device)."""
import numpy as np
import pytest

from converter.cli import main as atc
from converter.errors import ConverterError
from converter.om.reader import read_om
from converter.runtime import Session
from tests.helpers import assert_close_rel, ort_run, save
from tools.make_samples import dynamic_seg, mlp, tiny_cnn


def test_dynamic_batch_size(tmp_path):
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    out = tmp_path / "m"
    assert atc(["--framework=5", f"--model={src}", f"--output={out}", "--input_shape=x:-1,3,32,32",
                "--dynamic_batch_size=1,2,4", "--precision_mode=force_fp32"]) == 0
    attrs = read_om(str(out) + ".om").attrs
    assert attrs["dynamic_gear_type"] == "dynamic_batch_size" and len(attrs["dynamic_gears"]) == 3
    sess = Session(str(out) + ".om")
    for batch in (1, 4):
        x = np.random.default_rng(batch).standard_normal((batch, 3, 32, 32)).astype(np.float32)
        ref = np.concatenate([ort_run(src, {"x": x[i:i + 1]})[0] for i in range(batch)])  # the model says N=1
        assert_close_rel(sess.run({"x": x})["prob"], ref, 1e-4)
    with pytest.raises(ConverterError) as e:
        sess.run({"x": np.zeros((3, 3, 32, 32), np.float32)})
    assert e.value.code == "E10001" and "x:2,3,32,32" in e.value.message


def test_dynamic_image_size(tmp_path):
    src = save(dynamic_seg(), tmp_path, "seg.onnx")
    out = tmp_path / "s"
    assert atc(["--framework=5", f"--model={src}", f"--output={out}", "--input_shape=x:1,3,-1,-1",
                "--dynamic_image_size=16,16;24,32", "--precision_mode=force_fp32"]) == 0
    sess = Session(str(out) + ".om")
    x = np.random.default_rng(0).standard_normal((1, 3, 24, 32)).astype(np.float32)
    assert_close_rel(sess.run({"x": x})["seg"], ort_run(src, {"x": x})[0], 1e-4)
    with pytest.raises(ConverterError):
        sess.run({"x": np.zeros((1, 3, 16, 32), np.float32)})


def test_dynamic_dims(tmp_path):
    src = save(mlp(), tmp_path, "mlp.onnx")
    out = tmp_path / "d"
    assert atc(["--framework=5", f"--model={src}", f"--output={out}", "--input_shape=x:-1,64",
                "--input_format=ND", "--dynamic_dims=2;5"]) == 0
    sess = Session(str(out) + ".om")
    assert sess.run({"x": np.ones((5, 64), np.float32)})["y"].shape == (5, 10)
    with pytest.raises(ConverterError):
        sess.run({"x": np.ones((3, 64), np.float32)})


def test_dynamic_shape_model_sets_the_header_flag(tmp_path):
    from converter.om.reader import om_info
    src = save(mlp(), tmp_path, "mlp.onnx")
    assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'dyn'}", "--input_shape=x:-1,64"]) == 0
    assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'static'}", "--input_shape=x:3,64"]) == 0
    assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'gears'}", "--input_shape=x:-1,64",
                "--input_format=ND", "--dynamic_dims=2;5"]) == 0
    flags = {n: om_info(str(tmp_path / f"{n}.om"))["header"]["is_unknow_model"] for n in ("dyn", "static", "gears")}
    assert flags == {"dyn": 1, "static": 0, "gears": 0}
    x = np.ones((7, 64), np.float32)
    assert Session(str(tmp_path / "dyn.om")).run({"x": x})["y"].shape == (7, 10)
