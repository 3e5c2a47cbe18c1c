"""One-node ONNX cases for the extra ops (seeded random inputs), compared with onnxruntime."""
from __future__ import annotations

import itertools

import numpy as np

from tests.ops_tensor._eval import Case, const, inp

rng = np.random.default_rng(7)


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def i64(*values):
    return np.array(values, np.int64)


def ints(dtype, *shape, high=100):
    return rng.integers(0, high, shape).astype(dtype)


IMAGE = f32(2, 3, 5, 6)
GRID = rng.uniform(-1.3, 1.3, (2, 4, 7, 2)).astype(np.float32)

GRID_CASES = [
    Case(f"grid16_{mode}_{pad}_ac{ac}", "GridSample", [inp("x", IMAGE), inp("g", GRID)],
         {"mode": mode, "padding_mode": pad, "align_corners": ac}, opset=16, atol=1e-5)
    for mode, pad, ac in itertools.product(["bilinear", "nearest", "bicubic"], ["zeros", "border", "reflection"],
                                           [0, 1])
] + [
    Case(f"grid20_{mode}_{pad}", "GridSample", [inp("x", IMAGE), inp("g", GRID)],
         {"mode": mode, "padding_mode": pad}, opset=20, atol=1e-5)
    for mode, pad in itertools.product(["linear", "nearest", "cubic"], ["zeros", "reflection"])
] + [Case("grid20_default", "GridSample", [inp("x", IMAGE), inp("g", GRID)], opset=20, atol=1e-5)]


def _unpool_indices():
    """Flat output indices of one max per 2x2 window of a 1,2,4,4 output (what MaxPool would give)."""
    d = rng.integers(0, 2, (1, 2, 2, 2, 2))
    n, c, i, j = np.meshgrid(range(1), range(2), range(2), range(2), indexing="ij")
    return (c * 16 + (2 * i + d[..., 0]) * 4 + (2 * j + d[..., 1])).astype(np.int64)


UNIQUE_X = np.array([[2, 1, 3], [2, 1, 3], [0, 5, 1], [2, 1, 3]], np.float32)

EXTRA_CASES = GRID_CASES + [
    Case("cumprod", "CumProd", [inp("x", f32(2, 3, 4)), const("a", i64(1))], opset=26),
    Case("cumprod_excl_rev", "CumProd", [inp("x", f32(2, 3, 4)), const("a", i64(-1))],
         {"exclusive": 1, "reverse": 1}, opset=26),
    Case("cumprod_int32_excl", "CumProd", [inp("x", ints(np.int32, 3, 4, high=5)), const("a", i64(0))],
         {"exclusive": 1}, opset=26),
    Case("swish_alpha", "Swish", [inp("x", f32(2, 3, 4))], {"alpha": 0.7}, opset=24),
    Case("swish_default", "Swish", [inp("x", f32(2, 3))], opset=24),
    Case("rmsnorm_last", "RMSNormalization", [inp("x", f32(2, 3, 8)), const("s", f32(8))], opset=23,
         atol=1e-5),
    Case("rmsnorm_axis1", "RMSNormalization", [inp("x", f32(2, 3, 4)), const("s", f32(3, 4))],
         {"axis": 1, "epsilon": 1e-3}, opset=23, atol=1e-5),
    Case("rope_4d", "RotaryEmbedding", [inp("x", f32(2, 3, 5, 8)), inp("c", f32(2, 5, 4)), inp("s", f32(2, 5, 4))],
         opset=23, atol=1e-5),
    Case("rope_4d_interleaved_partial", "RotaryEmbedding",
         [inp("x", f32(2, 3, 5, 8)), inp("c", f32(2, 5, 2)), inp("s", f32(2, 5, 2))],
         {"interleaved": 1, "rotary_embedding_dim": 4}, opset=23, atol=1e-5),
    Case("rope_3d_position_ids", "RotaryEmbedding",
         [inp("x", f32(2, 5, 16)), inp("c", f32(10, 4)), inp("s", f32(10, 4)),
          inp("p", rng.integers(0, 10, (2, 5)).astype(np.int64))], {"num_heads": 2}, opset=23, atol=1e-5),
    Case("bitshift_left_u32", "BitShift", [inp("a", ints(np.uint32, 2, 3)), inp("b", ints(np.uint32, 3, high=8))],
         {"direction": "LEFT"}, opset=11),
    Case("bitshift_right_u8", "BitShift", [inp("a", ints(np.uint8, 4, high=255)), inp("b", ints(np.uint8, 4, high=8))],
         {"direction": "RIGHT"}, opset=11),
    Case("bitwise_and_i32", "BitwiseAnd", [inp("a", ints(np.int32, 2, 3)), inp("b", ints(np.int32, 3))], opset=18),
    Case("bitwise_or_i64", "BitwiseOr", [inp("a", ints(np.int64, 4)), inp("b", ints(np.int64, 4))], opset=18),
    Case("bitwise_xor_u8", "BitwiseXor", [inp("a", ints(np.uint8, 4)), inp("b", ints(np.uint8, 4))], opset=18),
    Case("bitwise_not_i32", "BitwiseNot", [inp("a", ints(np.int32, 2, 3) - 50)], opset=18),
    Case("unique_sorted", "Unique", [inp("x", np.array([2, 1, 1, 3, 4, 3, 0], np.float32))], opset=11, n_out=4),
    Case("unique_unsorted", "Unique", [inp("x", np.array([2, 1, 1, 3, 4, 3, 0], np.float32))], {"sorted": 0},
         opset=11, n_out=4),
    Case("unique_axis0", "Unique", [inp("x", UNIQUE_X)], {"axis": 0}, opset=11, n_out=4),
    Case("unique_axis0_unsorted", "Unique", [inp("x", UNIQUE_X)], {"axis": 0, "sorted": 0}, opset=11, n_out=4),
    Case("unique_int_one_output", "Unique", [inp("x", ints(np.int64, 10, high=4))], opset=11),
    Case("max_unpool", "MaxUnpool", [inp("x", f32(1, 2, 2, 2)), inp("i", _unpool_indices())],
         {"kernel_shape": [2, 2], "strides": [2, 2]}, opset=11),
    Case("max_unpool_output_shape", "MaxUnpool",
         [inp("x", f32(1, 2, 2, 2)), inp("i", _unpool_indices()), const("s", i64(1, 2, 4, 4))],
         {"kernel_shape": [2, 2], "strides": [2, 2]}, opset=11),
    Case("global_lp_pool_p3", "GlobalLpPool", [inp("x", f32(2, 3, 4, 5))], {"p": 3}, atol=1e-5),
    Case("global_lp_pool_p2", "GlobalLpPool", [inp("x", f32(2, 3, 4))], atol=1e-5),
    Case("center_crop_pad", "CenterCropPad", [inp("x", f32(2, 5, 4)), const("s", i64(3, 7))], {"axes": [1, -1]},
         opset=18),
    Case("center_crop_pad_all", "CenterCropPad", [inp("x", f32(4, 5)), const("s", i64(6, 2))], opset=18),
    Case("col2im", "Col2Im", [inp("x", f32(1, 2 * 4, 12)), const("i", i64(4, 5)), const("b", i64(2, 2))], opset=18),
    Case("col2im_strided", "Col2Im", [inp("x", f32(2, 3 * 6, 9)), const("i", i64(5, 6)), const("b", i64(2, 3))],
         {"strides": [2, 1], "pads": [1, 0, 0, 1], "dilations": [1, 2]}, opset=18),
    Case("hann_periodic", "HannWindow", [const("n", np.array(8, np.int64))], opset=17),
    Case("hann_symmetric", "HannWindow", [const("n", np.array(7, np.int64))], {"periodic": 0}, opset=17),
    Case("hamming_double", "HammingWindow", [const("n", np.array(9, np.int64))], {"output_datatype": 11},
         opset=17),
    Case("blackman", "BlackmanWindow", [const("n", np.array(10, np.int32))], opset=17),
    Case("det_batch", "Det", [inp("x", f32(2, 3, 3))], opset=11, atol=1e-5),
    Case("det_single", "Det", [inp("x", f32(4, 4))], opset=11, atol=1e-5),
]

