"""Small ONNX models for AIPP tests: a 1x1 conv + bias + relu on image inputs (one or two inputs)."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper


def conv_model(inputs: list, channels_out: int = 4, seed: int = 0):
    """One 1x1 Conv (+ Relu) per input [(name, (N, C, H, W))]; outputs '<name>_out'."""
    rng = np.random.default_rng(seed)
    nodes, inits, vis, outs = [], [], [], []
    for name, shape in inputs:
        c = shape[1]
        w = helper.make_tensor(f"{name}_w", TensorProto.FLOAT, [channels_out, c, 1, 1],
                               rng.standard_normal((channels_out, c, 1, 1)).astype(np.float32).ravel())
        b = helper.make_tensor(f"{name}_b", TensorProto.FLOAT, [channels_out],
                               rng.standard_normal(channels_out).astype(np.float32))
        inits += [w, b]
        nodes.append(helper.make_node("Conv", [name, f"{name}_w", f"{name}_b"], [f"{name}_conv"],
                                      name=f"{name}_conv"))
        nodes.append(helper.make_node("Relu", [f"{name}_conv"], [f"{name}_out"], name=f"{name}_relu"))
        vis.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
        outs.append(helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, None))
    graph = helper.make_graph(nodes, "aipp_test", vis, outs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
