"""Reuse of shape-inference results within one graph.

An op's infer function sees only: the op type, its attrs, its input descs (dtype and shape), its own output descs,
and the values of its constant inputs. Ops that agree on all of that get the same output dtypes and shapes, so a
result is kept under a key made of exactly those facts and handed to the next op (or the next inference of the same
op) that presents the same key. The key holds values, never references: nothing an earlier op held can go stale.

Constant input values are part of the key only when the infer function read them (InferContext records that); then
they are compared by content (dtype, shape and bytes), and a value larger than MAX_VALUE_BYTES makes the op not
reusable. Anything the key cannot describe exactly also makes the op not reusable, so it is inferred every time as
before: attrs holding anything but None/bool/int/float/str/bytes or flat lists/tuples of those (arrays, subgraphs,
nested lists), descs with extra ``attrs`` (sequences, optionals), shapes that are not tuples, object arrays.
"""
from __future__ import annotations

import numpy as np

MAX_VALUE_BYTES = 256      # constant inputs compared by content up to this size (shape/axes/index vectors)
MISS = object()

_SCALARS = frozenset({type(None), bool, int, float, str, bytes})


def _exact(value):
    """A float by its bits (0.0 and -0.0 differ), anything else as it is."""
    return value.hex() if type(value) is float else value


def attrs_key(attrs: dict):
    """A hashable copy of ``attrs`` that tells apart every value an infer function could see differently (the
    type of each value and of each list element included: True, 1 and 1.0 are different keys), or None."""
    items = []
    for name, value in attrs.items():
        kind = type(value)
        if kind in _SCALARS:
            items.append((name, kind, _exact(value)))
        elif kind is list or kind is tuple:
            kinds = tuple(map(type, value))
            if not _SCALARS.issuperset(kinds):
                return None
            items.append((name, kind, kinds, tuple(map(_exact, value))))
        else:
            return None
    return tuple(items)


def descs_key(descs):
    """(dtype, shape) per desc (None for an absent one), or None when a desc carries more than that."""
    key = []
    for d in descs:
        if d is None:
            key.append(None)
            continue
        shape = d.shape
        if d.attrs or not (shape is None or type(shape) is tuple):
            return None
        key.append((d.dtype, shape))
    return tuple(key)


def values_key(values):
    """The constant input values by content, or None when one is too large or not a plain array."""
    key = []
    for v in values:
        if v is None:
            key.append(None)
        elif type(v) is np.ndarray and v.dtype.kind != "O" and v.nbytes <= MAX_VALUE_BYTES:
            key.append((v.dtype.str, v.shape, v.tobytes()))
        else:
            return None
    return tuple(key)


class _ByValues(dict):
    """Results of one plain key whose infer function read the constant values: values_key -> result."""


class InferMemo:
    """Results of infer functions by what they read (see the module doc)."""

    __slots__ = ("_results",)

    def __init__(self):
        self._results: dict = {}

    @staticmethod
    def key(op, descs):
        """The key of op's next inference with these input descs, or None when it cannot be reused."""
        attrs = attrs_key(op.attrs)
        if attrs is None:
            return None
        ins = descs_key(descs)
        if ins is None:
            return None
        outs = descs_key(op.outputs)
        if outs is None:
            return None
        return op.type, attrs, ins, outs

    def get(self, key, values):
        """The kept result for ``key`` (and the constant values, if that inference read them), or MISS."""
        found = self._results.get(key, MISS)
        if type(found) is _ByValues:
            vkey = values_key(values)
            return MISS if vkey is None else found.get(vkey, MISS)
        return found

    def put(self, key, values, read_values: bool, result) -> None:
        if not read_values:
            self._results[key] = result
            return
        vkey = values_key(values)
        if vkey is None:
            return
        by_values = self._results.get(key)
        if type(by_values) is not _ByValues:
            by_values = self._results[key] = _ByValues()
        by_values[vkey] = result

    def __len__(self) -> int:
        return len(self._results)
