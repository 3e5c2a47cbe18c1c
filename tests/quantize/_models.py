"""Small float models and calibration data for the quantizer tests."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _init(name, value):
    return numpy_helper.from_array(np.asarray(value, np.float32), name)


def small_cnn(batch: int = 2, seed: int = 0, outlier: float = 0.0) -> onnx.ModelProto:
    """conv1 (+ BatchNorm) -> Relu -> conv2 (stride 2) -> Relu -> GAP -> Gemm: two convs and a matrix product.
    With ``outlier``: conv2's channel 0 scaled by it and ignored by the Gemm (weights 0), so the Gemm's input
    has one huge, useless feature: quantizing that input per tensor wipes out the others (the classic outlier
    channel), the Gemm is the one layer to leave in float."""
    rng = np.random.default_rng(seed)
    values = {"w1": rng.standard_normal((8, 3, 3, 3)) * 0.3, "b1": rng.standard_normal(8) * 0.1,
              "s": 1 + 0.1 * rng.standard_normal(8), "bb": 0.1 * rng.standard_normal(8),
              "m": 0.1 * rng.standard_normal(8), "v": 0.5 + rng.random(8),
              "w2": rng.standard_normal((16, 8, 3, 3)) * 0.2,
              "fc": rng.standard_normal((10, 16)) * 0.3, "fcb": rng.standard_normal(10) * 0.1}
    if outlier:
        values["w2"][0] = np.abs(values["w2"][0]) * outlier
        values["fc"][:, 0] = 0.0
    inits = [_init(k, v) for k, v in values.items()]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["bn1"], name="bn1"),
             helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], name="conv2", strides=[2, 2]),
             helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
             helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(nodes, "small_cnn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 12, 12])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def data(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 3, 12, 12)).astype(np.float32)
