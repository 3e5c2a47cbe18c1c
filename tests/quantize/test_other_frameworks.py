"""Caffe and TensorFlow sources: quantize writes the record, the int8 .om and a fake-quant .om (fp32), keyed
by the source layer names, and the int8 model stays close to fp32."""
import numpy as np

from converter.options import ConvertOptions
from converter.quantize import quantize
from converter.quantize.check import compare
from converter.quantize.data import BatchSource
from converter.quantize.graphs import fp32_graph
from converter.runtime import Session
from tests.conftest import REPO
from tools.make_caffe_models import MODELS


def _check(opts, calib_path, expect_layers):
    res = quantize(opts, [str(calib_path)], batch_num=2)
    assert res.fake_quant.endswith("_fake_quant_model.om") and res.deploy_onnx is None
    assert set(expect_layers) <= set(res.layers)
    graph = fp32_graph(opts)
    data = BatchSource(graph, [str(calib_path)])
    for om in (res.om, res.fake_quant):
        report = compare(graph, om, data, [0, 1])
        assert report["outputs"][0]["cosine_min"] > 0.99, report
    types = {op.type for op in Session(res.om).graph.ops()}
    assert {"QuantizeLinear", "DequantizeLinear"} <= types
    return res


def test_tensorflow_golden(tmp_path):
    pb = REPO / "tests" / "tensorflow" / "golden" / "nchw_net.pb"
    np.save(tmp_path / "calib.npy", np.random.default_rng(0).random((2, 3, 12, 12)).astype(np.float32))
    opts = ConvertOptions(framework=3, model=str(pb), output=str(tmp_path / "tf"), input_format="NCHW",
                          input_shape=(("input", (1, 3, 12, 12)),), out_nodes=(("output", 0),))
    res = _check(opts, tmp_path / "calib.npy", [])
    assert res.layers and all(not name.startswith("_") for name in res.layers)


def test_caffe_mobilenet(tmp_path):
    builder, shapes = MODELS["mobilenet"](full=False)
    proto, model = builder.save(str(tmp_path), "mobilenet")
    shape = shapes["data"]
    np.save(tmp_path / "calib.npy", np.random.default_rng(1).standard_normal((2 * shape[0], *shape[1:]))
            .astype(np.float32))
    layer_names = [la.name for la in builder.net.layer if la.type == "Convolution"]
    opts = ConvertOptions(framework=0, model=proto, weight=model, output=str(tmp_path / "caffe"))
    _check(opts, tmp_path / "calib.npy", layer_names)
