"""ONNX quantization ops (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearConv, QLinearMatMul,
ConvInteger, MatMulInteger) with ONNX semantics exactly as onnxruntime computes them.

GE's AscendQuant/AscendDequant/AscendRequant have different semantics (scale/offset attributes, fp16 I/O), so
these ops keep their ONNX names and input layouts. Integer products are accumulated exactly (int64 / float64)
and, like onnxruntime's MlasRequantizeOutput, requantized in float32: round(acc * (x_scale * w_scale / y_scale))
with round-half-to-even, plus the zero point, saturated to the output type.
"""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType, from_numpy, to_numpy
from ..ir.dtypes import is_ml_dtype, is_narrow_float
from .casting import cast_to
from .nn.conv import ConvGeometry, conv_nd
from .registry import Attr, InferContext, desc, register

CATEGORY = "quantization"


def _opt(inputs, i: int):
    return inputs[i] if i < len(inputs) else None


def along_axis(param, axis: int, ndim: int) -> np.ndarray:
    """A scale/zero point broadcastable against an ndim tensor: scalars and 1-element ones (per tensor, as
    onnxruntime treats them) as scalars, 1-D ones along axis."""
    p = np.asarray(param)
    if p.size == 1 or ndim == 0:
        return p.reshape(())
    if p.ndim != 1:
        raise GraphError(INVALID_ARGUMENT_VALUE,
                         f"quantization parameter of shape {p.shape}: only scalars and 1-D (per-axis) "
                         "parameters are supported here (blocked ones need block_size)")
    axis = axis + ndim if axis < 0 else axis
    shape = [1] * ndim
    shape[axis] = p.shape[0]
    return p.reshape(shape)


def expand_param(param, shape: tuple, axis: int, block_size: int) -> np.ndarray:
    """A scale/zero point against a tensor of ``shape``: per tensor / per axis (along_axis), or blocked
    (block_size > 0: the parameter has the tensor's shape except ceil(D / block_size) along axis; each value
    covers block_size consecutive elements there, the last block possibly shorter)."""
    if not block_size:
        return along_axis(param, axis, len(shape))
    p = np.asarray(param)
    axis = axis + len(shape) if axis < 0 else axis
    blocks = -(-shape[axis] // block_size)
    want = tuple(blocks if i == axis else d for i, d in enumerate(shape))
    if p.shape != want:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"blocked quantization: a parameter of shape {list(p.shape)} does "
                         f"not fit a tensor of shape {list(shape)} with block_size {block_size} on axis {axis} "
                         f"(it needs {list(want)})")
    return np.repeat(p, block_size, axis=axis).take(range(shape[axis]), axis=axis)


def int_range(dtype) -> tuple:
    """(min, max) of an integer dtype, int4/int2/uint2 (ml_dtypes) included."""
    dtype = np.dtype(dtype)
    if is_ml_dtype(dtype):
        import ml_dtypes
        info = ml_dtypes.iinfo(dtype)
    else:
        info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def saturate_to(values: np.ndarray, dtype) -> np.ndarray:
    """Float values already rounded, clipped to the integer dtype's range and cast."""
    lo, hi = int_range(dtype)
    return np.clip(values, lo, hi).astype(dtype)


def quantize(x, scale, zero_point, dtype, axis: int = 1, block_size: int = 0, saturate: bool = True) -> np.ndarray:
    """saturate(round_half_even(x / scale) + zero_point), divided in float32 as onnxruntime's MLAS does. To a float
    type (float8, float4) there is no rounding step: x / scale (+ zero point) converted, float8 saturated when
    ``saturate`` (ONNX's QuantizeLinear)."""
    x = np.asarray(x, np.float32)
    dtype = np.dtype(dtype)
    q = x / expand_param(scale, x.shape, axis, block_size).astype(np.float32)
    zp = None if zero_point is None else expand_param(zero_point, x.shape, axis, block_size).astype(np.float32)
    if is_narrow_float(from_numpy(dtype)):
        return cast_to(q if zp is None else q + zp, from_numpy(dtype), saturate)
    q = np.rint(q)
    if zp is not None:
        q = q + zp
    return saturate_to(q, dtype)


def requantize(acc: np.ndarray, multiplier, zero_point, dtype, axis: int) -> np.ndarray:
    """int accumulator -> quantized output: float32(acc) * multiplier, rounded half to even, + zero point."""
    ndim = acc.ndim
    v = np.rint(acc.astype(np.float32) * along_axis(multiplier, axis, ndim).astype(np.float32))
    if zero_point is not None:
        v = v + along_axis(zero_point, axis, ndim).astype(np.float32)
    return saturate_to(v, dtype)


