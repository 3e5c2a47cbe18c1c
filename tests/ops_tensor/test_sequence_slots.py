"""Sequence ops that TF1 TensorArrays lower to: slots written in any order (growing the sequence), empty slots
read as zeros by a gather or concat, and positions or sizes that a damaged model could give refused with E10001."""
from __future__ import annotations

import numpy as np
import pytest

from converter.errors import ConverterError
from converter.ir import DataType
from converter.ops import get


def run(op_type: str, inputs: list, **attrs):
    spec = get(op_type)
    out = spec.kernel(inputs, spec.normalize(attrs))
    return out if isinstance(out, list) else [out]


def test_writes_grow_the_sequence_and_gather_fills_empty_slots_with_zeros():
    (seq,) = run("SequenceReserve", [np.array(2)])
    (seq,) = run("SequenceSetItem", [seq, np.array(3), np.full((2,), 5.0, np.float32)])
    assert len(seq) == 4 and seq[0] is None
    (stacked,) = run("SequenceGather", [seq, np.arange(4)], element_shape=[2], dtype=int(DataType.DT_FLOAT))
    np.testing.assert_array_equal(stacked, [[0, 0], [0, 0], [0, 0], [5, 5]])


def test_gather_of_nothing_written_needs_a_full_element_shape():
    (seq,) = run("SequenceReserve", [np.array(2)])
    (zeros,) = run("SequenceGather", [seq, np.arange(2)], element_shape=[3], dtype=int(DataType.DT_INT32))
    assert zeros.shape == (2, 3) and zeros.dtype == np.int32 and not zeros.any()
    with pytest.raises(ConverterError, match="not fully known"):
        run("SequenceGather", [seq, np.arange(2)], element_shape=[-1], dtype=int(DataType.DT_FLOAT))


def test_scatter_then_concat_gives_values_and_lengths():
    (seq,) = run("SequenceScatter", [[], np.array([1, 0]), np.arange(6, dtype=np.float32).reshape(2, 3)])
    value, lengths = run("SequenceConcat", [seq], element_shape=None, dtype=int(DataType.DT_FLOAT))
    np.testing.assert_array_equal(value, [3, 4, 5, 0, 1, 2])
    np.testing.assert_array_equal(lengths, [3, 3])


@pytest.mark.parametrize("op_type,inputs", [
    ("SequenceReserve", [np.array(1 << 40)]),
    ("SequenceSetItem", [[], np.array(1 << 40), np.zeros(2)]),
    ("SequenceScatter", [[], np.array([1 << 40]), np.zeros((1, 2))]),
    ("SequenceSetItem", [[None], np.array(-3), np.zeros(2)]),
    ("SequenceAt", [[np.zeros(2)], np.array(5)]),
    ("SequenceAt", [[None], np.array(0)]),
])
def test_impossible_positions_and_sizes_are_e10001(op_type, inputs):
    with pytest.raises(ConverterError) as err:
        run(op_type, inputs)
    assert err.value.code == "E10001"
