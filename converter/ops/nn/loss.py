"""Loss ops as inference graphs use them (ONNX semantics): NegativeLogLikelihoodLoss and
SoftmaxCrossEntropyLoss, with per-class weights, ignore_index and reduction none / sum / mean.

Both keep fp32 in every precision mode: the sum and the weighted mean run over every element of the
batch, which overflows or loses most of its digits in fp16 (and the log-softmax of the cross entropy
loses the small probabilities)."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..activation import log_softmax
from ..registry import Attr, InferContext, desc, register
from ._spatial import compute_dtype

REDUCTIONS = ("none", "sum", "mean")
LOSS_ATTRS = {"reduction": Attr("str", "mean", "none | sum | mean"),
              "ignore_index": Attr("any", None, "int; the target value that contributes nothing (None: none)")}


def _loss_shape(ctx: InferContext):
    """The loss's shape: the target's shape without reduction, a scalar with one."""
    if ctx.attrs["reduction"] != "none":
        return ()
    target = ctx.shape(1)
    if target is not None:
        return target
    x = ctx.shape(0)
    return None if x is None else (x[0], *x[2:])


def nll(log_prob: np.ndarray, target: np.ndarray, weight, reduction: str, ignore_index) -> np.ndarray:
    """-log_prob[n, target[n, ...], ...] * weight[target], reduced; ignored targets weigh 0 (and do not
    count in the mean's denominator)."""
    if reduction not in REDUCTIONS:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"loss reduction '{reduction}' is not one of {', '.join(REDUCTIONS)}")
    classes = log_prob.shape[1]
    target = np.asarray(target).astype(np.int64)
    keep = np.ones(target.shape, bool) if ignore_index is None else target != int(ignore_index)
    bad = keep & ((target < 0) | (target >= classes))
    if bad.any():
        raise GraphError(INVALID_ARGUMENT_VALUE, f"loss target value {int(target[bad][0])} is not a class index "
                         f"(0..{classes - 1}) nor ignore_index")
    safe = np.where(keep, target, 0)
    picked = np.take_along_axis(log_prob, safe[:, None], axis=1)[:, 0]
    w = np.ones(classes, log_prob.dtype) if weight is None else np.asarray(weight, log_prob.dtype)
    w = np.where(keep, w[safe], 0).astype(log_prob.dtype)
    loss = -picked * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum(), log_prob.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):   # every target ignored: 0 / 0, as the reference
        return np.asarray(loss.sum() / w.sum(), log_prob.dtype)


@register("NegativeLogLikelihoodLoss", attrs=LOSS_ATTRS,
          infer=lambda ctx: [desc(ctx.dtype(0), _loss_shape(ctx))], category="nn", traits={"no_fp16"})
def negative_log_likelihood_loss(inputs, attrs):
    """NegativeLogLikelihoodLoss: (log_prob [N, C, d...], target [N, d...], weight [C]?) -> loss."""
    x = np.asarray(inputs[0])
    weight = inputs[2] if len(inputs) > 2 else None
    cdt = compute_dtype(x.dtype)
    loss = nll(x.astype(cdt, copy=False), inputs[1], weight, attrs["reduction"], attrs["ignore_index"])
    return loss.astype(x.dtype)


@register("SoftmaxCrossEntropyLoss", attrs=LOSS_ATTRS,
          infer=lambda ctx: [desc(ctx.dtype(0), _loss_shape(ctx)), desc(ctx.dtype(0), ctx.shape(0))],
          category="nn", traits={"no_fp16"})
def softmax_cross_entropy_loss(inputs, attrs):
    """SoftmaxCrossEntropyLoss: (scores [N, C, d...], labels [N, d...], weights [C]?) -> (loss, log_prob):
    the negative log-likelihood of log_softmax(scores) over the class axis."""
    x = np.asarray(inputs[0])
    weight = inputs[2] if len(inputs) > 2 else None
    cdt = compute_dtype(x.dtype)
    log_prob = log_softmax(x.astype(cdt, copy=False), 1)
    loss = nll(log_prob, inputs[1], weight, attrs["reduction"], attrs["ignore_index"])
    return [loss.astype(x.dtype), log_prob.astype(x.dtype)]
