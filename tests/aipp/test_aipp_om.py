"""AIPP through the CLI: the .om keeps the Aipp op after the uint8 Data op (as ATC users see it in the JSON
dump), runs from the file, and verify/random inputs feed valid uint8 images."""
import json

import numpy as np
import onnx

from converter.cli import main as atc
from converter.ir import DataType
from converter.runtime import Session
from converter.runtime.inputs import random_inputs
from converter.verify.verify import verify

from ._models import conv_model
from ._reference import normalise
from .conftest import EXAMPLES, assert_rel, ort_run


def _convert(tmp_path, cfg_name="aipp_05.cfg", shape=(1, 3, 224, 224)):
    model = str(tmp_path / "m.onnx")
    onnx.save(conv_model([("x", shape)]), model)
    out = str(tmp_path / "m")
    argv = ["--framework=5", f"--model={model}", f"--output={out}", f"--insert_op_conf={EXAMPLES / cfg_name}",
            "--soc_version=Ascend310", "--precision_mode=force_fp32"]
    assert atc(argv) == 0
    return model, out + ".om"


def test_om_json_shows_uint8_data_then_aipp(tmp_path, capsys):
    _, om = _convert(tmp_path)
    js = str(tmp_path / "m.json")
    assert atc(["--mode=1", f"--om={om}", f"--json={js}"]) == 0
    ops = json.loads(open(js).read())["graph"][0]["op"]
    types = [op["type"] for op in ops]
    assert types.index("Data") < types.index("Aipp")
    data = ops[types.index("Data")]
    assert data["output_desc"][0]["dtype"] == "DT_UINT8"
    assert data["output_desc"][0]["shape"]["dim"] == [1, 256, 256, 3]
    aipp = ops[types.index("Aipp")]
    assert aipp["input"] == [f"{data['name']}:0"]
    assert aipp["output_desc"][0]["shape"]["dim"] == [1, 3, 224, 224]


def test_om_runs_from_file_and_random_inputs_are_images(tmp_path):
    model, om = _convert(tmp_path)
    sess = Session(om)
    d = sess.graph.op("x").outputs[0]
    assert (d.dtype, d.shape, d.format) == (DataType.DT_UINT8, (1, 256, 256, 3), "NHWC")
    feeds = random_inputs(sess.graph, seed=3)
    assert feeds["x"].dtype == np.uint8 and feeds["x"].shape == (1, 256, 256, 3) and feeds["x"].max() > 200
    crop = feeds["x"][:, 16:240, 16:240]
    model_input = normalise(crop, (0, 0, 0), (123.675, 116.28, 103.53),
                            (0.0171247538316637, 0.0175070028011204, 0.0174291938997821))
    assert_rel(sess.run(feeds)["x_out"], ort_run(model, {"x": model_input})[0])


def test_verify_feeds_the_source_model_the_preprocessed_image(tmp_path):
    model, om = _convert(tmp_path, "aipp_02.cfg", (1, 3, 560, 560))
    report = verify(model, om, seed=1)
    assert report["passed"], report
    assert report["inputs"]["x"] == {"dtype": "uint8", "shape": [1, 840, 560, 1]}
