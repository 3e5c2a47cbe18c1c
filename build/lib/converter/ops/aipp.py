"""Aipp: ATC's static input preprocessing (--insert_op_conf) as one op from a uint8 image to the model's
float input: decode -> channel swaps -> crop -> colour space conversion -> normalisation -> padding."""
from __future__ import annotations

import numpy as np

from ..ir import DataType
from .registry import Attr, InferContext, desc, register

# Conventions (the hardware's, as far as the CANN docs and GE sources state them; our choices are marked):
# - image layouts (batch N, source height H, width W; always NHWC uint8): RGB888_U8 [N,H,W,3];
#   XRGB8888_U8 [N,H,W,4]; YUV400_U8 [N,H,W,1]; YUV420SP_U8 [N,H*3/2,W,1] = the Y plane (H rows) followed by
#   the interleaved UV plane (H/2 rows of U,V pairs, NV12). That is the shape aclmdlGetInputDims reports for
#   such models (GE's `input_dims` attr); GE's internal tensor desc says [N,H,W,3] with a byte size of
#   N*H*W*3/2. Chroma is replicated over each 2x2 block (our choice: no interpolation).
# - ax_swap_switch (4-channel input): the first channel is alpha and moves to the end (ARGB -> RGBA) (our
#   reading of "RGBA->ARGB swap"); rbuv_swap_switch swaps channels 0 and 2 of RGB input (R<->B) or the U and V
#   planes of YUV input (NV21). Both act on the input, before crop and CSC.
# - CSC (fixed point, documented formula): YUV input: out_i = (sum_j m_ij * (in_j - input_bias_j)) >> 8;
#   RGB input: out_i = ((sum_j m_ij * in_j) >> 8) + output_bias_i; '>>' is an arithmetic shift (floor) and the
#   result is clipped to [0, 255] (8-bit pixels). A 4th (alpha) channel passes through.
# - normalisation (DTC): out_c = (pixel_c - mean_chn_c - min_chn_c) * var_reci_chn_c, in float.
# - padding: after normalisation, the padded border holds padding_value (our choice: the value is a float,
#   so it is taken in the output domain).
# - the output keeps the first `channels` channels (1 for gray models), in `data_format` NCHW or NHWC.

YUV_INPUTS = ("YUV420SP_U8", "YUV400_U8")
IMAGE_CHANNELS = {"RGB888_U8": 3, "XRGB8888_U8": 4, "YUV400_U8": 1, "YUV420SP_U8": 3}


def _attrs() -> dict:
    attrs = {
        "input_format": Attr("str", doc="AIPP input_format"),
        "channels": Attr("int", 3, doc="channels of the model input (the output)"),
        "data_format": Attr("str", "NCHW", doc="layout of the output (the model input's)"),
        "src_image_size_h": Attr("int", 0), "src_image_size_w": Attr("int", 0),
        "related_input_rank": Attr("int", 0), "aipp_mode": Attr("str", "static"),
        "crop": Attr("bool", False), "load_start_pos_h": Attr("int", 0), "load_start_pos_w": Attr("int", 0),
        "crop_size_h": Attr("int", 0), "crop_size_w": Attr("int", 0),
        "csc_switch": Attr("bool", False), "rbuv_swap_switch": Attr("bool", False),
        "ax_swap_switch": Attr("bool", False),
        "padding": Attr("bool", False), "padding_value": Attr("float", 0.0),
        "left_padding_size": Attr("int", 0), "right_padding_size": Attr("int", 0),
        "top_padding_size": Attr("int", 0), "bottom_padding_size": Attr("int", 0),
    }
    for row in range(3):
        for col in range(3):
            attrs[f"matrix_r{row}c{col}"] = Attr("int", 0)
    for chn in range(3):
        attrs[f"input_bias_{chn}"] = Attr("int", 0)
        attrs[f"output_bias_{chn}"] = Attr("int", 0)
    for chn in range(4):
        attrs[f"mean_chn_{chn}"] = Attr("int", 0)
        attrs[f"min_chn_{chn}"] = Attr("float", 0.0)
        attrs[f"var_reci_chn_{chn}"] = Attr("float", 1.0)
    return attrs


AIPP_ATTRS = _attrs()


