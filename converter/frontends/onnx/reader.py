"""Reads ONNX files: content sniffing, ModelProto parsing, and tensors (inline or external data)."""
from __future__ import annotations

import os

import numpy as np
import onnx
from onnx import TensorProto, helper

from ...errors import ModelLoadError

# ONNX TensorProto.DataType -> numpy
_NP = {
    TensorProto.FLOAT: np.float32, TensorProto.UINT8: np.uint8, TensorProto.INT8: np.int8,
    TensorProto.UINT16: np.uint16, TensorProto.INT16: np.int16, TensorProto.INT32: np.int32,
    TensorProto.INT64: np.int64, TensorProto.BOOL: np.bool_, TensorProto.FLOAT16: np.float16,
    TensorProto.DOUBLE: np.float64, TensorProto.UINT32: np.uint32, TensorProto.UINT64: np.uint64,
    TensorProto.STRING: np.object_,
}


def onnx_dtype_to_numpy(t: int):
    try:
        return np.dtype(_NP[t])
    except KeyError:
        raise ModelLoadError("E10041", f"ONNX tensor type {TensorProto.DataType.Name(t)} is not supported") from None


def load_model(path: str) -> onnx.ModelProto:
    """Parse an ONNX file (without pulling external data into memory)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ModelLoadError("E13001", f"cannot open model file '{path}': {exc.strerror}", path=path) from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception:
        raise ModelLoadError("E10041", f"'{path}' is not an ONNX model (cannot parse ModelProto); check "
                             "--framework and --model", path=path) from None
    if not model.HasField("graph") or (not model.graph.node and not model.graph.output):
        raise ModelLoadError("E10041", f"'{path}' is not an ONNX model (no graph); check --framework "
                             "and --model", path=path)
    return model


def tensor_to_array(t: TensorProto, base_dir: str | None) -> np.ndarray:
    """A numpy array for an ONNX tensor; raw and external data are read-only views, not copies."""
    dtype = onnx_dtype_to_numpy(t.data_type)
    shape = tuple(t.dims)
    if t.data_location == TensorProto.EXTERNAL:
        return _external(t, dtype, shape, base_dir)
    if t.raw_data:
        arr = np.frombuffer(t.raw_data, dtype=dtype.newbyteorder("<"))
        return arr.reshape(shape)
    return onnx.numpy_helper.to_array(t).astype(dtype, copy=False).reshape(shape)


def _external(t: TensorProto, dtype, shape, base_dir: str | None) -> np.ndarray:
    info = {e.key: e.value for e in t.external_data}
    location = info.get("location", "")
    base = os.path.realpath(base_dir or ".")
    full = os.path.realpath(os.path.join(base, location))
    if os.path.isabs(location) or os.path.commonpath([base, full]) != base:
        raise ModelLoadError("E10041", f"tensor '{t.name}': external data path '{location}' escapes the "
                             "model's folder; keep external data files beside the model", path=location)
    if not os.path.isfile(full):
        raise ModelLoadError("E13001", f"tensor '{t.name}': external data file '{location}' not found next to "
                             "the model", path=full)
    offset = int(info.get("offset", 0))
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    length = int(info.get("length", count * dtype.itemsize))
    if length < count * dtype.itemsize or offset + length > os.path.getsize(full):
        raise ModelLoadError("E10041", f"tensor '{t.name}': external data in '{location}' is shorter than its "
                             "shape needs", path=full)
    if count == 0:
        return np.zeros(shape, dtype)
    return np.memmap(full, dtype=dtype, mode="r", offset=offset, shape=shape)


def attribute_value(a: onnx.AttributeProto, base_dir: str | None):
    """Python value of an attribute (tensors as numpy arrays, graphs left as GraphProto)."""
    if a.type == onnx.AttributeProto.TENSOR:
        return tensor_to_array(a.t, base_dir)
    if a.type == onnx.AttributeProto.GRAPH:
        return a.g
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [s.decode("utf-8", "replace") for s in v]
    return v
