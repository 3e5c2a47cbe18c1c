"""TF constants and attrs: tensor_content views, typed lists with the splat rule, every mapped dtype."""
from __future__ import annotations

import numpy as np
import pytest

from converter.errors import ConverterError
from converter.frontends.tensorflow import load_tf_graph
from converter.frontends.tensorflow.reader import attr_value, tensor_to_array, to_data_type
from converter.ir import DataType
from converter.proto import tf_graph_pb2 as tfpb
from tests.tensorflow.tf_builder import TF_TYPES, GraphDefBuilder, tensor_proto

DTYPES = [np.float32, np.float64, np.float16, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32,
          np.int64, np.uint64, np.bool_, np.complex64]
OURS = {np.float32: DataType.DT_FLOAT, np.float64: DataType.DT_DOUBLE, np.float16: DataType.DT_FLOAT16,
        np.int8: DataType.DT_INT8, np.uint8: DataType.DT_UINT8, np.int16: DataType.DT_INT16,
        np.uint16: DataType.DT_UINT16, np.int32: DataType.DT_INT32, np.uint32: DataType.DT_UINT32,
        np.int64: DataType.DT_INT64, np.uint64: DataType.DT_UINT64, np.bool_: DataType.DT_BOOL,
        np.complex64: DataType.DT_COMPLEX64}


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_content_every_dtype(dtype):
    value = (np.arange(12) % 5).astype(dtype).reshape(3, 4)
    arr = tensor_to_array(tensor_proto(value))
    assert arr.dtype == dtype and arr.shape == (3, 4)
    np.testing.assert_array_equal(arr, value)
    assert to_data_type(TF_TYPES[np.dtype(dtype)]) == OURS[dtype]


def test_tensor_content_is_a_read_only_view():
    arr = tensor_to_array(tensor_proto(np.ones((64, 64), np.float32)))
    assert not arr.flags.writeable and not arr.flags.owndata


def _typed(dtype: int, field: str, values, shape) -> tfpb.TensorProto:
    t = tfpb.TensorProto(dtype=dtype)
    for d in shape:
        t.tensor_shape.dim.add(size=d)
    getattr(t, field).extend(values)
    return t


@pytest.mark.parametrize("dtype,field,values,np_dtype", [
    (1, "float_val", [1.5, -2.0], np.float32), (2, "double_val", [0.25, 3.0], np.float64),
    (3, "int_val", [7, -3], np.int32), (4, "int_val", [200, 1], np.uint8), (5, "int_val", [-300, 2], np.int16),
    (6, "int_val", [-8, 9], np.int8), (17, "int_val", [60000, 1], np.uint16), (9, "int64_val", [2 ** 40, -1], np.int64),
    (10, "bool_val", [True, False], np.bool_), (22, "uint32_val", [2 ** 31 + 5, 1], np.uint32),
    (23, "uint64_val", [2 ** 63 + 5, 1], np.uint64)])
def test_typed_lists(dtype, field, values, np_dtype):
    arr = tensor_to_array(_typed(dtype, field, values, [2]))
    assert arr.dtype == np_dtype
    np.testing.assert_array_equal(arr, np.array(values, dtype=np_dtype))


def test_single_value_fills_the_shape_and_last_value_repeats():
    np.testing.assert_array_equal(tensor_to_array(_typed(1, "float_val", [0.5], [2, 3])), np.full((2, 3), 0.5))
    np.testing.assert_array_equal(tensor_to_array(_typed(3, "int_val", [1, 2], [4])), [1, 2, 2, 2])
    np.testing.assert_array_equal(tensor_to_array(_typed(1, "float_val", [], [2])), [0, 0])
    assert tensor_to_array(_typed(3, "int_val", [4], [])).shape == ()
    with pytest.raises(ConverterError):
        tensor_to_array(_typed(3, "int_val", [1, 2, 3], [2]))


def test_half_bfloat16_and_complex_lists():
    halves = np.array([1.5, -0.25], np.float16)
    arr = tensor_to_array(_typed(19, "half_val", halves.view(np.uint16).astype(np.int32).tolist(), [2]))
    assert arr.dtype == np.float16
    np.testing.assert_array_equal(arr, halves)
    bf16_bits = (np.array([1.5, -2.0], np.float32).view(np.uint32) >> 16).astype(np.int32)
    np.testing.assert_array_equal(tensor_to_array(_typed(14, "half_val", bf16_bits.tolist(), [2])), [1.5, -2.0])
    t = tfpb.TensorProto(dtype=14, tensor_content=bf16_bits.astype("<u2").tobytes())
    t.tensor_shape.dim.add(size=2)
    np.testing.assert_array_equal(tensor_to_array(t), [1.5, -2.0])
    cplx = tensor_to_array(_typed(8, "scomplex_val", [1, 2, 3, 4], [2]))
    np.testing.assert_array_equal(cplx, np.array([1 + 2j, 3 + 4j], np.complex64))


def test_string_constants():
    t = _typed(7, "string_val", [b"ab", b"c"], [2])
    assert list(tensor_to_array(t)) == [b"ab", b"c"]


def test_wrong_content_size_is_refused():
    t = tensor_proto(np.ones(4, np.float32))
    t.tensor_shape.dim[0].size = 5
    with pytest.raises(ConverterError) as err:
        tensor_to_array(t)
    assert err.value.code == "E10041"


def test_attr_values():
    av = tfpb.AttrValue
    assert attr_value(av(s=b"SAME")) == "SAME"
    assert attr_value(av(i=3)) == 3 and attr_value(av(b=True)) is True
    assert attr_value(av(f=0.5)) == 0.5
    assert attr_value(av(type=3)) == DataType.DT_INT32
    assert attr_value(av(type=20)) == "DT_RESOURCE"
    shape = av()
    shape.shape.dim.add(size=-1)
    shape.shape.dim.add(size=3)
    assert attr_value(shape) == (-1, 3)
    assert attr_value(av(shape=tfpb.TensorShapeProto(unknown_rank=True))) is None
    lst = av()
    lst.list.i.extend([1, 2, 2, 1])
    assert attr_value(lst) == [1, 2, 2, 1]
    empty = av()
    empty.list.SetInParent()
    assert attr_value(empty) == []
    types = av()
    types.list.type.extend([1, 9])
    assert attr_value(types) == [DataType.DT_FLOAT, DataType.DT_INT64]


def test_const_nodes_become_consts_with_the_node_name(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (2,))
    g.const("c", [1.0, 2.0], np.float32, typed_list=True)
    g.node("y", "Mul", ["x", "c"])
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    c = graph.op("c")
    assert c.type == "Const" and c.source == "c" and c.outputs[0].name == "c:0"
    np.testing.assert_array_equal(c.value, [1.0, 2.0])
