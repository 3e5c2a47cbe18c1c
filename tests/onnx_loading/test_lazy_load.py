"""Zero-copy ONNX loading: the skeleton plus located raw_data equals onnx.load, and initializers are
read-only views into the mapped file that equal onnx.numpy_helper.to_array."""
import gc
import mmap

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph
from converter.frontends.onnx import lazy_load
from converter.frontends.onnx.lazy_load import OWN_MAP_BYTES, split_weights
from converter.frontends.onnx.reader import load_lazy_model, load_model, tensor_to_array
from converter.runtime import Session
from tests.helpers import options, ort_run, save

RNG = np.random.default_rng(0)
RAW_VALUES = {
    "f32": RNG.standard_normal((4, 3, 2)).astype(np.float32),
    "f16": RNG.standard_normal((5,)).astype(np.float16),
    "f64": RNG.standard_normal((2, 2)).astype(np.float64),
    "i64": RNG.integers(-9, 9, (7,)).astype(np.int64),
    "i8": RNG.integers(-9, 9, (3, 1)).astype(np.int8),
    "u8": RNG.integers(0, 255, (9,)).astype(np.uint8),
    "b": np.array([True, False, True]),
    "scalar": np.array(3.5, np.float32),
    "big": RNG.standard_normal(OWN_MAP_BYTES // 4 + 100).astype(np.float32),  # gets a map of its own
}


def _model(initializers, nodes=(), opset=13):
    """A graph that only lists ``initializers`` as outputs (through Identity), plus extra nodes."""
    outs = [helper.make_tensor_value_info(f"o_{t.name}", t.data_type, None) for t in initializers]
    ids = [helper.make_node("Identity", [t.name], [f"o_{t.name}"]) for t in initializers]
    g = helper.make_graph(list(nodes) + ids, "g", [], outs, list(initializers))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _raw_model():
    return _model([numpy_helper.from_array(v, k) for k, v in RAW_VALUES.items()])


def _non_raw_model():
    return _model([
        helper.make_tensor("fd", TensorProto.FLOAT, [2, 2], [1.0, 2.0, 3.0, 4.0]),
        helper.make_tensor("id", TensorProto.INT64, [3], [1, -2, 3]),
        helper.make_tensor("i32", TensorProto.INT32, [2], [7, 8]),
        helper.make_tensor("dd", TensorProto.DOUBLE, [1], [0.25]),
        helper.make_tensor("s", TensorProto.STRING, [2], [b"ab", b"c"]),
        helper.make_tensor("empty_raw", TensorProto.FLOAT, [0, 3], b"", raw=True),
        helper.make_tensor("empty", TensorProto.FLOAT, [0], []),
        numpy_helper.from_array(np.ones((2, 3), np.float32), "mixed"),
    ])


def _if_model():
    """An If whose branches carry their own initializers (they keep the ordinary parse path)."""
    def branch(name, value):
        init = numpy_helper.from_array(np.full((2,), value, np.float32), f"{name}_c")
        return helper.make_graph([helper.make_node("Add", ["x", f"{name}_c"], [f"{name}_out"])], name, [],
                                 [helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, None)], [init])
    node = helper.make_node("If", ["c"], ["y"], then_branch=branch("then", 1.0), else_branch=branch("else", 2.0))
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("c", TensorProto.BOOL, [])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(np.arange(2, dtype=np.float32), "x")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


MODELS = {"raw": _raw_model, "non_raw": _non_raw_model, "if": _if_model}


@pytest.fixture(autouse=True)
def split_every_tensor(monkeypatch):
    """These tests check how raw_data is located, on small tensors: locate every tensor's (the loader keeps
    TensorProtos under lazy_load.INLINE_BYTES in the skeleton: test_inline_tensors.py)."""
    monkeypatch.setattr(lazy_load, "INLINE_BYTES", 0)


def _base_chain(arr):
    """arr, its base, that one's base, ...; a memoryview (how numpy holds a foreign buffer) leads on to
    the object it exports."""
    chain = [arr]
    while True:
        last = chain[-1]
        if isinstance(last, np.ndarray) and last.base is not None:
            chain.append(last.base)
        elif isinstance(last, memoryview):
            chain.append(last.obj)
        else:
            return chain


