"""ONNX handlers: the loss ops inference graphs carry (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss)."""
from __future__ import annotations

from ....ops.nn.loss import REDUCTIONS
from ..registry import NodeContext, onnx_op


def _loss_attrs(ctx: NodeContext) -> dict:
    if ctx.rank(0) is not None and ctx.rank(0) < 2:
        raise ctx.fail(f"input 0 is {ctx.rank(0)}-D; it must be [N, C, d...] (at least 2-D)")
    reduction = ctx.choice("reduction", {r: r for r in REDUCTIONS})
    ignore = ctx.attr("ignore_index")
    return {"reduction": reduction, "ignore_index": None if ignore is None else int(ignore)}


@onnx_op("NegativeLogLikelihoodLoss", since=12)
def negative_log_likelihood_loss(ctx: NodeContext):
    return ctx.op("NegativeLogLikelihoodLoss", ctx.inputs[:3], _loss_attrs(ctx))


@onnx_op("SoftmaxCrossEntropyLoss", since=12)
def softmax_cross_entropy_loss(ctx: NodeContext):
    """The log_prob output exists in the IR whether or not the node uses it."""
    return ctx.op_all_outputs("SoftmaxCrossEntropyLoss", ctx.inputs[:3], _loss_attrs(ctx), 2)
