"""omtool quantize end to end on a small ONNX CNN: files written, the record parses with AMCT's field numbers,
fake-quant / QDQ deploy models run in onnxruntime and match our runtime, the int8 .om is smaller than the fp16
one and dumps its quant ops, BatchNorm fusion can be skipped, bisect names the bad layer."""
import json
import os

import numpy as np
import onnx
import pytest
from google.protobuf import text_format
from onnx import numpy_helper

from converter import api
from converter.errors import ConverterError
from converter.options import ConvertOptions
from converter.proto import amct_record_pb2
from converter.quantize import quantize
from converter.quantize import record as qrecord
from converter.quantize.check import bisect, compare
from converter.quantize.data import BatchSource
from converter.quantize.graphs import fp32_graph
from converter.quantize.layers import find_layers
from converter.quantize.rewrite import apply_record
from converter.runtime import Session
from tests.helpers import weight_bytes

from ._models import data, small_cnn

ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("q")
    onnx.save(small_cnn(), str(folder / "m.onnx"))
    np.save(folder / "calib.npy", data(8))
    np.save(folder / "held.npy", data(8, seed=7))
    return folder


def options(folder, out="out/m", **kw):
    return ConvertOptions(framework=5, model=str(folder / "m.onnx"), output=str(folder / out), **kw)


def ort_run(path, x):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


@pytest.fixture(scope="module", params=["ifmr", "hfmg"])
def quantized(request, model_dir):
    return request.param, quantize(options(model_dir, f"{request.param}/m"), [str(model_dir / "calib.npy")],
                                   batch_num=4, act_algo=request.param)


def test_outputs_written(quantized):
    algo, res = quantized
    for path in (res.record, res.config, res.om, res.fake_quant, res.deploy_onnx):
        assert os.path.isfile(path), path
    assert res.layers == ["conv1", "conv2", "fc"]
    cfg = json.load(open(res.config))
    assert cfg["conv1"]["activation_quant_params"]["act_algo"] == algo and cfg["batch_num"] == 4


def test_record_parses_with_amct_field_numbers(quantized):
    _, res = quantized
    fields = {f.name: f.number for f in amct_record_pb2.SingleLayerRecord.DESCRIPTOR.fields}
    assert {k: fields[k] for k in ("scale_d", "offset_d", "scale_w", "offset_w", "shift_bit", "skip_fusion")} == \
        {"scale_d": 1, "offset_d": 2, "scale_w": 3, "offset_w": 4, "shift_bit": 5, "skip_fusion": 6}
    assert {f.name: f.number for f in amct_record_pb2.MapFiledEntry.DESCRIPTOR.fields} == {"key": 1, "value": 2}
    msg = text_format.Parse(open(res.record).read(), amct_record_pb2.ScaleOffsetRecord())
    by_key = {e.key: e.value for e in msg.record}
    assert list(by_key) == ["conv1", "conv2", "fc"]
    assert len(by_key["conv1"].scale_w) == 8 and len(by_key["conv2"].scale_w) == 16  # per output channel
    assert len(by_key["fc"].scale_w) == 1 and list(by_key["fc"].offset_w) == [0]
    assert by_key["conv2"].offset_d == -128       # asymmetric: a ReLU output starts at the int8 minimum
    assert qrecord.read(res.record) == res.records  # exact round trip of every float


def test_fake_quant_and_deploy_run_in_onnxruntime_and_match_our_runtime(quantized, model_dir):
    _, res = quantized
    x = data(2, seed=11)
    fake, deploy, ref = ort_run(res.fake_quant, x), ort_run(res.deploy_onnx, x), ort_run(str(model_dir / "m.onnx"), x)
    np.testing.assert_array_equal(fake, deploy)
    graph = api.build_graph(ConvertOptions(framework=5, model=res.deploy_onnx, precision_mode="force_fp32"))
    (ours,) = Session(graph).run({"x": x}).values()
    np.testing.assert_allclose(ours, deploy, rtol=1e-5, atol=1e-6)
    types = {n.op_type for n in onnx.load(res.deploy_onnx).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= types and "BatchNormalization" not in types
    int8 = [t for t in onnx.load(res.deploy_onnx).graph.initializer if t.data_type == onnx.TensorProto.INT8
            and len(t.dims) > 1]
    assert len(int8) == 3
    cos = float((deploy * ref).sum() / np.linalg.norm(deploy) / np.linalg.norm(ref))
    assert cos > 0.999


def test_bias_is_int32_over_scale_d_times_scale_w(quantized):
    """AMCT's deploy form: bias_int32 = round(bias / (scale_d * scale_w)) read through DequantizeLinear, in
    the QDQ model (conv1's bias is its folded BatchNorm, fc's the Gemm's C) and in the int8 .om."""
    _, res = quantized
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(res.deploy_onnx).graph.initializer}
    fake = {t.name: numpy_helper.to_array(t) for t in onnx.load(res.fake_quant).graph.initializer}
    for key in ("conv1", "fc"):
        rec = res.records[key]
        scale = np.float32(rec.scale_d) * np.asarray(rec.scale_w, np.float32)
        b32 = inits[f"{key}/bias_int32"]
        assert b32.dtype == np.int32 and np.abs(b32).max() > 10
        np.testing.assert_array_equal(inits[f"{key}/bias_scale"].reshape(-1), scale)
        np.testing.assert_array_equal(fake[f"{key}/bias_fake_quant"], (b32 * scale).astype(np.float32))
    assert "conv2/bias_int32" not in inits                      # conv2 has no bias
    graph = Session(res.om).graph
    fed = set()
    for op in graph.ops():
        value = graph.const_value(graph.inputs_of(op.name)[0]) if op.type == "DequantizeLinear" else None
        readers = graph.consumers(op.name) if value is not None and value.dtype == np.int32 else []
        while readers:
            c, i = readers.pop()
            if graph.op(c).type == "Cast":                   # to fp16 (the .om's precision mode)
                readers += graph.consumers(c)
            else:
                fed.add((graph.op(c).type, i))
    assert fed == {("Conv2D", 2), ("MatMulV2", 2)}


