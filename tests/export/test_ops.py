"""Single canonical ops, as the Caffe and TensorFlow frontends and our passes make them, exported to ONNX:
onnxruntime's run of the export must match our runtime's run of the op (to 1e-5 of max(1, |value|)), in
fp32 and, for float ops, in fp16 (the exporter keeps the runtime's fp16 rounding). Ops ONNX cannot express
are refused with E11009, all of them listed at once."""
from __future__ import annotations

import numpy as np
import pytest

from converter.export import graph_to_onnx
from converter.ir import DataType, Graph, Op, TensorDesc, from_numpy
from converter.passes.shape_inference import infer_shapes
from converter.runtime import Session
from tools.export_roundtrip import ort_run, scaled_error

pytest.importorskip("onnxruntime")

rng = np.random.default_rng(7)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def ints(values, dtype=np.int64):
    return np.asarray(values, dtype)


class In:
    """A model input (fed at run time) rather than a constant."""

    def __init__(self, value, fmt: str = "ND"):
        self.value, self.fmt = np.asarray(value), fmt


def op_graph(op_type: str, inputs: list, attrs: dict | None = None, n_out: int = 1, fp16: bool = False) -> tuple:
    """A graph holding one op: In(...) inputs become Data ops, arrays Consts, None an absent input. With
    fp16, float inputs are fed through a Cast to fp16 and the op computes in fp16 (as force_fp16 does)."""
    g = Graph(op_type.lower())
    refs, feeds = [], {}
    for i, item in enumerate(inputs):
        if item is None:
            refs.append(None)
            continue
        if isinstance(item, In):
            name = f"in{i}"
            g.add_data(name, TensorDesc(from_numpy(item.value.dtype), item.value.shape, item.fmt, name=name), len(feeds))
            feeds[name] = item.value
            ref = (name, 0)
        else:
            value = np.asarray(item)
            if fp16 and value.dtype == np.float32:
                value = value.astype(np.float16)
            ref = (g.add_const(f"c{i}", value).name, 0)
        if fp16 and isinstance(item, In) and item.value.dtype == np.float32:
            g.add(Op(f"cast{i}", "Cast", {"dst_type": int(DataType.DT_FLOAT16)},
                     [TensorDesc(DataType.DT_FLOAT16, item.value.shape)]), [ref])
            ref = (f"cast{i}", 0)
        refs.append(ref)
    op = g.add(Op("op", op_type, dict(attrs or {}), [TensorDesc(shape=None) for _ in range(n_out)]), refs)
    infer_shapes(g, fold=False)
    outs = [("op", k) for k in range(n_out)]
    if fp16:
        for d in op.outputs:
            if d.dtype == DataType.DT_FLOAT:
                d.dtype = DataType.DT_FLOAT16
    g.add(Op("NetOutput", "NetOutput", {"output_names": [f"out{k}" for k in range(n_out)]}), outs)
    return g, feeds


def assert_export_matches(g: Graph, feeds: dict, tol: float = 1e-5) -> None:
    ours = Session(g).run_outputs(feeds)
    theirs = ort_run(graph_to_onnx(g).SerializeToString(), feeds)
    assert len(ours) == len(theirs)
    for a, b in zip(theirs, ours):
        assert np.asarray(a).dtype == np.asarray(b).dtype, (np.asarray(a).dtype, np.asarray(b).dtype)
        assert scaled_error(a, b) <= tol, (scaled_error(a, b), a, b)


def _nc1hwc0(x):
    from converter.ops.layout import to_nc1hwc0
    return to_nc1hwc0(x)


