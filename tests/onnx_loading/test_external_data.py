"""ONNX external-data weights: loaded (memory-mapped) from files beside the model; paths that escape the
model's folder, and missing or short files, are refused with E-codes."""
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from converter.api import build_graph
from converter.errors import ConverterError
from converter.options import ConvertOptions
from converter.runtime import Session
from tests.helpers import ort_run


def _model_with_external(folder, location: str, write_file: bool = True, length=None):
    w = (np.arange(12, dtype=np.float32) / 7).reshape(3, 4)
    t = onnx.TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 4], data_location=TensorProto.EXTERNAL)
    for k, v in (("location", location), ("offset", "0"), ("length", str(length or w.nbytes))):
        t.external_data.add(key=k, value=v)
    model_dir = os.path.join(folder, "model")
    if write_file:
        path = os.path.join(model_dir, location)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(w.tobytes())
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])], [t])
    os.makedirs(model_dir, exist_ok=True)
    path = os.path.join(model_dir, "m.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def _build(path):
    return build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))


def test_external_weights_beside_the_model(tmp_path):
    path = _model_with_external(str(tmp_path), "weights/w.bin")
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(Session(_build(path)).run({"x": x})["y"], ort_run(path, {"x": x})[0], rtol=1e-6)


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "weights/../../x.bin"])
def test_paths_escaping_the_model_folder_are_refused(tmp_path, location):
    path = _model_with_external(str(tmp_path), location, write_file=False)
    with pytest.raises(ConverterError) as e:
        _build(path)
    assert e.value.code == "E10041" and "escapes" in e.value.message


def test_missing_external_file_is_E13001(tmp_path):
    path = _model_with_external(str(tmp_path), "w.bin", write_file=False)
    with pytest.raises(ConverterError) as e:
        _build(path)
    assert e.value.code == "E13001"


def test_short_external_file_is_E10041(tmp_path):
    path = _model_with_external(str(tmp_path), "w.bin", length=4)
    with pytest.raises(ConverterError) as e:
        _build(path)
    assert e.value.code == "E10041"


@pytest.mark.parametrize("location", ["w.bin", None])
def test_dims_whose_product_passes_int64_are_refused(tmp_path, location):
    """dims 2**32 x 2**32 make 2**64 elements: counted exactly, not wrapped to 0 (an empty tensor, or a try to
    allocate the shape), the tensor is refused as longer than its data (external or raw_data)."""
    if location:
        path = _model_with_external(str(tmp_path), location)
    else:
        t = onnx.TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 4], raw_data=bytes(48))
        g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])], [t])
        path = os.path.join(str(tmp_path), "m.onnx")
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    model = onnx.load(path, load_external_data=False)
    del model.graph.initializer[0].dims[:]
    model.graph.initializer[0].dims.extend([2**32, 2**32])
    onnx.save(model, path)
    with pytest.raises(ConverterError) as e:
        _build(path)
    assert e.value.code == "E10041"
