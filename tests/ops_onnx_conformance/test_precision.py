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