def output_multiplier(in_scale, w_scale, out_scale) -> np.ndarray:
    """in_scale * w_scale / out_scale in float32, in that order (onnxruntime's output scales)."""
    f = np.float32
    return (np.asarray(in_scale, f).reshape(()) * np.asarray(w_scale, f)) / np.asarray(out_scale, f).reshape(())


def _quant_dtype(zero_point_dtype, output_dtype: int):
    if zero_point_dtype is not None:
        return zero_point_dtype
    return to_numpy(output_dtype) if output_dtype else np.dtype(np.uint8)


# ---- QuantizeLinear / DequantizeLinear -----------------------------------------------------------

def _check_blocked_params(ctx: InferContext) -> None:
    """Blocked quantization: the scale and zero point shapes, checked at conversion when the shapes are known."""
    block, x = ctx.attrs["block_size"], ctx.shape(0)
    if not block or x is None or any(d < 0 for d in x):
        return
    for i in (1, 2):
        p = ctx.shape(i) if ctx.has(i) else None
        if p is not None and all(d >= 0 for d in p):
            expand_param(np.zeros(p, np.float32), tuple(x), ctx.attrs["axis"], block)


def _infer_quantize(ctx: InferContext):
    _check_blocked_params(ctx)
    zp = ctx.dtype(2) if ctx.has(2) else None
    if zp is not None:
        dtype = zp
    else:
        dtype = ctx.attrs["output_dtype"] or DataType.DT_UINT8
    return [desc(dtype, ctx.shape(0))]


# no_fp16: quantizers see the exact float input (fp16 rounding would move values across rounding steps);
# param_inputs: scales stay fp32 (an fp16 scale changes every quantized value); never_fold: quantized weights
# stay int8 + scale in the .om (a quarter of the float size).
@register("QuantizeLinear", attrs={"axis": Attr("int", 1, "axis of 1-D (per-axis) scale/zero point"),
                                   "saturate": Attr("int", 1, "float8 only; integers always saturate"),
                                   "block_size": Attr("int", 0, "blocked quantization: elements per scale along axis"),
                                   "output_dtype": Attr("dtype", 0, "output type when there is no zero point; "
                                                        "0 = uint8")},
          infer=_infer_quantize, category=CATEGORY, traits={"no_fp16"})
def quantize_linear(inputs, attrs):
    """y = saturate(round_half_even(x / y_scale) + y_zero_point); the type from the zero point (int8/16, uint8/16,
    int4, int2, uint2, float8 e4m3fn/e5m2, float4 e2m1), else output_dtype; per tensor, per axis or blocked."""
    zp = _opt(inputs, 2)
    dtype = _quant_dtype(None if zp is None else zp.dtype, attrs["output_dtype"])
    return quantize(inputs[0], inputs[1], zp, dtype, attrs["axis"], attrs["block_size"], bool(attrs["saturate"]))


def _infer_dequantize(ctx: InferContext):
    _check_blocked_params(ctx)
    return [desc(ctx.attrs["output_dtype"] or ctx.dtype(1), ctx.shape(0))]


@register("DequantizeLinear", attrs={"axis": Attr("int", 1, "axis of 1-D (per-axis) scale/zero point"),
                                     "block_size": Attr("int", 0, "blocked quantization: elements per scale along "
                                                        "axis"),
                                     "output_dtype": Attr("dtype", 0, "0 = the scale's type")},
          infer=_infer_dequantize, category=CATEGORY, traits={"never_fold"}, param_inputs={1})
def dequantize_linear(inputs, attrs):
    """y = (x - x_zero_point) * x_scale, in float32, output in the scale's type (or output_dtype); float8/float4
    x are widened as they are (their zero point is 0 by definition)."""
    x, scale, zp = np.asarray(inputs[0]), np.asarray(inputs[1]), _opt(inputs, 2)
    axis, block = attrs["axis"], attrs["block_size"]
    if is_ml_dtype(x.dtype) and is_narrow_float(from_numpy(x.dtype)):
        dx = x.astype(np.float32)
    else:
        xi = x.astype(np.int64)
        if zp is not None:
            xi = xi - expand_param(zp, x.shape, axis, block).astype(np.int64)
        dx = xi.astype(np.int32).astype(np.float32)
    y = dx * expand_param(scale, x.shape, axis, block).astype(np.float32)
    out = to_numpy(attrs["output_dtype"]) if attrs["output_dtype"] else scale.dtype
    return cast_to(y, from_numpy(out))


# ---- DynamicQuantizeLinear ------------------------------------------------------------------------

def _infer_dynamic(ctx: InferContext):
    return [desc(DataType.DT_UINT8, ctx.shape(0)), desc(DataType.DT_FLOAT, ()), desc(DataType.DT_UINT8, ())]


