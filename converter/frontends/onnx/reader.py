"""Reads ONNX files: content sniffing, ModelProto parsing, and tensors (inline or external data).

The messages are our compiled onnx.proto (converter/proto/onnx_pb2.py), not the onnx package's: importing
that package costs more than converting a small model, and conversion needs none of its functions.
"""
from __future__ import annotations

import math
import os

import numpy as np

from ...errors import FILE_OPEN_FAILED, MODEL_LOAD_FAILED, ModelLoadError
from ...fileio import resolve_inside
from ...ir import DataType, from_numpy, to_numpy
from ...ir.dtypes import from_bytes, is_ml_dtype
from ...ir.dtypes import nbytes as stored_nbytes
from ...ir.sizes import check_tensor_bytes, element_count
from ...proto import onnx_pb2 as onnx
from ..protowire import WireFormatError
from .lazy_load import LazyModel, RawSpan, drop_resident_pages, map_file, map_own_pages, split_weights

TensorProto, AttributeProto = onnx.TensorProto, onnx.AttributeProto

# ONNX TensorProto.DataType -> numpy
_NP = {
    TensorProto.FLOAT: np.float32, TensorProto.UINT8: np.uint8, TensorProto.INT8: np.int8,
    TensorProto.UINT16: np.uint16, TensorProto.INT16: np.int16, TensorProto.INT32: np.int32,
    TensorProto.INT64: np.int64, TensorProto.BOOL: np.bool_, TensorProto.FLOAT16: np.float16,
    TensorProto.DOUBLE: np.float64, TensorProto.UINT32: np.uint32, TensorProto.UINT64: np.uint64,
    TensorProto.STRING: np.object_,
}

# The field holding a tensor's values when it has no raw_data, by type (the ONNX spec; any other type: int32_data)
_VALUE_FIELD = {TensorProto.FLOAT: ("float_data", np.float32), TensorProto.DOUBLE: ("double_data", np.float64),
                TensorProto.INT64: ("int64_data", np.int64), TensorProto.UINT32: ("uint64_data", np.uint64),
                TensorProto.UINT64: ("uint64_data", np.uint64)}
_BIT_PATTERNS = {TensorProto.FLOAT16: np.uint16, TensorProto.UINT16: np.uint16, TensorProto.INT16: np.uint16,
                 TensorProto.BOOL: np.uint8}   # int32_data holds these types' bit patterns

# ONNX types computed as ml_dtypes arrays -> the GE DataType each one is (numbers: older onnx wheels lack names)
NARROW_TYPES = {16: DataType.DT_BF16, 17: DataType.DT_FLOAT8_E4M3FN, 19: DataType.DT_FLOAT8_E5M2,
                22: DataType.DT_INT4, 23: DataType.DT_FLOAT4_E2M1, 24: DataType.DT_FLOAT8_E8M0,
                25: DataType.DT_UINT2, 26: DataType.DT_INT2}
# ONNX types GE has no DataType for: refused (E10041), naming the tensors (convert.check_tensor_types)
NO_GE_TYPE = {18: "FLOAT8E4M3FNUZ", 20: "FLOAT8E5M2FNUZ", 21: "UINT4"}


def onnx_type_name(t: int) -> str:
    if t in NO_GE_TYPE:
        return NO_GE_TYPE[t]
    return TensorProto.DataType.Name(t) if t in TensorProto.DataType.values() else f"number {t} (unknown)"


def is_known_type(t: int) -> bool:
    return t in _NP or t in NARROW_TYPES


def onnx_dtype_to_numpy(t: int):
    if t in _NP:
        return np.dtype(_NP[t])
    if t in NARROW_TYPES:
        return to_numpy(NARROW_TYPES[t])
    name = onnx_type_name(t)
    why = "GE has no data type for it" if t in NO_GE_TYPE else "it is not supported"
    raise ModelLoadError(MODEL_LOAD_FAILED, f"ONNX tensor type {name}: {why}")


def load_model(path: str) -> onnx.ModelProto:
    """Parse an ONNX file, initializer raw_data included (without pulling external data into memory).
    Holds about one copy of the weights: the file is mapped, not read into a bytes object."""
    lazy = load_lazy_model(path)
    for t, span in zip(lazy.model.graph.initializer, lazy.initializer_raw):
        if span is not None:
            t.raw_data = span.buffer[span.offset:span.offset + span.nbytes]
    return lazy.model


def load_lazy_model(path: str) -> LazyModel:
    """Parse an ONNX file without copying the top-level initializers' raw_data: the file is mapped
    read-only and ``tensor_to_array(t, base_dir, raw=lazy.initializer_raw[i])`` is a view into it."""
    try:
        with open(path, "rb") as f:
            buffer = map_file(f)
            if buffer is None:  # empty file, pipe, ...: no mapping, parse the bytes
                return LazyModel(_parse(f.read(), path))
            try:
                skeleton, spans = split_weights(buffer)
            except WireFormatError:  # not walkable: the full parser gives the verdict
                return LazyModel(_parse(bytes(buffer), path))
            model = _parse(skeleton, path)
            if len(model.graph.initializer) != len(spans):
                return LazyModel(_parse(bytes(buffer), path))
            drop_resident_pages(buffer)
            return LazyModel(model, map_own_pages(f, spans), buffer)
    except OSError as exc:
        raise ModelLoadError(FILE_OPEN_FAILED, f"cannot open model file '{path}': {exc.strerror}", path=path) from None


