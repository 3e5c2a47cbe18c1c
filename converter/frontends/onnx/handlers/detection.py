"""ONNX handlers: detection post-processing ops."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op


@onnx_op("NonMaxSuppression", since=10)
def non_max_suppression(ctx: NodeContext):
    return ctx.op("NonMaxSuppression", ctx.inputs, {"center_point_box": int(ctx.attr("center_point_box"))})


@onnx_op("RoiAlign", since=10)
def roi_align(ctx: NodeContext):
    """Opset 10 has no coordinate_transformation_mode (it behaves as output_half_pixel); 16 adds it."""
    attrs = {"mode": ctx.attr("mode"), "output_height": int(ctx.attr("output_height")),
             "output_width": int(ctx.attr("output_width")), "sampling_ratio": int(ctx.attr("sampling_ratio")),
             "spatial_scale": float(ctx.attr("spatial_scale")),
             "coordinate_transformation_mode": ctx.attr("coordinate_transformation_mode", "output_half_pixel")}
    return ctx.op("RoiAlign", ctx.inputs, attrs)


@onnx_op("MaxRoiPool")
def max_roi_pool(ctx: NodeContext):
    """The same computation as Caffe's ROIPooling (canonical ROIPooling)."""
    pooled = ctx.require_attr("pooled_shape")
    if len(pooled) != 2:
        raise ctx.fail(f"pooled_shape {list(pooled)} must hold 2 values (height, width)")
    ph, pw = (int(v) for v in pooled)
    return ctx.op("ROIPooling", ctx.inputs[:2], {"pooled_h": ph, "pooled_w": pw,
                                                 "spatial_scale": float(ctx.attr("spatial_scale"))})
