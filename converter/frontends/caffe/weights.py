"""Reading .caffemodel weights without copying them: the protobuf wire walker (..protowire) over a memory map.

Only the path NetParameter.layer[].{name, blobs[]} (and the legacy V1 ``layers``) is decoded; each
blob's packed float data becomes a numpy view into the mapped file (``np.frombuffer``), so a 500 MB
VGG model is never materialised as Python floats. ``double_data`` and unpacked floats are accepted.
"""
from __future__ import annotations

import mmap
from dataclasses import dataclass

import numpy as np

from ...errors import FILE_OPEN_FAILED, MODEL_LOAD_FAILED, ModelLoadError
from ..protowire import (FIXED32, FIXED64, LEN, VARINT, WireFormatError, fields, packed_varints, signed64,
                         varint_value)

# Field numbers (see converter/proto/caffe.proto).
NET_LAYER, NET_LAYERS = 100, 2
LAYER_NAME, LAYER_BLOBS = 1, 7
V1_NAME, V1_BLOBS = 4, 6
BLOB_SHAPE, BLOB_DATA, BLOB_DOUBLE_DATA = 7, 5, 8
BLOB_LEGACY_DIMS = {1: 0, 2: 1, 3: 2, 4: 3}   # num, channels, height, width
SHAPE_DIM = 1


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
    for f in fields(buf, start, end):
        if f.number == BLOB_DATA and f.wire == LEN:
            floats.append((f.body, f.end))
        elif f.number == BLOB_DATA and f.wire == FIXED32:
            unpacked.append(np.frombuffer(buf, "<f4", 1, f.body))
        elif f.number == BLOB_DOUBLE_DATA and f.wire == LEN:
            doubles.append((f.body, f.end))
        elif f.number == BLOB_DOUBLE_DATA and f.wire == FIXED64:
            unpacked.append(np.frombuffer(buf, "<f8", 1, f.body).astype(np.float32))
        elif f.number == BLOB_SHAPE and f.wire == LEN:
            shape = tuple(_shape_dims(buf, f))
        elif f.number in BLOB_LEGACY_DIMS and f.wire == VARINT:
            legacy[BLOB_LEGACY_DIMS[f.number]] = signed64(varint_value(buf, f))
            has_legacy = True
    if shape is None and has_legacy:
        shape = tuple(legacy)
    if len(floats) == 1 and not doubles and not unpacked:
        b, e = floats[0]
        if (e - b) % 4:
            raise WireFormatError("packed float data is not a multiple of 4 bytes")
        data = np.frombuffer(buf, "<f4", (e - b) // 4, b)
    else:
        parts = [np.frombuffer(buf, "<f4", (e - b) // 4, b) for b, e in floats]
        parts += [np.frombuffer(buf, "<f8", (e - b) // 8, b).astype(np.float32) for b, e in doubles]
        parts += unpacked
        data = np.concatenate(parts) if parts else np.zeros((0,), np.float32)
    return RawBlob(data, shape)


def _shape_dims(buf, shape_field) -> list:
    """BlobShape.dim values, packed or not."""
    dims = []
    for f in fields(buf, shape_field.body, shape_field.end):
        if f.number == SHAPE_DIM and f.wire == VARINT:
            dims.append(signed64(varint_value(buf, f)))
        elif f.number == SHAPE_DIM and f.wire == LEN:
            dims += [signed64(v) for v in packed_varints(buf, f)]
    return dims


def _read_layer(buf, start: int, end: int, name_field: int, blobs_field: int):
    name, blobs = None, []
    for f in fields(buf, start, end):
        if f.number == name_field and f.wire == LEN:
            name = bytes(buf[f.body:f.end]).decode("utf-8", "replace")
        elif f.number == blobs_field and f.wire == LEN:
            blobs.append(_read_blob(buf, f.body, f.end))
    return name, blobs


def parse_weights(buf) -> dict:
    """layer name -> list of RawBlob, from the bytes (or mmap) of a binary NetParameter."""
    layers: dict = {}
    for f in fields(buf, 0, len(buf)):
        if f.wire != LEN or f.number not in (NET_LAYER, NET_LAYERS):
            continue
        numbers = (LAYER_NAME, LAYER_BLOBS) if f.number == NET_LAYER else (V1_NAME, V1_BLOBS)
        name, blobs = _read_layer(buf, f.body, f.end, *numbers)
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
        raise ModelLoadError(FILE_OPEN_FAILED,
                             f"cannot open Caffe weights '{path}': {exc.strerror}", path=path) from None
    try:
        layers = parse_weights(buf)
    except WireFormatError as exc:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is not a binary Caffe .caffemodel ({exc}); --weight takes "
                             "the trained weights, --model the .prototxt", path=path) from None
    if size and not layers:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' holds no Caffe layers: it is not a .caffemodel", path=path)
    return layers
