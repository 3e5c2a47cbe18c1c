"""ONNX emitters: detection and Caffe-specific ops (Power, Upsample, Interp, Normalize, PriorBox, ROI pooling,
RoiAlign, NonMaxSuppression)."""
from __future__ import annotations

import numpy as np

from ...ir import DataType
from ...ops import registry as op_registry
from ..registry import Emit, Refusal, emits

INT64 = DataType.DT_INT64
FP32 = DataType.DT_FLOAT


@emits("Power")
def power(e: Emit):
    """(shift + scale * x) ^ power."""
    x, dt = e.input(0), e.dtype(0)
    y = x
    if e.attrs["scale"] != 1.0:
        y = e.one("Mul", [y, e.scalar(e.attrs["scale"], dt)])
    if e.attrs["shift"] != 0.0:
        y = e.one("Add", [y, e.scalar(e.attrs["shift"], dt)])
    if e.attrs["power"] != 1.0:
        y = e.one("Pow", [y, e.scalar(e.attrs["power"], dt)])
    e.out("Identity", [y])


@emits("Upsample")
def upsample(e: Emit):
    """Nearest-neighbour repeat by the strides (Resize with asymmetric floor taps), times scale."""
    scales = e.const(np.array([1, 1, e.attrs["stride_h"], e.attrs["stride_w"]], np.float32), hint="scales")
    y = e.one("Resize", [e.input(0), None, scales], mode="nearest", coordinate_transformation_mode="asymmetric",
              nearest_mode="floor")
    if e.attrs["scale"] != 1.0:
        y = e.one("Mul", [y, e.scalar(e.attrs["scale"], e.dtype(0))])
    e.out("Identity", [y])


@emits("Interp")
def interp(e: Emit):
    """Caffe Interp: negative pad_beg/pad_end crop the input edges (positive ones do nothing, as in the
    kernel), then an align-corners bilinear resize to (height, width)."""
    rank = e.known_rank(0, "Interp")
    x = e.input(0)
    b, end = int(e.attrs["pad_beg"]), int(e.attrs["pad_end"])
    if b < 0 or end < 0:
        start = max(-b, 0)
        stop = end if end < 0 else np.iinfo(np.int64).max
        x = e.one("Slice", [x, e.ints([start, start], "starts"), e.ints([stop, stop], "ends"),
                            e.ints([2, 3], "axes")])
    sizes = e.ints([int(e.attrs["height"]), int(e.attrs["width"])], "sizes")
    e.out("Resize", [x, None, None, sizes], mode="linear", coordinate_transformation_mode="align_corners",
          axes=list(range(rank - 2, rank)))


@emits("Normalize")
def normalize(e: Emit):
    """x / sqrt(sum x^2 + eps) * scale (sum over C,H,W or over C)."""
    rank = e.known_rank(0, "Normalize")
    x, dt = e.input(0), e.dtype(0)
    axes = list(range(1, rank)) if e.attrs["across_spatial"] else [1]
    sq = e.one("ReduceSumSquare", [x, e.ints(axes, "axes")], keepdims=1)
    norm = e.one("Sqrt", [e.one("Add", [sq, e.scalar(e.attrs["eps"], dt)])])
    y = e.one("Div", [x, norm])
    scale = e.value(1)
    if scale is None:
        raise Refusal("a computed scale")
    scale = np.asarray(scale).reshape(-1)
    if e.attrs["channel_shared"] or scale.size == 1:
        scale_name = e.scalar(scale[0], dt)
    else:
        scale_name = e.const(scale.reshape((1, -1) + (1,) * (rank - 2)).astype(scale.dtype), hint="scale")
    e.out("Mul", [y, scale_name])


@emits("PriorBox")
def prior_box(e: Emit):
    """Depends only on the two input shapes: computed now by the runtime's kernel and stored as a constant."""
    shapes = [e.static_shape(i, "PriorBox") for i in (0, 1)]
    args = [np.zeros(s, np.float32) for s in shapes]
    value = op_registry.run_kernel(op_registry.get("PriorBox"), args, e.attrs)[0]
    e.out("Identity", [e.const(value.astype(np.float32), hint="priors")])


@emits("ROIPooling")
def roi_pooling(e: Emit):
    e.out("MaxRoiPool", [e.input(0), e.as_dtype(1, e.dtype(0))],
          pooled_shape=[int(e.attrs["pooled_h"]), int(e.attrs["pooled_w"])],
          spatial_scale=float(e.attrs["spatial_scale"]))


@emits("RoiAlign")
def roi_align(e: Emit):
    e.out("RoiAlign", [e.input(0), e.as_dtype(1, e.dtype(0)), e.int64(2)], mode=str(e.attrs["mode"]),
          output_height=int(e.attrs["output_height"]), output_width=int(e.attrs["output_width"]),
          sampling_ratio=int(e.attrs["sampling_ratio"]), spatial_scale=float(e.attrs["spatial_scale"]),
          coordinate_transformation_mode=str(e.attrs["coordinate_transformation_mode"]))


@emits("NonMaxSuppression")
def non_max_suppression(e: Emit):
    count = e.one("Reshape", [e.int64(2), e.ints([1], "one")]) if e.has(2) else None
    thresholds = [e.as_dtype(i, FP32) if e.has(i) else None for i in (3, 4)]
    e.out("NonMaxSuppression", [e.input(0), e.as_dtype(1, e.dtype(0)), count, *thresholds],
          center_point_box=int(e.attrs["center_point_box"]) or None)
