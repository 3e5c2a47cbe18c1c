"""Protobuf messages -> JSON text by ATC's `--mode=1` rules (docs om-format.md section 5): the one
serializer behind the .om ModelDef dump (converter/om/json_dump.py) and each frontend's source-model dump
(ONNX GraphProto, Caffe NetParameter, TF GraphDef), so every dump follows the same conventions, those of
GE's Pb2Json (nlohmann::json, where ``json[name]`` creates a null):
- object keys sorted, 2-space indent, non-ASCII text kept as UTF-8;
- maps become arrays of {"key", "value"} sorted by key; "key" is always written, "value" by the
  sub-message rule below;
- enums by name (``enums_as_names=False``: by number); int64/uint64 as JSON numbers;
- a singular float is a ``%g`` string when that text fits Pb2Json's 10-byte buffer (9 characters),
  else a JSON number; repeated floats are numbers (NaN/inf -> null);
- singular bytes are C-escaped strings, repeated bytes/strings plain strings; a string that is not UTF-8
  (a damaged file) is shown with U+FFFD for its bad bytes;
- scalar fields without presence are omitted at their default, fields with presence (proto2
  scalars, oneof members) whenever set;
- sub-messages: a present one whose serialized size is 0 is skipped (no key), even as a oneof
  member; one with a non-zero size that prints nothing (only dropped fields, or only empty
  sub-messages) is ``null``; an element of a repeated message field that prints nothing (empty or
  not) is ``null``;
- fields named in ``drop`` are skipped at every depth.
"""
from __future__ import annotations

import json
import math

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.text_encoding import CEscape

_MESSAGE_KINDS = (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)
FLOAT_TEXT_BUFFER = 10  # Pb2Json prints a singular float with sprintf_s into char[10]


def text_of(raw: bytes) -> str:
    """Bytes shown as text (invalid UTF-8 replaced)."""
    return raw.decode("utf-8", "replace")


def _float_number(v: float):
    return None if math.isnan(v) or math.isinf(v) else float(v)


def _singular_float(v: float):
    """"%g" text as Pb2Json writes it; when the text does not fit its buffer (sprintf_s fails),
    Pb2Json stores the number itself."""
    text = "%g" % v
    return text if len(text) < FLOAT_TEXT_BUFFER else _float_number(v)


def _is_map(field) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry


def _is_repeated(field) -> bool:
    label = getattr(field, "is_repeated", None)
    if isinstance(label, bool):
        return label
    return field.label == FieldDescriptor.LABEL_REPEATED


class _Serializer:
    def __init__(self, drop, enums_as_names: bool):
        self.drop = frozenset(drop)
        self.enums_as_names = enums_as_names

    def message(self, msg) -> dict:
        """The fields msg prints (an empty dict when it prints nothing)."""
        out = {}
        for field in msg.DESCRIPTOR.fields:
            if field.name in self.drop:
                continue
            value = getattr(msg, field.name)
            if _is_map(field):
                if len(value):
                    out[field.name] = self.map_entries(field, value)
            elif _is_repeated(field):
                if len(value):
                    out[field.name] = [self.value(field, v, repeated=True) for v in value]
            elif field.type in _MESSAGE_KINDS:
                if msg.HasField(field.name) and value.ByteSize() > 0:
                    out[field.name] = self.value(field, value, repeated=False)
            elif self.present(msg, field, value):
                out[field.name] = self.value(field, value, repeated=False)
        return out

    @staticmethod
    def present(msg, field, value) -> bool:
        if field.has_presence:
            return msg.HasField(field.name)
        return value != field.default_value

    def map_entries(self, field, mapping) -> list:
        value_field = field.message_type.fields_by_name["value"]
        entries = []
        for key in sorted(mapping):
            val = mapping[key]
            entry = {"key": text_of(key) if isinstance(key, bytes) else key}
            if value_field.type not in _MESSAGE_KINDS or val.ByteSize() > 0:
                entry["value"] = self.value(value_field, val, repeated=False)
            entries.append(entry)
        return entries

    def enum(self, field, number: int):
        if not self.enums_as_names:
            return int(number)
        named = field.enum_type.values_by_number.get(number)
        return named.name if named is not None else int(number)

    def value(self, field, value, repeated: bool):
        """One field value. A message that prints nothing is null; floats and bytes print differently as a
        singular field ("%g" text, C-escaped text) and in a repeated one (numbers, plain text)."""
        kind = field.type
        if kind in _MESSAGE_KINDS:
            return self.message(value) or None
        if kind == FieldDescriptor.TYPE_ENUM:
            return self.enum(field, value)
        if kind == FieldDescriptor.TYPE_FLOAT or kind == FieldDescriptor.TYPE_DOUBLE:
            return _float_number(value) if repeated else _singular_float(value)
        if kind == FieldDescriptor.TYPE_BYTES:
            return text_of(bytes(value)) if repeated else CEscape(bytes(value), as_utf8=False)
        if isinstance(value, bytes):  # a string field that is not UTF-8 (a damaged file): shown replaced
            return text_of(value)
        return value


def message_to_dict(msg, *, drop=frozenset(), enums_as_names: bool = True) -> dict:
    """A JSON-ready dict of any protobuf message by the conventions in this module's docstring."""
    return _Serializer(drop, enums_as_names).message(msg)


def to_json_text(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def message_to_json(msg, *, drop=frozenset(), enums_as_names: bool = True) -> str:
    """JSON text of any protobuf message."""
    return to_json_text(message_to_dict(msg, drop=drop, enums_as_names=enums_as_names))
