"""Sequence (list-of-tensors) and optional ops, ONNX semantics. A sequence value is a SequenceValue (a Python
list of arrays) at run time, an optional an OptionalValue (a tensor, a sequence, or nothing); their
descriptors have dtype DT_VARIANT and record in attrs the element dtype ("elem_dtype") and, for an optional,
"optional" and what it holds ("elem_kind": tensor or sequence)."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType, TensorDesc, to_numpy
from .registry import Attr, InferContext, OptionalValue, SequenceValue, desc, register

VARIANT = DataType.DT_VARIANT


def sequence_desc(elem_dtype) -> TensorDesc:
    """The descriptor of a sequence of tensors of elem_dtype (None: not known)."""
    d = TensorDesc(dtype=VARIANT, shape=None)
    d.attrs["elem_dtype"] = int(elem_dtype) if elem_dtype is not None else None
    return d


def optional_desc(elem_dtype, elem_kind: str = "tensor", elem_shape=None) -> TensorDesc:
    """The descriptor of an optional holding a tensor (of elem_dtype, elem_shape) or a sequence of them."""
    d = sequence_desc(elem_dtype)
    d.attrs["optional"] = True
    d.attrs["elem_kind"] = elem_kind
    if elem_kind == "tensor" and elem_shape is not None:
        d.attrs["elem_shape"] = [int(v) for v in elem_shape]
    return d


def is_optional(d) -> bool:
    return d is not None and d.dtype == VARIANT and bool(d.attrs.get("optional"))


_seq_desc = sequence_desc


def _elem_dtype(ctx: InferContext, i: int = 0):
    d = ctx.inputs[i]
    return d.attrs.get("elem_dtype") if d is not None and d.dtype == VARIANT else (d.dtype if d else None)


def _pos(value, n: int) -> int:
    """A position in a sequence of n elements; negative counts from the back (as onnxruntime does)."""
    p = int(np.asarray(value).reshape(()))
    return p + n if p < 0 else p


def _existing(seq, value) -> int:
    """A position that is one of seq's slots (E10001 otherwise)."""
    p = _pos(value, len(seq))
    if not 0 <= p < len(seq):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"sequence position {int(np.asarray(value).reshape(-1)[0])} is "
                         f"outside its {len(seq)} slots")
    return p


@register("SequenceEmpty", attrs={"dtype": Attr("int", int(DataType.DT_FLOAT))},
          infer=lambda ctx: [_seq_desc(ctx.attrs["dtype"])], category="sequence", traits={"never_fold"})
def sequence_empty(inputs, attrs):
    """An empty sequence."""
    return [SequenceValue()]


@register("SequenceConstruct", infer=lambda ctx: [_seq_desc(ctx.dtype(0))], category="sequence",
          traits={"never_fold"})
def sequence_construct(inputs, attrs):
    """A sequence of the inputs."""
    return [SequenceValue(inputs)]


@register("SequenceInsert", infer=lambda ctx: [_seq_desc(_elem_dtype(ctx, 0) or ctx.dtype(1))],
          category="sequence", traits={"never_fold"})
def sequence_insert(inputs, attrs):
    """Insert tensor (input 1) at position (input 2, default end)."""
    seq = SequenceValue(inputs[0])
    pos = len(seq) if len(inputs) < 3 or inputs[2] is None else _pos(inputs[2], len(seq))
    seq.insert(pos, inputs[1])
    return [seq]


@register("SequenceErase", infer=lambda ctx: [_seq_desc(_elem_dtype(ctx, 0))], category="sequence",
          traits={"never_fold"})
def sequence_erase(inputs, attrs):
    """Remove the element at position (input 1, default last)."""
    seq = SequenceValue(inputs[0])
    pos = len(seq) - 1 if len(inputs) < 2 or inputs[1] is None else _pos(inputs[1], len(seq))
    del seq[pos]
    return [seq]


@register("SequenceAt", infer=lambda ctx: [desc(_elem_dtype(ctx, 0) or DataType.DT_FLOAT, None)],
          category="sequence")
