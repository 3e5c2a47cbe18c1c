"""ONNX handlers: signal processing (DFT, STFT, MelWeightMatrix; the window functions are in extra)."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op
from .elementwise import onnx_type_to_datatype


def _dft(ctx: NodeContext, axis_input=None, axis: int = -2):
    """The axis (attribute, or a constant input) becomes the attribute; a run-time axis input stays one."""
    rank = ctx.rank(0)
    value = ctx.value(2) if axis_input is not None else None
    if value is not None:
        axis, axis_input = int(ctx.require_int(2, "axis")), None
    if axis_input is None and rank is not None:
        if not -rank <= axis < rank - 1:
            raise ctx.fail(f"axis {axis} is not a signal axis of a {rank}-D input (the last dim holds real/imag)")
        axis %= rank
    attrs = {"axis": axis, "inverse": bool(ctx.attr("inverse")), "onesided": bool(ctx.attr("onesided"))}
    return ctx.op("DFT", [ctx.input(0), ctx.input(1), axis_input], attrs)


@onnx_op("DFT", since=17)
def dft_17(ctx: NodeContext):
    """Opset 17: the axis is an attribute (default 1)."""
    return _dft(ctx, axis=int(ctx.attr("axis", 1)))


@onnx_op("DFT", since=20)
def dft_20(ctx: NodeContext):
    """Opset 20: the axis is an optional input (default -2)."""
    return _dft(ctx, axis_input=ctx.input(2))


@onnx_op("STFT", since=17)
def stft(ctx: NodeContext):
    return ctx.op("STFT", ctx.inputs[:4], {"onesided": bool(ctx.attr("onesided"))})


@onnx_op("MelWeightMatrix", since=17)
def mel_weight_matrix(ctx: NodeContext):
    return ctx.op("MelWeightMatrix", ctx.inputs[:5], {"dtype": onnx_type_to_datatype(ctx.attr("output_datatype"))})