def _parse(data: bytes, path: str) -> onnx.ModelProto:
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is not an ONNX model (cannot parse ModelProto); check "
                             "--framework and --model", path=path) from None
    if not model.HasField("graph") or (not model.graph.node and not model.graph.output):
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is not an ONNX model (no graph); check --framework "
                             "and --model", path=path)
    _check_text(model.graph, path)
    return model


def _names(graph: onnx.GraphProto):
    """Every name of a graph and of the graphs in its nodes' attributes (If/Loop bodies)."""
    yield graph.name
    yield from (vi.name for vi in (*graph.input, *graph.output, *graph.value_info))
    yield from (t.name for t in graph.initializer)
    for n in graph.node:
        yield from (n.name, n.op_type, n.domain, *n.input, *n.output)
        for a in n.attribute:
            yield a.name
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _names(a.g)
            for sub in a.graphs:
                yield from _names(sub)


def _check_text(graph: onnx.GraphProto, path: str) -> None:
    """Names must be valid UTF-8 text (the protobuf runtime hands back bytes for a corrupt string), in the
    main graph and in every body."""
    if any(not isinstance(t, str) for t in _names(graph)):
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is not a valid ONNX model: some names are not UTF-8 text "
                             "(the file is damaged?)", path=path)


def tensor_to_array(t: TensorProto, base_dir: str | None, raw: RawSpan | None = None) -> np.ndarray:
    """A numpy array for an ONNX tensor; raw and external data are read-only views, not copies.
    ``raw``: where the tensor's raw_data lies when it was left out of ``t`` (see load_lazy_model).
    Dims are checked first (E10041 for a negative dim or an element count beyond int64, E10001 for a tensor
    larger than a device holds), so no crafted dims make us allocate."""
    dtype = onnx_dtype_to_numpy(t.data_type)
    shape = tuple(t.dims)
    what = f"tensor '{t.name}'"
    count = element_count(shape, what, code=MODEL_LOAD_FAILED, error=ModelLoadError)
    if t.data_location == TensorProto.EXTERNAL:
        return _external(t, dtype, shape, count, base_dir)
    if raw is not None:
        return _raw_view(t, dtype, shape, count, raw.buffer, raw.offset, raw.nbytes)
    if t.raw_data:
        data = t.raw_data
        return _raw_view(t, dtype, shape, count, data, 0, len(data))
    try:
        return _field_values(t, dtype, shape)
    except (ValueError, TypeError) as exc:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"tensor '{t.name}': its data does not match its type and shape "
                             f"{list(shape)} ({exc})") from None


def _field_values(t: TensorProto, dtype, shape) -> np.ndarray:
    """The values a tensor keeps in its typed fields (float_data, int32_data, ...), as ``dtype``. The narrow
    types keep in int32_data what raw_data would hold, one byte (bfloat16: two) per entry, 4- and 2-bit values
    packed."""
    if t.data_type == TensorProto.STRING:
        return np.array([s.decode("utf-8") for s in t.string_data], dtype=object).reshape(shape)
    name, storage = _VALUE_FIELD.get(t.data_type, ("int32_data", np.int32))
    values = np.asarray(getattr(t, name), dtype=storage)
    if is_ml_dtype(dtype):
        dt = from_numpy(dtype)
        raw = values.view(np.uint32).astype(np.uint16 if dtype.itemsize == 2 else np.uint8)
        count = math.prod(shape)  # exact (no int64 wrap-around); 1 for a scalar
        if raw.nbytes != stored_nbytes(dt, count):
            raise ValueError(f"{len(values)} values stored, {stored_nbytes(dt, count) // raw.itemsize} needed")
        return from_bytes(raw.astype(raw.dtype.newbyteorder("<")).tobytes(), dt, shape)
    if t.data_type in _BIT_PATTERNS:
        return values.view(np.uint32).astype(_BIT_PATTERNS[t.data_type]).view(dtype).reshape(shape)
    return values.astype(dtype).reshape(shape)


