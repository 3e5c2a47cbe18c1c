"""The narrow tensor types (issue 11): bfloat16, float8 e4m3fn/e5m2/e8m0, float4 e2m1, int4, int2, uint2 as
constants, graph inputs, Cast/CastLike (saturate, round_mode) and QuantizeLinear/DequantizeLinear (blocked too),
through convert + .om + runtime, against ONNX's reference implementation; sub-byte weights stored packed; the
ONNX types GE has no DataType for refused with E10041 naming the tensors."""
from __future__ import annotations

import os

import ml_dtypes
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from converter import api
from converter.errors import ConverterError
from converter.ir import DataType
from converter.om.reader import read_om
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import save

# ONNX type number, ml_dtypes type, our DataType
NARROW = {
    "bfloat16": (16, ml_dtypes.bfloat16, DataType.DT_BF16),
    "float8e4m3fn": (17, ml_dtypes.float8_e4m3fn, DataType.DT_FLOAT8_E4M3FN),
    "float8e5m2": (19, ml_dtypes.float8_e5m2, DataType.DT_FLOAT8_E5M2),
    "int4": (22, ml_dtypes.int4, DataType.DT_INT4),
    "float4e2m1": (23, ml_dtypes.float4_e2m1fn, DataType.DT_FLOAT4_E2M1),
    "float8e8m0": (24, ml_dtypes.float8_e8m0fnu, DataType.DT_FLOAT8_E8M0),
    "uint2": (25, ml_dtypes.uint2, DataType.DT_UINT2),
    "int2": (26, ml_dtypes.int2, DataType.DT_INT2),
}
SAMPLES = {"int4": [-8, -1, 0, 3, 7, 2, -5], "int2": [-2, -1, 0, 1, 1, -2, 0], "uint2": [0, 1, 2, 3, 3, 2, 1],
           "float8e8m0": [0.25, 1, 2, 1024, 0.5, 8, 2 ** -20]}


def _model(nodes, inputs, outputs, inits=(), opset=24):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 11
    return model


def _convert(model, tmp_path, **kw):
    om = api.convert(ConvertOptions(framework=5, model=save(model, tmp_path), output=str(tmp_path / "m"),
                                    precision_mode="force_fp32", **kw))
    return om, Session(om)


def _sample(name):
    values = SAMPLES.get(name, [0.5, -1.5, 3.0, -0.25, 6.0, 0.0, 1.0])
    return np.array(values, np.float32).astype(NARROW[name][1])


def _concat_model(onnx_type, const: np.ndarray):
    """y = Concat(x, c): the constant c stays a constant of its own type in the .om (nothing folds it)."""
    n = const.size
    return _model([helper.make_node("Concat", ["x", "c"], ["y"], axis=0)],
                  [helper.make_tensor_value_info("x", onnx_type, [1])],
                  [helper.make_tensor_value_info("y", onnx_type, [n + 1])], [numpy_helper.from_array(const, "c")])


def _const_desc(om):
    model = read_om(om)
    const = [op for op in model.model_def.graph[0].op if op.type == "Const"][0].attr["value"].t.desc
    return const, bytes(model.weights[const.data_offset:const.data_offset + const.weight_size])


@pytest.mark.parametrize("name", sorted(NARROW))
def test_constant_of_a_narrow_type_through_the_om(name, tmp_path):
    """An initializer of the type (7 elements: an odd count for the packed types) read by an op at run time."""
    onnx_type, _, dt = NARROW[name]
    value = _sample(name)
    om, session = _convert(_concat_model(onnx_type, value), tmp_path)
    got = session.run({"x": value[:1]})["y"]
    assert got.dtype == value.dtype and np.array_equal(got[1:].astype(np.float32), value.astype(np.float32))
    desc, data = _const_desc(om)
    bits = {"int4": 4, "float4e2m1": 4, "int2": 2, "uint2": 2}.get(name)
    assert desc.dtype == int(dt) and len(data) == ((7 * bits + 7) // 8 if bits else 7 * value.dtype.itemsize)
    assert data == numpy_helper.from_array(value).raw_data  # the bytes ONNX stores, packed the same way


def test_sub_byte_weights_are_packed_as_onnx_packs_them(tmp_path):
    """int4 [-1, 1, -2]: low nibble first, the last byte padded: 0x1f 0x0e."""
    value = np.array([-1, 1, -2], ml_dtypes.int4)
    om, session = _convert(_concat_model(22, value), tmp_path)
    assert _const_desc(om)[1] == b"\x1f\x0e"
    assert session.run({"x": np.array([5], ml_dtypes.int4)})["y"].astype(np.int8).tolist() == [5, -1, 1, -2]


def test_sub_byte_weights_in_external_weight_files(tmp_path):
    value = np.array([-8, 7, 3, -2, 1], ml_dtypes.int4)
    om, session = _convert(_concat_model(22, value), tmp_path, external_weight=1)
    files = os.listdir(tmp_path / "weight")
    assert len(files) == 1 and (tmp_path / "weight" / files[0]).read_bytes() == bytes([0x78, 0xE3, 0x01])
    assert session.run({"x": np.array([0], ml_dtypes.int4)})["y"].astype(np.int8).tolist() == [0, -8, 7, 3, -2, 1]


@pytest.mark.parametrize("name", ["bfloat16", "float8e4m3fn", "float8e5m2"])
def test_graph_input_and_output_of_a_narrow_float_type(name, tmp_path):
    """Relu/Neg on the type itself (computed in float32, rounded back, as the fp16 emulation does)."""
    onnx_type, np_type, _ = NARROW[name]
    x = np.array([[0.5, -1.5, 3.0], [-0.25, 6.0, 448.0]], np.float32).astype(np_type)
    op = "Relu" if name == "bfloat16" else "Identity"
    model = _model([helper.make_node(op, ["x"], ["y"])], [helper.make_tensor_value_info("x", onnx_type, [2, 3])],
                   [helper.make_tensor_value_info("y", onnx_type, [2, 3])])
    om, session = _convert(model, tmp_path)
    got = session.run({"x": x})["y"]
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    assert got.dtype == want.dtype and np.array_equal(got.astype(np.float32), want.astype(np.float32))


EXTREMES = np.array([0.3, -1.7, 1e6, -1e6, np.inf, -np.inf, np.nan, 500.0, 1e-9], np.float32)


@pytest.mark.parametrize("to", [17, 19])
@pytest.mark.parametrize("saturate", [1, 0])
def test_cast_to_float8_saturate(to, saturate, tmp_path):
    model = _model([helper.make_node("Cast", ["x"], ["y"], to=to, saturate=saturate)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [9])],
                   [helper.make_tensor_value_info("y", to, [9])], opset=21)
    _, session = _convert(model, tmp_path)
    got = session.run({"x": EXTREMES})["y"].astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": EXTREMES})[0].astype(np.float32)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("round_mode", ["up", "down", "nearest"])