ATTENTION_CASES = [
    Case("attention_4d", "Attention", [inp("q", f32(2, 3, 4, 8)), inp("k", f32(2, 3, 5, 8)), inp("v", f32(2, 3, 5, 6))],
         opset=23, atol=1e-5),
    Case("attention_4d_causal_past", "Attention",
         [inp("q", f32(1, 2, 3, 4)), inp("k", f32(1, 2, 3, 4)), inp("v", f32(1, 2, 3, 4)), None,
          inp("pk", f32(1, 2, 2, 4)), inp("pv", f32(1, 2, 2, 4))], {"is_causal": 1}, opset=23, n_out=3, atol=1e-5),
    Case("attention_3d_gqa_bool_mask", "Attention",
         [inp("q", f32(2, 4, 16)), inp("k", f32(2, 6, 8)), inp("v", f32(2, 6, 8)),
          inp("m", rng.random((4, 6)) > 0.3)], {"q_num_heads": 4, "kv_num_heads": 2}, opset=23, atol=1e-5),
    Case("attention_24_nonpad_causal", "Attention",
         [inp("q", f32(2, 2, 3, 4)), inp("k", f32(2, 2, 6, 4)), inp("v", f32(2, 2, 6, 4)), None, None, None,
          inp("n", np.array([4, 6], np.int64))], {"is_causal": 1}, opset=24, atol=1e-5),
] + [
    Case(f"attention_mode{mode}_softcap_mask", "Attention",
         [inp("q", f32(1, 2, 3, 4)), inp("k", f32(1, 2, 5, 4)), inp("v", f32(1, 2, 5, 4)), inp("m", f32(3, 6)),
          inp("pk", f32(1, 2, 1, 4)), inp("pv", f32(1, 2, 1, 4))],
         {"qk_matmul_output_mode": mode, "softcap": 2.0, "scale": 0.3}, opset=23, n_out=4, atol=1e-5)
    for mode in range(4)
] + [
    Case(f"attention_mode{mode}_mask", "Attention",
         [inp("q", f32(1, 2, 3, 4)), inp("k", f32(1, 2, 5, 4)), inp("v", f32(1, 2, 5, 4)), inp("m", f32(3, 5))],
         {"qk_matmul_output_mode": mode}, opset=23, n_out=4, atol=1e-5)
    for mode in range(4)
]

EXTRA_CASES += ATTENTION_CASES
