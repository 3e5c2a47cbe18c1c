"""QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear against onnxruntime (opsets 10, 13, 19, 21)."""
import numpy as np
import pytest
from onnx import TensorProto, helper

from converter.ir import DataType
from tests.helpers import options, save
from converter.api import build_graph

from ._models import assert_same, init, model_of, run_both

rng = np.random.default_rng(11)
# ties (x / scale = k + 0.5 exactly) check round-half-to-even; +-1000 checks saturation
TIES = np.array([0.25, 0.75, -0.25, -0.75, 1.25, 1000.0, -1000.0, 0.0], np.float32)


def x_with_ties(shape):
    x = rng.uniform(-40, 40, shape).astype(np.float32)
    x.reshape(-1)[:TIES.size] = TIES
    return x


@pytest.mark.parametrize("opset", [10, 13, 19, 21])
@pytest.mark.parametrize("zp_dtype,zp", [(np.uint8, 128), (np.int8, -3), (np.uint8, None)])
def test_quantize_per_tensor(tmp_path, opset, zp_dtype, zp):
    x = x_with_ties((2, 3, 4, 5))
    inputs = ["x", "s"] + (["zp"] if zp is not None else [])
    inits = [init("s", 0.5, np.float32)] + ([init("zp", zp, zp_dtype)] if zp is not None else [])
    model = model_of([helper.make_node("QuantizeLinear", inputs, ["y"])], {"x": x}, inits, [("y", zp_dtype)], opset)
    assert_same(*run_both(tmp_path, model, {"x": x}))


@pytest.mark.parametrize("opset", [13, 21])
@pytest.mark.parametrize("axis,zp_dtype", [(1, np.int8), (0, np.uint8), (-1, np.int8)])
def test_quantize_per_axis(tmp_path, opset, axis, zp_dtype):
    x = x_with_ties((2, 3, 4, 5))
    n = x.shape[axis]
    scales = rng.uniform(0.05, 0.6, n).astype(np.float32)
    zps = rng.integers(-5, 5, n) + (128 if zp_dtype == np.uint8 else 0)
    model = model_of([helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["y"], axis=axis)], {"x": x},
                     [init("s", scales), init("zp", zps, zp_dtype)], [("y", zp_dtype)], opset)
    assert_same(*run_both(tmp_path, model, {"x": x}))


@pytest.mark.parametrize("zp_dtype", [np.int16, np.uint16])
def test_quantize_16_bit_opset21(tmp_path, zp_dtype):
    x = x_with_ties((3, 7)) * 1000
    zp = 1000 if zp_dtype == np.int16 else 30000
    model = model_of([helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["y"])], {"x": x},
                     [init("s", 0.25, np.float32), init("zp", zp, zp_dtype)], [("y", zp_dtype)], 21)
    assert_same(*run_both(tmp_path, model, {"x": x}))


def test_quantize_output_dtype_attr_opset21(tmp_path):
    x = x_with_ties((4, 6))
    node = helper.make_node("QuantizeLinear", ["x", "s"], ["y"], output_dtype=TensorProto.INT8)
    model = model_of([node], {"x": x}, [init("s", 0.5, np.float32)], [("y", np.int8)], 21)
    assert_same(*run_both(tmp_path, model, {"x": x}))


@pytest.mark.parametrize("axis,block", [(1, 2), (1, 4), (0, 3)])
def test_quantize_blocked(tmp_path, axis, block):
    """Blocked quantization (opset 21): one scale/zero point per block_size elements along axis; 6 / 4 leaves a
    shorter last block. (Was refused.)"""
    x = x_with_ties((4, 6))
    shape = list(x.shape)
    shape[axis] = -(-shape[axis] // block)
    node = helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["y"], axis=axis, block_size=block)
    model = model_of([node], {"x": x}, [init("s", rng.uniform(0.1, 0.9, shape).astype(np.float32)),
                                        init("zp", rng.integers(-5, 5, shape), np.int8)], [("y", np.int8)], 21)
    assert_same(*run_both(tmp_path, model, {"x": x}))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
def test_dequantize_blocked(tmp_path, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, (3, 10)).astype(dtype)
    node = helper.make_node("DequantizeLinear", ["x", "s", "zp"], ["y"], axis=1, block_size=4)
    model = model_of([node], {"x": x}, [init("s", rng.uniform(0.1, 0.9, (3, 3)).astype(np.float32)),
                                        init("zp", rng.integers(0, 9, (3, 3)), dtype)], [("y", np.float32)], 21)
    assert_same(*run_both(tmp_path, model, {"x": x}))


