"""ONNX emitters: the loss ops (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss), one to one."""
from __future__ import annotations

from ..registry import Emit, emits


@emits("NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss")
def loss(e: Emit):
    ignore = e.attrs["ignore_index"]
    weight = e.as_dtype(2, e.dtype(0)) if e.has(2) else None
    e.out(e.op.type, [e.input(0), e.input(1), weight], reduction=str(e.attrs["reduction"]),
          ignore_index=None if ignore is None else int(ignore))
