"""One-node ONNX cases for the ops added for ONNX conformance (seeded random inputs), compared with
onnxruntime where it runs the op."""
from __future__ import annotations

import itertools

import numpy as np
from onnx import helper

from tests.ops_tensor._eval import Case, const, inp

rng = np.random.default_rng(11)


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def labels(classes, *shape, ignore=None):
    t = rng.integers(0, classes, shape).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


def _loss_cases():
    cases = []
    for op, (red, weighted, ignore, spatial) in itertools.product(
            ["NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"],
            itertools.product(["none", "sum", "mean"], [False, True], [None, 2], [False, True])):
        x = f32(3, 5, 4, 2) if spatial else f32(6, 5)
        t = labels(5, *((3, 4, 2) if spatial else (6,)), ignore=ignore)
        ins = [inp("x", x), inp("t", t)] + ([const("w", np.abs(f32(5)) + 0.1)] if weighted else [])
        attrs = {"reduction": red} if ignore is None else {"reduction": red, "ignore_index": ignore}
        name = f"{op[:3].lower()}_{red}{'_w' if weighted else ''}{'' if ignore is None else f'_ign{ignore}'}" \
               f"{'_nd' if spatial else ''}"
        n_out = 2 if op == "SoftmaxCrossEntropyLoss" and spatial else 1   # log_prob output on some
        cases.append(Case(name, op, ins, attrs, opset=13 if op[0] == "S" else 22, n_out=n_out, atol=1e-5))
    cases.append(Case("nll_mean_w_ign-1_nd", "NegativeLogLikelihoodLoss",
                      [inp("x", f32(3, 5, 4)), inp("t", labels(5, 3, 4, ignore=-1)), const("w", np.abs(f32(5)))],
                      {"ignore_index": -1}, opset=22, atol=1e-5))
    cases.append(Case("sce_mean_ign-1_int32", "SoftmaxCrossEntropyLoss",
                      [inp("x", f32(3, 5, 4)), inp("t", labels(5, 3, 4, ignore=-1).astype(np.int32))],
                      {"ignore_index": -1}, opset=13, n_out=2, atol=1e-5))
    return cases


LOSS_CASES = _loss_cases()

X4 = f32(2, 3, 4, 5)
NORM_CASES = [
    Case(f"layernorm_stats_axis{axis}", "LayerNormalization",
         [inp("x", X4), const("s", f32(*X4.shape[axis:])), const("b", f32(*X4.shape[axis:]))],
         {"axis": axis, "epsilon": 1e-3}, n_out=3, atol=1e-5) for axis in (-1, 1, 0)
] + [
    Case("layernorm_stats_fp16", "LayerNormalization",
         [inp("x", X4.astype(np.float16)), const("s", f32(5).astype(np.float16))], n_out=3, atol=2e-3),
    Case("batchnorm_training", "BatchNormalization",
         [inp("x", X4), const("s", f32(3)), const("b", f32(3)), inp("m", f32(3)), inp("v", np.abs(f32(3)))],
         {"training_mode": 1, "momentum": 0.8, "epsilon": 1e-4}, opset=15, n_out=3, atol=1e-5),
]
ATTENTION_CASES = [
    Case(f"attention25_window_l{left}_r{right}{'_causal' if causal else ''}", "Attention",
         [inp("q", f32(2, 3, 4, 8)), inp("k", f32(2, 3, 6, 8)), inp("v", f32(2, 3, 6, 5))],
         {"left_window_size": left, "right_window_size": right, "is_causal": causal}, opset=25, atol=1e-5)
    for left, right, causal in ((2, 0, 0), (2, 1, 0), (-1, 1, 0), (1, -1, 1))
] + [
    Case("attention25_window_past_gqa_3d", "Attention",
         [inp("q", f32(2, 3, 16)), inp("k", f32(2, 3, 8)), inp("v", f32(2, 3, 8)), None,
          inp("pk", f32(2, 2, 4, 4)), inp("pv", f32(2, 2, 4, 4))],
         {"left_window_size": 3, "right_window_size": 0, "q_num_heads": 4, "kv_num_heads": 2}, opset=25,
         n_out=3, atol=1e-5),
    Case("attention_softmax_precision_double", "Attention",
         [inp("q", f32(1, 2, 3, 4)), inp("k", f32(1, 2, 5, 4)), inp("v", f32(1, 2, 5, 4))],
         {"softmax_precision": 11, "qk_matmul_output_mode": 3}, opset=24, n_out=4, atol=1e-5),
    Case("attention_softmax_precision_float_fp16", "Attention",
         [inp("q", f32(1, 2, 3, 4).astype(np.float16)), inp("k", f32(1, 2, 5, 4).astype(np.float16)),
          inp("v", f32(1, 2, 5, 4).astype(np.float16))], {"softmax_precision": 1}, opset=24, atol=2e-3),
]


