"""ONNX emitters: quantization ops, bitwise ops, signal windows and StringNormalizer (all ONNX ops of the
same meaning; names and attributes translated)."""
from __future__ import annotations

from ...ir import DataType
from ..builder import numpy_of, onnx_type
from ..registry import Emit, Refusal, emits
from .tensor import scalar_input

WINDOWS = {"hann": "HannWindow", "hamming": "HammingWindow", "blackman": "BlackmanWindow"}
BITWISE = {"BitwiseAnd": "BitwiseAnd", "BitwiseOr": "BitwiseOr", "BitwiseXor": "BitwiseXor"}
UNSIGNED = {DataType.DT_INT8: DataType.DT_UINT8, DataType.DT_INT16: DataType.DT_UINT16,
            DataType.DT_INT32: DataType.DT_UINT32, DataType.DT_INT64: DataType.DT_UINT64}


def conv_attrs(e: Emit) -> dict:
    attrs = {"strides": list(e.attrs["strides"]) or None, "dilations": list(e.attrs["dilations"]) or None,
             "group": int(e.attrs["groups"]), "auto_pad": str(e.attrs["auto_pad"] or "NOTSET")}
    if attrs["auto_pad"] == "NOTSET":
        attrs["pads"] = list(e.attrs["pads"]) or None
    return attrs


@emits("QuantizeLinear")
def quantize_linear(e: Emit):
    dtype = int(e.attrs["output_dtype"])
    e.out("QuantizeLinear", [e.input(0), e.input(1), e.input(2)], axis=int(e.attrs["axis"]),
          block_size=int(e.attrs["block_size"]) or None,
          output_dtype=onnx_type(dtype) if dtype and not e.has(2) else None,
          saturate=None if e.attrs["saturate"] else 0)


@emits("DequantizeLinear")
def dequantize_linear(e: Emit):
    attrs = {"axis": int(e.attrs["axis"]), "block_size": int(e.attrs["block_size"]) or None}
    wanted = int(e.attrs["output_dtype"])
    if not wanted or wanted == e.dtype(1):
        e.out("DequantizeLinear", [e.input(0), e.input(1), e.input(2)], **attrs)
        return
    y = e.one("DequantizeLinear", [e.input(0), e.input(1), e.input(2)], **attrs)
    e.node("Cast", [y], e.outputs, to=onnx_type(wanted))


@emits("DynamicQuantizeLinear", "MatMulInteger", "QLinearMatMul")
def plain_quant(e: Emit):
    e.out(e.op.type, e.inputs)


@emits("ConvInteger", "QLinearConv")
def quant_conv(e: Emit):
    e.out(e.op.type, e.inputs, **conv_attrs(e))


@emits(*BITWISE)
def bitwise(e: Emit):
    e.out(BITWISE[e.op.type], [e.input(0), e.as_dtype(1, e.dtype(0))])


@emits("Invert")
def invert(e: Emit):
    e.out("BitwiseNot", [e.input(0)])


@emits("LeftShift", "RightShift")
def bit_shift(e: Emit):
    """ONNX BitShift takes unsigned integers; a signed left shift is the same bits shifted as unsigned."""
    dtype = e.dtype(0)
    direction = "LEFT" if e.op.type == "LeftShift" else "RIGHT"
    if numpy_of(dtype).kind == "u":
        e.out("BitShift", [e.input(0), e.as_dtype(1, dtype)], direction=direction)
        return
    if direction == "RIGHT" or dtype not in UNSIGNED:
        raise Refusal(f"{e.op.type} of {DataType(dtype).name} (ONNX BitShift shifts unsigned integers only)")
    unsigned = UNSIGNED[DataType(dtype)]
    shifted = e.one("BitShift", [e.cast(e.input(0), unsigned), e.as_dtype(1, unsigned)], direction=direction)
    e.node("Cast", [shifted], e.outputs, to=onnx_type(dtype))


@emits("Window")
def window(e: Emit):
    e.out(WINDOWS[str(e.attrs["window"])], [scalar_input(e, 0, DataType.DT_INT64)],
          output_datatype=onnx_type(int(e.attrs["dtype"])), periodic=int(bool(e.attrs["periodic"])))


@emits("StringNormalizer")
def string_normalizer(e: Emit):
    e.out("StringNormalizer", [e.input(0)], case_change_action=str(e.attrs["case_change_action"]),
          is_case_sensitive=int(e.attrs["is_case_sensitive"]), locale=str(e.attrs["locale"]) or None,
          stopwords=list(e.attrs["stopwords"]) or None)
