"""One-node ONNX cases for the tensor ops (seeded random inputs), shared by the onnxruntime comparison
and the infer-vs-kernel tests."""
from __future__ import annotations

import numpy as np

from ._eval import Case, const, inp

rng = np.random.default_rng(0)
I64_MAX, I64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def i64(*values):
    return np.array(values, np.int64)


X234 = f32(2, 3, 4)
X2345 = f32(2, 3, 4, 5)

SHAPE_CASES = [
    Case("identity", "Identity", [inp("x", X234.astype(np.int8))]),
    Case("dropout_mask_13", "Dropout", [inp("x", X234)], opset=13, n_out=2),
    Case("shape", "Shape", [inp("x", X2345)], opset=13),
    Case("shape_start_end_15", "Shape", [inp("x", X2345)], {"start": 1, "end": -1}, opset=15),
    Case("shape_start_only_15", "Shape", [inp("x", X2345)], {"start": -2}, opset=15),
    Case("size", "Size", [inp("x", X234)]),
    Case("reshape_zero_minus1", "Reshape", [inp("x", X2345), const("s", i64(0, -1, 5))]),
    Case("reshape_int", "Reshape", [inp("x", X234.astype(np.int32)), const("s", i64(4, 6))]),
    Case("reshape_allowzero_14", "Reshape", [inp("x", np.zeros((0, 3), np.float32)), const("s", i64(3, 0))],
         {"allowzero": 1}, opset=14),
    Case("flatten_axis1", "Flatten", [inp("x", X2345)]),
    Case("flatten_axis0", "Flatten", [inp("x", X2345)], {"axis": 0}),
    Case("flatten_axis_neg", "Flatten", [inp("x", X2345)], {"axis": -1}),
    Case("squeeze_11_axes", "Squeeze", [inp("x", f32(1, 3, 1, 2))], {"axes": [0, -2]}, opset=11),
    Case("squeeze_11_all", "Squeeze", [inp("x", f32(1, 3, 1, 2))], opset=11),
    Case("squeeze_13_axes", "Squeeze", [inp("x", f32(1, 3, 1, 2)), const("a", i64(-2))], opset=13),
    Case("squeeze_13_all", "Squeeze", [inp("x", f32(1, 3, 1, 2))], opset=13),
    Case("unsqueeze_11", "Unsqueeze", [inp("x", X234)], {"axes": [0, -1]}, opset=11),
    Case("unsqueeze_13", "Unsqueeze", [inp("x", X234), const("a", i64(-1, 1))], opset=13),
    Case("transpose_perm", "Transpose", [inp("x", X2345)], {"perm": [0, 2, 3, 1]}),
    Case("transpose_reverse", "Transpose", [inp("x", X234.astype(np.float16))]),
    Case("concat_neg_axis", "Concat", [inp("a", X234), inp("b", f32(2, 3, 2)), const("c", f32(2, 3, 1))],
         {"axis": -1}),
    Case("concat_axis0_bool", "Concat", [inp("a", X234 > 0), inp("b", f32(1, 3, 4) > 0)], {"axis": 0}),
    Case("split_11_attr", "Split", [inp("x", f32(2, 6))], {"axis": 1, "split": [1, 2, 3]}, opset=11, n_out=3),
    Case("split_11_equal", "Split", [inp("x", f32(6, 2))], {"axis": -2}, opset=11, n_out=3),
    Case("split_13_input", "Split", [inp("x", f32(2, 7)), const("s", i64(4, 3))], {"axis": -1}, opset=13,
         n_out=2),
    Case("split_13_equal", "Split", [inp("x", f32(2, 8))], {"axis": 1}, opset=13, n_out=2),
    Case("split_18_uneven", "Split", [inp("x", f32(2, 7))], {"axis": 1, "num_outputs": 3}, opset=18, n_out=3),
    Case("split_18_sizes", "Split", [inp("x", f32(5, 2)), const("s", i64(2, 3))], {"axis": 0}, opset=18,
         n_out=2),
    Case("slice_9_attrs", "Slice", [inp("x", X234)], {"starts": [1, -3], "ends": [100, -1], "axes": [2, 1]},
         opset=9),
    Case("slice_9_no_axes", "Slice", [inp("x", X234)], {"starts": [0, 1], "ends": [1, 1000]}, opset=9),
    Case("slice_10_basic", "Slice", [inp("x", X2345), const("s", i64(1, 0)), const("e", i64(3, -1)),
                                     const("a", i64(1, -1))], opset=10),
    Case("slice_13_neg_step", "Slice", [inp("x", X2345), const("s", i64(-1, 4)), const("e", i64(I64_MIN, 0)),
                                        const("a", i64(1, 3)), const("t", i64(-1, -2))], opset=13),
    Case("slice_13_step_clamp", "Slice", [inp("x", X2345), const("s", i64(-100, 1)),
                                          const("e", i64(I64_MAX, 100)), None, const("t", i64(2, 2))], opset=13),
    Case("slice_13_neg_step_clamp", "Slice", [inp("x", X2345), const("s", i64(100)), const("e", i64(-100)),
                                              const("a", i64(-2)), const("t", i64(-3))], opset=13),
    Case("slice_13_empty", "Slice", [inp("x", X234), const("s", i64(3)), const("e", i64(1)), const("a", i64(2))],
         opset=13),
    Case("slice_13_int32_params", "Slice", [inp("x", X234), const("s", np.array([1], np.int32)),
                                            const("e", np.array([-1], np.int32))], opset=13),
]