def _linear_attention_cases():
    b, t, hq, hkv, dk, dv = 2, 3, 4, 2, 4, 3
    q, k, v = f32(b, t, hq * dk), f32(b, t, hkv * dk) * 0.5, f32(b, t, hkv * dv)
    decay_dim, decay_head = -np.abs(f32(b, t, hkv * dk)), -np.abs(f32(b, t, hkv))
    beta = 1 / (1 + np.exp(-f32(b, t, hkv)))
    cases = []
    for rule, extra in (("linear", []), ("gated", [inp("g", decay_dim)]), ("delta", [None, inp("beta", beta)]),
                        ("gated_delta", [inp("g", decay_head), inp("beta", beta)])):
        for past in (False, True):
            ins = [inp("q", q), inp("k", k), inp("v", v), inp("past", f32(b, hkv, dk, dv)) if past else None] + extra
            cases.append(Case(f"linear_attention_{rule}{'_past' if past else ''}", "LinearAttention", ins,
                              {"q_num_heads": hq, "kv_num_heads": hkv, "update_rule": rule}, opset=27, n_out=2,
                              atol=1e-4))
    cases.append(Case("linear_attention_scale_beta1", "LinearAttention",
                      [inp("q", q), inp("k", k), inp("v", v), None, inp("g", decay_dim), inp("beta", beta[..., :1])],
                      {"q_num_heads": hq, "kv_num_heads": hkv, "scale": 0.3}, opset=27, n_out=2, atol=1e-4))
    return cases


CAUSAL_CONV_CASES = [
    Case(f"causal_conv{'_bias' if bias else ''}{'_past' if past else ''}_{act}", "CausalConvWithState",
         [inp("x", f32(2, 3, 6)), const("w", f32(3, 1, 4)), const("b", f32(3)) if bias else None,
          inp("s", f32(2, 3, 3)) if past else None], {"activation": act}, opset=27, n_out=2, atol=1e-5)
    for bias, past, act in ((False, False, "none"), (True, False, "silu"), (True, True, "swish"), (False, True, "none"))
] + [Case("causal_conv_short_input", "CausalConvWithState", [inp("x", f32(1, 2, 1)), const("w", f32(2, 1, 4)), None,
                                                             inp("s", f32(1, 2, 3))], opset=27, n_out=2, atol=1e-5)]
