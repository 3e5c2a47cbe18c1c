"""TF image ops with TensorFlow's own arithmetic: ResizeArea, CropAndResize, ExtractImagePatches, and
non-max suppression (NonMaxSuppression V1..V5 become the canonical V5 with the inputs the older ones lack;
NonMaxSuppressionWithOverlaps)."""
from __future__ import annotations

import numpy as np

from ..registry import NodeContext, tf_op
from ._util import AUTO_PAD, spatial_of

NO_SCORE_THRESHOLD = np.float32(np.finfo(np.float32).min)   # V1/V2: every box is a candidate


@tf_op("ResizeArea", inputs=2)
def resize_area(ctx: NodeContext):
    return ctx.op("ResizeArea", ctx.inputs[:2], {"align_corners": bool(ctx.attr("align_corners", False))})


@tf_op("CropAndResize", inputs=4)
def crop_and_resize(ctx: NodeContext):
    method = str(ctx.attr("method", "bilinear"))
    if method not in ("bilinear", "nearest"):
        raise ctx.fail(f"method '{method}' is not bilinear or nearest")
    attrs = {"method": method, "extrapolation_value": float(ctx.attr("extrapolation_value", 0.0))}
    return ctx.op("CropAndResize", ctx.inputs[:4], attrs)


@tf_op("ExtractImagePatches", inputs=1)
def extract_image_patches(ctx: NodeContext):
    """ksizes/strides/rates are [1, h, w, 1] (NHWC only)."""
    padding = str(ctx.attr("padding", "VALID")).upper()
    if padding not in ("SAME", "VALID"):
        raise ctx.fail(f"padding '{padding}' is not SAME or VALID")
    lists = {}
    for key in ("ksizes", "strides", "rates"):
        value = [int(v) for v in ctx.attr(key, [1, 1, 1, 1])]
        if len(value) != 4 or value[0] != 1 or value[3] != 1 or min(value) < 1:
            raise ctx.fail(f"{key} {value} must be [1, rows, cols, 1]")
        lists[key] = spatial_of(value, "NHWC")
    attrs = {"kernel_shape": lists["ksizes"], "strides": lists["strides"], "dilations": lists["rates"],
             "auto_pad": AUTO_PAD[padding]}
    return ctx.op("ExtractImagePatches", ctx.inputs[:1], attrs)


def _scalar_const(ctx: NodeContext, value, suffix: str):
    return ctx.const(np.asarray(value, np.float32), suffix)


@tf_op("NonMaxSuppression", inputs=3)
@tf_op("NonMaxSuppressionV2", inputs=4)
@tf_op("NonMaxSuppressionV3", "NonMaxSuppressionV4", inputs=5)
@tf_op("NonMaxSuppressionV5", inputs=6)
def non_max_suppression(ctx: NodeContext):
    """(boxes, scores, max_output_size[, iou_threshold[, score_threshold[, soft_nms_sigma]]]); V1 has the IoU
    threshold as an attribute. Outputs: V1..V3 the indices, V4 indices and valid count, V5 indices, scores and
    valid count."""
    inputs = list(ctx.inputs[:3])
    if ctx.op_type == "NonMaxSuppression":
        inputs.append(_scalar_const(ctx, ctx.attr("iou_threshold", 0.5), "iou_threshold"))
    else:
        inputs.append(ctx.input(3))
    inputs.append(ctx.input(4) if len(ctx.inputs) > 4 and ctx.op_type != "NonMaxSuppressionV2"
                  else _scalar_const(ctx, NO_SCORE_THRESHOLD, "score_threshold"))
    inputs.append(ctx.input(5) if ctx.op_type == "NonMaxSuppressionV5" else _scalar_const(ctx, 0.0, "sigma"))
    pad = bool(ctx.attr("pad_to_max_output_size", False)) and ctx.op_type in ("NonMaxSuppressionV4",
                                                                             "NonMaxSuppressionV5")
    indices, scores, valid = ctx.op("NonMaxSuppressionV5", inputs, {"pad_to_max_output_size": pad}, n_out=3)
    return {"NonMaxSuppressionV4": [indices, valid], "NonMaxSuppressionV5": [indices, scores, valid]}.get(
        ctx.op_type, [indices])


@tf_op("NonMaxSuppressionWithOverlaps", inputs=5)
def non_max_suppression_with_overlaps(ctx: NodeContext):
    return ctx.op("NonMaxSuppressionWithOverlaps", ctx.inputs[:5])
