"""NonMaxSuppression (ONNX semantics): per batch and class, greedy suppression by IoU after a score
threshold, at most max_output_boxes_per_class boxes; output [num_selected, 3] int64 (batch, class, box)."""
from __future__ import annotations

import numpy as np

from ..ir import DataType
from .registry import Attr, desc, register


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
