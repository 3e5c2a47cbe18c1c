"""Caffe frontend behaviour: inputs, phases, V1 upgrade, in-place naming, weights formats, the JSON dump,
and every E-code case."""
from __future__ import annotations

import json

import numpy as np
import pytest
from google.protobuf import text_format

from converter.errors import ConverterError
from converter.frontends.caffe import dump_prototxt_json, load_caffe_graph
from converter.proto import caffe_pb2
from converter.runtime.session import Session

from ._nets import CaffeNetBuilder, convert, rand, run


def _small(style="layer") -> CaffeNetBuilder:
    b = CaffeNetBuilder("small")
    b.input("data", [1, 2, 4, 4], style=style)
    b.conv("conv", "data", 2, 3, 3, pad=1)
    b.relu("relu", "conv")
    return b


def _write(tmp_path, name, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _code(exc_info) -> str:
    return exc_info.value.code


# ---- inputs -------------------------------------------------------------------------------------

@pytest.mark.parametrize("style", ["layer", "input_shape", "input_dim"])
def test_input_spellings(tmp_path, style):
    graph = convert(_small(style), tmp_path)
    (data,) = graph.data_ops()
    assert data.name == "data" and data.outputs[0].shape == (1, 2, 4, 4)


def test_input_shape_override_and_rank_check(tmp_path):
    graph = convert(_small(), tmp_path, {"data": (2, 2, 6, 6)})
    assert graph.data_ops()[0].outputs[0].shape == (2, 2, 6, 6)
    with pytest.raises(ConverterError) as e:
        convert(_small(), tmp_path, {"data": (2, 6, 6)})
    assert _code(e) == "E10049"


def test_input_without_shape_is_e11005(tmp_path):
    b = CaffeNetBuilder("noshape")
    b.net.input.append("data")
    b.relu("relu", "data")
    with pytest.raises(ConverterError) as e:
        convert(b, tmp_path)
    assert _code(e) == "E11005" and "--input_shape" in e.value.message
    graph = convert(b, tmp_path, {"data": (1, 3)})
    assert graph.data_ops()[0].outputs[0].shape == (1, 3)


def test_train_val_net_uses_test_phase_data_layer(tmp_path):
    b = CaffeNetBuilder("trainval")
    b.layer("Data", "train_data", [], ["data", "label"], include={"phase": caffe_pb2.TRAIN})
    b.layer("Data", "test_data", [], ["data", "label"], include={"phase": caffe_pb2.TEST})
    b.fc("fc", "data", 12, 3)
    b.layer("Dropout", "drop", "fc", "fc", exclude={"phase": caffe_pb2.TEST})
    b.layer("SoftmaxWithLoss", "loss", ["fc", "label"], "loss")
    b.layer("Accuracy", "acc", ["fc", "label"], "acc", include={"phase": caffe_pb2.TEST})
    with pytest.raises(ConverterError) as e:
        convert(b, tmp_path)
    assert _code(e) == "E11005"
    graph = convert(b, tmp_path, {"data": (2, 3, 2, 2)})
    assert [op.name for op in graph.data_ops()] == ["data"]
    assert "drop" not in graph and graph.net_output().attrs["output_names"] == ["fc"]
    x = rand(2, 3, 2, 2)
    w, bias = b.blobs["fc"]
    np.testing.assert_allclose(Session(graph).run({"data": x})["fc"], x.reshape(2, -1) @ w.T + bias, rtol=1e-4)


# ---- structure ----------------------------------------------------------------------------------

def test_in_place_layers_get_unique_tensor_names(tmp_path):
    b = _small()
    b.layer("Power", "double", "conv", "conv", power_param={"scale": 2.0})
    graph = convert(b, tmp_path)
    names = [d.name for op in graph.ops() for d in op.outputs if op.type not in ("Const", "NetOutput")]
    assert len(names) == len(set(names)) and {"conv", "relu", "double"} <= set(names)
    assert graph.net_output().attrs["output_names"] == ["conv"]
    x = rand(1, 2, 4, 4)
    out = Session(graph).run({"data": x})["conv"]
    w, bias = b.blobs["conv"]
    from . import _reference as ref
    np.testing.assert_allclose(out, 2 * np.maximum(ref.conv(x, w, bias, (1, 1), (1, 1)), 0), rtol=1e-4, atol=1e-5)


def test_all_unconsumed_blobs_are_outputs_in_order(tmp_path):
    b = CaffeNetBuilder("two")
    b.input("x", [1, 4])
    b.layer("Slice", "slice", "x", ["a", "b"], slice_param={"axis": 1})
    b.layer("TanH", "t", "a", "ta")
    out = run(b, tmp_path, {"x": rand(1, 4)})
    assert list(out) == ["b", "ta"]


V1_NET = """
name: "v1"
input: "data"
input_dim: 1 input_dim: 3 input_dim: 5 input_dim: 5
layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"
         convolution_param { num_output: 2 kernel_size: 3 } }
layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
layers { name: "pool" type: POOLING bottom: "conv" top: "pool"
         pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
"""


def test_v1_layers_are_upgraded(tmp_path):
    proto = _write(tmp_path, "v1.prototxt", V1_NET)
    weights = caffe_pb2.NetParameter()
    v1 = weights.layers.add(name="conv", type=caffe_pb2.V1LayerParameter.CONVOLUTION)
    w, bias = rand(2, 3, 3, 3), rand(2, seed=1)
    for arr in (w, bias):   # V1 files carry legacy 4-D blob dims
        blob = v1.blobs.add()
        blob.num, blob.channels, blob.height, blob.width = (1,) * (4 - arr.ndim) + arr.shape
        blob.data.extend(arr.reshape(-1).tolist())
    model = tmp_path / "v1.caffemodel"
    model.write_bytes(weights.SerializeToString())
    graph = load_caffe_graph(proto, str(model), {})
    x = rand(1, 3, 5, 5)
    from . import _reference as ref
    expect = ref.pool(np.maximum(ref.conv(x, w, bias, (1, 1), (0, 0)), 0), (2, 2), (2, 2), (0, 0), "AVE")
    np.testing.assert_allclose(Session(graph).run({"data": x})["pool"], expect, rtol=1e-4, atol=1e-5)


def test_mixed_v1_and_v2_layers_is_e11021(tmp_path):
    proto = _write(tmp_path, "mixed.prototxt", V1_NET + 'layer { name: "t" type: "TanH" bottom: "pool" top: "t" }')
    b = _small()
    _, model = b.save(str(tmp_path))
    with pytest.raises(ConverterError) as e:
        load_caffe_graph(proto, model, {})
    assert _code(e) == "E11021"


def test_unknown_fields_are_skipped_with_a_warning_naming_them(tmp_path):
    b = _small()
    proto, model = b.save(str(tmp_path))
    text = open(proto).read().replace('name: "relu"', 'name: "relu"\n  engine_hint: 3\n  fancy_param { x: 1 y { z: 2 } }')
    text = text.replace('type: "ReLU"', 'type: "ReLU"\n  relu_param { negative_slope: 0 fork_mode: FAST engine: MKL2017 }')
    proto2 = _write(tmp_path, "fork.prototxt", text)
    graph = load_caffe_graph(proto2, model, {})
    warnings = " ".join(graph.meta["frontend_warnings"])
    assert "LayerParameter.engine_hint" in warnings and "LayerParameter.fancy_param" in warnings
    assert "ReLUParameter.fork_mode" in warnings and ".z" not in warnings and ".x'" not in warnings
    assert "ReLUParameter.engine: MKL2017" in warnings


# ---- weights ------------------------------------------------------------------------------------

def test_legacy_blob_dims_and_double_data(tmp_path):
    b = _small()
    proto, _ = b.save(str(tmp_path), legacy_shapes=True)
    w, bias = b.blobs["conv"]
    weights = caffe_pb2.NetParameter()
    layer = weights.layer.add(name="conv", type="Convolution")
    blob = layer.blobs.add()
    blob.shape.dim.extend(w.shape)
    blob.double_data.extend(w.astype(np.float64).reshape(-1).tolist())
    blob = layer.blobs.add()
    blob.num, blob.channels, blob.height, blob.width = 1, 1, 1, 3
    blob.data.extend(bias.tolist())
    model = tmp_path / "double.caffemodel"
    model.write_bytes(weights.SerializeToString())
    graph = load_caffe_graph(proto, str(model), {})
    const = [op.value for op in graph.ops() if op.type == "Const"]
    np.testing.assert_array_equal(const[0], w)
    np.testing.assert_array_equal(const[1], bias)


def test_float_weights_are_views_into_the_file(tmp_path):
    graph = convert(_small(), tmp_path)
    w = next(op.value for op in graph.ops() if op.type == "Const")
    assert not w.flags.owndata and not w.flags.writeable


def test_no_weight_file_is_e10008(tmp_path):
    proto, _ = _small().save(str(tmp_path))
    with pytest.raises(ConverterError) as e:
        load_caffe_graph(proto, None, {})
    assert _code(e) == "E10008"


def test_layer_without_weights_is_e11029(tmp_path):
    b = _small()
    b.blobs.pop("conv")
    with pytest.raises(ConverterError) as e:
        convert(b, tmp_path)
    assert _code(e) == "E11029" and "conv" in e.value.message


def test_blob_size_mismatch_is_e11033(tmp_path):
    b = _small()
    b.blobs["conv"][0] = rand(3, 2, 2, 2)
    with pytest.raises(ConverterError) as e:
        convert(b, tmp_path)
    assert _code(e) == "E11033"


def test_unknown_bottom_is_e11012(tmp_path):
    b = _small()
    b.layer("TanH", "t", "nowhere", "t")
    with pytest.raises(ConverterError) as e:
        convert(b, tmp_path)
    assert _code(e) == "E11012" and "nowhere" in e.value.message


def test_unsupported_layers_are_all_reported_at_once(tmp_path):
    b = _small()
    b.layer("Python", "py1", "conv", "p1")
    b.layer("Python", "py2", "p1", "p2")
    b.layer("SPP", "spp", "p2", "s")
    with pytest.raises(ConverterError) as e:
        convert(b, tmp_path)
    assert _code(e) == "E11009"
    assert "Python x2 (e.g. py1, py2)" in e.value.message and "SPP x1 (e.g. spp)" in e.value.message


# ---- wrong files --------------------------------------------------------------------------------

def test_onnx_file_as_prototxt_is_e10041(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    model = helper.make_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                                                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                                                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])]))
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    _, weights = _small().save(str(tmp_path))
    with pytest.raises(ConverterError) as e:
        load_caffe_graph(str(path), weights, {})
    assert _code(e) == "E10041"


