"""Plain Python attribute values <-> ge.proto AttrDef, and TensorDesc <-> TensorDescriptor.

Writing picks the AttrDef member from the Python type (bool->b, int->i, float->f, str->s,
bytes->bt, ndarray->t with inline data, lists->list with val_type, list of int lists ->
list_list_int). Reading returns plain Python values again; float32 values come back as the
shortest decimal that rounds to the same float32 (so 1e-5 reads back as 1e-05, not 9.99e-06).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import INTERNAL_ERROR, INVALID_OM_FILE, ConverterError, OmFormatError
from ..ir import TensorDesc, from_numpy, to_numpy
from ..ir.dtypes import from_bytes, to_bytes
from ..ir.dtypes import nbytes as stored_nbytes
from ..proto import ge_ir_pb2 as ge

VT = ge.AttrDef.ListValue
UNKNOWN_RANK = -2  # GE's dim list for a tensor of unknown rank

# desc attrs with a dedicated TensorDesc field
DESC_ORIGIN_FORMAT = "origin_format"
DESC_ORIGIN_SHAPE = "origin_shape"
DESC_ORIGIN_DTYPE = "origin_data_type"
DESC_SHAPE_RANGE = "shape_range"
DESC_SOURCE_NAME = "_source_tensor_name"


def nice_float(value: float) -> float:
    """The shortest decimal float that rounds to the same float32 as value."""
    return float(str(np.float32(value)))


_DTYPE_NAMES = {number: name for name, number in ge.DataType.items()}


def dtype_name(dt: int) -> str:
    dt = int(dt)
    return _DTYPE_NAMES.get(dt) or f"DT_{dt}"


def dtype_from_name(name: str) -> int | None:
    try:
        return ge.DataType.Value(name)
    except ValueError:
        return None


# ---- Python -> AttrDef ------------------------------------------------------------------------

def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_float(v) -> bool:
    return isinstance(v, (float, np.floating))


def _is_bool(v) -> bool:
    return isinstance(v, (bool, np.bool_))


def _fill_list(lst, values: list) -> None:
    if not values:
        lst.val_type = VT.VT_LIST_NONE
        lst.SetInParent()
    elif all(_is_bool(v) for v in values):
        lst.b.extend(bool(v) for v in values)
        lst.val_type = VT.VT_LIST_BOOL
    elif all(_is_int(v) for v in values):
        lst.i.extend(int(v) for v in values)
        lst.val_type = VT.VT_LIST_INT
    elif all(_is_int(v) or _is_float(v) for v in values):
        lst.f.extend(float(v) for v in values)
        lst.val_type = VT.VT_LIST_FLOAT
    elif all(isinstance(v, str) for v in values):
        lst.s.extend(v.encode() for v in values)
        lst.val_type = VT.VT_LIST_STRING
    elif all(isinstance(v, (bytes, bytearray)) for v in values):
        lst.bt.extend(bytes(v) for v in values)
        lst.val_type = VT.VT_LIST_BYTES
    elif all(isinstance(v, np.ndarray) for v in values):
        for v in values:
            inline_tensor(lst.t.add(), v)
        lst.val_type = VT.VT_LIST_TENSOR
    elif all(isinstance(v, TensorDesc) for v in values):
        for v in values:
            desc_to_proto(v, lst.td.add())
        lst.val_type = VT.VT_LIST_TENSOR_DESC
    else:
        raise ConverterError(INTERNAL_ERROR, f"cannot store a list attribute with mixed values {values[:4]!r}")


def to_attr(value, out: ge.AttrDef) -> ge.AttrDef:
    """Fill ``out`` from a plain Python value; raises ConverterError for unsupported types."""
    if _is_bool(value):
        out.b = bool(value)
    elif _is_int(value):
        out.i = int(value)
    elif _is_float(value):
        out.f = float(value)
    elif isinstance(value, str):
        out.s = value.encode()
    elif isinstance(value, (bytes, bytearray)):
        out.bt = bytes(value)
    elif isinstance(value, np.ndarray):
        inline_tensor(out.t, value)
    elif isinstance(value, TensorDesc):
        desc_to_proto(value, out.td)
    elif isinstance(value, dict):
        out.func.SetInParent()
        for k in sorted(value):
            to_attr(value[k], out.func.attr[k])
    elif isinstance(value, (list, tuple)):
        values = list(value)
        if values and all(isinstance(v, (list, tuple)) for v in values):
            flat = [x for v in values for x in v]
            if all(_is_int(x) for x in flat):
                out.list_list_int.SetInParent()
                for v in values:
                    out.list_list_int.list_list_i.add().list_i.extend(int(x) for x in v)
                return out
            out.list_list_float.SetInParent()
            for v in values:
                out.list_list_float.list_list_f.add().list_f.extend(float(x) for x in v)
            return out
        _fill_list(out.list, values)
    else:
        raise ConverterError(INTERNAL_ERROR, f"cannot store attribute value of type {type(value).__name__}")
    return out


def inline_tensor(out: ge.TensorDef, value: np.ndarray) -> ge.TensorDef:
    """A TensorDef carrying its bytes inline (used for tensor-valued attributes)."""
    value = np.asarray(value)
    if value.dtype.kind == "O":
        raise ConverterError(INTERNAL_ERROR, "string tensors cannot be stored as .om tensor attributes")
    desc = TensorDesc(dtype=from_numpy(value.dtype), shape=tuple(value.shape))
    desc_to_proto(desc, out.desc)
    out.data = to_bytes(value).tobytes()
    return out


# ---- AttrDef -> Python ------------------------------------------------------------------------

def _list_value(lst) -> list:
    for name in ("i", "f", "b", "s", "bt", "t", "td", "dt", "g", "na"):
        values = getattr(lst, name)
        if len(values):
            return [_LIST_READERS[name](v) for v in values]
    return []


def _text(raw: bytes):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return bytes(raw)


_LIST_READERS = {
    "i": int, "f": nice_float, "b": bool, "s": _text, "bt": bytes, "dt": int,
    "t": lambda t: tensor_from_proto(t), "td": lambda d: desc_from_proto(d),
    "g": lambda g: g, "na": lambda na: {k: from_attr(v) for k, v in na.attr.items()},
}

_READERS = {
    "s": lambda a: _text(a.s), "i": lambda a: int(a.i), "f": lambda a: nice_float(a.f),
    "b": lambda a: bool(a.b), "bt": lambda a: bytes(a.bt), "dt": lambda a: int(a.dt),
    "list": lambda a: _list_value(a.list),
    "list_list_int": lambda a: [list(x.list_i) for x in a.list_list_int.list_list_i],
    "list_list_float": lambda a: [[nice_float(f) for f in x.list_f] for x in a.list_list_float.list_list_f],
    "t": lambda a: tensor_from_proto(a.t), "td": lambda a: desc_from_proto(a.td),
    "func": lambda a: {k: from_attr(v) for k, v in a.func.attr.items()},
    "g": lambda a: a.g, "expression": lambda a: _text(a.expression),
}


def from_attr(attr: ge.AttrDef, weights=None):
    """Plain Python value of an AttrDef (None when no member is set)."""
    which = attr.WhichOneof("value")
    if which is None:
        return None
    if which == "t" and weights is not None:
        return tensor_from_proto(attr.t, weights)
    return _READERS[which](attr)


def tensor_from_proto(t: ge.TensorDef, weights=None) -> np.ndarray:
    """A read-only numpy array for a TensorDef: inline data, else a view into the weights bytes.

    Unknown dtypes or byte counts that do not match the shape give the raw bytes as uint8.
    """
    desc = t.desc
    if len(t.data):
        raw = memoryview(t.data)
    else:
        offset = desc.data_offset
        if not offset and "merged_offset" in desc.attr:
            offset = desc.attr["merged_offset"].i
        size = desc.weight_size
        if weights is not None and size and not (0 <= offset and 0 <= size and offset + size <= len(weights)):
            raise OmFormatError(INVALID_OM_FILE, f"its weight bytes [{offset}, {offset + size}) lie outside the "
                                f"WEIGHTS_DATA partition ({len(weights)} bytes)")
        raw = memoryview(b"") if weights is None or not size else memoryview(weights)[offset: offset + size]
    shape = tuple(desc.shape.dim)
    try:
        dtype = to_numpy(desc.dtype)
    except (KeyError, ValueError):
        return np.frombuffer(raw, np.uint8)
    if dtype.kind == "O" or any(d < 0 for d in shape):
        return np.frombuffer(raw, np.uint8)
    count = math.prod(shape)  # exact: an int64 product could wrap around to the byte count
    if stored_nbytes(desc.dtype, count) != len(raw):
        return np.frombuffer(raw, np.uint8)
    return from_bytes(raw, desc.dtype, shape)


# ---- TensorDesc <-> TensorDescriptor ---------------------------------------------------------

_DESC_TEMPLATES: dict = {}   # what descs without attrs have in common (all but the name), serialized once


def desc_to_proto(desc: TensorDesc, out: ge.TensorDescriptor) -> ge.TensorDescriptor:
    if desc.attrs:
        return _fill_desc(desc, out)
    key = (desc.dtype, desc.shape, desc.format, desc.origin_format, desc.origin_shape, desc.origin_dtype,
           desc.shape_range)
    try:
        template = _DESC_TEMPLATES.get(key)
    except TypeError:   # a shape given as a list: no template
        return _fill_desc(desc, out)
    if template is None:
        if len(_DESC_TEMPLATES) > 4096:
            _DESC_TEMPLATES.clear()
        template = _DESC_TEMPLATES[key] = _fill_desc(desc.copy(name=None), ge.TensorDescriptor()).SerializeToString()
    out.MergeFromString(template)
    if desc.name is not None:
        out.attr[DESC_SOURCE_NAME].s = desc.name.encode()
    return out


def _fill_desc(desc: TensorDesc, out: ge.TensorDescriptor) -> ge.TensorDescriptor:
    out.dtype = int(desc.dtype)
    out.shape.SetInParent()
    out.shape.dim.extend([UNKNOWN_RANK] if desc.shape is None else [int(d) for d in desc.shape])
    out.layout = desc.format or "ND"
    if desc.origin_format is not None:
        out.attr[DESC_ORIGIN_FORMAT].s = desc.origin_format.encode()
    if desc.origin_shape is not None:
        to_attr(list(desc.origin_shape), out.attr[DESC_ORIGIN_SHAPE])
        out.attr[DESC_ORIGIN_SHAPE].list.val_type = VT.VT_LIST_INT
    if desc.origin_dtype is not None:
        out.attr[DESC_ORIGIN_DTYPE].s = dtype_name(desc.origin_dtype).encode()
    if desc.shape_range is not None:
        rng = out.attr[DESC_SHAPE_RANGE].list_list_int
        rng.SetInParent()
        for lo, hi in desc.shape_range:
            rng.list_list_i.add().list_i.extend([int(lo), int(hi)])
    if desc.name is not None:
        out.attr[DESC_SOURCE_NAME].s = desc.name.encode()
    for key in sorted(desc.attrs):
        if desc.attrs[key] is not None:
            to_attr(desc.attrs[key], out.attr[key])
    return out


def _desc_attr(attrs: dict, key: str, ok) -> object:
    """A descriptor attribute that must pass ``ok`` (else the file is invalid: E10003)."""
    value = attrs.pop(key, None)
    if value is not None and not ok(value):
        raise OmFormatError(INVALID_OM_FILE, f"a tensor descriptor's {key} attribute holds {type(value).__name__} "
                            f"{str(value)[:60]!r}, which is not valid there")
    return value


def _ints(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, int) for v in value)


def desc_from_proto(td: ge.TensorDescriptor) -> TensorDesc:
    dims = tuple(int(d) for d in td.shape.dim)
    attrs = {k: from_attr(v) for k, v in td.attr.items()}
    if not isinstance(td.layout, str):
        raise OmFormatError(INVALID_OM_FILE, "a tensor descriptor's layout is not text")
    desc = TensorDesc(dtype=int(td.dtype), shape=None if dims == (UNKNOWN_RANK,) else dims,
                      format=td.layout or "ND")
    desc.origin_format = _desc_attr(attrs, DESC_ORIGIN_FORMAT, lambda v: isinstance(v, str))
    origin_shape = _desc_attr(attrs, DESC_ORIGIN_SHAPE, _ints)
    desc.origin_shape = None if origin_shape is None else tuple(origin_shape)
    origin_dtype = attrs.pop(DESC_ORIGIN_DTYPE, None)
    if isinstance(origin_dtype, str):
        desc.origin_dtype = dtype_from_name(origin_dtype)
    rng = _desc_attr(attrs, DESC_SHAPE_RANGE, lambda v: isinstance(v, list) and all(_ints(r) and len(r) == 2
                                                                                    for r in v))
    desc.shape_range = None if rng is None else tuple(tuple(r) for r in rng)
    name = _desc_attr(attrs, DESC_SOURCE_NAME, lambda v: isinstance(v, str))
    desc.name = name or (td.name if isinstance(td.name, str) else None) or None
    desc.attrs = {k: attrs[k] for k in sorted(attrs)}
    return desc
