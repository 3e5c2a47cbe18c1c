"""Ops that must keep fp32 under --precision_mode=force_fp16 (trait no_fp16) give the fp32 result there."""
from __future__ import annotations

import numpy as np

from converter import ops
from tests.helpers import convert_and_run, one_node_model, save


def test_loss_sum_over_a_large_batch_does_not_overflow_fp16(tmp_path):
    """The sums are 1e5 and 2e5, past fp16's largest value (65504): an fp16 loss would be inf."""
    x = np.full((1, 2, 100, 100), -10.0, np.float32)
    x[:, 1] = 10.0
    t = np.zeros((1, 100, 100), np.int64)
    for op_type, opset in (("NegativeLogLikelihoodLoss", 22), ("SoftmaxCrossEntropyLoss", 13)):
        assert ops.has_trait(op_type, "no_fp16")
        path = save(one_node_model(op_type, {"x": x, "t": t}, {"reduction": "sum"}, opset=opset), tmp_path)
        y = convert_and_run(path, {"x": x, "t": t}, precision_mode="force_fp16")["y0"]
        want = 1e5 if op_type.startswith("Neg") else 2e5
        assert y.dtype == np.float32 and np.isclose(y, want, rtol=1e-5), y


def test_bitcast_reads_the_source_bits_under_force_fp16(tmp_path):
    """Precision never casts a Bitcast input (param_inputs): float32 bits stay float32 bits, an fp16 input
    stays fp16, and a float output is rounded only where a consumer computes in fp16."""
    x32 = np.array([1.0, -2.5, 3.14159, 1e-30], np.float32)
    x16 = np.array([1.0, -2.5, 65504.0], np.float16)
    for x, to, want in ((x32, np.int32, x32.view(np.int32)), (x16, np.int16, x16.view(np.int16)),
                        (x32.view(np.int32), np.float32, x32)):
        from onnx import helper
        model = one_node_model("BitCast", {"x": x}, {"to": helper.np_dtype_to_tensor_dtype(np.dtype(to))}, opset=26)
        y = convert_and_run(save(model, tmp_path), {"x": x}, precision_mode="force_fp16")["y0"]
        assert y.dtype == want.dtype
        np.testing.assert_array_equal(y.view(np.uint8), want.view(np.uint8))


def test_dft_and_stft_keep_fp32_under_force_fp16(tmp_path):
    """Each output sums the whole signal: the fp16 result would differ in the third digit."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 512, 1)).astype(np.float32)
    step = np.array(64, np.int64)
    for op_type, inputs, attrs in (("DFT", [("x", x, False)], {"axis": 1}),
                                   ("STFT", [("x", x, False), ("s", step, True)], {})):
        path = save(one_node_model(op_type, inputs, attrs, opset=17), tmp_path)
        fp16 = convert_and_run(path, {"x": x}, precision_mode="force_fp16")["y0"]
        fp32 = convert_and_run(path, {"x": x}, precision_mode="force_fp32")["y0"]
        assert fp16.dtype == np.float32
        np.testing.assert_array_equal(fp16, fp32)


def test_attention_softmax_in_half_precision_is_refused(tmp_path):
    """softmax_precision FLOAT16 would round the weights before the softmax: refused, never ignored."""
    from converter.errors import ConverterError
    import pytest
    q = np.ones((1, 1, 2, 4), np.float32)
    model = one_node_model("Attention", {"q": q, "k": q, "v": q}, {"softmax_precision": 10}, opset=24)
    with pytest.raises(ConverterError) as info:
        convert_and_run(save(model, tmp_path), {"q": q, "k": q, "v": q})
    assert info.value.code == "E11009" and "softmax_precision=10" in info.value.message