def test_bias_out_of_int32_range_is_refused(model_dir):
    graph = fp32_graph(options(model_dir))
    layers = find_layers(graph)
    rec = qrecord.LayerRecord(1e-30, 0, [1e-12] * 8, [0] * 8)
    with pytest.raises(ConverterError) as err:
        apply_record(graph, layers, {"conv1": rec})
    assert err.value.code == "E10001" and "conv1" in str(err.value) and "int32" in str(err.value)


def test_int8_om_smaller_than_fp16_and_dump_shows_quant_ops(quantized, model_dir, tmp_path):
    _, res = quantized
    fp16 = api.convert(options(model_dir, str(tmp_path / "fp16")))
    assert weight_bytes(res.om) < weight_bytes(fp16)
    dump = api.dump_json(ConvertOptions(mode=1, om=res.om, json=str(tmp_path / "q.json")))
    types = {op["type"] for g in json.load(open(dump))["graph"] for op in g["op"]}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv2D"} <= types
    x = data(2, seed=12)
    (om_out,) = Session(res.om).run({"x": x}).values()
    deploy = ort_run(res.deploy_onnx, x)
    np.testing.assert_allclose(om_out.astype(np.float32), deploy, rtol=0.02, atol=0.02)  # fp16 convs


def test_check_report_cosine_and_top1(quantized, model_dir):
    _, res = quantized
    graph = fp32_graph(options(model_dir))
    held = BatchSource(graph, [str(model_dir / "held.npy")], option="--check-data")
    report = compare(graph, res.om, held, list(range(len(held))))
    (out,) = report["outputs"]
    assert out["samples"] == 8 and out["cosine_min"] > 0.99 and report["passed"]


def test_bisect_names_the_layer_with_a_bad_scale(quantized, model_dir):
    _, res = quantized
    graph = fp32_graph(options(model_dir))
    held = BatchSource(graph, [str(model_dir / "held.npy")])
    records = dict(res.records)
    bad = records["conv2"]
    records["conv2"] = qrecord.LayerRecord(bad.scale_d * 40, bad.offset_d, bad.scale_w, bad.offset_w)
    rows = bisect(graph, find_layers(graph), records, held, [0])
    assert [r["layer"] for r in rows][0] == "conv2" and rows[0]["cosine"] < rows[1]["cosine"]


def test_skip_fusion_keeps_batchnorm(model_dir, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"skip_fusion_layers": ["conv1"]}))
    res = quantize(options(model_dir, str(tmp_path / "m")), [str(model_dir / "calib.npy")], config_path=str(cfg),
                   batch_num=2)
    assert res.records["conv1"].skip_fusion and not res.records["conv2"].skip_fusion
    assert "BatchNormalization" in {n.op_type for n in onnx.load(res.deploy_onnx).graph.node}
    assert "BatchNorm" in {op.type for op in Session(res.om).graph.ops()}
    x = data(2, seed=3)
    ref = ort_run(str(model_dir / "m.onnx"), x)
    out = ort_run(res.deploy_onnx, x)
    assert float((out * ref).sum() / np.linalg.norm(out) / np.linalg.norm(ref)) > 0.999


def test_disabled_layer_is_not_quantized(model_dir, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"fc": {"quant_enable": False}}))
    res = quantize(options(model_dir, str(tmp_path / "m")), [str(model_dir / "calib.npy")], config_path=str(cfg))
    assert res.layers == ["conv1", "conv2"]