def sequence_at(inputs, attrs):
    """The element at position (input 1)."""
    value = inputs[0][_existing(inputs[0], inputs[1])]
    if value is None:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"sequence slot {int(np.asarray(inputs[1]).reshape(-1)[0])} is read before "
                         "anything was written to it")
    return [value]


@register("SequenceLength", infer=lambda ctx: [desc(DataType.DT_INT64, ())], category="sequence")
def sequence_length(inputs, attrs):
    """Number of elements (int64 scalar)."""
    return [np.array(len(inputs[0]), np.int64)]


@register("SplitToSequence", attrs={"axis": Attr("int", 0), "keepdims": Attr("int", 1)},
          infer=lambda ctx: [_seq_desc(ctx.dtype(0))], category="sequence", traits={"never_fold"})
def split_to_sequence(inputs, attrs):
    """Split input 0 along axis into a sequence (sizes from input 1: scalar chunk size or list of sizes;
    absent: pieces of 1, squeezed unless keepdims)."""
    x, axis = inputs[0], attrs["axis"]
    split = inputs[1] if len(inputs) > 1 else None
    if split is None:
        parts = np.split(x, x.shape[axis], axis=axis)
        if not attrs["keepdims"]:
            parts = [np.squeeze(p, axis=axis) for p in parts]
        return [SequenceValue(parts)]
    split = np.asarray(split)
    if split.ndim == 0:
        n = int(split)
        idx = list(range(n, x.shape[axis], n))
    else:
        idx = list(np.cumsum(split)[:-1])
    return [SequenceValue(np.split(x, idx, axis=axis))]


@register("ConcatFromSequence", attrs={"axis": Attr("int"), "new_axis": Attr("int", 0)},
          infer=lambda ctx: [desc(_elem_dtype(ctx, 0) or DataType.DT_FLOAT, None)], category="sequence")
def concat_from_sequence(inputs, attrs):
    """Concatenate (or stack, with new_axis=1) the elements."""
    seq = list(inputs[0])
    if attrs["new_axis"]:
        return np.stack(seq, axis=attrs["axis"])
    return np.concatenate(seq, axis=attrs["axis"])


def _strnorm_infer(ctx: InferContext):
    shape = ctx.shape(0)
    return [desc(DataType.DT_STRING, None if shape is None else tuple(-1 if i == len(shape) - 1 else d
                                                                       for i, d in enumerate(shape)))]


@register("StringNormalizer", attrs={"case_change_action": Attr("str", "NONE"), "is_case_sensitive": Attr("int", 0),
                                     "locale": Attr("str", ""), "stopwords": Attr("strs", [])},
          infer=_strnorm_infer, category="string")
def string_normalizer(inputs, attrs):
    """ONNX StringNormalizer: drop stopwords, then change case (1-D or [1, C] string tensors)."""
    x = np.asarray(inputs[0], dtype=object)
    flat = x.reshape(-1)
    stop = set(attrs["stopwords"])
    if attrs["is_case_sensitive"]:
        kept = [s for s in flat if s not in stop]
    else:
        low = {s.lower() for s in stop}
        kept = [s for s in flat if s.lower() not in low]
    action = attrs["case_change_action"]
    kept = [s.lower() if action == "LOWER" else s.upper() if action == "UPPER" else s for s in kept]
    if not kept:
        kept = [""]
    out = np.array(kept, dtype=object)
    return out.reshape(1, -1) if x.ndim == 2 else out


@register("SequenceReserve", attrs={"dtype": Attr("int", int(DataType.DT_FLOAT))},
          infer=lambda ctx: [_seq_desc(ctx.attrs["dtype"])], category="sequence", traits={"never_fold"})
def sequence_reserve(inputs, attrs):
    """A sequence of num_elements (input 0) empty slots, to be filled with SequenceSetItem (TF TensorListReserve)."""
    return [SequenceValue([None] * _slots(int(np.asarray(inputs[0]).reshape(-1)[0])))]


MAX_SLOTS = 1 << 24     # a sequence longer than this comes from a damaged model, not from a real TensorArray