def same_message(ours, theirs) -> bool:
    """Our compiled onnx.proto message (converter/proto) holds what the onnx package's holds."""
    return ours.SerializeToString(deterministic=True) == theirs.SerializeToString(deterministic=True)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_full_load_equals_onnx_load(tmp_path, kind):
    path = save(MODELS[kind](), tmp_path)
    assert same_message(load_model(path), onnx.load(path))


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_skeleton_plus_spans_equals_onnx_load(tmp_path, kind):
    path = save(MODELS[kind](), tmp_path)
    lazy = load_lazy_model(path)
    ref = onnx.load(path)
    assert len(lazy.initializer_raw) == len(ref.graph.initializer)
    skeleton = lazy.model
    for t, span in zip(skeleton.graph.initializer, lazy.initializer_raw):
        if span is not None:
            assert not t.raw_data  # really left out of the parsed skeleton
    stripped = onnx.ModelProto()
    stripped.CopyFrom(ref)
    for t, span in zip(stripped.graph.initializer, lazy.initializer_raw):
        if span is not None:
            t.ClearField("raw_data")
    assert same_message(skeleton, stripped)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_arrays_equal_numpy_helper(tmp_path, kind):
    path = save(MODELS[kind](), tmp_path)
    lazy = load_lazy_model(path)
    for t, span, ref in zip(lazy.model.graph.initializer, lazy.initializer_raw, onnx.load(path).graph.initializer):
        arr, want = tensor_to_array(t, str(tmp_path), span), numpy_helper.to_array(ref)
        assert arr.dtype == want.dtype and arr.shape == want.shape, t.name
        np.testing.assert_array_equal(arr, want)


def test_raw_arrays_are_read_only_views_into_the_map(tmp_path):
    path = save(_raw_model(), tmp_path)
    lazy = load_lazy_model(path)
    arrays = {t.name: tensor_to_array(t, None, span)
              for t, span in zip(lazy.model.graph.initializer, lazy.initializer_raw)}
    assert all(span is not None for span in lazy.initializer_raw)
    for name, arr in arrays.items():
        chain = _base_chain(arr)
        assert not arr.flags.owndata and not arr.flags.writeable, name
        assert isinstance(chain[-1], mmap.mmap), (name, [type(c) for c in chain])
    assert _base_chain(arrays["big"])[-1] is not lazy.buffer  # big tensors have their own map
    assert _base_chain(arrays["f32"])[-1] is lazy.buffer
    del lazy
    gc.collect()
    for name, arr in arrays.items():  # the maps outlive the loader: arrays keep them
        np.testing.assert_array_equal(arr, RAW_VALUES[name])


def test_external_data_keeps_memmap_path(tmp_path):
    model = _model([numpy_helper.from_array(v, k) for k, v in RAW_VALUES.items() if k in ("f32", "big", "i64")])
    path = str(tmp_path / "ext.onnx")
    onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location="w.bin",
              size_threshold=0)
    lazy = load_lazy_model(path)
    ref = onnx.load(path)  # pulls the external data in
    for t, span, r in zip(lazy.model.graph.initializer, lazy.initializer_raw, ref.graph.initializer):
        assert span is None and t.data_location == TensorProto.EXTERNAL
        arr = tensor_to_array(t, str(tmp_path), span)
        assert isinstance(arr, np.memmap)
        np.testing.assert_array_equal(arr, numpy_helper.to_array(r))
    assert same_message(load_model(path), onnx.load(path, load_external_data=False))


def _varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    return bytes(out + bytes([v]))


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


def test_merged_fields_follow_protobuf_semantics():
    """Repeated ModelProto.graph fields merge (initializers concatenate), and the last raw_data wins."""
    a = numpy_helper.from_array(np.arange(3, dtype=np.float32), "a")
    tensor = a.SerializeToString() + _field(9, np.array([7, 8, 9], np.float32).tobytes())
    graph1 = _field(5, tensor) + _field(2, b"g1")
    graph2 = _field(5, numpy_helper.from_array(np.ones(2, np.int64), "b").SerializeToString())
    data = _field(7, graph1) + bytes([0x08, 0x07]) + _field(7, graph2)
    skeleton, spans = split_weights(data)
    ref = onnx.ModelProto.FromString(data)
    assert [t.name for t in ref.graph.initializer] == ["a", "b"] and len(spans) == 2
    model = onnx.ModelProto.FromString(skeleton)
    for t, span in zip(model.graph.initializer, spans):
        t.raw_data = data[span.offset:span.offset + span.nbytes]
    assert model == ref
    np.testing.assert_array_equal(tensor_to_array(model.graph.initializer[0], None, spans[0]), [7, 8, 9])


def test_if_with_branch_initializers_converts_like_onnxruntime(tmp_path):
    path = save(_if_model(), tmp_path)
    for cond in (True, False):
        feeds = {"c": np.array(cond)}
        ours = Session(build_graph(options(path, precision_mode="force_fp32"))).run(feeds)
        np.testing.assert_allclose(next(iter(ours.values())), ort_run(path, feeds)[0], rtol=1e-6)

