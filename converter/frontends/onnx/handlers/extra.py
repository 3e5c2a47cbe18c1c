"""ONNX handlers for less common ops (GridSample, Swish, RMSNormalization, RotaryEmbedding,
bitwise ops, BitCast, Unique, MaxUnpool, GlobalLpPool, CenterCropPad, Col2Im, windows, Det, Attention)."""
from __future__ import annotations

from ....ir import from_numpy, to_numpy
from ..reader import TensorProto, onnx_dtype_to_numpy
from ..registry import NodeContext, onnx_op
from .elementwise import onnx_type_to_datatype

GRID_MODES = {"linear": "bilinear", "cubic": "bicubic", "bilinear": "bilinear", "bicubic": "bicubic",
              "nearest": "nearest"}
# ONNX op -> (canonical op, since opset, inputs read) for attribute-free ops that map one to one
PLAIN = {"BitwiseAnd": ("BitwiseAnd", 18, 2), "BitwiseOr": ("BitwiseOr", 18, 2), "BitwiseXor": ("BitwiseXor", 18, 2),
         "BitwiseNot": ("Invert", 18, 1), "Det": ("Det", 11, 1)}
SHIFTS = {"LEFT": "LeftShift", "RIGHT": "RightShift"}
WINDOWS = {"HannWindow": "hann", "HammingWindow": "hamming", "BlackmanWindow": "blackman"}


@onnx_op("GridSample", since=16)
def grid_sample(ctx: NodeContext):
    """Opset 20 renamed the modes (linear/cubic); both spellings map to bilinear/bicubic."""
    attrs = {"mode": ctx.choice("mode", GRID_MODES),
             "padding_mode": ctx.attr("padding_mode"),
             "align_corners": bool(ctx.attr("align_corners"))}
    return ctx.op("GridSample", ctx.inputs[:2], attrs)


@onnx_op("Swish", since=24)
def swish(ctx: NodeContext):
    return ctx.op("Swish", [ctx.input(0)], {"scale": float(ctx.attr("alpha"))})


@onnx_op("RMSNormalization", since=23)
def rms_normalization(ctx: NodeContext):
    return ctx.op("RmsNorm", ctx.inputs[:2], {"axis": ctx.axis(ctx.attr("axis")),
                                              "epsilon": float(ctx.attr("epsilon"))})


@onnx_op("RotaryEmbedding", since=23)
def rotary_embedding(ctx: NodeContext):
    attrs = {"interleaved": bool(ctx.attr("interleaved")), "num_heads": int(ctx.attr("num_heads", 0)),
             "rotary_embedding_dim": int(ctx.attr("rotary_embedding_dim"))}
    return ctx.op("RotaryEmbedding", ctx.inputs, attrs)


@onnx_op("BitCast", since=26)
def bit_cast(ctx: NodeContext):
    """The output type must be as wide as the input's (checked here when the input type is known)."""
    dst = onnx_type_to_datatype(ctx.require_attr("to"))
    d = ctx.desc(0)
    if d is not None and to_numpy(d.dtype).itemsize != to_numpy(dst).itemsize:
        raise ctx.fail(f"'to' is {to_numpy(dst)} ({to_numpy(dst).itemsize * 8} bits), the input is "
                       f"{to_numpy(d.dtype)} ({to_numpy(d.dtype).itemsize * 8} bits); BitCast keeps the width")
    return ctx.op("Bitcast", ctx.inputs[:1], {"dst_type": dst})


@onnx_op("BitShift", since=11)
def bit_shift(ctx: NodeContext):
    return ctx.op(ctx.choice("direction", SHIFTS), ctx.inputs[:2])


def plain(ctx: NodeContext):
    op_type, _, n_inputs = PLAIN[ctx.op_type]
    return ctx.op(op_type, ctx.inputs[:n_inputs])


for _onnx_type, (_, _since, _) in PLAIN.items():
    onnx_op(_onnx_type, since=_since)(plain)


@onnx_op("Unique", since=11)
def unique(ctx: NodeContext):
    axis = ctx.attr("axis")
    attrs = {"axis": None if axis is None else ctx.axis(axis), "sorted": bool(ctx.attr("sorted"))}
    return ctx.op_all_outputs("Unique", ctx.inputs[:1], attrs, 4)


@onnx_op("MaxUnpool", since=9)
def max_unpool(ctx: NodeContext):
    k = [int(v) for v in ctx.require_attr("kernel_shape")]
    attrs = {"kernel_shape": k, "strides": [int(v) for v in ctx.attr("strides", [1] * len(k))],
             "pads": [int(v) for v in ctx.attr("pads", [0] * 2 * len(k))]}
    return ctx.op("MaxUnpool", ctx.inputs[:3], attrs)


@onnx_op("GlobalLpPool")
def global_lp_pool(ctx: NodeContext):
    return ctx.op("GlobalLpPool", ctx.inputs[:1], {"p": int(ctx.attr("p"))})


@onnx_op("CenterCropPad", since=18)
def center_crop_pad(ctx: NodeContext):
    axes = ctx.attr("axes")
    attrs = {"axes": [] if axes is None else ctx.axes(axes)}
    return ctx.op("CenterCropPad", ctx.inputs[:2], attrs)


@onnx_op("Col2Im", since=18)
def col2im(ctx: NodeContext):
    attrs = {k: [int(v) for v in ctx.attr(k, [])] for k in ("dilations", "pads", "strides")}
    return ctx.op("Col2Im", ctx.inputs[:3], attrs)


@onnx_op(*WINDOWS, since=17)
def signal_window(ctx: NodeContext):
    attrs = {"window": WINDOWS[ctx.op_type], "periodic": bool(ctx.attr("periodic")),
             "dtype": int(from_numpy(onnx_dtype_to_numpy(ctx.attr("output_datatype"))))}
    return ctx.op("Window", ctx.inputs[:1], attrs)


@onnx_op("Attention", since=23)
def attention(ctx: NodeContext):
    scale = ctx.attr("scale")
    attrs = {"is_causal": bool(ctx.attr("is_causal")), "kv_num_heads": int(ctx.attr("kv_num_heads", 0)),
             "q_num_heads": int(ctx.attr("q_num_heads", 0)),
             "qk_matmul_output_mode": int(ctx.attr("qk_matmul_output_mode")),
             "scale": None if scale is None else float(scale), "softcap": float(ctx.attr("softcap"))}
    for key in ("left_window_size", "right_window_size"):   # opset 25
        attrs[key] = int(ctx.attr(key, -1))
    precision = ctx.attr("softmax_precision")   # the softmax runs in fp32 (fp64 inputs: fp64) unless DOUBLE
    if precision is not None and int(precision) not in (TensorProto.FLOAT, TensorProto.DOUBLE):
        raise ctx.unsupported(f"softmax_precision={precision}: a softmax in fp16/bf16 is not supported (FLOAT and "
                              "DOUBLE are)")
    if precision is not None and int(precision) == TensorProto.DOUBLE:
        attrs["softmax_double"] = True
    return ctx.op_all_outputs("Attention", ctx.inputs, attrs, 4)
