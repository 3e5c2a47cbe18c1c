"""The ops added for ONNX conformance exported to ONNX: onnxruntime's run of the export matches our
runtime's run of the op, in fp32 and (float ops) with the fp16 rounding of force_fp16."""
from __future__ import annotations

import numpy as np
import pytest

from tests.export.test_ops import In, assert_export_matches, op_graph

pytest.importorskip("onnxruntime")

rng = np.random.default_rng(5)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


T = np.array([[0, 3, 1], [2, 2, 4]], np.int64)
CASES = {
    "NLL_mean_weighted_ignore": ("NegativeLogLikelihoodLoss", [In(f32(2, 5, 3)), In(T), np.abs(f32(5))],
                                 {"reduction": "mean", "ignore_index": 2}),
    "NLL_none": ("NegativeLogLikelihoodLoss", [In(f32(2, 5, 3)), T], {"reduction": "none"}),
    "SCE_sum_log_prob": ("SoftmaxCrossEntropyLoss", [In(f32(2, 5, 3)), In(T)], {"reduction": "sum"}, 2),
    "LayerNorm_stats": ("LayerNorm", [In(f32(2, 3, 4)), f32(3, 4), f32(3, 4)], {"axis": 1, "stats": True}, 3),
    "BatchNormTraining": ("BatchNormTraining", [In(f32(2, 3, 4)), f32(3), f32(3), In(f32(3)), np.abs(f32(3))],
                          {"momentum": 0.7}, 3),
    "BatchNormTraining_NHWC": ("BatchNormTraining", [In(f32(2, 4, 5, 3)), f32(3), f32(3), f32(3), np.abs(f32(3))],
                               {"data_format": "NHWC"}, 3),
    "Attention_window": ("Attention", [In(f32(1, 2, 4, 8)), In(f32(1, 2, 6, 8)), In(f32(1, 2, 6, 8))],
                         {"left_window_size": 2, "right_window_size": 1}, 4),
    "Attention_softmax_double": ("Attention", [In(f32(1, 2, 3, 4)), In(f32(1, 2, 5, 4)), In(f32(1, 2, 5, 4))],
                                 {"softmax_double": True}, 4),
    "LinearAttention_gated_delta_gqa": ("LinearAttention", [In(f32(1, 3, 8)), In(f32(1, 3, 4) * 0.5), In(f32(1, 3, 6)),
                                                            None, -np.abs(f32(1, 3, 1)), In(np.abs(f32(1, 3, 1)) / 3)],
                                        {"q_num_heads": 2, "kv_num_heads": 1}, 2),
    "LinearAttention_linear_past": ("LinearAttention", [In(f32(1, 3, 4)), In(f32(1, 3, 4)), In(f32(1, 3, 4)),
                                                        In(f32(1, 1, 4, 4))],
                                    {"q_num_heads": 1, "kv_num_heads": 1, "update_rule": "linear"}, 2),
    "CausalConvWithState": ("CausalConvWithState", [In(f32(2, 3, 5)), f32(3, 1, 3), f32(3), In(f32(2, 3, 2))],
                            {"activation": "silu"}, 2),
    "Bitcast_float_to_int": ("Bitcast", [In(f32(3, 4))], {"dst_type": 7}),
    "Bitcast_int_to_float": ("Bitcast", [In(np.arange(12, dtype=np.int32) * 99991)], {"dst_type": 1}),
    "DFT_onesided_length": ("DFT", [In(f32(2, 8, 1)), np.array(10, np.int64)], {"axis": 1, "onesided": True}),
    "DFT_run_time_axis_inverse": ("DFT", [In(f32(3, 4, 2)), None, In(np.array(0, np.int64))], {"inverse": True}),
    "STFT_window": ("STFT", [In(f32(2, 16, 1)), np.array(4, np.int64), np.hanning(5).astype(np.float32)], {}),
    "MelWeightMatrix": ("MelWeightMatrix", [In(np.array(6, np.int64)), np.array(32, np.int64),
                                            np.array(16000, np.int64), np.array(0.0, np.float32),
                                            np.array(7000.0, np.float32)], {}),
    "AffineGrid_3d": ("AffineGrid", [In(f32(2, 3, 4)), np.array([2, 1, 3, 4, 5], np.int64)], {"align_corners": True}),
    "TensorScatter_circular": ("TensorScatter", [In(f32(2, 4, 3)), In(f32(2, 3, 3)), In(np.array([2, 3], np.int64))],
                               {"axis": 1, "mode": "circular"}),
    "StringConcat": ("StringConcat", [In(np.array([["a", "bc"], ["", "d"]], object)), np.array(["x", "yz"], object)],
                     {}),
    "StringSplit": ("StringSplit", [In(np.array(["a,b,,c", "d", ",e"], object))], {"delimiter": ",", "maxsplit": 2}, 2),
    "RegexFullMatch": ("RegexFullMatch", [In(np.array(["ab12", "ab", "12"], object))], {"pattern": r"[a-z]+\d+"}),
    "TfIdfVectorizer": ("TfIdfVectorizer", [In(np.array([[1, 2, 3, 1, 2], [3, 3, 1, 2, 2]], np.int64))],
                        {"max_gram_length": 2, "min_gram_length": 1, "max_skip_count": 1, "mode": "TFIDF",
                         "ngram_counts": [0, 3], "ngram_indexes": [0, 1, 2, 3, 4], "pool_int64s": [1, 2, 3, 1, 2, 2, 3],
                         "weights": [1.0, 0.5, 2.0, 3.0, 0.25]}),
    "Resize_antialias_cubic": ("Resize", [In(f32(1, 2, 9, 12)), None, np.array([1, 1, 0.5, 0.4], np.float32)],
                               {"mode": "cubic", "antialias": True}),
    "Resize_antialias_linear_NHWC": ("Resize", [In(f32(1, 9, 12, 2)), None, None, np.array([4, 5], np.int64)],
                                     {"mode": "linear", "antialias": True, "data_format": "NHWC"}),
    "DeformConv": ("DeformConv", [In(f32(1, 4, 6, 6)), f32(2, 2, 3, 3), In(f32(1, 36, 4, 4)), f32(2),
                                  In(np.abs(f32(1, 18, 4, 4)))], {"group": 2, "offset_group": 2}),
}
FP16 = {"DeformConv", "AffineGrid_3d", "TensorScatter_circular", "NLL_none", "LayerNorm_stats", "BatchNormTraining", "LinearAttention_linear_past", "CausalConvWithState"}   # the losses keep fp32 (no_fp16): an fp16 case checks the walker keeps that


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_matches_runtime(name):
    op_type, inputs, attrs, *n_out = CASES[name]
    g, feeds = op_graph(op_type, inputs, attrs, n_out[0] if n_out else 1)
    assert_export_matches(g, feeds)


@pytest.mark.parametrize("name", sorted(FP16))
def test_export_keeps_fp16_rounding(name):
    op_type, inputs, attrs, *n_out = CASES[name]
    g, feeds = op_graph(op_type, inputs, attrs, n_out[0] if n_out else 1, fp16=True)
    assert_export_matches(g, feeds, tol=2e-3)
