"""MaxPool (also with Indices) / AveragePool / LpPool / global pools against onnxruntime (ceil_mode, pads,
count_include_pad, storage_order)."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from converter.api import build_graph
from converter.ops import get
from converter.options import ConvertOptions
from converter.runtime import Session

from ._eval import check_against_ort, op_types, run_both

rng = np.random.default_rng(1)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


POOL_CASES = {
    "max_basic": ("MaxPool", (1, 3, 8, 8), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    "max_pads": ("MaxPool", (1, 2, 7, 9), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 2]}),
    "max_ceil": ("MaxPool", (1, 2, 8, 9), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    "max_ceil_pads": ("MaxPool", (1, 2, 6, 7), {"kernel_shape": [2, 3], "strides": [3, 2], "pads": [1, 1, 0, 0],
                                                "ceil_mode": 1}),
    "max_dilations": ("MaxPool", (1, 2, 9, 9), {"kernel_shape": [2, 2], "dilations": [2, 3]}),
    "max_same_upper": ("MaxPool", (1, 2, 7, 8), {"kernel_shape": [3, 2], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    "max_same_lower": ("MaxPool", (1, 2, 7, 8), {"kernel_shape": [3, 2], "strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    "max_1d": ("MaxPool", (2, 3, 11), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
    "max_3d": ("MaxPool", (1, 2, 5, 6, 7), {"kernel_shape": [2, 2, 3], "strides": [2, 2, 2]}),
    "avg_basic": ("AveragePool", (1, 3, 8, 8), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    "avg_pads_exclude": ("AveragePool", (1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2],
                                                       "pads": [1, 1, 1, 1]}),
    "avg_pads_include": ("AveragePool", (1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2],
                                                       "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    "avg_asym_pads_include": ("AveragePool", (1, 2, 7, 8), {"kernel_shape": [3, 2], "pads": [2, 0, 0, 1],
                                                            "count_include_pad": 1}),
    "avg_ceil_exclude": ("AveragePool", (1, 2, 8, 9), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    "avg_ceil_include": ("AveragePool", (1, 2, 8, 9), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1,
                                                       "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    "avg_same_upper": ("AveragePool", (1, 2, 7, 8), {"kernel_shape": [3, 3], "strides": [2, 2],
                                                     "auto_pad": "SAME_UPPER"}),
    "avg_3d": ("AveragePool", (1, 2, 5, 6, 7), {"kernel_shape": [2, 3, 3], "strides": [1, 2, 2],
                                                "pads": [0, 1, 1, 1, 1, 0]}),
    "lp_pool": ("LpPool", (1, 2, 7, 7), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "p": 2}),
}


@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pool_matches_onnxruntime(tmp_path, case):
    op_type, shape, attrs = POOL_CASES[case]
    graph = check_against_ort(tmp_path, op_type, [("x", rand(*shape), False)], attrs, opset=18)
    assert op_types(graph) == [{"AveragePool": "AvgPool"}.get(op_type, op_type)]


def test_avg_pool_dilations_opset19(tmp_path):
    attrs = {"kernel_shape": [2, 2], "dilations": [2, 2], "pads": [1, 1, 1, 1]}
    check_against_ort(tmp_path, "AveragePool", [("x", rand(1, 2, 7, 7), False)], attrs, opset=19)


@pytest.mark.parametrize("op_type", ["GlobalAveragePool", "GlobalMaxPool"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (1, 2, 3, 4, 5), (2, 3, 7)])
def test_global_pools(tmp_path, op_type, shape):
    check_against_ort(tmp_path, op_type, [("x", rand(*shape), False)])


INDICES_CASES = {  # MaxPool with its Indices output (MaxPoolWithArgmax), against onnxruntime
    "basic": ((2, 3, 8, 8), {"kernel_shape": [2, 2], "strides": [2, 2]}),
    "pads": ((2, 2, 7, 9), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 2]}),
    "ceil": ((1, 2, 8, 9), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    "dilations": ((1, 2, 9, 9), {"kernel_shape": [2, 2], "dilations": [2, 3]}),
    "same_upper": ((1, 2, 7, 8), {"kernel_shape": [3, 2], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    "column_major": ((2, 3, 7, 9), {"kernel_shape": [3, 2], "strides": [2, 1], "storage_order": 1}),
    "1d": ((2, 3, 11), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
    "3d_column_major": ((1, 2, 5, 6, 7), {"kernel_shape": [2, 2, 3], "strides": [2, 2, 2], "storage_order": 1}),
}


def _with_indices(shape, attrs, opset=12) -> onnx.ModelProto:
    node = helper.make_node("MaxPool", ["x"], ["y", "indices"], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("indices", TensorProto.INT64, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("case", sorted(INDICES_CASES))
def test_max_pool_indices_match_onnxruntime(tmp_path, case):
    shape, attrs = INDICES_CASES[case]
    x = rand(*shape)
    (y, indices), (ort_y, ort_indices), graph = run_both(tmp_path, _with_indices(shape, attrs), {"x": x})
    assert op_types(graph) == ["MaxPoolWithArgmax"]
    np.testing.assert_array_equal(y, ort_y)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, ort_indices)


def test_max_pool_indices_feed_max_unpool(tmp_path):
    """SegNet-style pooling and unpooling, converted (default precision and fp32), run, against onnxruntime."""
    x = rand(2, 3, 8, 10)
    nodes = [helper.make_node("MaxPool", ["x"], ["p", "i"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Relu", ["p"], ["r"]),
             helper.make_node("MaxUnpool", ["r", "i"], ["y"], kernel_shape=[2, 2], strides=[2, 2])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("i", TensorProto.INT64, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 8
    path = str(tmp_path / "segnet.onnx")
    onnx.save(model, path)
    ort_y, ort_i = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})
    for mode, atol in (("force_fp32", 0), ("force_fp16", 2e-3)):
        built = build_graph(ConvertOptions(framework=5, model=path, precision_mode=mode))
        out = Session(built).run({"x": x})
        np.testing.assert_array_equal(out["i"], ort_i)
        np.testing.assert_allclose(out["y"], ort_y, atol=atol, rtol=atol)


@pytest.mark.parametrize("op_type,extra", [("MaxPool", {}), ("AvgPool", {"count_include_pad": True}),
                                           ("GlobalAveragePool", None)])
def test_nhwc_is_transposed_nchw(op_type, extra):
    spec = get(op_type)
    attrs = {} if extra is None else {"kernel_shape": [3, 2], "strides": [2, 1], "pads": [1, 0, 1, 1],
                                      "ceil_mode": True, **extra}
    x = rand(2, 3, 7, 6)
    nchw = spec.kernel([x], spec.normalize(attrs))
    nhwc = spec.kernel([x.transpose(0, 2, 3, 1)], spec.normalize({**attrs, "data_format": "NHWC"}))
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-6)


@pytest.mark.parametrize("op_type", ["MaxPool", "AvgPool"])
def test_fp16_in_fp16_out(op_type):
    spec = get(op_type)
    x = rand(1, 2, 6, 6, dtype=np.float16)
    y = spec.kernel([x], spec.normalize({"kernel_shape": [2, 2], "strides": [2, 2]}))
    assert y.dtype == np.float16 and y.shape == (1, 2, 3, 3)


def test_max_pool_keeps_int8():
    spec = get("MaxPool")
    x = rng.integers(-128, 127, (1, 1, 4, 4)).astype(np.int8)
    y = spec.kernel([x], spec.normalize({"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1]}))
    assert y.dtype == np.int8
    assert y[0, 0, 0, 0] == x[0, 0, 0, 0] and y.max() == x.max()


@pytest.mark.parametrize("shape, attrs", [
    ((2, 3, 11), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
    ((1, 4, 12, 11), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 9, 10), {"kernel_shape": [2, 3], "strides": [1, 2], "dilations": [2, 1], "ceil_mode": 1}),
    ((1, 2, 5, 6, 7), {"kernel_shape": [2, 3, 2], "strides": [2, 1, 3], "pads": [0, 1, 1, 1, 0, 1]}),
])
def test_max_windows_axis_by_axis_equals_all_windows(shape, attrs):
    """MaxPool's axis-by-axis maximum equals the maximum over every window position at once (NaN included),
    in a session workspace (scratch reused between calls) and without one."""
    from converter.ops.nn import pool
    from converter.ops.workspace import Workspace
    x = rand(*shape)
    x.flat[::7] = np.nan
    attrs = get("MaxPool").normalize(attrs)
    geo = pool.PoolGeometry(attrs, shape[2:])
    xp = pool._pad_for_pool(x, geo, -np.inf)
    want = pool.reduce_windows(xp, geo, np.maximum)
    np.testing.assert_array_equal(pool.max_windows(xp, geo), want)
    with Workspace().active():
        first = pool.max_windows(xp, geo)
        second = pool.max_windows(xp, geo)
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(second, want)
