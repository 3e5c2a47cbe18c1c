"""Bitwise ops on integers: BitwiseAnd/Or/Xor, LeftShift/RightShift (numpy broadcasting) and Invert; Bitcast
(the bytes of a tensor read as another type of the same width)."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import to_numpy
from .elementwise import like
from .registry import Attr, broadcast, desc, register, same_as_input

_BITWISE = {"BitwiseAnd": (np.bitwise_and, "a & b"), "BitwiseOr": (np.bitwise_or, "a | b"),
            "BitwiseXor": (np.bitwise_xor, "a ^ b"), "LeftShift": (np.left_shift, "a << b"),
            "RightShift": (np.right_shift, "a >> b")}


def _bitwise(fn):
    def kernel(inputs, attrs):
        a, b = np.asarray(inputs[0]), np.asarray(inputs[1])
        return like(fn(a, b.astype(a.dtype, copy=False)), a.dtype)
    return kernel


for _name, (_fn, _doc) in _BITWISE.items():
    register(_name, infer=broadcast(), category="bitwise", doc=f"{_name}: (a, b) -> {_doc} (integers)")(
        _bitwise(_fn))


@register("Invert", infer=same_as_input(), category="bitwise")
def invert(inputs, attrs):
    """Invert: (x) -> ~x (bitwise not of integers)."""
    return np.invert(np.asarray(inputs[0]))


@register("Bitcast", attrs={"dst_type": Attr("dtype", doc="a converter.ir.DataType number, as wide as the input's")},
          infer=lambda ctx: [desc(ctx.attrs["dst_type"], ctx.shape(0))], category="bitwise", param_inputs={0})
def bitcast(inputs, attrs):
    """Bitcast: (x) -> x's bytes (little endian) read as dst_type, same shape (ONNX BitCast). Precision never
    casts its input (param_inputs): a cast before it would change the bits it reinterprets."""
    x = np.array(inputs[0], order="C", copy=None)   # (ascontiguousarray would make a 0-d tensor 1-d)
    dtype = np.dtype(to_numpy(attrs["dst_type"]))
    if dtype.itemsize != x.dtype.itemsize or dtype.kind == "O" or x.dtype.kind == "O":
        raise GraphError(INVALID_ARGUMENT_VALUE, f"Bitcast: {x.dtype} and {dtype} are not fixed-size types of the same width")
    return x.view(dtype.newbyteorder("<") if dtype.itemsize > 1 else dtype).astype(dtype, copy=False)