BITCAST_CASES = [
    Case(f"bitcast_{np.dtype(src).name}_to_{np.dtype(dst).name}", "BitCast",
         [inp("x", (f32(3, 4) * 1000).astype(src))], {"to": int(helper.np_dtype_to_tensor_dtype(np.dtype(dst)))},
         opset=26)
    for src, dst in ((np.float32, np.int32), (np.int32, np.float32), (np.float16, np.int16), (np.uint16, np.float16),
                     (np.float64, np.uint64), (np.int8, np.uint8), (np.int64, np.float64))
]
REAL_SIGNAL, COMPLEX_SIGNAL = f32(2, 8, 3, 1), f32(2, 8, 3, 2)
DFT_CASES = [
    Case("dft17_real_axis1", "DFT", [inp("x", REAL_SIGNAL)], {"axis": 1}, opset=17, atol=1e-4),
    Case("dft17_complex_inverse_axis2", "DFT", [inp("x", COMPLEX_SIGNAL)], {"axis": 2, "inverse": 1}, opset=17,
         atol=1e-4),
    Case("dft20_onesided_length_pad", "DFT", [inp("x", REAL_SIGNAL), const("n", np.array(11, np.int64)),
                                               const("a", np.array(-3, np.int64))], {"onesided": 1}, opset=20,
         atol=1e-4),
    Case("dft20_length_cut_default_axis", "DFT", [inp("x", COMPLEX_SIGNAL.transpose(0, 2, 1, 3).copy()),
                                                   const("n", np.array(5, np.int32))], opset=20, atol=1e-4),
    Case("dft20_irfft", "DFT", [inp("x", f32(2, 5, 3, 2)), None, const("a", np.array(1, np.int64))],
         {"onesided": 1, "inverse": 1}, opset=20, atol=1e-4),
    Case("dft20_run_time_axis", "DFT", [inp("x", COMPLEX_SIGNAL), None, inp("a", np.array(2, np.int64))], opset=20,
         atol=1e-4),
    Case("stft_window_onesided", "STFT", [inp("x", f32(2, 20, 1)), const("step", np.array(3, np.int64)),
                                          const("w", np.hanning(6).astype(np.float32))], opset=17, atol=1e-4),
    Case("stft_frame_length_complex", "STFT", [inp("x", f32(1, 16, 2)), const("step", np.array(4, np.int64)), None,
                                               const("n", np.array(8, np.int64))], {"onesided": 0}, opset=17,
         atol=1e-4),
    Case("stft_run_time_step", "STFT", [inp("x", f32(1, 16, 1)), inp("step", np.array(5, np.int64)),
                                        const("w", np.ones(7, np.float32))], opset=17, atol=1e-4),
    Case("melweightmatrix", "MelWeightMatrix", [const(n, np.array(v, t)) for n, v, t in
                                                (("bins", 8, np.int64), ("len", 64, np.int64), ("rate", 8000, np.int64),
                                                 ("lo", 60.0, np.float32), ("hi", 3800.0, np.float32))],
         {"output_datatype": 1}, opset=17),
]
SMALL_CASES = [
    Case(f"affine_grid_{k}d{'_align' if align else ''}", "AffineGrid",
         [inp("theta", f32(2, k, k + 1)), const("size", np.array([2, 3, 4, 5, 6][:k + 2], np.int64))],
         {"align_corners": align}, opset=20, atol=1e-5)
    for k, align in ((2, 0), (2, 1), (3, 0), (3, 1))
] + [
    Case(f"tensorscatter_{mode}_axis{axis}", "TensorScatter",
         [inp("cache", f32(2, 3, 6, 4) if axis == -2 else f32(2, 6, 3, 4)), inp("upd", f32(2, 3, 3, 4)
                                                                               if axis == -2 else f32(2, 3, 3, 4)),
          inp("idx", np.array([1, 4 if mode == "circular" else 2], np.int64))], {"mode": mode, "axis": axis},
         opset=24)
    for mode, axis in (("linear", -2), ("circular", -2), ("linear", 1), ("circular", 1))
] + [Case("tensorscatter_no_indices", "TensorScatter", [inp("cache", f32(2, 5, 3)), inp("upd", f32(2, 2, 3))],
          {"axis": 1}, opset=24)]
