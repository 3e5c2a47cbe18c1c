"""What the exporter knows about sequence values: the element dtype (ONNX sequence types need it) and the
element shape merged over every tensor put in (so SequenceAt gets a rank even where our IR left it unknown)."""
from __future__ import annotations

from ..ir import DataType

SEQUENCE = DataType.DT_VARIANT
NO_ELEMENTS = "no elements"   # a sequence nothing was put in yet: its element shape merges with anything


def merge(a, b):
    """The element shape two sets of elements share (-1 where dims differ; None when ranks differ)."""
    if a == NO_ELEMENTS:
        return b
    if b == NO_ELEMENTS:
        return a
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else -1 for x, y in zip(a, b))


def _tensor(value):
    """(dtype, shape) of a tensor Value, or of a sequence's elements."""
    if value is None:
        return None, None
    if int(value.desc.dtype) == SEQUENCE:
        return value.elem, value.elem_shape
    shape = value.desc.shape
    return int(value.desc.dtype), None if shape is None else tuple(shape)


def _split_shape(x_shape, attrs: dict, has_split: bool):
    if x_shape is None:
        return None
    axis = int(attrs.get("axis", 0)) % max(len(x_shape), 1)
    if not has_split and not int(attrs.get("keepdims", 1)):
        return x_shape[:axis] + x_shape[axis + 1:]
    return x_shape[:axis] + (-1,) + x_shape[axis + 1:]


def sequence_outputs(op, attrs: dict, inputs: list, known: dict) -> dict:
    """{output index: (element dtype, element shape)} for the op's sequence outputs. ``inputs`` are the
    Values of the op's inputs (None where absent); ``known`` what a control-flow emitter found out."""
    out = {}
    for i, d in enumerate(op.outputs):
        if int(d.dtype) != SEQUENCE:
            continue
        dtype, shape = known.get(i, (None, None))
        if dtype is None and shape is None:
            dtype, shape = _infer(op, attrs, inputs)
        out[i] = (dtype or d.attrs.get("elem_dtype"), shape)
    return out


def _infer(op, attrs: dict, inputs: list):
    first = inputs[0] if inputs else None
    if op.type in ("SequenceEmpty", "SequenceReserve"):
        return int(attrs.get("dtype", DataType.DT_FLOAT)), NO_ELEMENTS
    if op.type == "SequenceConstruct":
        shapes = [_tensor(v)[1] for v in inputs if v is not None]
        shape = NO_ELEMENTS
        for s in shapes:
            shape = merge(shape, s)
        return _tensor(first)[0], shape
    if op.type in ("SequenceInsert", "SequenceSetItem"):
        k = 1 if op.type == "SequenceInsert" else 2
        item = inputs[k] if len(inputs) > k else None
        seq_dtype, seq_shape = _tensor(first)
        item_dtype, item_shape = _tensor(item)
        return seq_dtype or item_dtype, merge(seq_shape, item_shape)
    if op.type in ("Identity", "SequenceErase"):
        return _tensor(first)
    if op.type == "SplitToSequence":
        dtype, shape = _tensor(first)
        return dtype, _split_shape(shape, attrs, len(inputs) > 1 and inputs[1] is not None)
    return _tensor(first)[0], None


def element_desc(op, inputs: list, desc):
    """The descriptor of a tensor read out of a sequence (SequenceAt, ConcatFromSequence): the dtype of the
    elements actually put in (our IR may not know it), and for SequenceAt their shape when the IR has none."""
    if op.type not in ("SequenceAt", "ConcatFromSequence") or not inputs or inputs[0] is None:
        return desc
    dtype, shape = _tensor(inputs[0])
    if dtype is not None and int(dtype) != int(desc.dtype):
        desc = desc.copy(dtype=int(dtype))
    if desc.shape is not None or shape in (None, NO_ELEMENTS):
        return desc
    if op.type == "SequenceAt":
        return desc.copy(shape=shape)
    axis = int(op.attrs.get("axis", 0))
    if int(op.attrs.get("new_axis", 0)):
        axis = axis % (len(shape) + 1)
        return desc.copy(shape=shape[:axis] + (-1,) + shape[axis:])
    if not shape:
        return desc
    axis = axis % len(shape)
    return desc.copy(shape=shape[:axis] + (-1,) + shape[axis + 1:])
