"""Data types numbered like GE's ge.proto DataType, with numpy and ONNX/name mappings.

The narrow types (bfloat16, float8 e5m2/e4m3fn/e8m0, float4 e2m1, int4, int2, uint2) compute as ml_dtypes
arrays (imported on first use; it comes with onnx). In memory an ml_dtypes array keeps one element per byte
(bfloat16: two); in files (.om weights, ONNX raw_data) the sub-byte types are packed as ONNX and GE pack them:
elements in row-major order, element 0 in the low bits of byte 0 (int4/float4: two per byte, int2/uint2: four),
the last byte padded with zero bits (``to_bytes`` / ``from_bytes``)."""
from __future__ import annotations

from enum import IntEnum

import numpy as np


class DataType(IntEnum):
    DT_UNDEFINED = 0
    DT_FLOAT = 1
    DT_FLOAT16 = 2
    DT_INT8 = 3
    DT_UINT8 = 4
    DT_INT16 = 5
    DT_UINT16 = 6
    DT_INT32 = 7
    DT_INT64 = 8
    DT_UINT32 = 9
    DT_UINT64 = 10
    DT_BOOL = 11
    DT_DOUBLE = 12
    DT_STRING = 13
    DT_COMPLEX64 = 16
    DT_COMPLEX128 = 17
    DT_RESOURCE = 23
    DT_VARIANT = 26   # used for sequences (lists of tensors)
    DT_BF16 = 27
    DT_INT4 = 28
    DT_INT2 = 30
    DT_UINT2 = 31
    DT_FLOAT8_E5M2 = 34
    DT_FLOAT8_E4M3FN = 35
    DT_FLOAT8_E8M0 = 36
    DT_FLOAT4_E2M1 = 39


_TO_NUMPY = {
    DataType.DT_FLOAT: np.float32,
    DataType.DT_FLOAT16: np.float16,
    DataType.DT_INT8: np.int8,
    DataType.DT_UINT8: np.uint8,
    DataType.DT_INT16: np.int16,
    DataType.DT_UINT16: np.uint16,
    DataType.DT_INT32: np.int32,
    DataType.DT_INT64: np.int64,
    DataType.DT_UINT32: np.uint32,
    DataType.DT_UINT64: np.uint64,
    DataType.DT_BOOL: np.bool_,
    DataType.DT_DOUBLE: np.float64,
    DataType.DT_STRING: np.object_,
    DataType.DT_COMPLEX64: np.complex64,
    DataType.DT_COMPLEX128: np.complex128,
}
_FROM_NUMPY = {np.dtype(v): k for k, v in _TO_NUMPY.items()}

# the narrow types: DataType -> ml_dtypes type name
_ML_NAMES = {
    DataType.DT_BF16: "bfloat16", DataType.DT_FLOAT8_E5M2: "float8_e5m2", DataType.DT_FLOAT8_E4M3FN: "float8_e4m3fn",
    DataType.DT_FLOAT8_E8M0: "float8_e8m0fnu", DataType.DT_FLOAT4_E2M1: "float4_e2m1fn", DataType.DT_INT4: "int4",
    DataType.DT_INT2: "int2", DataType.DT_UINT2: "uint2",
}
_ML_BY_NAME = {name: dt for dt, name in _ML_NAMES.items()}
SUB_BYTE_BITS = {DataType.DT_INT4: 4, DataType.DT_FLOAT4_E2M1: 4, DataType.DT_INT2: 2, DataType.DT_UINT2: 2}
NARROW_FLOATS = frozenset({DataType.DT_BF16, DataType.DT_FLOAT8_E5M2, DataType.DT_FLOAT8_E4M3FN,
                           DataType.DT_FLOAT8_E8M0, DataType.DT_FLOAT4_E2M1})

# Names users write in options (--output_type, --customize_dtypes) and that ATC prints.
_SHORT_NAMES = {
    "FP32": DataType.DT_FLOAT, "FLOAT": DataType.DT_FLOAT, "FLOAT32": DataType.DT_FLOAT,
    "FP16": DataType.DT_FLOAT16, "FLOAT16": DataType.DT_FLOAT16,
    "INT8": DataType.DT_INT8, "UINT8": DataType.DT_UINT8, "INT16": DataType.DT_INT16,
    "UINT16": DataType.DT_UINT16, "INT32": DataType.DT_INT32, "INT64": DataType.DT_INT64,
    "UINT32": DataType.DT_UINT32, "UINT64": DataType.DT_UINT64, "BOOL": DataType.DT_BOOL,
    "DOUBLE": DataType.DT_DOUBLE, "FP64": DataType.DT_DOUBLE, "BF16": DataType.DT_BF16,
    "BFLOAT16": DataType.DT_BF16, "INT4": DataType.DT_INT4,
}