def _raw_view(t: TensorProto, dtype, shape, count: int, buffer, offset: int, nbytes: int) -> np.ndarray:
    """Little-endian view of ``nbytes`` raw bytes at ``offset`` of ``buffer``, shaped ``shape`` (the narrow types
    decoded: sub-byte ones are packed in raw_data)."""
    check_tensor_bytes(count, dtype.itemsize, f"tensor '{t.name}'", error=ModelLoadError)
    if is_ml_dtype(dtype):
        dt = from_numpy(dtype)
        if nbytes != stored_nbytes(dt, count):
            raise ModelLoadError(MODEL_LOAD_FAILED, f"tensor '{t.name}': raw_data holds {nbytes} bytes, its type and "
                                 f"shape {list(shape)} need {stored_nbytes(dt, count)}")
        return from_bytes(memoryview(buffer)[offset:offset + nbytes], dt, shape)
    if dtype.kind == "O" or nbytes != count * dtype.itemsize:
        what = "string tensors cannot use raw_data" if dtype.kind == "O" else \
            f"raw_data holds {nbytes} bytes, its type and shape {list(shape)} need {count * dtype.itemsize}"
        raise ModelLoadError(MODEL_LOAD_FAILED, f"tensor '{t.name}': {what}")
    return np.frombuffer(buffer, dtype=dtype.newbyteorder("<"), count=count, offset=offset).reshape(shape)


def _external_number(t: TensorProto, info: dict, key: str, default: int) -> int:
    """The external_data ``offset`` / ``length`` entry: a non-negative integer in ASCII digits (E10041)."""
    text = info.get(key)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()):
        raise ModelLoadError(MODEL_LOAD_FAILED, f"tensor '{t.name}': external data {key} {text!r} is not a "
                             "non-negative integer; the model file is damaged")
    return int(text)


def _external(t: TensorProto, dtype, shape, count: int, base_dir: str | None) -> np.ndarray:
    info = {e.key: e.value for e in t.external_data}
    location = info.get("location", "")
    full = resolve_inside(base_dir or ".", location, what=f"tensor '{t.name}': external data",
                          code=MODEL_LOAD_FAILED, error=ModelLoadError)
    if dtype.kind == "O":
        raise ModelLoadError(MODEL_LOAD_FAILED, f"tensor '{t.name}': string tensors cannot use external data")
    need = stored_nbytes(from_numpy(dtype), count) if is_ml_dtype(dtype) else count * dtype.itemsize
    offset = _external_number(t, info, "offset", 0)
    length = _external_number(t, info, "length", need)
    if not os.path.isfile(full):
        raise ModelLoadError(FILE_OPEN_FAILED, f"tensor '{t.name}': external data file '{location}' not found next to "
                             "the model", path=full)
    if length < need or offset + length > os.path.getsize(full):
        raise ModelLoadError(MODEL_LOAD_FAILED, f"tensor '{t.name}': external data in '{location}' is shorter than its "
                             "shape needs", path=full)
    check_tensor_bytes(count, dtype.itemsize, f"tensor '{t.name}'", error=ModelLoadError)
    if count == 0:
        return np.zeros(shape, dtype)
    if is_ml_dtype(dtype):
        return from_bytes(np.memmap(full, dtype=np.uint8, mode="r", offset=offset, shape=(need,)),
                          from_numpy(dtype), shape)
    return np.memmap(full, dtype=dtype, mode="r", offset=offset, shape=shape)


# AttributeProto.type -> the field holding the value (a list for the repeated ones)
_ATTR_FIELD = {AttributeProto.FLOAT: "f", AttributeProto.INT: "i", AttributeProto.STRING: "s",
               AttributeProto.TENSOR: "t", AttributeProto.SPARSE_TENSOR: "sparse_tensor", AttributeProto.GRAPH: "g",
               AttributeProto.TYPE_PROTO: "tp"}
_ATTR_LIST_FIELD = {AttributeProto.FLOATS: "floats", AttributeProto.INTS: "ints", AttributeProto.STRINGS: "strings",
                    AttributeProto.TENSORS: "tensors", AttributeProto.SPARSE_TENSORS: "sparse_tensors",
                    AttributeProto.GRAPHS: "graphs", AttributeProto.TYPE_PROTOS: "type_protos"}


def _attribute_field(a: AttributeProto):
    """The value an attribute's ``type`` selects (messages as messages, lists as lists); None when UNDEFINED."""
    if a.ref_attr_name:
        raise ValueError(f"attribute '{a.name}' refers to a function attribute ('{a.ref_attr_name}')")
    if a.type in _ATTR_FIELD:
        return getattr(a, _ATTR_FIELD[a.type])
    if a.type in _ATTR_LIST_FIELD:
        return list(getattr(a, _ATTR_LIST_FIELD[a.type]))
    if a.type == AttributeProto.UNDEFINED:
        return None
    raise ValueError(f"attribute '{a.name}' has an unknown type {a.type}")


def attribute_value(a: AttributeProto, base_dir: str | None):
    """Python value of an attribute (tensors as numpy arrays, graphs left as GraphProto)."""
    if a.type == AttributeProto.TENSOR:
        return tensor_to_array(a.t, base_dir)
    if a.type == AttributeProto.GRAPH:
        return a.g
    v = _attribute_field(a)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [s.decode("utf-8", "replace") for s in v]
    return v
