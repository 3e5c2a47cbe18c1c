"""Small helpers shared by the TF handlers: TF attr conventions (data_format, padding, dtypes)."""
from __future__ import annotations

import numpy as np

from ....ir import DataType
from ..registry import NodeContext

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min

# TF padding attr -> canonical auto_pad
AUTO_PAD = {"SAME": "SAME_UPPER", "VALID": "VALID", "EXPLICIT": "NOTSET"}


def dtype_attr(ctx: NodeContext, key: str, default=None) -> DataType:
    """A 'type' attr as our DataType (E10001 for TF types we cannot represent)."""
    value = ctx.attr(key, default)
    if not isinstance(value, DataType):
        raise ctx.fail(f"attribute {key} has type {value}, which is not supported")
    return value


def spatial_axes(data_format: str, rank: int) -> list:
    """Positions of the spatial dims in a TF layout string (NHWC, NCHW, NDHWC, NCDHW, NWC, NCW)."""
    if data_format.startswith("NC"):
        return list(range(2, rank))
    return list(range(1, rank - 1))


def spatial_of(values, data_format: str) -> list:
    """The spatial entries of a full-rank TF list attr such as strides [1, sh, sw, 1]."""
    values = list(values)
    return [int(values[i]) for i in spatial_axes(data_format, len(values))]


def padding_attrs(ctx: NodeContext, data_format: str, rank: int) -> dict:
    """auto_pad (and pads for EXPLICIT) from TF's padding / explicit_paddings attrs."""
    padding = str(ctx.attr("padding", "VALID")).upper()
    if padding not in AUTO_PAD:
        raise ctx.fail(f"padding '{padding}' is not SAME, VALID or EXPLICIT")
    attrs = {"auto_pad": AUTO_PAD[padding]}
    if padding == "EXPLICIT":
        flat = [int(v) for v in ctx.attr("explicit_paddings", [])]
        pairs = [flat[2 * i:2 * i + 2] for i in range(len(flat) // 2)]
        axes = spatial_axes(data_format, rank)
        if len(pairs) != rank:
            raise ctx.fail(f"explicit_paddings has {len(flat)} values, expected {2 * rank}")
        attrs["pads"] = [pairs[a][0] for a in axes] + [pairs[a][1] for a in axes]
    return attrs


def int64(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)

