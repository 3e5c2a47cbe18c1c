"""Non-maximum suppression. NonMaxSuppression (ONNX semantics): per batch and class, greedy suppression by IoU
after a score threshold, at most max_output_boxes_per_class boxes; output [num_selected, 3] int64 (batch, class,
box). NonMaxSuppressionV5 and NonMaxSuppressionWithOverlaps (TensorFlow's, one image): int32 indices in selection
order, optionally padded, with soft-NMS (Gaussian score decay) when soft_nms_sigma > 0."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType
from .registry import Attr, InferContext, desc, register


def _corners(boxes: np.ndarray, center: int) -> np.ndarray:
    """[y1, x1, y2, x2] with y1 <= y2, x1 <= x2 (center_point_box=1 gives [xc, yc, w, h])."""
    b = boxes.astype(np.float32)
    if center:
        xc, yc, w, h = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
        return np.stack([yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2], axis=1)
    y1, x1, y2, x2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    return np.stack([np.minimum(y1, y2), np.minimum(x1, x2), np.maximum(y1, y2), np.maximum(x1, x2)], axis=1)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    y1 = np.maximum(box[0], others[:, 0])
    x1 = np.maximum(box[1], others[:, 1])
    y2 = np.minimum(box[2], others[:, 2])
    x2 = np.minimum(box[3], others[:, 3])
    inter = np.clip(y2 - y1, 0, None) * np.clip(x2 - x1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _scalar(x, default, dtype):
    if x is None or np.asarray(x).size == 0:
        return default
    return dtype(np.asarray(x).reshape(-1)[0])


def _select(boxes: np.ndarray, scores: np.ndarray, max_out: int, iou_thr: float, score_thr) -> list:
    order = np.argsort(-scores, kind="stable")
    if score_thr is not None:
        order = order[scores[order] > score_thr]
    keep = []
    while order.size and len(keep) < max_out:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        order = rest[_iou(boxes[i], boxes[rest]) <= iou_thr] if rest.size else rest
    return keep


@register("NonMaxSuppression", attrs={"center_point_box": Attr("int", 0)},
          infer=lambda ctx: [desc(DataType.DT_INT64, (-1, 3))], category="detection", traits={"no_fp16"})
def non_max_suppression(inputs, attrs):
    """Inputs: boxes [N, B, 4], scores [N, C, B], max_output_boxes_per_class?, iou_threshold?,
    score_threshold?."""
    boxes, scores = inputs[0], inputs[1]
    extra = list(inputs[2:]) + [None] * (5 - len(inputs))
    max_out = _scalar(extra[0], 0, int)
    iou_thr = _scalar(extra[1], 0.0, float)
    score_thr = _scalar(extra[2], None, float)
    rows = []
    if max_out > 0:
        for n in range(boxes.shape[0]):
            corners = _corners(boxes[n], attrs["center_point_box"])
            for c in range(scores.shape[1]):
                for b in _select(corners, scores[n, c].astype(np.float32), max_out, iou_thr, score_thr):
                    rows.append((n, c, b))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


# ---- TensorFlow's NonMaxSuppressionV2..V5 and WithOverlaps ------------------------------------------

def tf_iou_matrix(boxes: np.ndarray) -> np.ndarray:
    """(N, N) float32 IoU as TF computes it (corners in any order; 0 when either box is empty)."""
    b = boxes.astype(np.float32)
    ymin, xmin = np.minimum(b[:, 0], b[:, 2]), np.minimum(b[:, 1], b[:, 3])
    ymax, xmax = np.maximum(b[:, 0], b[:, 2]), np.maximum(b[:, 1], b[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    inter = (np.maximum(np.minimum(ymax[:, None], ymax[None]) - np.maximum(ymin[:, None], ymin[None]), np.float32(0))
             * np.maximum(np.minimum(xmax[:, None], xmax[None]) - np.maximum(xmin[:, None], xmin[None]), np.float32(0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (area[:, None] + area[None] - inter)
    return np.where((area[:, None] <= 0) | (area[None] <= 0), np.float32(0), iou).astype(np.float32)


def tf_nms(similarity: np.ndarray, scores: np.ndarray, max_out: int, threshold: float, score_threshold: float,
           sigma: float) -> tuple:
    """TF's DoNonMaxSuppressionOp: candidates by score (ties: lower index first) above score_threshold; hard
    suppression when the similarity to a selected box exceeds threshold, or soft (Gaussian, sigma > 0) decay with
    re-queueing. Returns (selected indices, their scores)."""
    import heapq
    dtype = scores.dtype
    threshold, score_threshold, sigma = dtype.type(threshold), dtype.type(score_threshold), dtype.type(sigma)
    soft = sigma > 0
    scale = dtype.type(-0.5) / sigma if soft else dtype.type(0)
    queue = [(-scores[i], i, 0) for i in range(len(scores)) if scores[i] > score_threshold]
    heapq.heapify(queue)
    selected, selected_scores = [], []
    while len(selected) < max_out and queue:
        negative, index, begin = heapq.heappop(queue)
        score = original = -negative
        suppressed = False
        if not soft:
            row = similarity[index, selected[begin:]] if len(selected) > begin else np.zeros(0, np.float32)
            suppressed = bool(np.any(row.astype(dtype) > threshold))
        else:
            for j in range(len(selected) - 1, begin - 1, -1):
                sim = dtype.type(similarity[index, selected[j]])
                score = dtype.type(score * np.exp(scale * sim * sim))
                if score <= score_threshold:
                    break
        if suppressed:
            continue
        if score == original:
            selected.append(index)
            selected_scores.append(score)
        elif score > score_threshold:
            heapq.heappush(queue, (-score, index, len(selected)))
    return np.array(selected, np.int32), np.array(selected_scores, dtype)


def _tf_nms_infer(ctx: InferContext):
    count = -1
    if ctx.attrs["pad_to_max_output_size"] and ctx.value(2) is not None:
        count = int(np.asarray(ctx.value(2)).reshape(-1)[0])
    return [desc(DataType.DT_INT32, (count,)), desc(ctx.dtype(1), (count,)), desc(DataType.DT_INT32, ())]


def _tf_nms_outputs(selected, scores, max_out: int, pad: bool) -> list:
    valid = np.array(len(selected), np.int32)
    if pad:
        selected = np.concatenate([selected, np.zeros(max_out - len(selected), np.int32)])
        scores = np.concatenate([scores, np.zeros(max_out - len(scores), scores.dtype)])
    return [selected, scores, valid]


def _tf_nms_args(inputs, name: str, rows: int) -> tuple:
    scores = np.asarray(inputs[1])
    if scores.ndim != 1 or scores.shape[0] != rows:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: scores must be [{rows}], one per box")
    max_out = int(np.asarray(inputs[2]).reshape(-1)[0])
    if max_out < 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{name}: max_output_size must not be negative")
    threshold, score_threshold = (float(np.asarray(inputs[i]).reshape(-1)[0]) for i in (3, 4))
    return scores, max_out, threshold, score_threshold


TF_NMS_ATTRS = {"pad_to_max_output_size": Attr("bool", False)}


@register("NonMaxSuppressionV5", attrs=TF_NMS_ATTRS, infer=_tf_nms_infer, category="detection", traits={"no_fp16"})
def non_max_suppression_v5(inputs, attrs):
    """TF NonMaxSuppressionV5: (boxes [N, 4], scores [N], max_output_size, iou_threshold, score_threshold,
    soft_nms_sigma) -> selected indices (int32), their scores, the number valid (V2..V4 are special cases)."""
    boxes = np.asarray(inputs[0])
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise GraphError(INVALID_ARGUMENT_VALUE, "NonMaxSuppressionV5: boxes must be [num_boxes, 4]")
    scores, max_out, threshold, score_threshold = _tf_nms_args(inputs, "NonMaxSuppressionV5", boxes.shape[0])
    if not 0 <= threshold <= 1:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"NonMaxSuppressionV5: iou_threshold {threshold} must lie in [0, 1]")
    sigma = float(np.asarray(inputs[5]).reshape(-1)[0])
    selected, kept = tf_nms(tf_iou_matrix(boxes), scores, max_out, threshold, score_threshold, sigma)
    return _tf_nms_outputs(selected, kept, max_out, attrs["pad_to_max_output_size"])


@register("NonMaxSuppressionWithOverlaps", infer=lambda ctx: [desc(DataType.DT_INT32, (-1,))], category="detection",
          traits={"no_fp16"})
def non_max_suppression_with_overlaps(inputs, attrs):
    """TF NonMaxSuppressionWithOverlaps: (overlaps [N, N], scores [N], max_output_size, overlap_threshold,
    score_threshold) -> selected indices (int32): greedy by score, suppressed where the overlap exceeds the
    threshold."""
    overlaps = np.asarray(inputs[0], np.float32)
    if overlaps.ndim != 2 or overlaps.shape[0] != overlaps.shape[1]:
        raise GraphError(INVALID_ARGUMENT_VALUE, "NonMaxSuppressionWithOverlaps: overlaps must be a square matrix")
    scores, max_out, threshold, score_threshold = _tf_nms_args(inputs, "NonMaxSuppressionWithOverlaps",
                                                               overlaps.shape[0])
    return tf_nms(overlaps, scores, max_out, threshold, score_threshold, 0.0)[0]