def test_blocked_parameters_of_the_wrong_shape_are_refused(tmp_path):
    x = x_with_ties((4, 6))
    node = helper.make_node("QuantizeLinear", ["x", "s"], ["y"], axis=1, block_size=2, output_dtype=TensorProto.INT8)
    model = model_of([node], {"x": x}, [init("s", np.full((4, 2), 0.5, np.float32))], [("y", np.int8)], 21)
    with pytest.raises(Exception, match="block_size 2"):
        build_graph(options(save(model, tmp_path)))


@pytest.mark.parametrize("opset", [10, 13, 19, 21])
@pytest.mark.parametrize("dtype,zp", [(np.uint8, 131), (np.int8, -7), (np.int8, None)])
def test_dequantize_per_tensor(tmp_path, opset, dtype, zp):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, (2, 3, 5)).astype(dtype)
    inputs = ["x", "s"] + (["zp"] if zp is not None else [])
    inits = [init("s", 0.0371, np.float32)] + ([init("zp", zp, dtype)] if zp is not None else [])
    model = model_of([helper.make_node("DequantizeLinear", inputs, ["y"])], {"x": x}, inits, [("y", np.float32)],
                     opset)
    assert_same(*run_both(tmp_path, model, {"x": x}))


@pytest.mark.parametrize("axis,dtype", [(1, np.int8), (0, np.uint8), (2, np.int8)])
def test_dequantize_per_axis(tmp_path, axis, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, (2, 3, 5)).astype(dtype)
    n = x.shape[axis]
    model = model_of([helper.make_node("DequantizeLinear", ["x", "s", "zp"], ["y"], axis=axis)], {"x": x},
                     [init("s", rng.uniform(0.01, 0.2, n).astype(np.float32)),
                      init("zp", rng.integers(0, 9, n), dtype)], [("y", np.float32)], 13)
    assert_same(*run_both(tmp_path, model, {"x": x}))


@pytest.mark.parametrize("dtype,opset", [(np.int32, 13), (np.int16, 21), (np.uint16, 21)])
def test_dequantize_wide_types(tmp_path, dtype, opset):
    info = np.iinfo(dtype)
    lo, hi = max(info.min, -(2 ** 20)), min(info.max, 2 ** 20)
    x = rng.integers(lo, hi + 1, (4, 9)).astype(dtype)
    zp = 0 if dtype == np.int32 else 77
    model = model_of([helper.make_node("DequantizeLinear", ["x", "s", "zp"], ["y"])], {"x": x},
                     [init("s", 0.0123, np.float32), init("zp", zp, dtype)], [("y", np.float32)], opset)
    assert_same(*run_both(tmp_path, model, {"x": x}))


@pytest.mark.parametrize("low,high", [(-3.0, 5.0), (0.5, 4.0), (-6.0, -1.0), (0.0, 0.0)])
def test_dynamic_quantize(tmp_path, low, high):
    x = rng.uniform(low, high, (3, 17)).astype(np.float32)
    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "s", "zp"])
    model = model_of([node], {"x": x}, [], [("y", np.uint8), ("s", np.float32), ("zp", np.uint8)], 11)
    ours, theirs = run_both(tmp_path, model, {"x": x})
    assert_same(ours, theirs, rtol=0)


def test_quantize_of_constant_weight_folds_to_int8_const(tmp_path):
    w = rng.standard_normal((4, 3)).astype(np.float32)
    x = rng.integers(-5, 5, (2, 4)).astype(np.int8)
    nodes = [helper.make_node("QuantizeLinear", ["w", "s", "zp"], ["wq"]),
             helper.make_node("MatMulInteger", ["x", "wq"], ["y"])]
    model = model_of(nodes, {"x": x}, [init("w", w), init("s", 0.02, np.float32), init("zp", 0, np.int8)],
                     [("y", np.int32)], 13)
    graph = build_graph(options(save(model, tmp_path), precision_mode="force_fp32"))
    types = [op.type for op in graph.topo_order()]
    assert "QuantizeLinear" not in types
    consts = [op for op in graph.topo_order() if op.type == "Const"]
    assert any(op.outputs[0].dtype == DataType.DT_INT8 for op in consts)
    assert_same(*run_both(tmp_path, model, {"x": x}))


def test_fp16_quantize_dequantize_opset19(tmp_path):
    """Opset 19 allows fp16 x and scales: Q of fp16 data, DQ back to fp16 (the scale's type)."""
    x = x_with_ties((3, 8)).astype(np.float16)
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"]),
             helper.make_node("DequantizeLinear", ["q", "s", "zp"], ["y"])]
    model = model_of(nodes, {"x": x}, [init("s", 0.5, np.float16), init("zp", 3, np.int8)],
                     [("q", np.int8), ("y", np.float16)], 19)
    assert_same(*run_both(tmp_path, model, {"x": x}))