def _slots(count: int) -> int:
    """A slot count checked against MAX_SLOTS (a few bytes of a model must not allocate gigabytes)."""
    if not 0 <= count <= MAX_SLOTS:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"a sequence of {count} slots (at most {MAX_SLOTS})")
    return count


def _grow(seq: list, position: int) -> None:
    """Empty slots appended so that ``position`` is a slot of seq."""
    if position < 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"sequence position {position - len(seq)} is before the first of "
                         f"its {len(seq)} slots")
    if position >= len(seq):
        seq.extend([None] * (_slots(position + 1) - len(seq)))


@register("SequenceSetItem", infer=lambda ctx: [_seq_desc(_elem_dtype(ctx, 0) or ctx.dtype(2))],
          category="sequence", traits={"never_fold"})
def sequence_set_item(inputs, attrs):
    """A copy of the sequence with slot (input 1) set to the tensor (input 2), grown when needed.

    TF TensorListSetItem and TensorArrayWriteV3; the slots a write past the end skips stay empty."""
    seq = SequenceValue(inputs[0])
    pos = _pos(inputs[1], len(seq))
    _grow(seq, pos)
    seq[pos] = inputs[2]
    return [seq]


# ---- TensorArray reads and writes of several slots (TF TensorArrayGather/Scatter/Concat) ----------------

def _empty_slot(seq, attrs: dict) -> np.ndarray:
    """What a slot that was never written reads as: zeros shaped like the written slots, else like the
    element_shape attr when it is fully known (TensorFlow's rule)."""
    written = next((v for v in seq if v is not None), None)
    dtype = to_numpy(attrs["dtype"])
    if written is not None:
        return np.zeros(np.shape(written), np.asarray(written).dtype)
    shape = attrs["element_shape"]
    if shape is None or any(d < 0 for d in shape):
        raise GraphError(INVALID_ARGUMENT_VALUE, "a TensorArray is read where nothing was written and its element shape "
                         f"{'unknown' if shape is None else list(shape)} is not fully known")
    return np.zeros(shape, dtype)


def _gather_infer(ctx: InferContext):
    shape = ctx.attrs["element_shape"]
    count = ctx.shape(1)
    if shape is None or count is None or len(count) != 1:
        return [desc(_elem_dtype(ctx, 0) or ctx.attrs["dtype"], None)]
    return [desc(_elem_dtype(ctx, 0) or ctx.attrs["dtype"], (count[0],) + tuple(shape))]


ELEMENT_ATTRS = {"element_shape": Attr("ints", None, "dims of one element, -1 unknown; absent: rank unknown"),
                 "dtype": Attr("dtype", int(DataType.DT_FLOAT))}


@register("SequenceGather", attrs=ELEMENT_ATTRS, infer=_gather_infer, category="sequence")
def sequence_gather(inputs, attrs):
    """The elements at positions (input 1) stacked on a new first axis; empty slots read as zeros.

    TF TensorArrayGatherV3 (TensorArray.stack); element_shape shapes the zeros when no slot was written."""
    seq, positions = inputs[0], np.asarray(inputs[1]).reshape(-1)
    picked = [seq[_existing(seq, p)] for p in positions]
    if any(v is None for v in picked) or not picked:
        blank = _empty_slot(seq, attrs)
        picked = [blank if v is None else v for v in picked]
        if not picked:
            return [np.zeros((0,) + blank.shape, blank.dtype)]
    return [np.stack([np.asarray(v) for v in picked])]


@register("SequenceScatter", infer=lambda ctx: [_seq_desc(_elem_dtype(ctx, 0) or ctx.dtype(2))],
          category="sequence", traits={"never_fold"})
def sequence_scatter(inputs, attrs):
    """A copy of the sequence with slot positions[k] (input 1) set to row k of the tensor (input 2).

    TF TensorArrayScatterV3 (TensorArray.unstack); the sequence grows as needed."""
    seq = SequenceValue(inputs[0])
    positions, value = np.asarray(inputs[1]).reshape(-1), np.asarray(inputs[2])
    if len(positions) != value.shape[0]:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"TensorArray scatter of {value.shape[0]} rows to {len(positions)} positions")
    for k, p in enumerate(positions):
        p = _pos(p, len(seq))
        _grow(seq, p)
        seq[p] = value[k]
    return [seq]


