"""A transformer encoder block and an LSTM/GRU tagger convert with fixed shapes and pass omtool verify
against onnxruntime (fp32), and verify with fp16 tolerances under the default precision."""
import pytest

from converter import api
from converter.omtool import main as omtool
from converter.options import ConvertOptions
from converter.verify import Tolerance, verify
from tests.helpers import save
from tools.make_seq_models import lstm_tagger, transformer_encoder

CASES = {"encoder": (transformer_encoder, (("ids", (2, 12)),)),
         "lstm_tagger": (lstm_tagger, (("ids", (7, 3)),))}


@pytest.mark.parametrize("name", sorted(CASES))
def test_converts_and_verifies_fp32(name, tmp_path):
    build, shapes = CASES[name]
    src = save(build(), tmp_path, name + ".onnx")
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / name), input_shape=shapes,
                                    precision_mode="force_fp32"))
    report = verify(src, om, tol=Tolerance(atol=1e-5, rtol=1e-4, min_cosine=0.99999), seed=1)
    assert report["passed"], report
    assert report["inputs"]["ids"]["dtype"] == "int64"


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_fp16_verifies_with_fp16_tolerance(name, tmp_path):
    build, shapes = CASES[name]
    src = save(build(), tmp_path, name + ".onnx")
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / name), input_shape=shapes))
    assert omtool(["verify", src, om, "--atol", "0.05", "--rtol", "0.05", "--min-cosine", "0.999"]) == 0
