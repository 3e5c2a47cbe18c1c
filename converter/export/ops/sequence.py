"""ONNX emitters: sequence ops (TensorFlow's TensorList reserve/set-item written with ONNX sequence ops) and
the recurrent layers LSTM, GRU, RNN (same inputs and attributes as ONNX)."""
from __future__ import annotations

import numpy as np

from ...ir import DataType
from ..builder import numpy_of, onnx_type
from ..registry import Emit, emits
from .tensor import scalar_input

INT64 = DataType.DT_INT64


def position(e: Emit, i: int):
    return scalar_input(e, i, INT64) if e.has(i) else None


def element(e: Emit, i: int, elem_dtype) -> str:
    """Tensor input i in the sequence's element dtype (our runtime's lists take any dtype; ONNX's do not)."""
    return e.input(i) if elem_dtype is None else e.as_dtype(i, int(elem_dtype))


def sequence_elem(e: Emit, i: int = 0):
    ref = e.exporter.graph.inputs_of(e.op.name)[i]
    return e.exporter.value(ref).elem


@emits("SequenceEmpty")
def sequence_empty(e: Emit):
    e.out("SequenceEmpty", [], dtype=onnx_type(e.attrs["dtype"]))


@emits("SequenceConstruct")
def sequence_construct(e: Emit):
    dtype = e.out_descs[0].attrs.get("elem_dtype") or e.dtype(0)
    e.out("SequenceConstruct", [element(e, i, dtype) for i in range(len(e.inputs))])


@emits("SequenceInsert")
def sequence_insert(e: Emit):
    e.out("SequenceInsert", [e.input(0), element(e, 1, sequence_elem(e)), position(e, 2)])


@emits("SequenceErase")
def sequence_erase(e: Emit):
    e.out("SequenceErase", [e.input(0), position(e, 1)])


@emits("SequenceAt")
def sequence_at(e: Emit):
    e.out("SequenceAt", [e.input(0), position(e, 1)])


@emits("SequenceLength")
def sequence_length(e: Emit):
    e.out("SequenceLength", [e.input(0)])


@emits("SplitToSequence")
def split_to_sequence(e: Emit):
    split = e.int64(1) if e.has(1) else None
    e.out("SplitToSequence", [e.input(0), split], axis=int(e.attrs["axis"]), keepdims=int(e.attrs["keepdims"]))


@emits("ConcatFromSequence")
def concat_from_sequence(e: Emit):
    e.out("ConcatFromSequence", [e.input(0)], axis=int(e.attrs["axis"]), new_axis=int(e.attrs["new_axis"]))


@emits("SequenceReserve")
def sequence_reserve(e: Emit):
    """n slots to be set later: a sequence of n scalar placeholders (ONNX sequences have no empty slots)."""
    from onnx import numpy_helper
    zero = numpy_helper.from_array(np.zeros(1, numpy_of(int(e.attrs["dtype"]))))
    n = e.one("Reshape", [e.int64(0), e.ints([1], "n_shape")])
    placeholders = e.one("ConstantOfShape", [n], value=zero)
    e.out("SplitToSequence", [placeholders, e.scalar(1, INT64)], axis=0, keepdims=0)


@emits("SequenceSetItem")
def sequence_set_item(e: Emit):
    """Slot i replaced: the element at i erased, the new one inserted at i."""
    pos = position(e, 1)
    erased = e.one("SequenceErase", [e.input(0), pos])
    e.out("SequenceInsert", [erased, element(e, 2, sequence_elem(e)), pos])


RECURRENT = ("LSTM", "GRU", "RNN")


@emits(*RECURRENT)
def recurrent(e: Emit):
    a = e.attrs
    attrs = {"direction": str(a["direction"]), "hidden_size": int(a["hidden_size"]) or None,
             "activations": list(a["activations"]) or None, "activation_alpha": list(a["activation_alpha"]) or None,
             "activation_beta": list(a["activation_beta"]) or None,
             "clip": None if a["clip"] is None else float(a["clip"]), "layout": int(a["layout"]) or None}
    if e.op.type == "LSTM":
        attrs["input_forget"] = int(a["input_forget"]) or None
    if e.op.type == "GRU":
        attrs["linear_before_reset"] = int(a["linear_before_reset"]) or None
    dtype = e.dtype(0)
    inputs = [e.as_dtype(i, DataType.DT_INT32) if i == 4 else e.as_dtype(i, dtype) for i in range(len(e.inputs))]
    e.out(e.op.type, inputs, **attrs)