def _concat_infer(ctx: InferContext):
    rest = ctx.attrs["element_shape"]
    dtype = _elem_dtype(ctx, 0) or ctx.attrs["dtype"]
    return [desc(dtype, None if rest is None else (-1,) + tuple(rest)), desc(DataType.DT_INT64, (-1,))]


@register("SequenceConcat", attrs=ELEMENT_ATTRS, infer=_concat_infer, category="sequence")
def sequence_concat(inputs, attrs):
    """The elements joined along their first axis, and each one's length there (two outputs).

    TF TensorArrayConcatV3; element_shape: the dims after the first; empty slots read as zeros."""
    seq = list(inputs[0])
    if any(v is None for v in seq):
        if all(v is None for v in seq):
            raise GraphError(INVALID_ARGUMENT_VALUE, "a TensorArray is concatenated where nothing was written")
        blank = _empty_slot(seq, attrs)
        seq = [blank if v is None else v for v in seq]
    if not seq:
        rest = attrs["element_shape"] or []
        return [np.zeros([0] + [max(d, 0) for d in rest], to_numpy(attrs["dtype"])), np.zeros(0, np.int64)]
    return [np.concatenate([np.asarray(v) for v in seq]), np.array([np.shape(v)[0] for v in seq], np.int64)]


# ---- optionals ---------------------------------------------------------------------------------

def _held_desc(d) -> TensorDesc:
    """What an optional (or a plain value) holds: a tensor desc or a sequence desc."""
    if not is_optional(d):
        return d.copy() if d is not None else desc(DataType.DT_FLOAT, None)
    if d.attrs.get("elem_kind") == "sequence":
        return sequence_desc(d.attrs.get("elem_dtype"))
    shape = d.attrs.get("elem_shape")
    return desc(d.attrs.get("elem_dtype") or DataType.DT_FLOAT, None if shape is None else tuple(shape))


def _optional_infer(ctx: InferContext):
    d = ctx.inputs[0] if ctx.has(0) else None
    if d is None:
        return [optional_desc(ctx.attrs["elem_dtype"], ctx.attrs["elem_kind"])]
    if d.dtype == VARIANT:
        return [optional_desc(d.attrs.get("elem_dtype"), "sequence")]
    return [optional_desc(d.dtype, "tensor", d.shape)]


@register("Optional", attrs={"elem_dtype": Attr("any", None, "int: the element dtype of an empty optional"),
                             "elem_kind": Attr("str", "tensor", "tensor | sequence")},
          infer=_optional_infer, category="sequence", traits={"never_fold"})
def optional(inputs, attrs):
    """Optional: (x?) -> an optional holding x, or an empty one of elem_kind/elem_dtype."""
    return [OptionalValue(inputs[0] if inputs and inputs[0] is not None else None)]


@register("OptionalHasElement", infer=lambda ctx: [desc(DataType.DT_BOOL, ())], category="sequence",
          traits={"never_fold"})
def optional_has_element(inputs, attrs):
    """OptionalHasElement: (x?) -> whether x is a non-empty optional or a plain tensor/sequence (an absent
    input is an empty optional)."""
    x = inputs[0] if inputs else None
    return np.array(x.value is not None if isinstance(x, OptionalValue) else x is not None)


@register("OptionalGetElement", infer=lambda ctx: [_held_desc(ctx.inputs[0])], category="sequence",
          traits={"never_fold"})
def optional_get_element(inputs, attrs):
    """OptionalGetElement: (x) -> what the optional x holds (a plain tensor/sequence passes through); an
    empty optional is an error."""
    x = inputs[0]
    if isinstance(x, OptionalValue):
        if x.value is None:
            raise GraphError(INVALID_ARGUMENT_VALUE, "OptionalGetElement: the optional is empty")
        return [x.value]
    return [x]
