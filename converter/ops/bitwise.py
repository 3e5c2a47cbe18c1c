"""Bitwise ops on integers: BitwiseAnd/Or/Xor, LeftShift/RightShift (numpy broadcasting) and Invert."""
from __future__ import annotations

import numpy as np

from .elementwise import like
from .registry import broadcast, register, same_as_input

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