def to_numpy(dt: int) -> np.dtype:
    """numpy dtype for a DataType (an ml_dtypes one for the narrow types); raises KeyError for types we cannot
    compute with."""
    dt = DataType(dt)
    if dt in _ML_NAMES:
        import ml_dtypes
        return np.dtype(getattr(ml_dtypes, _ML_NAMES[dt]))
    return np.dtype(_TO_NUMPY[dt])


def from_numpy(dtype) -> DataType:
    dtype = np.dtype(dtype)
    found = _FROM_NUMPY.get(dtype)
    if found is None and is_ml_dtype(dtype):
        found = _ML_BY_NAME.get(dtype.name)
    if found is None:
        raise KeyError(dtype)
    return found


def is_ml_dtype(dtype) -> bool:
    """An ml_dtypes type (numpy numbers user-defined types from 256)."""
    return np.dtype(dtype).num >= 256


def is_narrow_float(dt: int) -> bool:
    """bfloat16 and the float8/float4 types: kernels compute them in float32 (the runtime rounds back)."""
    return dt in NARROW_FLOATS


def nbytes(dt: int, count: int) -> int:
    """Bytes that ``count`` elements take in a file (sub-byte types packed)."""
    bits = SUB_BYTE_BITS.get(dt)
    return (count * bits + 7) // 8 if bits else count * to_numpy(dt).itemsize


def to_bytes(value: np.ndarray) -> np.ndarray:
    """The bytes of an array as files store them (a uint8 array): little-endian, sub-byte types packed."""
    value = np.ascontiguousarray(value)
    dt = from_numpy(value.dtype) if is_ml_dtype(value.dtype) else None
    bits = SUB_BYTE_BITS.get(dt)
    if bits:
        per_byte = 8 // bits
        codes = value.reshape(-1).view(np.uint8) & np.uint8((1 << bits) - 1)
        codes = np.concatenate([codes, np.zeros(-len(codes) % per_byte, np.uint8)]).reshape(-1, per_byte)
        packed = np.zeros(len(codes), np.uint8)
        for k in range(per_byte):
            packed |= codes[:, k] << np.uint8(k * bits)
        return packed
    if dt is not None:
        return value.reshape(-1).view(np.uint8)
    return value.astype(value.dtype.newbyteorder("<"), copy=False).reshape(-1).view(np.uint8)


def from_bytes(raw, dt: int, shape) -> np.ndarray:
    """The array stored in ``raw`` (bytes-like, exactly nbytes(dt, count) long) as type ``dt`` and ``shape``;
    a read-only view where no unpacking is needed."""
    dtype = to_numpy(dt)
    count = int(np.prod(shape, dtype=np.int64)) if len(shape) else 1
    data = np.frombuffer(raw, np.uint8)
    bits = SUB_BYTE_BITS.get(DataType(dt))
    if bits:
        per_byte = 8 // bits
        codes = np.stack([(data >> np.uint8(k * bits)) & np.uint8((1 << bits) - 1) for k in range(per_byte)], axis=1)
        return codes.reshape(-1)[:count].view(dtype).reshape(shape)
    if is_ml_dtype(dtype):
        return data.view(dtype).reshape(shape)
    return np.frombuffer(raw, dtype.newbyteorder("<"), count).reshape(shape)


def from_name(name: str) -> DataType:
    """DataType from a user-facing name such as FP16 or float16 (case-insensitive)."""
    key = name.strip().upper()
    if key.startswith("DT_"):
        return DataType[key]
    return _SHORT_NAMES[key]


def itemsize(dt: int) -> int:
    return to_numpy(dt).itemsize


def is_float(dt: int) -> bool:
    return dt in (DataType.DT_FLOAT, DataType.DT_FLOAT16, DataType.DT_DOUBLE) or dt in NARROW_FLOATS
