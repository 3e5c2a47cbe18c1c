"""Small QDQ CNNs (hand-built with onnx.helper, and made by onnxruntime.quantization.quantize_static) through
build_graph + Session, against onnxruntime, in force_fp32 and in the default force_fp16."""
import numpy as np
import onnx
import pytest
from onnx import helper

from ._models import init, model_of, ort_outputs, run_both
from tests.helpers import save

rng = np.random.default_rng(13)


def qdq(name: str, scale, zp, axis: int = 1) -> list:
    """Q then DQ of tensor name (float -> float), the QDQ format's activation pattern."""
    return [helper.make_node("QuantizeLinear", [name, f"{name}_s", f"{name}_z"], [f"{name}_q"], axis=axis),
            helper.make_node("DequantizeLinear", [f"{name}_q", f"{name}_s", f"{name}_z"], [f"{name}_dq"], axis=axis)]


def qdq_params(name: str, scale, zp) -> list:
    return [init(f"{name}_s", scale, np.float32), init(f"{name}_z", zp)]


def const_weight(name: str, w: np.ndarray, per_channel: bool) -> tuple:
    """int8 weight + DequantizeLinear (per output channel or per tensor): nodes, initializers."""
    axis_max = np.abs(w).reshape(w.shape[0], -1).max(axis=1) if per_channel else np.abs(w).max()
    scale = (axis_max / 127).astype(np.float32)
    wq = np.clip(np.rint(w / (scale.reshape(-1, *[1] * (w.ndim - 1)) if per_channel else scale)), -127, 127)
    zp = np.zeros(w.shape[0] if per_channel else (), np.int8)
    inits = [init(f"{name}_q", wq, np.int8), init(f"{name}_s", scale), init(f"{name}_z", zp)]
    node = helper.make_node("DequantizeLinear", [f"{name}_q", f"{name}_s", f"{name}_z"], [name], axis=0)
    return [node], inits


def qdq_cnn(opset: int = 13, act_dtype=np.uint8) -> onnx.ModelProto:
    zp = 128 if act_dtype == np.uint8 else 0
    z = lambda v: np.asarray(v, act_dtype)  # noqa: E731
    nodes, inits = qdq("x", 0.02, z(zp)), qdq_params("x", 0.02, z(zp))
    for name, shape, per_channel in [("w1", (8, 3, 3, 3), True), ("w2", (6, 8, 3, 3), False),
                                     ("fc", (6, 5), False)]:
        n, i = const_weight(name, rng.standard_normal(shape).astype(np.float32) * 0.3, per_channel)
        nodes += n
        inits += i
    nodes += [helper.make_node("Conv", ["x_dq", "w1"], ["c1"], pads=[1, 1, 1, 1]),
              helper.make_node("Relu", ["c1"], ["r1"])]
    nodes += qdq("r1", 0.01, z(0 if act_dtype == np.uint8 else -128))
    inits += qdq_params("r1", 0.01, z(0 if act_dtype == np.uint8 else -128))
    nodes += [helper.make_node("Conv", ["r1_dq", "w2"], ["c2"], strides=[2, 2])]
    nodes += qdq("c2", 0.03, z(zp))
    inits += qdq_params("c2", 0.03, z(zp))
    nodes += [helper.make_node("GlobalAveragePool", ["c2_dq"], ["g"]), helper.make_node("Flatten", ["g"], ["f"]),
              helper.make_node("MatMul", ["f", "fc"], ["y"])]
    return model_of(nodes, {"x": np.zeros((1, 3, 12, 12), np.float32)}, inits, [("y", np.float32)], opset)


@pytest.mark.parametrize("opset", [13, 19, 21])
@pytest.mark.parametrize("act_dtype", [np.uint8, np.int8])
def test_qdq_cnn_force_fp32_matches_unfused_onnxruntime(tmp_path, opset, act_dtype):
    model = qdq_cnn(opset, act_dtype)
    x = rng.uniform(-2, 2, (1, 3, 12, 12)).astype(np.float32)
    (ours,), (ref,) = run_both(tmp_path, model, {"x": x}, optimize=False)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_qdq_cnn_close_to_fused_onnxruntime(tmp_path):
    """onnxruntime fuses DQ->Conv->Q into QLinearConv (integer requantization): at most one quantum apart."""
    model = qdq_cnn()
    x = rng.uniform(-2, 2, (1, 3, 12, 12)).astype(np.float32)
    (ours,), (ref,) = run_both(tmp_path, model, {"x": x}, optimize=True)
    np.testing.assert_allclose(ours, ref, rtol=0.02, atol=0.03)


def test_qdq_cnn_in_default_fp16(tmp_path):
    """force_fp16 (the default): quantizers and scales stay fp32, the convs run in fp16: close to onnxruntime."""
    model = qdq_cnn()
    x = rng.uniform(-2, 2, (1, 3, 12, 12)).astype(np.float32)
    (ours,), (ref,) = run_both(tmp_path, model, {"x": x}, precision_mode="force_fp16", optimize=False)
    np.testing.assert_allclose(ours, ref, rtol=0.02, atol=0.03)


