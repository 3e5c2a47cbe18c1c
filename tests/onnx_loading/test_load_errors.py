"""Malformed input through the lazy loader: the same verdicts as a plain ParseFromString (E10041, never a
traceback), for truncated, corrupted, empty and non-ONNX files, and for raw_data that does not fit."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph
from converter.errors import ConverterError, ModelLoadError
from converter.frontends.onnx.reader import load_lazy_model, load_model, tensor_to_array
from converter.proto import onnx_pb2
from tests.helpers import options, save


def _small_model() -> bytes:
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
    b = numpy_helper.from_array(np.arange(4, dtype=np.int64), "b")
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])], [w, b])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


SMALL = _small_model()


def _plain_verdict(data: bytes):
    """What the loader did before mapping: parse everything, reject what has no graph (with the same
    compiled onnx.proto the loader uses)."""
    model = onnx_pb2.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception:
        return "E10041"
    if not model.HasField("graph") or (not model.graph.node and not model.graph.output):
        return "E10041"
    g = model.graph  # names that are not UTF-8 text (the runtime hands back bytes) are refused too
    texts = [g.name, *(v.name for v in (*g.input, *g.output)), *(t.name for t in g.initializer)]
    texts += [x for n in g.node for x in (n.name, n.op_type, n.domain, *n.input, *n.output,
                                          *(a.name for a in n.attribute))]
    if any(not isinstance(t, str) for t in texts):
        return "E10041"
    return model


def _lazy_verdict(path: str):
    try:
        return load_model(path)
    except ModelLoadError as exc:
        return exc.code


def _write(tmp_path, data: bytes) -> str:
    path = tmp_path / "m.onnx"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("data", [b"", b"\x00" * 64, b"name: 'caffe net'\nlayer { type: 'Conv' }\n",
                                  b"\xff" * 10, SMALL[:len(SMALL) // 2], SMALL[:-3], b"\x3a\x05ab"],
                         ids=["empty", "zeros", "prototxt", "bad_varint", "half", "cut_end", "short_graph"])
def test_not_onnx_gives_E10041(tmp_path, data):
    path = _write(tmp_path, data)
    with pytest.raises(ModelLoadError) as exc:
        load_lazy_model(path)
    assert exc.value.code == "E10041"
    with pytest.raises(ConverterError) as exc:
        build_graph(options(path))
    assert exc.value.code == "E10041"


def test_missing_file_gives_E13001(tmp_path):
    with pytest.raises(ModelLoadError) as exc:
        load_lazy_model(str(tmp_path / "nope.onnx"))
    assert exc.value.code == "E13001"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(SMALL)), flips=st.lists(st.tuples(st.integers(0, len(SMALL) - 1),
                                                                st.integers(0, 255)), max_size=3))
def test_same_verdict_as_plain_parse(tmp_path, cut, flips):
    data = bytearray(SMALL)
    for pos, value in flips:
        data[pos] = value
    data = bytes(data[:cut] if cut else data)
    path = _write(tmp_path, data)
    assert _lazy_verdict(path) == _plain_verdict(data)


def _raw_tensor(data_type: int, dims: list, raw: bytes) -> TensorProto:
    t = TensorProto(name="w", data_type=data_type, dims=dims)
    t.raw_data = raw
    return t


@pytest.mark.parametrize("tensor", [
    _raw_tensor(TensorProto.FLOAT, [2, 3], np.zeros(5, np.float32).tobytes()),
    _raw_tensor(TensorProto.FLOAT, [2], np.zeros(3, np.float32).tobytes()),
    _raw_tensor(TensorProto.INT64, [2], b"\x01\x02\x03"),
    _raw_tensor(TensorProto.FLOAT, [-1], b"\x00" * 4),
], ids=["short", "long", "ragged", "negative_dim"])
def test_raw_data_not_matching_shape_gives_E10041(tmp_path, tensor):
    g = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [],
                          [helper.make_tensor_value_info("y", tensor.data_type, None)], [tensor])
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path)
    lazy = load_lazy_model(path)
    with pytest.raises(ModelLoadError) as exc:
        tensor_to_array(lazy.model.graph.initializer[0], None, lazy.initializer_raw[0])
    assert exc.value.code == "E10041"
    with pytest.raises(ConverterError) as exc:
        build_graph(options(path))
    assert exc.value.code == "E10041"


def test_string_tensor_with_raw_data_gives_E10041():
    t = helper.make_tensor("s", TensorProto.STRING, [1], [b"x"])
    t.raw_data = b"abcd"
    with pytest.raises(ModelLoadError) as exc:
        tensor_to_array(t, None)
    assert exc.value.code == "E10041"