def test_text_that_is_not_a_prototxt_is_e10041(tmp_path):
    _, weights = _small().save(str(tmp_path))
    with pytest.raises(ConverterError) as e:
        load_caffe_graph(_write(tmp_path, "junk.prototxt", "this is { not caffe"), weights, {})
    assert _code(e) == "E10041"


def test_prototxt_given_as_weights_is_e10041(tmp_path):
    proto, _ = _small().save(str(tmp_path))
    with pytest.raises(ConverterError) as e:
        load_caffe_graph(proto, proto, {})
    assert _code(e) == "E10041"


def test_prototxt_with_framework_onnx_is_e10041(tmp_path):
    from converter.api import load_source_graph
    from converter.options import ConvertOptions
    proto, _ = _small().save(str(tmp_path))
    with pytest.raises(ConverterError) as e:
        load_source_graph(ConvertOptions(framework=5, model=proto))
    assert _code(e) == "E10041"


def test_api_caffe_without_weight_is_e10008(tmp_path):
    from converter.api import load_source_graph
    from converter.options import ConvertOptions
    proto, _ = _small().save(str(tmp_path))
    with pytest.raises(ConverterError) as e:
        load_source_graph(ConvertOptions(framework=0, model=proto))
    assert _code(e) == "E10008"


# ---- JSON dump ----------------------------------------------------------------------------------

