"""Caffe SSD layers: Normalize, PriorBox, DetectionOutput (our canonical ops of the same names)."""
from __future__ import annotations

from ....ops.detection import expand_aspect_ratios
from ....proto import caffe_pb2
from ..registry import LayerContext, caffe_layer

CODE_TYPE_NAMES = {v.number: v.name for v in caffe_pb2.PriorBoxParameter.CodeType.DESCRIPTOR.values}


@caffe_layer("Normalize")
def normalize(ctx: LayerContext):
    p = ctx.layer.norm_param
    channels = 1 if p.channel_shared else ctx.require_shape(min_rank=2)[1]
    scale = ctx.blob(0, (channels,), "scale")
    return ctx.op("Normalize", [ctx.inputs[0], ctx.const(scale, "_scale")],
                  {"across_spatial": bool(p.across_spatial), "channel_shared": bool(p.channel_shared),
                   "eps": float(p.eps)})


@caffe_layer("PriorBox", inputs=2)
def prior_box(ctx: LayerContext):
    p = ctx.layer.prior_box_param
    if not p.min_size:
        raise ctx.fail("prior_box_param needs at least one min_size")
    if p.max_size and len(p.max_size) != len(p.min_size):
        raise ctx.fail("prior_box_param needs as many max_size as min_size values")
    if len(p.variance) not in (0, 1, 4):
        raise ctx.fail(f"prior_box_param has {len(p.variance)} variance values; give 1 or 4")
    img_h = p.img_h if p.HasField("img_h") else p.img_size
    img_w = p.img_w if p.HasField("img_w") else p.img_size
    step_h = p.step_h if p.HasField("step_h") else p.step
    step_w = p.step_w if p.HasField("step_w") else p.step
    attrs = {"min_sizes": list(p.min_size), "max_sizes": list(p.max_size),
             "aspect_ratios": expand_aspect_ratios(list(p.aspect_ratio), p.flip), "clip": bool(p.clip),
             "variance": list(p.variance) or [0.1], "img_h": int(img_h), "img_w": int(img_w),
             "step_h": float(step_h), "step_w": float(step_w), "offset": float(p.offset)}
    return ctx.op("PriorBox", ctx.inputs[:2], attrs)


@caffe_layer("DetectionOutput", inputs=3)
def detection_output(ctx: LayerContext):
    p = ctx.layer.detection_output_param
    if len(ctx.inputs) < 3:
        raise ctx.fail("DetectionOutput needs three bottoms (loc, conf, priors)")
    attrs = {"num_classes": int(p.num_classes), "share_location": bool(p.share_location),
             "background_label_id": int(p.background_label_id),
             "nms_threshold": float(p.nms_param.nms_threshold),
             "top_k": int(p.nms_param.top_k) if p.nms_param.HasField("top_k") else -1,
             "eta": float(p.nms_param.eta), "code_type": CODE_TYPE_NAMES[p.code_type],
             "variance_encoded_in_target": bool(p.variance_encoded_in_target), "keep_top_k": int(p.keep_top_k)}
    if p.HasField("confidence_threshold"):
        attrs["confidence_threshold"] = float(p.confidence_threshold)
    return ctx.op("DetectionOutput", ctx.inputs[:3], attrs)


@caffe_layer("ROIPooling", inputs=2)
def roi_pooling(ctx: LayerContext):
    """Fast/Faster R-CNN ROIPooling: bottoms (feature map, rois [R, 5])."""
    p = ctx.layer.roi_pooling_param
    if len(ctx.inputs) < 2 or not p.pooled_h or not p.pooled_w:
        raise ctx.fail("ROIPooling needs two bottoms (features, rois) and pooled_h/pooled_w")
    return ctx.op("ROIPooling", ctx.inputs[:2], {"pooled_h": int(p.pooled_h), "pooled_w": int(p.pooled_w),
                                                 "spatial_scale": float(p.spatial_scale)})