def source_hw(image_shape, attrs) -> tuple:
    """(H, W) of the source image from the input tensor's shape."""
    h, w = int(image_shape[1]), int(image_shape[2])
    return (h * 2 // 3 if h > 0 else h, w) if attrs["input_format"] == "YUV420SP_U8" else (h, w)


def output_hw(src_h: int, src_w: int, attrs) -> tuple:
    """(H, W) after crop and padding."""
    h, w = src_h, src_w
    if attrs["crop"]:
        h, w = attrs["crop_size_h"] or h, attrs["crop_size_w"] or w
    if attrs["padding"]:
        h += attrs["top_padding_size"] + attrs["bottom_padding_size"]
        w += attrs["left_padding_size"] + attrs["right_padding_size"]
    return h, w


def image_shape(batch: int, src_h: int, src_w: int, input_format: str) -> tuple:
    """The uint8 NHWC tensor an image of this format and size is fed as."""
    if input_format == "YUV420SP_U8":
        return (batch, src_h * 3 // 2 if src_h > 0 else -1, src_w, 1)
    return (batch, src_h, src_w, IMAGE_CHANNELS[input_format])


def _decode(image: np.ndarray, attrs) -> np.ndarray:
    """[N, H, W, K] int32 pixels (YUV420SP: Y, U, V with chroma replicated), swaps applied."""
    fmt = attrs["input_format"]
    if fmt == "YUV420SP_U8":
        n, rows, w, _ = image.shape
        h = rows * 2 // 3
        y = image[:, :h, :, 0]
        uv = image[:, h:, :, 0].reshape(n, h // 2, w // 2, 2)
        uv = uv.repeat(2, axis=1).repeat(2, axis=2)
        pixels = np.concatenate([y[..., None], uv], axis=-1)
    else:
        pixels = image
    pixels = pixels.astype(np.int32)
    if attrs["ax_swap_switch"] and pixels.shape[-1] == 4:
        pixels = pixels[..., [1, 2, 3, 0]]
    if attrs["rbuv_swap_switch"] and pixels.shape[-1] >= 3:
        order = [0, 2, 1] if fmt in YUV_INPUTS else [2, 1, 0]
        pixels = np.concatenate([pixels[..., order], pixels[..., 3:]], axis=-1)
    return pixels


def csc_matrix(attrs) -> np.ndarray:
    return np.array([[attrs[f"matrix_r{r}c{c}"] for c in range(3)] for r in range(3)], dtype=np.int64)


def _csc(pixels: np.ndarray, attrs) -> np.ndarray:
    m = csc_matrix(attrs)
    color = pixels[..., :3].astype(np.int64)
    if attrs["input_format"] in YUV_INPUTS:
        bias = np.array([attrs[f"input_bias_{c}"] for c in range(3)], dtype=np.int64)
        out = np.right_shift((color - bias) @ m.T, 8)
    else:
        bias = np.array([attrs[f"output_bias_{c}"] for c in range(3)], dtype=np.int64)
        out = np.right_shift(color @ m.T, 8) + bias
    out = np.clip(out, 0, 255).astype(np.int32)
    return np.concatenate([out, pixels[..., 3:]], axis=-1)


def _normalise(pixels: np.ndarray, attrs) -> np.ndarray:
    k = pixels.shape[-1]
    offset = np.array([attrs[f"mean_chn_{c}"] + attrs[f"min_chn_{c}"] for c in range(k)], dtype=np.float64)
    scale = np.array([attrs[f"var_reci_chn_{c}"] for c in range(k)], dtype=np.float64)
    return ((pixels - offset) * scale).astype(np.float32)


def _pad(x: np.ndarray, attrs) -> np.ndarray:
    if not attrs["padding"]:
        return x
    widths = ((0, 0), (attrs["top_padding_size"], attrs["bottom_padding_size"]),
              (attrs["left_padding_size"], attrs["right_padding_size"]), (0, 0))
    return np.pad(x, widths, constant_values=np.float32(attrs["padding_value"]))


def _infer(ctx: InferContext):
    shape = ctx.shape(0)
    if shape is None:
        return [desc(DataType.DT_FLOAT, None)]
    h, w = output_hw(*source_hw(shape, ctx.attrs), ctx.attrs)
    n, c = shape[0], ctx.attrs["channels"]
    return [desc(DataType.DT_FLOAT, (n, c, h, w) if ctx.attrs["data_format"] == "NCHW" else (n, h, w, c))]


@register("Aipp", attrs=AIPP_ATTRS, infer=_infer, category="preprocess")
def aipp(inputs, attrs):
    """Aipp: uint8 image (NHWC; YUV420SP as H*3/2 rows) -> float model input: crop, CSC, (x-mean-min)*var_reci, pad."""
    pixels = _decode(np.asarray(inputs[0]), attrs)
    if attrs["crop"]:
        h0, w0 = attrs["load_start_pos_h"], attrs["load_start_pos_w"]
        ch, cw = attrs["crop_size_h"] or pixels.shape[1], attrs["crop_size_w"] or pixels.shape[2]
        pixels = pixels[:, h0:h0 + ch, w0:w0 + cw]
    if attrs["csc_switch"]:
        pixels = _csc(pixels, attrs)
    out = _pad(_normalise(pixels[..., :attrs["channels"]], attrs), attrs)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2) if attrs["data_format"] == "NCHW" else out)
