"""Chaining networks with fp16 (and NC1HWC0) boundaries: a CNN split into backbone and head, each converted
with the matching boundary options, chained with omtool chain / Pipeline, compared with the unsplit model."""
import json

import numpy as np
import pytest

from converter import api
from converter.errors import ConverterError
from converter.omtool import main as omtool
from converter.options import ConvertOptions
from converter.runtime import Pipeline, Session
from converter.verify import Tolerance, compare_arrays
from tests.helpers import ort_run, save
from tools.make_resnet50_onnx import resnet50
from tools.split_onnx import split_model

CUT = "stage2"
X_SHAPE = (1, 3, 64, 64)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("chain")
    full = resnet50(blocks=(1, 1, 1, 1), width=8, size=64, num_classes=10)
    backbone, head = split_model(full, [CUT])
    return d, save(full, d, "full.onnx"), save(backbone, d, "backbone.onnx"), save(head, d, "head.onnx")


def _convert(src, out, **kw):
    return api.convert(ConvertOptions(framework=5, model=src, output=str(out), **kw))


def _ops_at_boundary(om_path, json_path):
    api.dump_json(ConvertOptions(mode=1, om=om_path, json=str(json_path)))
    model = json.loads(open(json_path).read())
    ops = {op["name"]: op for op in model["graph"][0]["op"]}
    out = next(op for op in ops.values() if op["type"] == "NetOutput")
    producers = [ops[i.rsplit(":", 1)[0]]["type"] for i in out.get("input", [])]
    data = [op["name"] for op in ops.values() if op["type"] == "Data"]
    consumers = [op["type"] for op in ops.values() for i in op.get("input", []) if i.rsplit(":", 1)[0] in data]
    return producers, consumers


VARIANTS = {
    "fp16": (dict(is_output_fp16=(True,)), dict(input_fp16_nodes=(CUT,))),
    "fp16_nc1hwc0": (dict(out_nodes=((CUT, 0),), is_output_adjust_hw_layout=(True,)),
                     dict(input_fp16_nodes=(CUT,), is_input_adjust_hw_layout=(True,))),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_split_chain_matches_unsplit_and_source(models, variant, tmp_path):
    d, full, backbone, head = models
    bb_opts, head_opts = VARIANTS[variant]
    a = _convert(backbone, tmp_path / "a", **bb_opts)
    b = _convert(head, tmp_path / "b", **head_opts)
    whole = _convert(full, tmp_path / "whole")
    # no Cast or TransData at the boundary, in either model
    producers, _ = _ops_at_boundary(a, tmp_path / "a.json")
    _, consumers = _ops_at_boundary(b, tmp_path / "b.json")
    assert not {"Cast", "TransData"} & set(producers), producers
    assert not {"Cast", "TransData"} & set(consumers), consumers
    out_desc = Session(a).graph.desc(Session(a).output_refs[0])
    assert out_desc.dtype == 2 and (out_desc.format == "NC1HWC0") == (variant == "fp16_nc1hwc0")
    x = np.random.default_rng(0).random(X_SHAPE).astype(np.float32)
    chained = list(Pipeline([a, b]).run({"input": x}).values())[0]
    unsplit = Session(whole).run({"input": x})["prob"]
    source = ort_run(full, {"input": x})[0]
    cos = Tolerance(atol=np.inf, rtol=0.0, min_cosine=0.0)
    assert compare_arrays(chained, unsplit, cos)["cosine"] >= 0.9999
    assert compare_arrays(chained, source, cos)["cosine"] >= 0.999


def test_omtool_chain_with_reference(models, tmp_path, capsys):
    d, full, backbone, head = models
    a = _convert(backbone, tmp_path / "a", is_output_fp16=(True,))
    b = _convert(head, tmp_path / "b", input_fp16_nodes=(CUT,))
    code = omtool(["chain", a, b, "--map", f"{CUT}={CUT}", "--reference", backbone, "--reference", head])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASS" in out


@pytest.mark.parametrize("a_opts,b_opts,what", [
    (dict(is_output_fp16=(True,)), dict(), "DT_FLOAT16"),                       # fp16 into fp32
    (dict(out_nodes=((CUT, 0),), is_output_adjust_hw_layout=(True,)),
     dict(input_fp16_nodes=(CUT,)), "NC1HWC0"),                                # NC1HWC0 into NCHW
])
def test_mismatched_chain_is_refused_naming_the_pair(models, tmp_path, a_opts, b_opts, what):
    d, full, backbone, head = models
    a = _convert(backbone, tmp_path / "a", **a_opts)
    b = _convert(head, tmp_path / "b", **b_opts)
    with pytest.raises(ConverterError) as e:
        Pipeline([a, b])
    assert f"chain pair {CUT}" in e.value.message and f"={CUT}" in e.value.message and what in e.value.message


def test_wrong_shape_chain_is_refused(models, tmp_path, capsys):
    d, full, backbone, head = models
    a = _convert(backbone, tmp_path / "a", input_shape=(("input", (2, 3, 64, 64)),), is_output_fp16=(True,))
    b = _convert(head, tmp_path / "b", input_fp16_nodes=(CUT,))
    assert omtool(["chain", a, b]) == 1
    err = capsys.readouterr().err
    assert f"={CUT}" in err and "[2," in err


def test_omtool_run_with_seed_feeds_fp16_nc1hwc0_inputs(models, tmp_path, capsys):
    """Random inputs are made in the source form and converted to what the model takes (fp16, NC1HWC0)."""
    d, full, backbone, head = models
    b = _convert(head, tmp_path / "b", input_fp16_nodes=(CUT,), is_input_adjust_hw_layout=(True,))
    assert omtool(["run", b, "--seed", "1", "--output-dir", str(tmp_path / "res")]) == 0
    assert "prob" in capsys.readouterr().out
