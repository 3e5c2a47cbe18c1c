"""verify's default tolerances follow what the model computes in: a faithful fp16 conversion passes, a conv whose
weights are off by 25% or 50% fails; fp32 models keep the strict defaults (1% off fails); options override single
fields. (Below fp16's own drift no output check can tell: in this net, a 10% error in one conv stays within
it, and one conv of the residual branches moves the logits by less than fp16 does even at 25%.)"""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from converter import api
from converter.om.reader import read_om
from converter.om.writer import write_om
from converter.omtool import main as omtool
from converter.options import ConvertOptions
from converter.verify import verify
from converter.verify.compare import FP16_DEFAULTS, FP32_DEFAULTS, default_tolerance
from tools.make_resnet50_onnx import resnet50


@pytest.fixture(scope="module")
def small_resnet(tmp_path_factory):
    """A ResNet of 4 bottlenecks ending in its logits (a softmax output would hide errors in flat probabilities)."""
    folder = tmp_path_factory.mktemp("resnet")
    model = resnet50(blocks=(1, 1, 1, 1), width=8, size=32, num_classes=10)
    model.graph.output[0].name = "logits"
    del model.graph.node[-1]
    src = str(folder / "r.onnx")
    onnx.save(model, src)
    return src, folder


def _convert(src, folder, mode):
    return api.convert(ConvertOptions(framework=5, model=src, output=str(folder / mode), precision_mode=mode))


def _broken(om, folder, which: int, factor: float) -> str:
    """The .om with the weights of its `which`-th conv scaled by `factor` (a wrong conversion)."""
    model = read_om(om)
    graph = model.to_graph()
    conv = [op for op in graph.ops() if op.type == "Conv2D"][which]
    weight = graph.op(graph.inputs_of(conv.name)[1][0])
    weight.value = (np.asarray(weight.value).astype(np.float32) * factor).astype(weight.value.dtype)
    path = str(folder / f"broken_{which}_{factor}.om")
    write_om(graph, path, model.attrs)
    return path


@pytest.mark.parametrize("mode", ["force_fp16", "allow_mix_precision"])
def test_faithful_fp16_conversion_passes_and_a_weight_off_by_25_or_50_percent_fails(small_resnet, mode):
    src, folder = small_resnet
    om = _convert(src, folder, mode)
    assert default_tolerance(read_om(om).to_graph()) == ("fp16", FP16_DEFAULTS)
    for seed in range(3):
        report = verify(src, om, seed=seed)
        assert report["passed"] and report["tolerance"]["defaults"] == "fp16", report["outputs"]
    strict = verify(src, om, **{k: v for k, v in vars(FP32_DEFAULTS).items()})
    assert not strict["passed"]          # fp16 drift does not meet the fp32 defaults
    for which in (0, 9, -1):             # first, middle, last conv
        for factor in (1.5, 1.25, 0.75):
            assert not verify(src, _broken(om, folder, which, factor))["passed"], (which, factor)


def test_fp32_models_keep_the_strict_defaults(small_resnet):
    src, folder = small_resnet
    om = _convert(src, folder, "force_fp32")
    report = verify(src, om)
    assert report["passed"] and report["tolerance"]["defaults"] == "fp32"
    assert report["tolerance"] == {**vars(FP32_DEFAULTS), "defaults": "fp32"}
    assert not verify(src, _broken(om, folder, 7, 1.01))["passed"]
    # an fp16 output boundary (a Cast) is not fp16 computing
    cast_out = api.convert(ConvertOptions(framework=5, model=src, output=str(folder / "out16"),
                                          precision_mode="force_fp32", output_type="FP16"))
    assert default_tolerance(read_om(cast_out).to_graph())[0] == "fp32"


def test_options_override_single_fields(small_resnet, tmp_path, capsys):
    src, folder = small_resnet
    om = _convert(src, folder, "force_fp16")
    assert omtool(["verify", src, om]) == 0
    assert "fp16 defaults" in capsys.readouterr().out
    report_path = tmp_path / "r.json"
    assert omtool(["verify", src, om, "--min-cosine", "0.99999999", "--json", str(report_path)]) == 1
    tol = json.loads(report_path.read_text())["tolerance"]
    assert tol == {**vars(FP16_DEFAULTS), "min_cosine": 0.99999999, "defaults": "fp16"}
    assert omtool(["verify", src, om, "--peak-atol", "0", "--rtol", "0", "--atol", "1e-9"]) == 1
