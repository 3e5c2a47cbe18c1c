"""Data types numbered like GE's ge.proto DataType, with numpy and ONNX/name mappings."""
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

# Names users write in options (--output_type, --customize_dtypes) and that ATC prints.
_SHORT_NAMES = {
    "FP32": DataType.DT_FLOAT, "FLOAT": DataType.DT_FLOAT, "FLOAT32": DataType.DT_FLOAT,
    "FP16": DataType.DT_FLOAT16, "FLOAT16": DataType.DT_FLOAT16,
    "INT8": DataType.DT_INT8, "UINT8": DataType.DT_UINT8, "INT16": DataType.DT_INT16,
    "UINT16": DataType.DT_UINT16, "INT32": DataType.DT_INT32, "INT64": DataType.DT_INT64,
    "UINT32": DataType.DT_UINT32, "UINT64": DataType.DT_UINT64, "BOOL": DataType.DT_BOOL,
    "DOUBLE": DataType.DT_DOUBLE, "FP64": DataType.DT_DOUBLE, "BF16": DataType.DT_BF16,
}


def to_numpy(dt: int) -> np.dtype:
    """numpy dtype for a DataType; raises KeyError for types we cannot compute with."""
    return np.dtype(_TO_NUMPY[DataType(dt)])


def from_numpy(dtype) -> DataType:
    return _FROM_NUMPY[np.dtype(dtype)]


def from_name(name: str) -> DataType:
    """DataType from a user-facing name such as FP16 or float16 (case-insensitive)."""
    key = name.strip().upper()
    if key.startswith("DT_"):
        return DataType[key]
    return _SHORT_NAMES[key]


def itemsize(dt: int) -> int:
    return to_numpy(dt).itemsize


def is_float(dt: int) -> bool:
    return dt in (DataType.DT_FLOAT, DataType.DT_FLOAT16, DataType.DT_DOUBLE, DataType.DT_BF16)