@register("DynamicQuantizeLinear", infer=_infer_dynamic, category=CATEGORY, traits={"no_fp16"})
def dynamic_quantize_linear(inputs, attrs):
    """uint8 quantization with scale = (max(x, 0) - min(x, 0)) / 255 and the zero point that maps 0 exactly."""
    x = np.asarray(inputs[0], np.float32)
    lo = np.float32(min(float(x.min(initial=0.0)), 0.0))
    hi = np.float32(max(float(x.max(initial=0.0)), 0.0))
    scale = np.float32(1.0) if hi == lo else np.float32((hi - lo) / np.float32(255.0))
    zp = np.float32(np.clip(np.float32(0.0) - lo / scale, 0.0, 255.0))
    zero_point = np.asarray(np.rint(zp), np.uint8)
    return [quantize(x, scale, zero_point, np.uint8), np.asarray(scale, np.float32), zero_point]


# ---- MatMulInteger / QLinearMatMul ----------------------------------------------------------------

def matmul_shape(a, b):
    """numpy.matmul output shape for shapes that may contain -1; None if a rank is unknown."""
    if a is None or b is None:
        return None
    a, b = tuple(a), tuple(b)
    a2, b2 = (1,) + a if len(a) == 1 else a, b + (1,) if len(b) == 1 else b
    batch_a, batch_b = a2[:-2], b2[:-2]
    rank = max(len(batch_a), len(batch_b))
    batch_a, batch_b = (1,) * (rank - len(batch_a)) + batch_a, (1,) * (rank - len(batch_b)) + batch_b
    batch = tuple(max(x, y) if -1 not in (x, y) else (y if x == 1 else x if y == 1 else -1)
                  for x, y in zip(batch_a, batch_b))
    out = batch + (a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


def integer_matmul(a, a_zp, b, b_zp) -> np.ndarray:
    """(a - a_zp) @ (b - b_zp) exactly, in int64. a_zp: scalar or per row of a; b_zp: scalar or per column."""
    ai, bi = np.asarray(a).astype(np.int64), np.asarray(b).astype(np.int64)
    if a_zp is not None:
        azp = np.asarray(a_zp).astype(np.int64)
        ai = ai - (azp.reshape(()) if azp.size == 1 else azp.reshape(-1, 1))
    if b_zp is not None:
        bzp = np.asarray(b_zp).astype(np.int64)
        bi = bi - (bzp.reshape(()) if bzp.size == 1 else bzp)
    return np.matmul(ai, bi)


def _infer_matmul_integer(ctx: InferContext):
    return [desc(DataType.DT_INT32, matmul_shape(ctx.shape(0), ctx.shape(1)))]


@register("MatMulInteger", infer=_infer_matmul_integer, category=CATEGORY)
def matmul_integer(inputs, attrs):
    """Y = (A - a_zero_point) @ (B - b_zero_point), int32 accumulation."""
    return integer_matmul(inputs[0], _opt(inputs, 2), inputs[1], _opt(inputs, 3)).astype(np.int32)


def _infer_qlinear_matmul(ctx: InferContext):
    dtype = ctx.dtype(7) if ctx.has(7) else ctx.dtype(0)
    return [desc(dtype, matmul_shape(ctx.shape(0), ctx.shape(3)))]


@register("QLinearMatMul", infer=_infer_qlinear_matmul, category=CATEGORY, param_inputs={1, 4, 6})
def qlinear_matmul(inputs, attrs):
    """Inputs a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp (b's per column): quantized matmul."""
    a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp = (list(inputs) + [None] * 8)[:8]
    acc = integer_matmul(a, a_zp, b, b_zp)
    dtype = (y_zp if y_zp is not None else a).dtype
    return requantize(acc, output_multiplier(a_scale, b_scale, y_scale), y_zp, dtype, axis=-1)


# ---- ConvInteger / QLinearConv --------------------------------------------------------------------

CONV_ATTRS = {
    "strides": Attr("ints", [], "per spatial axis; [] = all 1"),
    "dilations": Attr("ints", [], "per spatial axis; [] = all 1"),
    "pads": Attr("ints", [], "[begins..., ends...]; [] = all 0"),
    "groups": Attr("int", 1),
    "auto_pad": Attr("str", "NOTSET", "NOTSET | SAME_UPPER | SAME_LOWER | VALID"),
}


def integer_conv(x, x_zp, w, w_zp, attrs) -> np.ndarray:
    """Channels-first N-d convolution of (x - x_zp) with (w - w_zp per output channel), exact in int64."""
    xf = np.asarray(x).astype(np.float64)
    if x_zp is not None:
        xf = xf - np.asarray(x_zp).astype(np.float64).reshape(())
    wf = np.asarray(w).astype(np.float64)
    if w_zp is not None:
        wf = wf - along_axis(w_zp, 0, wf.ndim).astype(np.float64)
    y = conv_nd(np.moveaxis(xf, 1, -1), wf, None, attrs)   # float64 sums of integers: exact below 2**53
    return np.rint(np.moveaxis(y, -1, 1)).astype(np.int64)


def _conv_infer(weight: int, dtype_of):
    def infer(ctx: InferContext):
        xs = ctx.shape(0)
        ws = ctx.value(weight).shape if ctx.value(weight) is not None else ctx.shape(weight)
        dtype = dtype_of(ctx)
        if xs is None or ws is None:
            return [desc(dtype, None)]
        geo = ConvGeometry(ctx.attrs, xs[2:], ws[2:], ctx.op.name)
        return [desc(dtype, (xs[0], ws[0], *geo.out_sizes))]

    return infer


@register("ConvInteger", attrs=CONV_ATTRS, infer=_conv_infer(1, lambda ctx: DataType.DT_INT32), category=CATEGORY)
def conv_integer(inputs, attrs):
    """Inputs x, w, x_zero_point?, w_zero_point? (per output channel): int32 convolution, channels first."""
    return integer_conv(inputs[0], _opt(inputs, 2), inputs[1], _opt(inputs, 3), attrs).astype(np.int32)


@register("QLinearConv", attrs=CONV_ATTRS,
          infer=_conv_infer(3, lambda ctx: ctx.dtype(7) if ctx.has(7) else ctx.dtype(0)), category=CATEGORY,
          param_inputs={1, 4, 6})
def qlinear_conv(inputs, attrs):
    """Inputs x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B? (int32): quantized conv, per-channel w."""
    x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias = (list(inputs) + [None] * 9)[:9]
    acc = integer_conv(x, x_zp, w, w_zp, attrs)
    if bias is not None:
        acc = acc + along_axis(np.asarray(bias).astype(np.int64), 1, acc.ndim)
    dtype = (y_zp if y_zp is not None else x).dtype
    multiplier = output_multiplier(x_scale, np.asarray(w_scale).reshape(-1), y_scale)
    return requantize(acc, multiplier, y_zp, dtype, axis=1)


def _fake_quant_nudge(low: np.ndarray, high: np.ndarray, quant_min: int, quant_max: int) -> tuple:
    """TF's Nudge, in float32: the range moved so that 0 is exactly representable -> (min, max, scale, 1/scale)."""
    qmin, qmax = np.float32(quant_min), np.float32(quant_max)
    low, high = low.astype(np.float32), high.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (high - low) / (qmax - qmin)
        inv_scale = (qmax - qmin) / (high - low)
        zero_from_min = qmin - low / scale
    rounded = np.sign(zero_from_min) * np.floor(np.abs(zero_from_min) + np.float32(0.5))   # std::round
    zero = np.where(zero_from_min < qmin, qmin, np.where(zero_from_min > qmax, qmax, rounded)).astype(np.float32)
    return (qmin - zero) * scale, (qmax - zero) * scale, scale, inv_scale


@register("FakeQuantWithMinMaxVars", attrs={"num_bits": Attr("int", 8), "narrow_range": Attr("bool", False)},
          infer=lambda ctx: [desc(ctx.dtype(0), ctx.shape(0))], category=CATEGORY)
def fake_quant_with_min_max_vars(inputs, attrs):
    """FakeQuantWithMinMaxVars: (x, min, max) -> x quantized to num_bits over the nudged [min, max] and back, in
    float32 (TF's FakeQuant*; min/max with one value per last-axis channel: the PerChannel form)."""
    x = np.asarray(inputs[0], np.float32)
    low, high = (np.asarray(v, np.float32).reshape(-1) for v in inputs[1:3])
    bits = int(attrs["num_bits"])
    if not 2 <= bits <= 16 or low.shape != high.shape or low.size not in (1, x.shape[-1] if x.ndim else 1):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"FakeQuantWithMinMaxVars: num_bits {bits} must lie in [2, 16] and min/max hold "
                         "one value, or one per channel of the last axis")
    if np.any(low > high):
        raise GraphError(INVALID_ARGUMENT_VALUE, "FakeQuantWithMinMaxVars: min must not exceed max")
    if low.size == 1:
        low, high = low.reshape(()), high.reshape(())
    nudged_min, nudged_max, scale, inv_scale = _fake_quant_nudge(low, high, 1 if attrs["narrow_range"] else 0,
                                                                 (1 << bits) - 1)
    shifted = np.minimum(np.maximum(x, nudged_min), nudged_max) - nudged_min
    with np.errstate(invalid="ignore"):
        out = np.floor(shifted * inv_scale + np.float32(0.5)) * scale + nudged_min
    return np.where((low == 0) & (high == 0), np.float32(0), out).astype(np.float32)