@pytest.mark.parametrize("saturate", [1, 0])
def test_cast_to_float8_e8m0_round_modes(round_mode, saturate, tmp_path):
    x = np.array([1.0, 1.5, 1.75, 3.0, 0.3, 2.0 ** 127 * 1.5, np.inf, np.nan, 0.0, -4.0, 1e-40], np.float32)
    model = _model([helper.make_node("Cast", ["x"], ["y"], to=24, saturate=saturate, round_mode=round_mode)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [x.size])],
                   [helper.make_tensor_value_info("y", 24, [x.size])], opset=24)
    _, session = _convert(model, tmp_path)
    got = session.run({"x": x})["y"]
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    assert got.view(np.uint8).tolist() == want.view(np.uint8).tolist()


@pytest.mark.parametrize("name", ["int4", "int2", "uint2", "float8e4m3fn", "float8e5m2", "float4e2m1"])
@pytest.mark.parametrize("block", [0, 2])
def test_quantize_and_dequantize_to_narrow_types(name, block, tmp_path):
    onnx_type, np_type, _ = NARROW[name]
    rng = np.random.default_rng(3)
    x = rng.uniform(-12, 12, (3, 6)).astype(np.float32)
    scale_shape = (3, 3) if block else ()
    scale = rng.uniform(0.5, 2.0, scale_shape).astype(np.float32)
    zp = np.zeros(scale_shape, np.float32).astype(np_type)
    attrs = {"axis": 1, "block_size": block} if block else {}
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"], **attrs),
             helper.make_node("DequantizeLinear", ["q", "s", "zp"], ["y"], **attrs)]
    model = _model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 6])],
                   [helper.make_tensor_value_info("q", onnx_type, [3, 6]),
                    helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 6])],
                   [numpy_helper.from_array(scale, "s"), numpy_helper.from_array(zp, "zp")], opset=25)
    _, session = _convert(model, tmp_path)
    got = session.run({"x": x})
    want = ReferenceEvaluator(model).run(None, {"x": x})
    assert got["q"].dtype == np.dtype(np_type)
    np.testing.assert_array_equal(got["q"].astype(np.float32), want[0].astype(np.float32))
    np.testing.assert_allclose(got["y"], want[1], rtol=1e-6)


def test_types_without_a_ge_counterpart_are_refused_naming_the_tensors(tmp_path):
    """uint4 and the float8 'fnuz' types: E10041 listing every tensor of those types; nothing is written."""
    nodes = [helper.make_node("Cast", ["x"], ["a"], to=TensorProto.FLOAT),
             helper.make_node("Cast", ["a"], ["b"], to=18),
             helper.make_node("Cast", ["b"], ["y"], to=TensorProto.FLOAT)]
    model = _model(nodes, [helper.make_tensor_value_info("x", 21, [4])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], opset=21)
    with pytest.raises(ConverterError) as err:
        _convert(model, tmp_path)
    assert err.value.code == "E10041"
    assert "UINT4 (GE has no data type for it): 'x'" in err.value.message
    assert "FLOAT8E4M3FNUZ (GE has no data type for it): 'b' (Cast to)" in err.value.message
    assert not (tmp_path / "m.om").exists()