def test_scales_stay_fp32_under_force_fp16(tmp_path):
    from converter.api import build_graph
    from converter.ir import DataType
    from tests.helpers import options
    graph = build_graph(options(save(qdq_cnn(), tmp_path), precision_mode="force_fp16"))
    quant_ops = [op for op in graph.topo_order() if op.type in ("QuantizeLinear", "DequantizeLinear")]
    assert quant_ops
    convs = [op for op in graph.topo_order() if op.type == "Conv2D"]
    assert convs and all(op.outputs[0].dtype == DataType.DT_FLOAT16 for op in convs)
    for op in quant_ops:
        assert graph.desc(graph.inputs_of(op.name)[1]).dtype == DataType.DT_FLOAT, op.name
        if op.type == "QuantizeLinear":
            assert graph.desc(graph.inputs_of(op.name)[0]).dtype == DataType.DT_FLOAT, op.name


def float_cnn() -> onnx.ModelProto:
    inits = [init("w1", rng.standard_normal((6, 3, 3, 3)) * 0.3, np.float32), init("b1", rng.standard_normal(6),
                                                                                       np.float32),
             init("w2", rng.standard_normal((4, 6, 3, 3)) * 0.3, np.float32)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2"], ["y"], strides=[2, 2])]
    return model_of(nodes, {"x": np.zeros((1, 3, 10, 10), np.float32)}, inits, [("y", np.float32)], 13)


@pytest.mark.parametrize("fmt,per_channel", [("QDQ", True), ("QDQ", False), ("QOperator", False),
                                            ("QOperator", True)])
def test_quantize_static_model(tmp_path, fmt, per_channel):
    quantization = pytest.importorskip("onnxruntime.quantization")
    calib = [rng.uniform(-1, 1, (1, 3, 10, 10)).astype(np.float32) for _ in range(4)]

    class Reader(quantization.CalibrationDataReader):
        def __init__(self):
            self.items = iter({"x": c} for c in calib)

        def get_next(self):
            return next(self.items, None)

    src, dst = save(float_cnn(), tmp_path, "float.onnx"), str(tmp_path / "q.onnx")
    quantization.quantize_static(src, dst, Reader(), quant_format=getattr(quantization.QuantFormat, fmt),
                                 per_channel=per_channel, activation_type=quantization.QuantType.QUInt8,
                                 weight_type=quantization.QuantType.QInt8)
    model = onnx.load(dst)
    types = {n.op_type for n in model.graph.node}
    assert types & {"QuantizeLinear", "QLinearConv"}, types
    x = calib[0]
    (ours,), (ref,) = run_both(tmp_path, model, {"x": x}, optimize=False)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
    assert ort_outputs(dst, {"x": x})[0].shape == ours.shape


def test_qdq_cnn_through_om_file(tmp_path):
    """convert() writes the .om (int8 weights, quant ops' attrs) and the runtime reads it back: same numbers."""
    from converter.api import convert
    from converter.runtime import Session
    from tests.helpers import options
    path = save(qdq_cnn(), tmp_path)
    om = convert(options(path, output=str(tmp_path / "q"), precision_mode="force_fp32"))
    x = rng.uniform(-2, 2, (1, 3, 12, 12)).astype(np.float32)
    (ours,) = Session(om).run({"x": x}).values()
    (ref,) = ort_outputs(path, {"x": x}, optimize=False)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_quantize_dynamic_model(tmp_path):
    """onnxruntime's dynamic quantization: DynamicQuantizeLinear + MatMulInteger (+ Cast/Mul rescaling)."""
    quantization = pytest.importorskip("onnxruntime.quantization")
    inits = [init("w", rng.standard_normal((16, 8)) * 0.5, np.float32), init("b", rng.standard_normal(8), np.float32)]
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["y"])]
    src = save(model_of(nodes, {"x": np.zeros((3, 16), np.float32)}, inits, [("y", np.float32)], 13), tmp_path,
               "float.onnx")
    dst = str(tmp_path / "dq.onnx")
    quantization.quantize_dynamic(src, dst, weight_type=quantization.QuantType.QUInt8)
    model = onnx.load(dst)
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= {n.op_type for n in model.graph.node}
    x = rng.uniform(-3, 3, (3, 16)).astype(np.float32)
    (ours,), (ref,) = run_both(tmp_path, model, {"x": x}, optimize=False)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)


def test_quantized_weights_stay_int8_in_the_om(tmp_path):
    """DequantizeLinear of a constant weight is not folded: the .om keeps the int8 weights and their scales
    (a quarter of the float size), and the numbers are unchanged."""
    from converter import api
    from converter.om.reader import read_om
    from converter.options import ConvertOptions
    path = str(tmp_path / "q.onnx")
    onnx.save(qdq_cnn(), path)
    om = api.convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "q"), precision_mode="force_fp32"))
    graph = read_om(om).to_graph()
    int8_consts = [op for op in graph.ops() if op.type == "Const" and op.value.dtype in (np.int8, np.uint8)
                   and op.value.ndim == 4]
    assert int8_consts and "DequantizeLinear" in {op.type for op in graph.ops()}
    weights = sum(op.value.nbytes for op in graph.ops() if op.type == "Const")   # (without the 512-byte alignment)
    float_bytes = sum(op.value.size * 4 for op in int8_consts)
    assert weights < float_bytes
