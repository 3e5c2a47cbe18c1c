"""TF models through the whole pipeline (frontend + passes, and the .om file): a TF1-style net built with
our protos, the committed goldens produced by TensorFlow (tools/make_tf_models.py --only small), and,
when present, the frozen Keras applications (TF_MODELS_DIR, made by the same tool)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from converter.api import build_graph, convert
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import assert_close_rel
from tests.tensorflow.tf_builder import DType, GraphDefBuilder
from tests.tensorflow.tf_reference import conv_nhwc, pool_nhwc, same_pads

GOLDEN = Path(__file__).parent / "golden"
F32 = DType(np.float32)
rng = np.random.default_rng(3)


def _options(path, shapes: dict, out_nodes=(), **kw) -> ConvertOptions:
    kw.setdefault("precision_mode", "force_fp32")
    return ConvertOptions(framework=3, model=str(path), input_shape=tuple((k, tuple(v)) for k, v in shapes.items()),
                          out_nodes=tuple(out_nodes), **kw)


def tf1_style_net(folder):
    """conv (NHWC, SAME) + FusedBatchNormV3 + Relu + MaxPool + Reshape + MatMul + BiasAdd + Softmax."""
    p = {"w": rng.normal(0, 0.3, (3, 3, 3, 4)).astype(np.float32),
         "scale": rng.uniform(0.5, 1.5, 4).astype(np.float32), "offset": rng.normal(0, 0.1, 4).astype(np.float32),
         "mean": rng.normal(0, 0.1, 4).astype(np.float32), "var": rng.uniform(0.5, 2, 4).astype(np.float32),
         "fc_w": rng.normal(0, 0.2, (64, 5)).astype(np.float32), "bias": rng.normal(0, 0.1, 5).astype(np.float32)}
    g = GraphDefBuilder()
    g.placeholder("input", (-1, 8, 8, 3))
    for name, value in p.items():
        g.const(name, value)
    g.const("shape", [-1, 64], np.int32)
    g.node("conv", "Conv2D", ["input", "w"], T=F32, strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC")
    g.node("bn", "FusedBatchNormV3", ["conv", "scale", "offset", "mean", "var"], T=F32, U=F32, epsilon=0.001,
           is_training=False, data_format="NHWC")
    g.node("relu", "Relu", ["bn"], T=F32)
    g.node("pool", "MaxPool", ["relu"], T=F32, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    g.node("flat", "Reshape", ["pool", "shape"], T=F32)
    g.node("fc", "MatMul", ["flat", "fc_w"], T=F32)
    g.node("logits", "BiasAdd", ["fc", "bias"], T=F32)
    g.node("prob", "Softmax", ["logits"], T=F32)
    g.node("Identity", "Identity", ["prob", "^conv"], T=F32)
    return g.save(folder), p


def tf1_style_reference(x, p):
    y = conv_nhwc(x, p["w"], pads=(same_pads(8, 3, 1), same_pads(8, 3, 1)))
    y = (y - p["mean"]) / np.sqrt(p["var"] + 0.001) * p["scale"] + p["offset"]
    y = pool_nhwc(np.maximum(y, 0), (2, 2), (2, 2))
    logits = y.reshape(len(x), 64) @ p["fc_w"] + p["bias"]
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("name", ["input", "input:0"])
def test_tf1_style_net(tmp_path, name):
    path, params = tf1_style_net(tmp_path)
    x = rng.uniform(-1, 1, (2, 8, 8, 3)).astype(np.float32)
    graph = build_graph(_options(path, {name: x.shape}, [("Identity", 0)]))
    (y,) = Session(graph).run({"input": x}).values()
    assert_close_rel(y, tf1_style_reference(x, params).astype(np.float32), 1e-4)
    data = graph.data_ops()[0].outputs[0]
    assert data.format == "NHWC" and data.shape == (2, 8, 8, 3)
    convs = [op for op in graph.ops() if op.type == "Conv2D"]
    assert len(convs) == 1 and convs[0].attrs["data_format"] == "NHWC"
    assert convs[0].outputs[0].format == "NHWC"
    assert not [op for op in graph.ops() if op.type in ("Transpose", "Identity", "FusedBatchNormV3")]


def test_tf1_style_net_to_om_and_json(tmp_path):
    """The .om of an NHWC model runs like the source, and its JSON dump shows NHWC layouts."""
    path, params = tf1_style_net(tmp_path)
    x = rng.uniform(-1, 1, (1, 8, 8, 3)).astype(np.float32)
    om = convert(_options(path, {"input": x.shape}, output=str(tmp_path / "net")))
    (y,) = Session(om).run({"input": x}).values()
    assert_close_rel(y, tf1_style_reference(x, params).astype(np.float32), 1e-4)
    from converter.om.json_dump import om_to_json
    text = om_to_json(om)
    dump = json.loads(text)
    ops = dump["graph"][0]["op"]
    data = next(op for op in ops if op["type"] == "Data")
    conv = next(op for op in ops if op["type"] == "Conv2D")
    assert data["output_desc"][0]["layout"] == "NHWC"
    assert conv["input_desc"][0]["layout"] == "NHWC" and conv["output_desc"][0]["layout"] == "NHWC"


# goldens of fresh random draws, compared by statistics (tests/tensorflow/test_tf_random.py)
UNSEEDED = {"dropout_unseeded"}


def _golden_names():
    return sorted(p.stem for p in GOLDEN.glob("*.pb") if p.stem not in UNSEEDED)


def _check_golden(folder: Path, name: str, max_rel: float = 1e-4, floor_fraction: float = 1e-2, **kw):
    data = np.load(folder / f"{name}.npz")
    feeds = {k.split(":", 1)[1]: data[k] for k in data.files if k.startswith("input:")}
    outs = [k.split(":", 1)[1] for k in data.files if k.startswith("output:")]
    out_nodes = [(o.rsplit(":", 1)[0], int(o.rsplit(":", 1)[1])) for o in outs]
    graph = build_graph(_options(folder / f"{name}.pb", {k: v.shape for k, v in feeds.items()}, out_nodes, **kw))
    results = Session(graph).run({k.rsplit(":", 1)[0]: v for k, v in feeds.items()})
    assert len(results) == len(outs)
    for got, key in zip(results.values(), outs):
        ref = data["output:" + key]
        # relative error per element; elements below floor_fraction of the output's range are compared
        # absolutely (floor_fraction 1: the error relative to the output's range)
        floor = floor_fraction * float(np.abs(ref).max(initial=0)) or 1e-6
        assert_close_rel(np.asarray(got).astype(ref.dtype), ref, max_rel, atol=floor)
    return graph


@pytest.mark.parametrize("name", _golden_names())
def test_golden_from_tensorflow(name):
    kw = {"input_format": "NCHW"} if name == "nchw_net" else {}
    if name == "bicubic":   # TF's bicubic weights come from a 1024-entry table: ~1e-3 from the exact cubic
        kw.update(max_rel=2e-3, floor_fraction=1.0)
    graph = _check_golden(GOLDEN, name, **kw)
    if name == "nchw_net":
        assert graph.data_ops()[0].outputs[0].format == "NCHW"
        assert all(op.attrs["data_format"] == "NCHW" for op in graph.ops() if op.type in ("Conv2D", "MaxPool"))
    if name == "dilated_depthwise":
        assert not [op for op in graph.ops() if op.type in ("SpaceToBatchND", "BatchToSpaceND")]


@pytest.mark.parametrize("precision", ["force_fp32", "force_fp16"])
def test_max_pool_with_argmax_equals_tensorflow(precision):
    """The golden's indices exactly (the golden check above compares them only to a tolerance), in their dtypes."""
    data = np.load(GOLDEN / "argmax_pool.npz")
    x = data["input:input:0"]
    outs = [k.split(":", 1)[1] for k in data.files if k.startswith("output:")]
    graph = build_graph(_options(GOLDEN / "argmax_pool.pb", {"input:0": x.shape},
                                 [(o.rsplit(":", 1)[0], 0) for o in outs], precision_mode=precision))
    assert sum(op.type == "MaxPoolWithArgmax" for op in graph.ops()) == 3
    got = Session(graph).run({"input": x})
    for value, key in zip(got.values(), outs):
        ref = data["output:" + key]
        if ref.dtype.kind == "i":
            assert value.dtype == ref.dtype
            np.testing.assert_array_equal(value, ref)
        else:
            np.testing.assert_allclose(value, ref, rtol=1e-3 if precision == "force_fp16" else 0)


KERAS_DIR = Path(os.environ.get("TF_MODELS_DIR", "/tmp/tf_models_big"))
KERAS_APPS = ["mobilenet_v2", "resnet50", "inception_v3", "efficientnet_b0", "densenet121",
              # extras (tools/make_tf_models.py --only <name>): grouped convs, XLA-compiled calls, hard-swish
              "mobilenet_v3_small", "xception", "convnext_tiny", "nasnet_mobile", "efficientnet_v2_b0"]


@pytest.mark.slow
@pytest.mark.parametrize("name", KERAS_APPS)
def test_keras_application(name):
    """Frozen tf.keras.applications with random weights (made by tools/make_tf_models.py --out $TF_MODELS_DIR)."""
    if not (KERAS_DIR / f"{name}.pb").is_file():
        pytest.skip(f"{KERAS_DIR}/{name}.pb not found (run tools/make_tf_models.py --out {KERAS_DIR})")
    _check_golden(KERAS_DIR, name)
