"""ATC's single-operator description files (``atc --singleop=ops.json``): a JSON list of op descriptions, each
compiled into its own offline model. This module reads and validates a file by ATC's rules and names the
.om files as ATC names them; ``single_op.description_model`` turns one entry into a GE model.

An entry: ``{"op": type, "name": file name?, "input_desc": [tensor...], "output_desc": [tensor...],
"attr": [{"name", "type", "value"}...], "compile_flag": 0|1}``; a tensor: ``{"format", "type", "shape",
"origin_format"?, "origin_shape"?, "shape_range"?, "name"?, "dynamic_input"?, "is_const"?, "const_value"?}``.

ATC's codes: E10023 the path is not a file, E10024 it cannot be opened, E10025 it is not JSON, E10026 an entry
without "op", E10027 an unknown or missing tensor type/format, E10029 an attribute without a name, E10030 an
attribute type ATC does not know, E10032 a field of the wrong JSON type (an attribute value that does not fit its
declared type among them), E13014 values that do not fit together (shape ranges, constant values, shapes).
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import (INVALID_OP_PARAMETER, JSON_PARSE_FAILED, SINGLEOP_EMPTY_ATTR_NAME, SINGLEOP_EMPTY_OP_TYPE,
                      SINGLEOP_INVALID_ATTR, SINGLEOP_INVALID_TENSOR, SINGLEOP_NOT_A_FILE, SINGLEOP_NOT_JSON,
                      SINGLEOP_OPEN_FAILED, ConverterError)
from ..fileio import parse_json
from ..ir import DataType, to_numpy
from .registry import ge_attr_dtype

# the type names ATC reads (lower-cased), as our DataType
DTYPES = {
    "bool": DataType.DT_BOOL, "int8": DataType.DT_INT8, "uint8": DataType.DT_UINT8, "int16": DataType.DT_INT16,
    "uint16": DataType.DT_UINT16, "int32": DataType.DT_INT32, "uint32": DataType.DT_UINT32,
    "int64": DataType.DT_INT64, "uint64": DataType.DT_UINT64, "float16": DataType.DT_FLOAT16,
    "half": DataType.DT_FLOAT16, "fp16": DataType.DT_FLOAT16, "float": DataType.DT_FLOAT,
    "float32": DataType.DT_FLOAT, "double": DataType.DT_DOUBLE, "complex64": DataType.DT_COMPLEX64,
    "complex128": DataType.DT_COMPLEX128, "bfloat16": DataType.DT_BF16,
}
UNDEFINED_TYPE = "undefined"
# ge::DataType (the C++ enum; the numbers ATC writes into generated file names)
GE_DTYPE_NUMBERS = {DataType.DT_FLOAT: 0, DataType.DT_FLOAT16: 1, DataType.DT_INT8: 2, DataType.DT_INT32: 3,
                    DataType.DT_UINT8: 4, DataType.DT_INT16: 6, DataType.DT_UINT16: 7, DataType.DT_UINT32: 8,
                    DataType.DT_INT64: 9, DataType.DT_UINT64: 10, DataType.DT_DOUBLE: 11, DataType.DT_BOOL: 12,
                    DataType.DT_COMPLEX64: 16, DataType.DT_COMPLEX128: 17, DataType.DT_BF16: 27}
GE_DT_UNDEFINED = 28
# ge::Format: the format names ATC reads, with their numbers (also written into generated file names)
FORMATS = {
    "NCHW": 0, "NHWC": 1, "ND": 2, "NC1HWC0": 3, "FRACTAL_Z": 4, "NC1C0HWPAD": 5, "NHWC1C0": 6, "FSR_NCHW": 7,
    "FRACTAL_DECONV": 8, "C1HWNC0": 9, "FRACTAL_DECONV_TRANSPOSE": 10, "FRACTAL_DECONV_SP_STRIDE_TRANS": 11,
    "NC1HWC0_C04": 12, "FRACTAL_Z_C04": 13, "CHWN": 14, "DECONV_SP_STRIDE8_TRANS": 15, "HWCN": 16,
    "NC1KHKWHWC0": 17, "BN_WEIGHT": 18, "FILTER_HWCK": 19, "LOOKUP_LOOKUPS": 20, "LOOKUP_KEYS": 21,
    "LOOKUP_VALUE": 22, "LOOKUP_OUTPUT": 23, "LOOKUP_HITS": 24, "C1HWNCOC0": 25, "MD": 26, "NDHWC": 27,
    "FRACTAL_NZ": 29, "NCDHW": 30, "DHWCN": 31, "NDC1HWC0": 32, "FRACTAL_Z_3D": 33, "CN": 34, "NC": 35,
    "DHWNC": 36, "FRACTAL_Z_3D_TRANSPOSE": 37, "FRACTAL_ZN_LSTM": 38, "FRACTAL_Z_G": 39, "RESERVED": 40,
}
# how our code spells the formats whose canonical spelling is mixed-case
FORMAT_SPELLING = {"C1HWNCOC0": "C1HWNCoC0"}
# formats that name their dims, and the rank they lay out (FRACTAL_NZ: at least 4)
FORMAT_RANKS = {"NCHW": 4, "NHWC": 4, "HWCN": 4, "CHWN": 4, "NCDHW": 5, "NDHWC": 5, "DHWCN": 5, "DHWNC": 5,
                "NC1HWC0": 5, "NDC1HWC0": 6, "FRACTAL_Z": 4, "FRACTAL_Z_3D": 4, "C1HWNCOC0": 6, "FRACTAL_NZ": 4}
ATTR_TYPES = ("bool", "int", "float", "string", "list_bool", "list_int", "list_float", "list_string",
              "list_list_int", "data_type")
MAX_FILE_NAME = 128
FILE_NAME = re.compile(r"[a-zA-Z0-9._-]+")
UNSAFE = re.compile(r"[^a-zA-Z0-9._-]")
UNKNOWN_RANK = -2
MAX_DIM = 2 ** 40                # a dim (or a tensor's element count) beyond this is a mistake
INT64 = (-2 ** 63, 2 ** 63 - 1)


@dataclass
class TensorEntry:
    """One input or output of a description. ``dtype`` is None (and format RESERVED) for an absent optional
    input. ``shape`` is the runtime shape as written ([-2]: unknown rank, -1: a dim within ``shape_range``);
    ``origin_*`` default to the runtime ones, as in ATC. ``value``: the constant (is_const) in ``shape``."""

    dtype: int | None
    format: str
    shape: tuple
    origin_format: str
    origin_shape: tuple
    shape_range: tuple | None = None
    name: str | None = None
    value: np.ndarray | None = None

    @property
    def absent(self) -> bool:
        return self.dtype is None

    @property
    def unknown_rank(self) -> bool:
        return tuple(self.shape) == (UNKNOWN_RANK,)

    def name_part(self) -> str:
        """``_type_format_dims`` as ATC writes a tensor into a generated file name."""
        dtype = GE_DT_UNDEFINED if self.dtype is None else GE_DTYPE_NUMBERS[DataType(self.dtype)]
        return f"_{dtype}_{FORMATS[self.format.upper()]}" + "".join(f"_{d}" for d in self.shape)


@dataclass
class OpEntry:
    """One compiled entry of the file: the op, its tensors and attributes (plain Python values in GE's
    conventions), its place among the compiled entries and the .om file name ATC gives it."""

    index: int
    op: str
    name: str | None
    inputs: list
    outputs: list
    attrs: dict = field(default_factory=dict)
    file_name: str = ""
    position: int = 0            # the entry's place in the file (index counts only the compiled entries)

    @property
    def label(self) -> str:
        return f"entry {self.position} ({self.op!r})"


def _err(code: str, message: str, path: str) -> ConverterError:
    return ConverterError(code, message, option="--singleop", path=path)


def read_description(path: str) -> list:
    """The compiled entries of a description file, validated (entries with compile_flag 1 are skipped, as ATC
    skips them). Raises an E-coded ConverterError for the first problem."""
    if not path or not os.path.isfile(path):
        raise _err(SINGLEOP_NOT_A_FILE, f"--singleop: '{path}' is not a file; give the path of a single-operator "
                   "description (.json)", path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise _err(SINGLEOP_OPEN_FAILED, f"--singleop: cannot open '{path}': {exc.strerror}", path) from None
    try:
        doc = parse_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _err(SINGLEOP_NOT_JSON, f"--singleop: '{path}' is not a JSON file: {exc}", path) from None
    if not isinstance(doc, list):
        raise _err(JSON_PARSE_FAILED, f"--singleop: '{path}' must hold a JSON list of op descriptions (it holds a "
                   f"{_json_kind(doc)})", path)
    entries, index = [], 0
    for position, item in enumerate(doc):
        where = f"--singleop: '{path}', entry {position}"
        if not isinstance(item, dict):
            raise _err(JSON_PARSE_FAILED,
                       f"{where}: an op description is a JSON object, not a {_json_kind(item)}", path)
        if _get(item, "compile_flag", int, where, path, 0) == 1:
            continue     # ATC: a fuzzy-build flag entry only sets the flag; nothing is compiled for it
        entry = _read_entry(item, index, where, path)
        entry.position = position
        entry.file_name = file_name(entry)
        entries.append(entry)
        index += 1
    return entries


def _json_kind(value) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _get(obj: dict, key: str, kind, where: str, path: str, default=None, required: bool = False):
    """obj[key] checked to be of a JSON kind (str, int, float, bool, list, dict); E10032 otherwise."""
    if key not in obj:
        if required:
            raise _err(JSON_PARSE_FAILED, f"{where}: the field {key!r} is missing", path)
        return default
    value = obj[key]
    ok = {int: lambda v: isinstance(v, int) and not isinstance(v, bool),
          float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          bool: lambda v: isinstance(v, bool)}.get(kind, lambda v: isinstance(v, kind))(value)
    if not ok:
        want = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list",
                dict: "an object"}[kind]
        raise _err(JSON_PARSE_FAILED, f"{where}: {key!r} must be {want}, not {json.dumps(value)[:60]}", path)
    return value


def _read_entry(item: dict, index: int, where: str, path: str) -> OpEntry:
    op = _get(item, "op", str, where, path, "")
    if not op:
        raise _err(SINGLEOP_EMPTY_OP_TYPE, f"{where}: the op type (\"op\") is missing or empty", path)
    where = f"{where} ({op!r})"
    name = _get(item, "name", str, where, path)
    inputs = [_read_tensor(t, f"{where}, input {i}", path, True)
              for i, t in enumerate(_get(item, "input_desc", list, where, path, []))]
    outputs = [_read_tensor(t, f"{where}, output {i}", path, False)
               for i, t in enumerate(_get(item, "output_desc", list, where, path, []))]
    _name_dynamic_inputs(item.get("input_desc") or [], inputs)
    attrs = {}
    for i, a in enumerate(_get(item, "attr", list, where, path, [])):
        key, value = _read_attr(a, f"{where}, attr {i}", path)
        attrs[key] = value
    return OpEntry(index, op, name, inputs, outputs, attrs)


def _name_dynamic_inputs(raw: list, inputs: list) -> None:
    """``dynamic_input: "x"`` names the tensors of a dynamic input group x0, x1, ... (a given name wins)."""
    counts: dict = {}
    for t, entry in zip(raw, inputs):
        group = t.get("dynamic_input") if isinstance(t, dict) else None
        if isinstance(group, str) and group:
            n = counts.get(group, 0)
            counts[group] = n + 1
            if entry.name is None:
                entry.name = f"{group}{n}"


def _read_tensor(t, where: str, path: str, is_input: bool) -> TensorEntry:
    if not isinstance(t, dict):
        raise _err(JSON_PARSE_FAILED, f"{where}: a tensor description is a JSON object, not a {_json_kind(t)}", path)
    shape = _int_list(_get(t, "shape", list, where, path, required=True), "shape", where, path)
    fmt_text = _get(t, "format", str, where, path, required=True)
    type_text = _get(t, "type", str, where, path, required=True)
    fmt = fmt_text.upper()
    dtype_key = type_text.lower()
    side = "input" if is_input else "output"
    if fmt not in FORMATS:
        raise _err(SINGLEOP_INVALID_TENSOR,
                   f"{where}: format {fmt_text!r} is not a format ATC knows (e.g. ND, NCHW, NHWC, "
                   "NC1HWC0, FRACTAL_Z, FRACTAL_NZ)", path)
    if dtype_key not in DTYPES and dtype_key != UNDEFINED_TYPE:
        raise _err(SINGLEOP_INVALID_TENSOR,
                   f"{where}: type {type_text!r} is not a data type ATC knows (e.g. float16, float32, "
                   "int32, int8, uint8, bool)", path)
    if dtype_key == UNDEFINED_TYPE or fmt == "RESERVED":
        if not (is_input and dtype_key == UNDEFINED_TYPE and fmt == "RESERVED"):
            what = "datatype" if dtype_key == UNDEFINED_TYPE else "format"
            raise _err(SINGLEOP_INVALID_TENSOR,
                       f"{where}: the {side}'s {what} is not set; an absent optional input has both "
                       "type UNDEFINED and format RESERVED", path)
        return TensorEntry(None, "RESERVED", tuple(shape), "RESERVED", tuple(shape))
    try:
        to_numpy(DTYPES[dtype_key])
    except (KeyError, ValueError):
        raise _err(INVALID_OP_PARAMETER,
                   f"{where}: type {type_text!r} is not supported by this converter (its CPU runtime has "
                   "no such numpy type)", path) from None
    origin_text = _get(t, "origin_format", str, where, path)
    if origin_text is not None and origin_text.upper() not in FORMATS:
        raise _err(SINGLEOP_INVALID_TENSOR, f"{where}: origin_format {origin_text!r} is not a format ATC knows", path)
    origin_fmt = FORMAT_SPELLING.get((origin_text or fmt).upper(), (origin_text or fmt).upper())
    fmt = FORMAT_SPELLING.get(fmt, fmt)
    origin_shape = _int_list(_get(t, "origin_shape", list, where, path, []), "origin_shape", where, path) or shape
    for dims, key in ((shape, "shape"), (origin_shape, "origin_shape")):
        if math.prod(d for d in dims if d > 0) > MAX_DIM:
            raise _err(INVALID_OP_PARAMETER, f"{where}: {key} {dims} holds more than 2**40 elements", path)
    for f, dims, key in ((fmt, shape, "shape"), (origin_fmt, origin_shape, "origin_shape")):
        rank = FORMAT_RANKS.get(f.upper())
        if rank is not None and dims != [UNKNOWN_RANK] and not (len(dims) == rank or f == "FRACTAL_NZ" and
                                                                 len(dims) >= rank):
            raise _err(INVALID_OP_PARAMETER, f"{where}: format {f} lays out {rank}-D tensors but {key} {dims} has "
                       f"{len(dims)} dim(s)", path)
    entry = TensorEntry(DTYPES[dtype_key], fmt, tuple(shape), origin_fmt, tuple(origin_shape),
                        name=_get(t, "name", str, where, path) or None)
    entry.shape_range = _shape_range(t, entry, where, path)
    if _get(t, "is_const", bool, where, path, False):
        if not is_input:
            raise _err(INVALID_OP_PARAMETER, f"{where}: an output cannot be constant (is_const)", path)
        entry.value = _const_value(t, entry, where, path)
    return entry


def _int_list(values: list, key: str, where: str, path: str) -> list:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise _err(JSON_PARSE_FAILED,
                   f"{where}: {key!r} must be a list of integers, not {json.dumps(values)[:60]}", path)
    if values == [UNKNOWN_RANK]:
        return values
    bad = [v for v in values if v < -1 or v > MAX_DIM]
    if bad:
        raise _err(INVALID_OP_PARAMETER,
                   f"{where}: {key} {values} has dim {bad[0]}; dims are sizes (at most 2**40), -1 (a "
                   "dim within shape_range) or the whole shape is [-2] (unknown rank)", path)
    return values


def _shape_range(t: dict, entry: TensorEntry, where: str, path: str):
    raw = _get(t, "shape_range", list, where, path, [])
    if not all(isinstance(r, list) for r in raw):
        raise _err(JSON_PARSE_FAILED, f"{where}: 'shape_range' must be a list of [min, max] pairs", path)
    ranges = [_int_list(r, "shape_range", where, path) for r in raw]
    if entry.unknown_rank:
        if ranges:
            raise _err(INVALID_OP_PARAMETER,
                       f"{where}: the shape is [-2] (unknown rank), so it takes no shape_range", path)
        return None
    unknown = [i for i, d in enumerate(entry.shape) if d == -1]
    if len(ranges) != len(unknown):
        raise _err(INVALID_OP_PARAMETER,
                   f"{where}: shape {list(entry.shape)} has {len(unknown)} dynamic dim(s) (-1) but "
                   f"shape_range gives {len(ranges)} range(s); give one [min, max] per -1 dim", path)
    for k, r in enumerate(ranges):
        if len(r) != 2:
            raise _err(INVALID_OP_PARAMETER,
                       f"{where}: shape range {k} has {len(r)} item(s); each range is [min, max]", path)
        lo, hi = r
        if lo < 0 or (hi != -1 and hi < lo):
            raise _err(INVALID_OP_PARAMETER,
                       f"{where}: shape range {k} [{lo}, {hi}] is not a range (min >= 0, max >= min or "
                       "-1 for unbounded)", path)
    if not unknown:
        return None
    it = iter(ranges)
    return tuple((d, d) if d != -1 else tuple(next(it)) for d in entry.shape)


def _const_value(t: dict, entry: TensorEntry, where: str, path: str) -> np.ndarray:
    if entry.unknown_rank or any(d < 0 for d in entry.shape):
        raise _err(INVALID_OP_PARAMETER,
                   f"{where}: a constant (is_const) needs a static shape, not {list(entry.shape)}", path)
    raw = _get(t, "const_value", list, where, path)
    if raw is None:
        raise _err(INVALID_OP_PARAMETER, f"{where}: is_const is true but there is no const_value", path)
    count = math.prod(entry.shape)
    if len(raw) != count:
        raise _err(INVALID_OP_PARAMETER,
                   f"{where}: const_value has {len(raw)} value(s) but shape {list(entry.shape)} holds "
                   f"{count}; give the values flat, in the order of the shape", path)
    kind = np.dtype(to_numpy(entry.dtype)).kind
    ok = (lambda v: isinstance(v, bool)) if kind == "b" else (
        (lambda v: isinstance(v, int) and not isinstance(v, bool)) if kind in "iu" else
        (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)))
    if not all(ok(v) for v in raw):
        raise _err(JSON_PARSE_FAILED, f"{where}: const_value must hold {entry.dtype.name[3:].lower()} values", path)
    try:
        with np.errstate(over="raise"):
            value = np.asarray(raw, dtype=to_numpy(entry.dtype))
    except (OverflowError, FloatingPointError, ValueError):
        raise _err(INVALID_OP_PARAMETER,
                   f"{where}: a const_value does not fit {DataType(entry.dtype).name[3:].lower()}",
                   path) from None
    if kind in "iu" and any(int(v) != int(r) for v, r in zip(value.reshape(-1), raw)):
        raise _err(INVALID_OP_PARAMETER,
                   f"{where}: a const_value does not fit {DataType(entry.dtype).name[3:].lower()}", path)
    return value.reshape(entry.shape)


def _read_attr(a, where: str, path: str) -> tuple:
    if not isinstance(a, dict):
        raise _err(JSON_PARSE_FAILED, f"{where}: an attribute is a JSON object, not a {_json_kind(a)}", path)
    name = _get(a, "name", str, where, path, "")
    if not name:
        raise _err(SINGLEOP_EMPTY_ATTR_NAME, f"{where}: the attribute has no name", path)
    where = f"{where} ({name!r})"
    kind = _get(a, "type", str, where, path, required=True)
    if kind not in ATTR_TYPES:
        raise _err(SINGLEOP_INVALID_ATTR,
                   f"{where}: attribute type {kind!r} is not one ATC knows, so the attribute has no "
                   f"value; use one of {', '.join(ATTR_TYPES)}", path)
    if "value" not in a:
        raise _err(SINGLEOP_INVALID_ATTR, f"{where}: the attribute has no value", path)
    return name, _attr_value(kind, a["value"], where, path)


def _scalar(kind: str, v):
    """v as an attribute value of ``kind`` (bool, int, float, string) or None when it does not fit."""
    if kind == "bool":
        return v if isinstance(v, bool) else None
    if kind == "int":
        return v if isinstance(v, int) and not isinstance(v, bool) and INT64[0] <= v <= INT64[1] else None
    if kind == "float":
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    return v if isinstance(v, str) else None


def _attr_value(kind: str, value, where: str, path: str):
    bad = _err(JSON_PARSE_FAILED,
               f"{where}: the value {json.dumps(value)[:60]} is not of the declared type {kind}", path)
    if kind == "data_type":
        if isinstance(value, str):
            key = value.upper().removeprefix("DT_")
            numbers = {DataType(k).name[3:]: n for k, n in GE_DTYPE_NUMBERS.items()}
            if key not in numbers:
                raise _err(SINGLEOP_INVALID_ATTR,
                           f"{where}: {value!r} is not a data type (e.g. DT_FLOAT, DT_FLOAT16)", path)
            return numbers[key]
        if isinstance(value, int) and not isinstance(value, bool):
            ge_attr_dtype(value, where)          # a GE data type number: E10001 when unknown
            return value
        raise bad
    if kind == "list_list_int":
        if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
            raise bad
        rows = [[_scalar("int", x) for x in v] for v in value]
        if any(x is None for row in rows for x in row):
            raise bad
        return rows
    if kind.startswith("list_"):
        if not isinstance(value, list):
            raise bad
        items = [_scalar(kind[5:], v) for v in value]
        if any(x is None for x in items):
            raise bad
        return items
    item = _scalar(kind, value)
    if item is None:
        raise bad
    return item


def file_name(entry: OpEntry) -> str:
    """The .om file ATC writes for an entry: its ``name`` (cut to 128 characters) when that is a valid file
    name (letters, digits, '.', '_', '-'; not '.' or '..'), else ``index_op`` followed by ``_type_format_dims``
    for each input and output (GE's enum numbers), cut to 128 characters."""
    name = (entry.name or "")[:MAX_FILE_NAME]
    if name not in (".", "..") and FILE_NAME.fullmatch(name):
        return name + ".om"
    text = f"{entry.index}_{entry.op}" + "".join(t.name_part() for t in entry.inputs + entry.outputs)
    return UNSAFE.sub("_", text[:MAX_FILE_NAME]) + ".om"    # an op type never makes a path
