"""Conversions to a tensor type as ONNX defines them, also for the narrow types (ml_dtypes): float8 with
``saturate`` (out-of-range values and infinities clipped to the type's largest magnitude, NaN kept), float8 e8m0
(a power of two: the float32 exponent, rounded up/down/to nearest by ``round_mode``), and plain numpy
conversion otherwise (int4/int2 and float4 included, as ONNX's reference converts them)."""
from __future__ import annotations

import numpy as np

from ..ir import DataType, to_numpy
from ..ir.dtypes import is_ml_dtype

SATURATING = frozenset({DataType.DT_FLOAT8_E4M3FN, DataType.DT_FLOAT8_E5M2})
ROUND_MODES = ("up", "down", "nearest")


def cast_to(x: np.ndarray, dst: int, saturate: bool = True, round_mode: str = "up") -> np.ndarray:
    """x converted to the DataType ``dst``."""
    x = np.asarray(x)
    dtype = to_numpy(dst)
    with np.errstate(all="ignore"):
        if dst == DataType.DT_FLOAT8_E8M0:
            return to_e8m0(x, saturate, round_mode)
        if dst in SATURATING and saturate:
            import ml_dtypes
            top = float(ml_dtypes.finfo(dtype).max)
            wide = x.astype(np.float32) if is_ml_dtype(x.dtype) else x
            return np.clip(wide, -top, top).astype(dtype)
        return x.astype(dtype)


def to_e8m0(x: np.ndarray, saturate: bool, round_mode: str) -> np.ndarray:
    """float8 e8m0 (2**(e - 127); 0xFF is NaN): the float32 exponent of |x|, plus one when round_mode says so
    ("up": any fraction bit set; "nearest": the first fraction bit set and either a later one or an exponent
    above 0; "down": never); NaN and infinities give 0xFF; saturate keeps a rounded 0xFE from becoming 0xFF."""
    if round_mode not in ROUND_MODES:
        raise ValueError(f"round_mode {round_mode!r} is not one of {ROUND_MODES}")
    bits = np.asarray(x, np.float32).view(np.uint32)
    exponent = ((bits >> np.uint32(23)) & np.uint32(0xFF)).astype(np.uint16)
    fraction = bits & np.uint32(0x7FFFFF)
    special = exponent == 0xFF
    if round_mode == "up":
        bump = fraction > 0
    elif round_mode == "nearest":
        half = (fraction & np.uint32(0x400000)) > 0
        rest = (fraction & np.uint32(0x3FFFFF)) > 0
        bump = half & (rest | (exponent > 0))
    else:
        bump = np.zeros(exponent.shape, bool)
    if saturate:
        bump &= exponent != 0xFE
    out = np.where(special, 0xFF, exponent + bump.astype(np.uint16)).astype(np.uint8)
    return out.view(to_numpy(DataType.DT_FLOAT8_E8M0))
