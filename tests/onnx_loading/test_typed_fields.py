"""Tensors whose values sit in the typed fields (float_data, int32_data, ...) rather than raw_data decode, with
our compiled onnx.proto and no onnx package, to what onnx.numpy_helper gives: every type we read, the narrow
ones included (bfloat16 and float8 bit patterns, 4- and 2-bit values packed in int32_data)."""
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.errors import ModelLoadError
from converter.frontends.onnx.reader import tensor_to_array
from converter.proto import onnx_pb2

FLOATS = [1.0, -2.0, 0.5, 1.5, -1.0, 0.0]
INTS = [1, -1, 0, 1, -2, 1]
CASES = {
    "FLOAT": FLOATS, "DOUBLE": FLOATS, "FLOAT16": FLOATS, "BFLOAT16": FLOATS, "FLOAT8E4M3FN": FLOATS,
    "FLOAT8E5M2": FLOATS, "FLOAT8E8M0": [1.0, 2.0, 0.5, 4.0, 1.0, 8.0], "FLOAT4E2M1": FLOATS,
    "INT8": INTS, "INT16": INTS, "INT32": INTS, "INT64": INTS, "INT4": INTS, "INT2": INTS,
    "UINT8": [1, 0, 7, 255, 3, 2], "UINT16": [1, 0, 7, 65535, 3, 2], "UINT32": [1, 0, 7, 2**32 - 1, 3, 2],
    "UINT64": [1, 0, 7, 2**64 - 1, 3, 2], "UINT2": [1, 0, 3, 2, 3, 1], "BOOL": [1, 0, 1, 1, 0, 0],
}


def _ours(t):
    return onnx_pb2.TensorProto.FromString(t.SerializeToString())


@pytest.mark.parametrize("type_name", sorted(CASES))
def test_typed_fields_decode_like_numpy_helper(type_name):
    t = helper.make_tensor("t", getattr(TensorProto, type_name), [2, 3], CASES[type_name])
    assert not t.raw_data
    want, got = numpy_helper.to_array(t), tensor_to_array(_ours(t), None)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


def test_strings_decode_to_str_objects():
    t = helper.make_tensor("s", TensorProto.STRING, [2], [b"ab", "\u00e9".encode()])
    got = tensor_to_array(_ours(t), None)
    assert got.dtype == object and list(got) == ["ab", "\u00e9"]


def test_a_wrong_value_count_is_E10041():
    t = helper.make_tensor("t", TensorProto.BFLOAT16, [2, 3], FLOATS)
    del t.int32_data[-1]
    with pytest.raises(ModelLoadError) as exc:
        tensor_to_array(_ours(t), None)
    assert exc.value.code == "E10041"