INDEX_CASES = [
    Case("gather_axis0_neg_idx", "Gather", [inp("x", X234), const("i", i64(-1, 0, 1))]),
    Case("gather_axis_neg_2d_idx", "Gather", [inp("x", X234), inp("i", np.array([[0, -2], [3, 1]], np.int32))],
         {"axis": -1}),
    Case("gather_scalar_idx", "Gather", [inp("x", X234), const("i", np.array(1, np.int64))], {"axis": 1}),
    Case("gather_elements", "GatherElements", [inp("x", X234), inp("i", rng.integers(-3, 3, (2, 2, 4)))],
         {"axis": 1}),
    Case("gather_elements_neg_axis", "GatherElements", [inp("x", X234), inp("i", rng.integers(-4, 4, (2, 3, 2)))],
         {"axis": -1}),
    Case("gather_nd", "GatherND", [inp("x", X234), const("i", np.array([[0, 1], [1, -1]], np.int64))]),
    Case("gather_nd_full", "GatherND", [inp("x", X234), const("i", np.array([[[0, 1, 2]], [[1, 2, 3]]]))]),
    Case("gather_nd_batch1", "GatherND", [inp("x", X234), const("i", np.array([[[1], [0]], [[2], [2]]]))],
         {"batch_dims": 1}),
    Case("scatter_nd", "ScatterND", [inp("d", X234), const("i", np.array([[1], [0]])), inp("u", f32(2, 3, 4))]),
    Case("scatter_nd_elems", "ScatterND", [inp("d", X234), const("i", np.array([[0, 1, 2], [1, 2, 3]])),
                                           inp("u", f32(2))]),
    Case("scatter_nd_add_16", "ScatterND", [inp("d", X234), const("i", np.array([[0, 1], [0, 1]])),
                                            inp("u", f32(2, 4))], {"reduction": "add"}, opset=16, atol=1e-5),
    Case("scatter_elements", "ScatterElements", [inp("d", f32(3, 3)), const("i", np.array([[1, 0, 2], [0, 2, 1]])),
                                                 inp("u", f32(2, 3))]),
    Case("scatter_elements_neg", "ScatterElements", [inp("d", f32(3, 4)), const("i", np.array([[-1, 0], [1, -4]])),
                                                     inp("u", f32(2, 2))], {"axis": -1}),
    Case("scatter_elements_mul_16", "ScatterElements",
         [inp("d", f32(3, 3)), const("i", np.array([[1, 1], [0, 0]])), inp("u", f32(2, 2))],
         {"axis": 1, "reduction": "mul"}, opset=16, atol=1e-5),
    Case("scatter_elements_max_18", "ScatterElements",
         [inp("d", f32(3, 3)), const("i", np.array([[1, 1], [0, 0]])), inp("u", f32(2, 2))],
         {"axis": 0, "reduction": "max"}, opset=18),
    Case("scatter_old_10", "Scatter", [inp("d", f32(3, 3)), const("i", np.array([[1, 0, 2]])), inp("u", f32(1, 3))],
         {"axis": 0}, opset=10),
    Case("one_hot", "OneHot", [inp("i", np.array([[0, 2], [-1, 5]], np.int64)), const("d", np.array(4, np.int64)),
                               const("v", np.array([0.5, 2.0], np.float32))]),
    Case("one_hot_axis0_int", "OneHot", [inp("i", np.array([1, 0, -3], np.int64)), const("d", np.array([3], np.int64)),
                                         const("v", np.array([0, 7], np.int64))], {"axis": 0}),
    Case("non_zero", "NonZero", [inp("x", (rng.integers(0, 3, (3, 4)) > 1).astype(np.float32))]),
    Case("non_zero_const", "NonZero", [const("x", np.array([[1, 0], [0, 3]], np.int32))]),
    Case("compress_axis", "Compress", [inp("x", X234), const("c", np.array([True, False, True]))], {"axis": 1}),
    Case("compress_flat", "Compress", [inp("x", X234), inp("c", rng.integers(0, 2, 24).astype(bool))]),
    Case("reverse_sequence", "ReverseSequence", [inp("x", f32(4, 3, 2)), const("l", i64(4, 1, 2))],
         {"batch_axis": 1, "time_axis": 0}),
    Case("reverse_sequence_batch0", "ReverseSequence", [inp("x", f32(3, 4, 2)), const("l", i64(1, 2, 4))],
         {"batch_axis": 0, "time_axis": 1}),
]

