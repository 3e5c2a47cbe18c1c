"""A small CNN (conv, BN, pools, resize, pad, gemm) through build_graph + Session, against onnxruntime."""
import numpy as np
import onnx
from onnx import helper

from tests.helpers import assert_close_rel, convert_and_run, ort_run, save

rng = np.random.default_rng(6)


def const(name, *shape):
    return onnx.numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def small_cnn() -> onnx.ModelProto:
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("BatchNormalization", ["c1", "s", "o", "m", "v"], ["bn"], epsilon=1e-3),
        helper.make_node("MaxPool", ["bn"], ["p1"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], group=4, auto_pad="SAME_UPPER"),
        helper.make_node("Resize", ["c2", "", "sc"], ["up"], mode="linear"),
        helper.make_node("Pad", ["up", "pads"], ["pd"], mode="reflect"),
        helper.make_node("AveragePool", ["pd"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p2"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fb"], ["y"], transB=1, alpha=0.5),
    ]
    var = onnx.numpy_helper.from_array(rng.uniform(0.5, 2, 8).astype(np.float32), "v")
    inits = [const("w1", 8, 3, 3, 3), const("b1", 8), const("s", 8), const("o", 8), const("m", 8), var,
             const("w2", 8, 2, 3, 3), onnx.numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "sc"),
             onnx.numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads"),
             const("fc", 10, 8), const("fb", 10)]
    graph = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("x", 1, [1, 3, 32, 32])],
                              [helper.make_tensor_value_info("y", 1, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_small_cnn_matches_onnxruntime(tmp_path):
    path = save(small_cnn(), tmp_path)
    x = rng.standard_normal((1, 3, 32, 32)).astype(np.float32)
    ours = convert_and_run(path, {"x": x}, precision_mode="force_fp32")
    (ref,) = ort_run(path, {"x": x})
    assert_close_rel(list(ours.values())[0], ref, max_rel=1e-4, atol=1e-4)


def test_small_cnn_in_fp16_stays_close(tmp_path):
    """ATC's default force_fp16 runs the cube ops in fp16: same answer to fp16 accuracy."""
    path = save(small_cnn(), tmp_path)
    x = rng.standard_normal((1, 3, 32, 32)).astype(np.float32)
    ours = list(convert_and_run(path, {"x": x}).values())[0]
    (ref,) = ort_run(path, {"x": x})
    np.testing.assert_allclose(ours, ref, rtol=2e-2, atol=2e-2)
