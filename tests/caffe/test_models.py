"""The four structural nets (ResNet-50, MobileNet, GoogLeNet, MobileNet-SSD; reduced depth) written by
tools/make_caffe_models.py convert, run, and match an independent Caffe-semantics interpreter -- both
straight from the frontend and after the whole pass pipeline (BatchNorm+Scale folded into convs)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from converter.api import build_graph
from converter.options import ConvertOptions
from converter.runtime.session import Session
from tools.make_caffe_models import MODELS

from ._interpreter import run_net
from ._nets import convert

OUTPUT = {"resnet50": "prob", "mobilenet": "prob", "googlenet": "prob", "mobilenet_ssd": "detection_out"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("caffe_models")
    nets = {}
    for name, make in MODELS.items():
        builder, shapes = make(full=False)
        proto, model = builder.save(str(folder), name)
        x = np.random.default_rng(7).standard_normal(shapes["data"]).astype(np.float32)
        nets[name] = (builder, proto, model, x)
    return nets


def _compare(name, got, builder, x):
    expect = run_net(builder, {"data": x})[OUTPUT[name]]
    assert got.shape == expect.shape
    np.testing.assert_allclose(got, expect, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("name", sorted(OUTPUT))
def test_frontend_graph_matches_interpreter(written, tmp_path, name):
    builder, proto, model, x = written[name]
    from converter.frontends.caffe import load_caffe_graph
    graph = load_caffe_graph(proto, model, {})
    out = Session(graph).run({"data": x})
    assert list(out) == [OUTPUT[name]]
    _compare(name, out[OUTPUT[name]], builder, x)


@pytest.mark.parametrize("name", sorted(OUTPUT))
def test_pipeline_folds_batchnorm_and_matches(written, name):
    builder, proto, model, x = written[name]
    graph = build_graph(ConvertOptions(framework=0, model=proto, weight=model, precision_mode="force_fp32"))
    types = Counter(op.type for op in graph.ops())
    assert types["BatchNorm"] == 0 and types["Scale"] == 0
    _compare(name, Session(graph).run({"data": x})[OUTPUT[name]], builder, x)


def test_structures_are_what_they_claim(written):
    kinds = {name: Counter(layer.type for layer in written[name][0].net.layer) for name in OUTPUT}
    assert kinds["resnet50"]["BatchNorm"] == kinds["resnet50"]["Scale"] > 10 and kinds["resnet50"]["Eltwise"] >= 4
    groups = [la.convolution_param.group for la in written["mobilenet"][0].net.layer if la.type == "Convolution"]
    assert sum(g > 1 for g in groups) >= 6
    assert kinds["googlenet"]["LRN"] == 2 and kinds["googlenet"]["Concat"] >= 2
    assert kinds["mobilenet_ssd"]["PriorBox"] >= 2 and kinds["mobilenet_ssd"]["DetectionOutput"] == 1


def test_ssd_detections_are_real_rows(written, tmp_path):
    builder, proto, model, x = written["mobilenet_ssd"]
    out = Session(convert(builder, tmp_path)).run({"data": x})["detection_out"]
    rows = out.reshape(-1, 7)
    assert rows.shape[0] >= 1 and np.all(rows[:, 1] >= 1) and np.all(np.diff(rows[:, 1]) >= 0)