X4 = f32(2, 3, 5, 6)          # NCHW
XL = f32(2, 5, 6, 3)          # NHWC
CASES = {
    # elementwise with numpy semantics
    "FloorDiv_float": ("FloorDiv", [In(f32(3, 4)), f32(3, 4, low=0.5) * np.sign(f32(3, 4))], {}),
    "FloorDiv_int": ("FloorDiv", [In(ints([[7, -7, 6, -6]], np.int32)), ints([[2, 2, -4, -4]], np.int32)], {}),
    "Mod_float_divisor_sign": ("Mod", [In(f32(3, 4) * 5), ints([[1.5, -1.5, 2.0, -3.0]], np.float32)], {"fmod": 0}),
    "Mod_int": ("Mod", [In(ints([[7, -7, 5, -5]], np.int32)), ints([[3, 3, -3, -3]], np.int32)], {"fmod": 0}),
    "SquaredDifference": ("SquaredDifference", [In(f32(2, 3)), f32(3)], {}),
    "Rsqrt": ("Rsqrt", [In(f32(2, 3, low=0.1))], {}),
    "Square": ("Square", [In(f32(2, 3))], {}),
    "Pow_int_base": ("Pow", [In(ints([[2, 3, 4]], np.int32)), ints([2, 1, 3], np.int32)], {}),
    "Select_mixed": ("Select", [In(np.array([True, False, True])), f32(3), f32(3)], {}),
    "AddN": ("AddN", [In(f32(2, 3)), f32(2, 3), f32(3)], {}),
    "Cast_to_int": ("Cast", [In(f32(2, 3) * 4)], {"dst_type": int(DataType.DT_INT32)}),
    "IsInf": ("IsInf", [In(np.array([1.0, np.inf, -np.inf], np.float32))], {"detect_negative": 0}),
    # activations
    "Relu6": ("Relu6", [In(f32(2, 3) * 5)], {}),
    "Swish": ("Swish", [In(f32(2, 3))], {"scale": 1.5}),
    "ClipByValue_tensor_bounds": ("ClipByValue", [In(f32(2, 3)), f32(3) - 1, f32(3) + 1], {}),
    "ClipByValue_scalars": ("ClipByValue", [In(f32(2, 3)), np.array([-0.5], np.float32), np.array(0.5, np.float32)], {}),
    "PRelu": ("PRelu", [In(X4), f32(3, 1, 1)], {}),
    "Gelu_tanh": ("Gelu", [In(f32(2, 3))], {"approximate": "tanh"}),
    # channels-last (TensorFlow) nn ops
    "Conv2D_NHWC": ("Conv2D", [In(XL), f32(4, 3, 3, 3), f32(4)],
                    {"strides": [2, 1], "pads": [1, 1, 1, 1], "data_format": "NHWC"}),
    "Conv2D_SAME": ("Conv2D", [In(X4), f32(4, 3, 3, 3)], {"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    "MaxPool_NHWC_ceil": ("MaxPool", [In(XL)], {"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": True,
                                               "data_format": "NHWC"}),
    "MaxPoolWithArgmax": ("MaxPoolWithArgmax", [In(X4)], {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 1, 1, 0]},
                          2),
    "MaxPoolWithArgmax_NHWC_tf": ("MaxPoolWithArgmax", [In(XL)], {"kernel_shape": [2, 2], "strides": [2, 2],
                                                                 "data_format": "NHWC", "index_axes": [1, 2, 3]}, 2),
    "MaxPoolWithArgmax_caffe_mask": ("MaxPoolWithArgmax", [In(X4)], {"kernel_shape": [3, 3], "strides": [2, 2],
                                                                    "ceil_mode": True, "index_axes": [2, 3],
                                                                    "index_dtype": int(DataType.DT_FLOAT)}, 2),
    "AvgPool_NHWC": ("AvgPool", [In(XL)], {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1],
                                           "data_format": "NHWC", "count_include_pad": False}),
    "BatchNorm_NHWC": ("BatchNorm", [In(XL), f32(3), f32(3), f32(3), f32(3, low=0.5)],
                       {"epsilon": 1e-3, "data_format": "NHWC"}),
    "DepthToSpace_NHWC": ("DepthToSpace", [In(f32(1, 2, 3, 8))], {"blocksize": 2, "data_format": "NHWC"}),
    "GlobalAveragePool_NHWC": ("GlobalAveragePool", [In(XL)], {"data_format": "NHWC"}),
    "LRN_within_channel": ("LRN", [In(X4)], {"size": 3, "alpha": 0.1, "beta": 0.75, "norm_region": "WITHIN_CHANNEL"}),
    "LRN_across": ("LRN", [In(X4)], {"size": 3, "alpha": 0.1, "beta": 0.75}),
    "MVN": ("MeanVarianceNormalization", [In(X4)], {"axes": [2, 3], "epsilon": 1e-5}),
    "MVN_mean_only": ("MeanVarianceNormalization", [In(X4)], {"axes": [1, 2, 3], "normalize_variance": False}),
    "GroupNorm_per_group": ("GroupNorm", [In(f32(2, 4, 3, 3)), f32(2), f32(2)], {"num_groups": 2}),
    "RmsNorm": ("RmsNorm", [In(f32(2, 3, 8)), f32(8)], {"axis": -1, "epsilon": 1e-6}),
    "LayerNorm": ("LayerNorm", [In(f32(2, 3, 8)), f32(8), f32(8)], {"axis": 2}),
    "MatMulV2_transposed_bias": ("MatMulV2", [In(f32(5, 4)), f32(6, 5), f32(6)],
                                 {"transpose_x1": True, "transpose_x2": True}),
    "BatchMatMulV2_adj": ("BatchMatMulV2", [In(f32(2, 4, 3)), f32(2, 5, 4)], {"adj_x1": True, "adj_x2": True}),
    "PadV3_symmetric": ("PadV3", [In(f32(2, 3, 4)), ints([1, 0, 2, 2, 1, 1])], {"mode": "symmetric"}),
    "PadV3_reflect_axes": ("PadV3", [In(f32(2, 3, 4)), ints([1, 2]), np.array(0, np.float32)],
                           {"mode": "reflect", "axes": [2]}),
    "PadV3_crop": ("PadV3", [In(f32(2, 3, 4)), ints([0, -1, 1, 0, 1, -1]), np.array(1.5, np.float32)], {}),
    "Resize_NHWC_linear_sizes": ("Resize", [In(XL), None, None, ints([9, 4])],
                                 {"mode": "linear", "data_format": "NHWC", "coordinate_transformation_mode": "half_pixel"}),
    "Resize_NHWC_nearest_scales": ("Resize", [In(XL), None, np.array([2, 1.5], np.float32)],
                                   {"mode": "nearest", "data_format": "NHWC", "nearest_mode": "floor",
                                    "coordinate_transformation_mode": "asymmetric"}),
    "Resize_NHWC_cubic_down": ("Resize", [In(XL), None, None, ints([3, 4])],
                               {"mode": "cubic", "data_format": "NHWC", "cubic_coeff_a": -0.5}),
    "Resize_legacy_simple": ("Resize", [In(X4), None, np.array([1, 1, 2, 3], np.float32)],
                             {"mode": "nearest", "nearest_mode": "simple", "coordinate_transformation_mode": "asymmetric"}),
    # Caffe ops
    "Power": ("Power", [In(f32(2, 3, low=0.1))], {"power": 2.0, "scale": 0.5, "shift": 1.0}),
    "Upsample": ("Upsample", [In(X4)], {"stride_h": 2, "stride_w": 3, "scale": 0.5}),
    "Interp": ("Interp", [In(X4)], {"height": 9, "width": 11}),
    "Interp_cropped": ("Interp", [In(X4)], {"height": 7, "width": 8, "pad_beg": -1, "pad_end": -1}),
    "Normalize": ("Normalize", [In(X4), f32(3)], {"across_spatial": False, "channel_shared": False}),
    "Normalize_shared": ("Normalize", [In(X4), np.array([2.0], np.float32)], {}),
    "Crop": ("Crop", [In(X4), In(f32(2, 3, 3, 4))], {"axis": 2, "offsets": [1, 2]}),
    "PriorBox": ("PriorBox", [In(f32(1, 3, 4, 4)), In(f32(1, 3, 32, 32))],
                 {"min_sizes": [8.0], "max_sizes": [16.0], "aspect_ratios": [1.0, 2.0, 0.5], "clip": True,
                  "variance": [0.1, 0.1, 0.2, 0.2]}),
    "ROIPooling": ("ROIPooling", [In(X4), np.array([[0, 0, 0, 4, 3], [1, 1, 1, 5, 4]], np.float32)],
                   {"pooled_h": 2, "pooled_w": 2, "spatial_scale": 1.0}),
    # TensorFlow ops
    "StridedSlice_runtime_bounds": ("StridedSlice", [In(f32(4, 5, 6)), In(ints([1, 0, 4], np.int32)),
                                                     In(ints([3, 0, 1], np.int32)), ints([1, 1, -1], np.int32)],
                                    {"end_mask": 2}),
    "StridedSlice_shrink_new_axis": ("StridedSlice", [In(f32(4, 5, 6)), In(ints([-1, 0, 0, 1], np.int32)),
                                                      In(ints([0, 0, 0, 3], np.int32)), ints([1, 1, 1, 1], np.int32)],
                                     {"shrink_axis_mask": 1, "new_axis_mask": 4, "end_mask": 2}),
    "StridedSlice_ellipsis": ("StridedSlice", [In(f32(4, 5, 6)), In(ints([0, 2], np.int32)), In(ints([0, 5], np.int32)),
                                               ints([1, 2], np.int32)], {"ellipsis_mask": 1}),
    "SpaceToBatchND": ("SpaceToBatchND", [In(f32(2, 5, 6, 3)), ints([2, 2], np.int32), ints([[1, 0], [0, 0]], np.int32)], {}),
    "BatchToSpaceND": ("BatchToSpaceND", [In(f32(8, 3, 3, 2)), ints([2, 2], np.int32), ints([[1, 0], [0, 1]], np.int32)], {}),
    "Range_1d_inputs": ("Range", [In(np.array([1], np.int32)), np.array([10], np.int32), np.array([3], np.int32)], {}),
    "Fill": ("Fill", [In(ints([2, 3]))], {"value": np.array([1.5], np.float32)}),
    "Split_sizes": ("Split", [In(f32(7, 3))], {"axis": 0, "split": [2, 5], "num_split": 2}, 2),
    "Split_uneven_chunks": ("Split", [In(f32(7, 3))], {"axis": 0, "num_split": 3}, 3),
    "Reshape_int32_shape": ("Reshape", [In(f32(2, 6)), In(ints([3, -1], np.int32))], {}),
    "TopK_input_k": ("TopK", [In(f32(3, 8)), ints([3], np.int32)], {"axis": 1}, 2),
    "LeftShift_signed": ("LeftShift", [In(ints([[1, -3, 7]], np.int32)), ints([2, 1, 3], np.int32)], {}),
    "Window": ("Window", [In(np.array(8, np.int32))], {"window": "hamming", "periodic": False}),
    "Unique": ("Unique", [In(ints([3, 1, 3, 2, 1]))], {}, 4),
    # device layout op: plain in, plain out
    "TransData_to_NC1HWC0": ("TransData", [In(X4)], {"src_format": "NCHW", "dst_format": "NC1HWC0"}),
}
FLOAT16_SKIP = {"Cast_to_int", "IsInf", "Fill", "Window", "PriorBox", "TransData_to_NC1HWC0", "Unique",
                "Select_mixed", "ClipByValue_scalars"}


def _case(name: str, fp16: bool):
    op_type, inputs, attrs, *n_out = CASES[name]
    return op_graph(op_type, inputs, attrs, n_out[0] if n_out else 1, fp16)


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_export_matches_runtime(name):
    g, feeds = _case(name, fp16=False)
    if name == "TransData_to_NC1HWC0":  # the .om view: a descriptor in NC1HWC0 that stands for NCHW
        d = g.op("op").outputs[0]
        d.format, d.origin_format, d.origin_shape = "NC1HWC0", "NCHW", X4.shape
        ours = Session(g).run_outputs(feeds)[0]
        theirs = ort_run(graph_to_onnx(g).SerializeToString(), feeds)[0]
        np.testing.assert_array_equal(ours, _nc1hwc0(theirs))
        return
    assert_export_matches(g, feeds)


@pytest.mark.parametrize("name", sorted(set(CASES) - FLOAT16_SKIP))
def test_op_export_keeps_fp16_rounding(name):
    g, feeds = _case(name, fp16=True)
    assert_export_matches(g, feeds, tol=2e-3)  # one fp16 step: onnxruntime and numpy round fp32 differently
