"""Signal processing ops: Window (Hann, Hamming and Blackman windows)."""
from __future__ import annotations

import numpy as np

from ..ir import DataType, to_numpy
from .registry import Attr, InferContext, desc, register

_WINDOWS = {
    "hann": lambda t: 0.5 - 0.5 * np.cos(t),
    "hamming": lambda t: 25.0 / 46.0 - 21.0 / 46.0 * np.cos(t),
    "blackman": lambda t: 0.42 - 0.5 * np.cos(t) + 0.08 * np.cos(2 * t),
}


def _window_infer(ctx: InferContext):
    v = ctx.value(0)
    return [desc(ctx.attrs["dtype"], (-1,) if v is None else (int(np.asarray(v).reshape(-1)[0]),))]


@register("Window", attrs={"window": Attr("str", "hann", "hann | hamming | blackman"),
                           "periodic": Attr("bool", True), "dtype": Attr("dtype", int(DataType.DT_FLOAT))},
          infer=_window_infer, category="signal")
def window(inputs, attrs):
    """Window: (size) -> a Hann/Hamming/Blackman window of that length (periodic: denominator size)."""
    size = int(np.asarray(inputs[0]).reshape(-1)[0])
    denom = size if attrs["periodic"] else size - 1
    t = 2 * np.pi * np.arange(size, dtype=np.float64) / max(denom, 1)
    return _WINDOWS[attrs["window"]](t).astype(to_numpy(attrs["dtype"]))