def test_dump_prototxt_json(tmp_path):
    proto, model = _small().save(str(tmp_path))
    doc = json.loads(dump_prototxt_json(proto))
    assert doc["name"] == "small" and [la["name"] for la in doc["layer"]] == ["data", "conv", "relu"]
    assert doc["layer"][1]["convolution_param"]["num_output"] == 3
    text = dump_prototxt_json(proto)
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"
    weights_doc = json.loads(dump_prototxt_json(model))
    assert "data" not in json.dumps(weights_doc["layer"][1]["blobs"][0])
    parsed = text_format.Parse(open(proto).read(), caffe_pb2.NetParameter())
    assert len(parsed.layer) == 3


def test_dynamic_batch_keeps_batch_free(tmp_path):
    b = _small()
    b.layer("Pooling", "pool", "conv", "pool", pooling_param={"pool": caffe_pb2.PoolingParameter.AVE,
                                                              "kernel_size": 3, "stride": 2, "pad": 1})
    b.layer("InnerProduct", "fc", "pool", "fc", [rand(5, 27, seed=3), rand(5, seed=4)],
            inner_product_param={"num_output": 5})
    graph = convert(b, tmp_path, {"data": (-1, 2, 4, 4)})
    assert graph.net_output() is not None and graph.desc(graph.output_refs()[0]).shape == (-1, 5)
    x = rand(3, 2, 4, 4)
    fixed = convert(b, tmp_path, {"data": (3, 2, 4, 4)})
    np.testing.assert_allclose(Session(graph).run({"data": x})["fc"], Session(fixed).run({"data": x})["fc"])


def test_load_net_parameter_for_dumps(tmp_path):
    from converter.frontends.caffe import load_net_parameter
    proto, model = _small().save(str(tmp_path))
    assert [la.name for la in load_net_parameter(proto).layer] == ["data", "conv", "relu"]
    weights = load_net_parameter(model)
    assert weights.layer[1].blobs[0].shape.dim == [3, 2, 3, 3] and not weights.layer[1].blobs[0].data
    with pytest.raises(ConverterError) as e:
        load_net_parameter(_write(tmp_path, "bad.bin", "\x00\x01\x02garbage{"))
    assert _code(e) == "E10041"