GENERATOR_CASES = [
    Case("constant_of_shape_default", "ConstantOfShape", [const("s", i64(2, 3))]),
    Case("constant_of_shape_int", "ConstantOfShape", [inp("s", i64(3, 1, 2))],
         {"value": np.array([7], np.int32)}),
    Case("range_int", "Range", [const("a", np.array(1, np.int64)), const("b", np.array(10, np.int64)),
                                const("c", np.array(3, np.int64))]),
    Case("range_float_neg", "Range", [inp("a", np.array(2.5, np.float32)), inp("b", np.array(-1.0, np.float32)),
                                      inp("c", np.array(-0.5, np.float32))], atol=1e-5),
    Case("expand_bidirectional", "Expand", [inp("x", f32(3, 1)), const("s", i64(2, 1, 4))]),
    Case("expand_smaller_shape", "Expand", [inp("x", f32(2, 1, 5)), const("s", i64(3, 1))]),
    Case("tile", "Tile", [inp("x", X234), const("r", i64(2, 1, 3))]),
    Case("trilu_upper", "Trilu", [inp("x", f32(2, 4, 5))], opset=14),
    Case("trilu_lower_k", "Trilu", [inp("x", f32(4, 5)), const("k", np.array(-1, np.int64))], {"upper": 0},
         opset=14),
    Case("trilu_upper_k", "Trilu", [inp("x", rng.integers(-9, 9, (3, 5)).astype(np.int32)),
                                    const("k", np.array(2, np.int64))], opset=14),
    Case("eye_like", "EyeLike", [inp("x", f32(3, 4))], {"k": 1}),
    Case("eye_like_dtype", "EyeLike", [inp("x", f32(4, 3))], {"k": -1, "dtype": 7}),
    Case("einsum_bmm", "Einsum", [inp("a", X234), inp("b", f32(2, 4, 5))], {"equation": "bij,bjk->bik"},
         atol=1e-5),
    Case("einsum_attention", "Einsum", [inp("q", f32(2, 2, 3, 4)), inp("k", f32(2, 2, 5, 4))],
         {"equation": "bhid,bhjd->bhij"}, atol=1e-5),
    Case("einsum_transpose", "Einsum", [inp("a", f32(3, 4))], {"equation": "ij->ji"}),
    Case("einsum_dot", "Einsum", [inp("a", f32(6)), inp("b", f32(6))], {"equation": "i,i->"}, atol=1e-5),
    Case("einsum_ellipsis_implicit", "Einsum", [inp("a", f32(2, 3, 4)), inp("b", f32(4, 5))],
         {"equation": "...ij,jk"}, atol=1e-5),
]

DTYPE_CASES = [
    Case("slice_bool", "Slice", [inp("x", X234 > 0), const("s", i64(1)), const("e", i64(-1)), const("a", i64(-1))]),
    Case("gather_fp16", "Gather", [inp("x", X234.astype(np.float16)), const("i", i64(2, 0))], {"axis": 2}),
    Case("concat_int8", "Concat", [inp("a", (X234 * 10).astype(np.int8)), inp("b", (X234 * 5).astype(np.int8))],
         {"axis": 1}),
    Case("transpose_uint8", "Transpose", [inp("x", (X234 * 10 + 50).astype(np.uint8))], {"perm": [1, 0, 2]}),
    Case("expand_int64", "Expand", [inp("x", i64(1, 2, 3)), const("s", i64(2, 1))]),
    Case("tile_int32", "Tile", [inp("x", np.arange(6, dtype=np.int32).reshape(2, 3)), const("r", i64(1, 2))]),
    Case("range_int32", "Range", [const("a", np.array(5, np.int32)), const("b", np.array(-4, np.int32)),
                                  const("c", np.array(-2, np.int32))]),
    Case("non_zero_scalar", "NonZero", [inp("x", np.array(3.0, np.float32))]),
    Case("reshape_fp16_minus1_first", "Reshape", [inp("x", X2345.astype(np.float16)), const("s", i64(-1, 4, 5))]),
    Case("squeeze_int64", "Squeeze", [inp("x", np.arange(3, dtype=np.int64).reshape(1, 3, 1))], opset=13),
    Case("scatter_nd_int32", "ScatterND", [inp("d", np.zeros((4, 2), np.int32)), const("i", np.array([[3], [-4]])),
                                           inp("u", np.array([[1, 2], [3, 4]], np.int32))]),
]

TENSOR_CASES = SHAPE_CASES + INDEX_CASES + GENERATOR_CASES + DTYPE_CASES
