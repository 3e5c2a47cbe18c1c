"""ONNX emitters for the device pipeline's own ops: TransData (layout changes, which the plain layout makes
mostly moves of nothing) and Aipp (ATC's static image preprocessing, written step by step with ONNX ops)."""
from __future__ import annotations

import numpy as np

from ...ir import DataType
from ...ops.aipp import YUV_INPUTS, csc_matrix
from ..registry import Emit, Refusal, emits

DOUBLE = DataType.DT_DOUBLE


@emits("TransData")
def trans_data(e: Emit):
    """In the plain layout a TransData between NCHW/NHWC and NC1HWC0 moves nothing: both sides are the same
    tensor. Only a change between NCHW and NHWC is a real transpose."""
    src, dst = str(e.attrs["src_format"]), str(e.attrs["dst_format"])
    in_fmt = e.desc(0).format
    out_fmt = e.out_descs[0].format
    if in_fmt == out_fmt or {src, dst} & {"NC1HWC0"}:
        if e.shape(0) is not None and e.out_descs[0].shape is not None and \
                len(e.shape(0)) != len(e.out_descs[0].shape):
            raise Refusal(f"TransData {src}->{dst} whose tensors carry no origin shape to stay plain")
        e.out("Identity", [e.input(0)])
        return
    if {in_fmt, out_fmt} == {"NCHW", "NHWC"}:
        e.out("Transpose", [e.input(0)], perm=[0, 2, 3, 1] if out_fmt == "NHWC" else [0, 3, 1, 2])
        return
    raise Refusal(f"TransData {src}->{dst} ({in_fmt} -> {out_fmt})")


def _decode(e: Emit, shape) -> tuple:
    """The uint8 image as [N, H, W, K] doubles (YUV420SP: Y, then U and V repeated over each 2x2 block),
    with the channel swaps applied."""
    a = e.attrs
    x = e.cast(e.input(0), DOUBLE)
    if a["input_format"] == "YUV420SP_U8":
        n, rows, w, _ = shape
        h = rows * 2 // 3
        y = e.one("Slice", [x, e.ints([0]), e.ints([h]), e.ints([1])])
        uv = e.one("Slice", [x, e.ints([h]), e.ints([rows]), e.ints([1])])
        uv = e.one("Reshape", [uv, e.ints([n, h // 2, 1, w // 2, 1, 2])])
        uv = e.one("Expand", [uv, e.ints([n, h // 2, 2, w // 2, 2, 2])])
        x = e.one("Concat", [y, e.one("Reshape", [uv, e.ints([n, h, w, 2])])], axis=3)
    k = 3 if a["input_format"] == "YUV420SP_U8" else int(shape[3])
    order = list(range(k))
    if a["ax_swap_switch"] and k == 4:
        order = [order[i] for i in (1, 2, 3, 0)]
    if a["rbuv_swap_switch"] and k >= 3:
        first = [0, 2, 1] if a["input_format"] in YUV_INPUTS else [2, 1, 0]
        order = [order[i] for i in first] + order[3:]
    if order != list(range(k)):
        x = e.one("Gather", [x, e.ints(order, "order")], axis=3)
    return x, k


def _csc(e: Emit, x: str, k: int) -> str:
    """Fixed-point colour space conversion: (m @ (c - in_bias)) >> 8 for YUV input, (m @ c) >> 8 + out_bias for
    RGB, clipped to 0..255; a 4th channel passes through."""
    a = e.attrs
    color = e.one("Slice", [x, e.ints([0]), e.ints([3]), e.ints([3])])
    if a["input_format"] in YUV_INPUTS:
        color = e.one("Sub", [color, e.const(np.array([a[f"input_bias_{c}"] for c in range(3)], np.float64))])
    mixed = e.one("MatMul", [color, e.const(csc_matrix(a).T.astype(np.float64), hint="csc")])
    out = e.one("Floor", [e.one("Div", [mixed, e.scalar(256, DOUBLE)])])
    if a["input_format"] not in YUV_INPUTS:
        out = e.one("Add", [out, e.const(np.array([a[f"output_bias_{c}"] for c in range(3)], np.float64))])
    out = e.one("Clip", [out, e.scalar(0, DOUBLE), e.scalar(255, DOUBLE)])
    if k > 3:
        out = e.one("Concat", [out, e.one("Slice", [x, e.ints([3]), e.ints([k]), e.ints([3])])], axis=3)
    return out


@emits("Aipp")
def aipp(e: Emit):
    """decode -> swaps -> crop -> CSC -> (x - mean - min) * var_reci -> pad -> layout, as the Aipp kernel."""
    a = e.attrs
    shape = e.static_shape(0, "Aipp")
    if a["aipp_mode"] != "static":
        raise Refusal(f"aipp_mode {a['aipp_mode']} (only static AIPP has fixed parameters to write)")
    x, k = _decode(e, shape)
    if a["crop"]:
        h0, w0 = int(a["load_start_pos_h"]), int(a["load_start_pos_w"])
        rows = 2 * shape[1] // 3 if a["input_format"] == "YUV420SP_U8" else shape[1]
        ch, cw = int(a["crop_size_h"]) or rows, int(a["crop_size_w"]) or shape[2]
        x = e.one("Slice", [x, e.ints([h0, w0]), e.ints([h0 + ch, w0 + cw]), e.ints([1, 2])])
    if a["csc_switch"]:
        x = _csc(e, x, k)
    c = int(a["channels"])
    x = e.one("Slice", [x, e.ints([0]), e.ints([c]), e.ints([3])])
    offset = np.array([a[f"mean_chn_{i}"] + a[f"min_chn_{i}"] for i in range(c)], np.float64)
    scale = np.array([a[f"var_reci_chn_{i}"] for i in range(c)], np.float64)
    y = e.cast(e.one("Mul", [e.one("Sub", [x, e.const(offset, hint="offset")]), e.const(scale, hint="scale")]),
               DataType.DT_FLOAT)
    if a["padding"]:
        pads = [0, int(a["top_padding_size"]), int(a["left_padding_size"]), 0,
                0, int(a["bottom_padding_size"]), int(a["right_padding_size"]), 0]
        y = e.one("Pad", [y, e.ints(pads, "pads"), e.scalar(np.float32(a["padding_value"]), DataType.DT_FLOAT)])
    if a["data_format"] == "NCHW":
        e.out("Transpose", [y], perm=[0, 3, 1, 2])
    else:
        e.out("Identity", [y])