WORDS = np.array([["the cat", "  sat on  the mat ", ""], ["a-b-c", "no", "x y z w"]], dtype=object)
TOKENS = np.array([[1, 2, 3, 2, 3, 4, 5], [5, 4, 3, 2, 1, 2, 3]], np.int64)
POOL = {"ngram_counts": [0, 4], "ngram_indexes": [0, 1, 2, 3, 4, 5, 6], "pool_int64s": [2, 3, 4, 5, 2, 3, 3, 4, 5, 4]}
TEXT_CASES = [
    Case("string_concat_broadcast", "StringConcat", [inp("x", WORDS), inp("y", np.array(["!", "?", "."], object))],
         opset=20),
    Case("string_split_whitespace", "StringSplit", [inp("x", WORDS)], opset=20, n_out=2),
    # (an empty string split at a delimiter: one empty piece in ONNX's reference and here, none in onnxruntime)
    Case("string_split_delimiter_maxsplit", "StringSplit", [inp("x", WORDS[:, :2])], {"delimiter": "-", "maxsplit": 1},
         opset=20, n_out=2),
    Case("string_split_multichar_delimiter", "StringSplit", [inp("x", np.array(["a, b,, c", ", "], object))],
         {"delimiter": ", "}, opset=20, n_out=2),
    Case("regex_full_match", "RegexFullMatch", [inp("x", np.array(["www.onnx.com", "onnx.com", "www.x-y.com"], object))],
         {"pattern": r"www\.[\w.-]+\.com"}, opset=20),
] + [
    Case(f"tfidf_{mode.lower()}_skip{skip}_min{lo}", "TfIdfVectorizer", [inp("x", TOKENS)],
         {**POOL, "mode": mode, "min_gram_length": lo, "max_gram_length": 2, "max_skip_count": skip,
          **({"weights": [0.5, 1.0, 2.0, 0.1, 0.2, 0.3, 0.4]} if mode != "TF" else {})}, opset=9)
    for mode, skip, lo in (("TF", 0, 1), ("TF", 3, 1), ("TF", 2, 2), ("IDF", 1, 1), ("TFIDF", 5, 1))
] + [
    Case("tfidf_strings_1d", "TfIdfVectorizer", [inp("x", np.array(["a", "b", "c", "a", "b"], object))],
         {"ngram_counts": [0, 3], "ngram_indexes": [2, 0, 1, 3], "pool_strings": ["a", "b", "c", "a", "b"],
          "mode": "TF", "min_gram_length": 1, "max_gram_length": 2, "max_skip_count": 1}, opset=9),
    Case("tfidf_int32_idf_no_weights", "TfIdfVectorizer", [inp("x", TOKENS.astype(np.int32))],
         {**POOL, "mode": "IDF", "min_gram_length": 1, "max_gram_length": 2, "max_skip_count": 0}, opset=9),
]
IMAGE = f32(1, 2, 9, 13)
ANTIALIAS_CASES = [
    Case(f"resize_antialias_{mode}_{coords}_ex{exclude}_{'x'.join(map(str, scales))}", "Resize",
         [inp("x", IMAGE), None, const("s", np.array([1, 1, *scales], np.float32))],
         {"mode": mode, "antialias": 1, "coordinate_transformation_mode": coords, "exclude_outside": exclude},
         opset=18, atol=1e-4)
    for mode, coords, exclude, scales in (("linear", "half_pixel", 0, (0.6, 0.45)), ("linear", "align_corners", 1, (0.3, 1.0)),
                                          ("cubic", "half_pixel", 0, (0.6, 0.45)), ("cubic", "asymmetric", 1, (1.5, 0.8)),
                                          ("cubic", "pytorch_half_pixel", 0, (0.25, 0.5)))
] + [Case("resize_antialias_sizes_linear_3d", "Resize", [inp("x", f32(1, 7, 10, 11)), None, None,
                                                         const("n", np.array([1, 7, 4, 3], np.int64))],
          {"mode": "linear", "antialias": 1}, opset=18, atol=1e-4)]


def _deform_case(name, n, c, hw, oc, k, group=1, offset_group=1, strides=(1, 1), pads=(0, 0, 0, 0),
                 dilations=(1, 1), bias=False, mask=False):
    kh, kw = k
    oh = (hw[0] + pads[0] + pads[2] - (kh - 1) * dilations[0] - 1) // strides[0] + 1
    ow = (hw[1] + pads[1] + pads[3] - (kw - 1) * dilations[1] - 1) // strides[1] + 1
    ins = [inp("x", f32(n, c, *hw)), const("w", f32(oc, c // group, kh, kw)),
           inp("off", f32(n, offset_group * 2 * kh * kw, oh, ow, scale=1.5)), const("b", f32(oc)) if bias else None,
           inp("m", rng.uniform(0, 1, (n, offset_group * kh * kw, oh, ow)).astype(np.float32)) if mask else None]
    attrs = {"group": group, "offset_group": offset_group, "strides": list(strides), "pads": list(pads),
             "dilations": list(dilations), "kernel_shape": [kh, kw]}
    return Case(name, "DeformConv", ins, attrs, opset=19, atol=1e-4)


DEFORM_CASES = [
    _deform_case("deform_conv_basic", 1, 2, (5, 6), 3, (3, 3)),
    _deform_case("deform_conv_groups_mask_bias", 2, 4, (6, 5), 6, (2, 3), group=2, offset_group=2, bias=True, mask=True),
    _deform_case("deform_conv_strided_padded_dilated", 1, 3, (9, 8), 2, (3, 2), strides=(2, 1), pads=(1, 0, 2, 1),
                 dilations=(2, 1), offset_group=3, mask=True),
]
CASES = (LOSS_CASES + NORM_CASES + ATTENTION_CASES + _linear_attention_cases() + CAUSAL_CONV_CASES
         + BITCAST_CASES + DFT_CASES + SMALL_CASES + TEXT_CASES + DEFORM_CASES
         + [c for c in ANTIALIAS_CASES if "align_corners" not in c.id])
# align_corners from scales divides by in * scale - 1 (ONNX's reference; onnxruntime floors in * scale):
# checked against ONNX's reference in test_reference.py
REFERENCE_CASES = [c for c in ANTIALIAS_CASES if "align_corners" in c.id]
