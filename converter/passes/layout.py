"""The one place that owns tensor formats: --input_format on inputs, propagated through the graph."""
from __future__ import annotations

from ..errors import INVALID_ARGUMENT_VALUE, ConverterError
from ..framework import INPUT_FORMATS, Framework, default_input_format
from ..ir import Graph
from .base import PassContext

RANK_OF = {"NCHW": 4, "NHWC": 4, "NCDHW": 5, "NDHWC": 5}


def _fits(fmt: str, shape) -> bool:
    return fmt in RANK_OF and shape is not None and len(shape) == RANK_OF[fmt]


def assign_formats(graph: Graph, ctx: PassContext) -> bool:
    """Record the input format on Data ops and propagate formats to every tensor. Ascend IR graphs (a .air
    model, a single-op description: framework 1) keep the formats their Data ops declare unless
    --input_format is given.

    Ops with a ``data_format`` attr produce that format; ops whose output keeps the rank of a formatted
    input inherit it; everything else is ND."""
    fw = ctx.framework
    fmt = ctx.options.input_format or default_input_format(fw)
    if fmt not in INPUT_FORMATS.get(fw, (fmt,)):
        raise ConverterError(INVALID_ARGUMENT_VALUE,
                             f"--input_format={fmt} is not allowed for this framework; use one of "
                             f"{', '.join(INPUT_FORMATS[fw])}", option="--input_format")
    # Ascend IR graphs declare their input formats
    keep_declared = fw == Framework.MINDSPORE and not ctx.options.input_format
    for op in graph.data_ops():
        d = op.outputs[0]
        if keep_declared and d.format:
            d.origin_format = d.origin_format or d.format
            continue
        d.format = fmt if _fits(fmt, d.shape) else "ND"
        d.origin_format = d.format
    for op in graph.topo_order():
        if op.type in ("Data", "NetOutput"):
            continue
        df = op.attrs.get("data_format")
        ins = [d for d in graph.input_descs(op.name) if d is not None]
        for d in op.outputs:
            if df and _fits(df, d.shape):
                d.format = df
                continue
            inherited = next((i.format for i in ins if i.format in RANK_OF and i.shape is not None
                              and d.shape is not None and len(i.shape) == len(d.shape)), None)
            if d.format not in ("NC1HWC0",):
                d.format = inherited or "ND"
            if d.origin_format is None:
                d.origin_format = d.format
    return True
