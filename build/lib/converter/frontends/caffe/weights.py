"""Reading .caffemodel weights without copying them: a small protobuf wire walker over a memory map.

Only the path NetParameter.layer[].{name, blobs[]} (and the legacy V1 ``layers``) is decoded; each
blob's packed float data becomes a numpy view into the mapped file (``np.frombuffer``), so a 500 MB
VGG model is never materialised as Python floats. ``double_data`` and unpacked floats are accepted.
"""
from __future__ import annotations

import mmap
from dataclasses import dataclass

import numpy as np

from ...errors import ModelLoadError

# Field numbers (see converter/proto/caffe.proto).
NET_LAYER, NET_LAYERS = 100, 2
LAYER_NAME, LAYER_BLOBS = 1, 7
V1_NAME, V1_BLOBS = 4, 6
BLOB_SHAPE, BLOB_DATA, BLOB_DOUBLE_DATA = 7, 5, 8
BLOB_LEGACY_DIMS = {1: 0, 2: 1, 3: 2, 4: 3}   # num, channels, height, width
SHAPE_DIM = 1

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class _Malformed(Exception):
    pass


def _varint(buf, pos: int, end: int):
    result = shift = 0
    while True:
        if pos >= end:
            raise _Malformed("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _Malformed("varint too long")


def _fields(buf, start: int, end: int):
    """Yield (field number, wire type, value) where value is an int, or (begin, end) for LENGTH."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Malformed("field number 0")
        if wire == VARINT:
            value, pos = _varint(buf, pos, end)
        elif wire == FIXED64:
            value, pos = (pos, pos + 8), pos + 8
        elif wire == FIXED32:
            value, pos = (pos, pos + 4), pos + 4
        elif wire == LENGTH:
            size, pos = _varint(buf, pos, end)
            value, pos = (pos, pos + size), pos + size
        else:
            raise _Malformed(f"unsupported wire type {wire}")
        if pos > end:
            raise _Malformed("field runs past its message")
        yield number, wire, value


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


@dataclass
class RawBlob:
    """One BlobProto: its values (a read-only view when possible) and declared shape."""

    data: np.ndarray
    shape: tuple | None        # from shape.dim, or the legacy 4-D num/channels/height/width


def _read_blob(buf, start: int, end: int) -> RawBlob:
    floats, doubles, unpacked = [], [], []
    shape = None
    legacy = [0, 0, 0, 0]
    has_legacy = False
    for number, wire, value in _fields(buf, start, end):
        if number == BLOB_DATA and wire == LENGTH:
            floats.append(value)
        elif number == BLOB_DATA and wire == FIXED32:
            unpacked.append(np.frombuffer(buf, "<f4", 1, value[0]))
        elif number == BLOB_DOUBLE_DATA and wire == LENGTH:
            doubles.append(value)
        elif number == BLOB_DOUBLE_DATA and wire == FIXED64:
            unpacked.append(np.frombuffer(buf, "<f8", 1, value[0]).astype(np.float32))
        elif number == BLOB_SHAPE and wire == LENGTH:
            dims = []
            for n2, w2, v2 in _fields(buf, *value):
                if n2 == SHAPE_DIM and w2 == VARINT:
                    dims.append(_signed(v2))
                elif n2 == SHAPE_DIM and w2 == LENGTH:
                    pos, stop = v2
                    while pos < stop:
                        d, pos = _varint(buf, pos, stop)
                        dims.append(_signed(d))
            shape = tuple(dims)
        elif number in BLOB_LEGACY_DIMS and wire == VARINT:
            legacy[BLOB_LEGACY_DIMS[number]] = _signed(value)
            has_legacy = True
    if shape is None and has_legacy:
        shape = tuple(legacy)
    if len(floats) == 1 and not doubles and not unpacked:
        b, e = floats[0]
        if (e - b) % 4:
            raise _Malformed("packed float data is not a multiple of 4 bytes")
        data = np.frombuffer(buf, "<f4", (e - b) // 4, b)
    else:
        parts = [np.frombuffer(buf, "<f4", (e - b) // 4, b) for b, e in floats]
        parts += [np.frombuffer(buf, "<f8", (e - b) // 8, b).astype(np.float32) for b, e in doubles]
        parts += unpacked
        data = np.concatenate(parts) if parts else np.zeros((0,), np.float32)
    return RawBlob(data, shape)


def _read_layer(buf, start: int, end: int, name_field: int, blobs_field: int):
    name, blobs = None, []
    for number, wire, value in _fields(buf, start, end):
        if number == name_field and wire == LENGTH:
            name = bytes(buf[value[0]:value[1]]).decode("utf-8", "replace")
        elif number == blobs_field and wire == LENGTH:
            blobs.append(_read_blob(buf, *value))
    return name, blobs


def parse_weights(buf) -> dict:
    """layer name -> list of RawBlob, from the bytes (or mmap) of a binary NetParameter."""
    layers: dict = {}
    for number, wire, value in _fields(buf, 0, len(buf)):
        if wire != LENGTH or number not in (NET_LAYER, NET_LAYERS):
            continue
        fields = (LAYER_NAME, LAYER_BLOBS) if number == NET_LAYER else (V1_NAME, V1_BLOBS)
        name, blobs = _read_layer(buf, value[0], value[1], *fields)
        if name is not None and (blobs or name not in layers):
            layers[name] = blobs
    return layers


def read_caffemodel(path: str) -> dict:
    """Map a .caffemodel and return layer name -> list of RawBlob (views into the mapping)."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except OSError as exc:
        raise ModelLoadError("E13001", f"cannot open Caffe weights '{path}': {exc.strerror}", path=path) from None
    try:
        layers = parse_weights(buf)
    except _Malformed as exc:
        raise ModelLoadError("E10041", f"'{path}' is not a binary Caffe .caffemodel ({exc}); --weight takes "
                             "the trained weights, --model the .prototxt", path=path) from None
    if size and not layers:
        raise ModelLoadError("E10041", f"'{path}' holds no Caffe layers: it is not a .caffemodel", path=path)
    return layers
