"""Build the small ONNX sample models in samples/ (and used by tests) with onnx.helper and numpy.

Run: python tools/make_samples.py [OUT_DIR]   (default: samples/)
"""
from __future__ import annotations

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def _init(name: str, arr) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(arr), name)


def _rng(seed: int):
    return np.random.default_rng(seed)


def tiny_cnn(seed: int = 0, opset: int = OPSET) -> onnx.ModelProto:
    """Conv+BN+Relu, MaxPool, Conv+Relu, GlobalAveragePool, Flatten, Gemm, Softmax: x[1,3,32,32] -> prob[1,10]."""
    r = _rng(seed)
    f32 = lambda *s: (r.standard_normal(s) * 0.2).astype(np.float32)  # noqa: E731
    inits = [
        _init("w1", f32(8, 3, 3, 3)), _init("b1", f32(8)),
        _init("bn_s", (1 + 0.1 * r.standard_normal(8)).astype(np.float32)), _init("bn_b", f32(8)),
        _init("bn_m", f32(8)), _init("bn_v", (0.5 + r.random(8)).astype(np.float32)),
        _init("w2", f32(16, 8, 3, 3)), _init("b2", f32(16)),
        _init("fc_w", f32(10, 16)), _init("fc_b", f32(10)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn1"], name="bn1"),
        helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["prob"], name="softmax", axis=1),
    ]
    g = helper.make_graph(nodes, "tiny_cnn",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
                          [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 10])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_samples")


def dynamic_seg(seed: int = 1, opset: int = OPSET) -> onnx.ModelProto:
    """A segmentation-style net with dynamic N/H/W and the patterns real exported models have:
    Conv stride 2, HardSigmoid gating, Clip, Split/Concat, ConvTranspose, Resize by scales,
    a Shape->Gather->Concat->Reshape chain, Transpose and Softmax over channels.
    x[N,3,H,W] -> seg[N,H*W,4] (N, H, W dynamic; H, W multiples of 4)."""
    r = _rng(seed)
    f32 = lambda *s: (r.standard_normal(s) * 0.3).astype(np.float32)  # noqa: E731
    inits = [
        _init("w1", f32(8, 3, 3, 3)), _init("b1", f32(8)),
        _init("wt", f32(8, 4, 2, 2)), _init("bt", f32(4)),
        _init("clip_min", np.array(0.0, np.float32)), _init("clip_max", np.array(6.0, np.float32)),
        _init("split", np.array([4, 4], np.int64)),
        _init("scales", np.array([1, 1, 1, 1], np.float32)),
        _init("idx0", np.array([0], np.int64)), _init("minus1", np.array([-1], np.int64)),
        _init("four", np.array([4], np.int64)),
        _init("perm_w", f32(4, 4, 1, 1)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="down_conv", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("HardSigmoid", ["c1"], ["gate"], name="gate", alpha=0.2, beta=0.5),
        helper.make_node("Mul", ["c1", "gate"], ["g1"], name="gated"),
        helper.make_node("Clip", ["g1", "clip_min", "clip_max"], ["cl"], name="clip6"),
        helper.make_node("Split", ["cl", "split"], ["s_a", "s_b"], name="split", axis=1),
        helper.make_node("Concat", ["s_b", "s_a"], ["cat"], name="concat", axis=1),
        helper.make_node("ConvTranspose", ["cat", "wt", "bt"], ["up1"], name="up_deconv", strides=[2, 2]),
        helper.make_node("Resize", ["up1", "", "scales"], ["up2"], name="resize", mode="nearest"),
        helper.make_node("Conv", ["up2", "perm_w"], ["head"], name="head_conv"),
        helper.make_node("Shape", ["head"], ["shp"], name="shape"),
        helper.make_node("Gather", ["shp", "idx0"], ["n"], name="gather_n", axis=0),
        helper.make_node("Concat", ["n", "four", "minus1"], ["new_shape"], name="concat_shape", axis=0),
        helper.make_node("Reshape", ["head", "new_shape"], ["flat"], name="reshape"),
        helper.make_node("Transpose", ["flat"], ["tr"], name="transpose", perm=[0, 2, 1]),
        helper.make_node("Softmax", ["tr"], ["seg"], name="softmax", axis=-1),
    ]
    g = helper.make_graph(nodes, "dynamic_seg",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
                          [helper.make_tensor_value_info("seg", TensorProto.FLOAT, ["N", None, 4])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_samples")


def mlp(seed: int = 2, opset: int = OPSET) -> onnx.ModelProto:
    """MatMul+Add+Relu, MatMul+Add, LogSoftmax with a dynamic batch: x[B,64] -> y[B,10]."""
    r = _rng(seed)
    inits = [_init("w1", (r.standard_normal((64, 32)) * 0.2).astype(np.float32)),
             _init("b1", (r.standard_normal(32) * 0.1).astype(np.float32)),
             _init("w2", (r.standard_normal((32, 10)) * 0.2).astype(np.float32)),
             _init("b2", (r.standard_normal(10) * 0.1).astype(np.float32))]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"], name="fc1"),
             helper.make_node("Add", ["m1", "b1"], ["a1"], name="fc1_bias"),
             helper.make_node("Relu", ["a1"], ["h"], name="relu"),
             helper.make_node("MatMul", ["h", "w2"], ["m2"], name="fc2"),
             helper.make_node("Add", ["m2", "b2"], ["a2"], name="fc2_bias"),
             helper.make_node("LogSoftmax", ["a2"], ["y"], name="logsoftmax", axis=-1)]
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", 10])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_samples")


SAMPLES = {"tiny_cnn": tiny_cnn, "dynamic_seg": dynamic_seg, "mlp": mlp}


def main(out_dir: str = "samples") -> None:
    os.makedirs(out_dir, exist_ok=True)
    for name, build in SAMPLES.items():
        model = build()
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(out_dir, f"{name}.onnx"))
        print(f"wrote {os.path.join(out_dir, name + '.onnx')}")


if __name__ == "__main__":
    main(*sys.argv[1:])
