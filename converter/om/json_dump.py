"""Protobuf messages -> JSON text by ATC's `--mode=1` rules (docs om-format.md section 5).

One serializer over protobuf descriptors serves the .om ModelDef dump and the source-model dumps
(ONNX GraphProto, Caffe NetParameter, TF GraphDef), so every dump follows the same conventions,
those of GE's Pb2Json (nlohmann::json, where ``json[name]`` creates a null):
- object keys sorted, 2-space indent, non-ASCII text kept as UTF-8;
- maps become arrays of {"key", "value"} sorted by key; "key" is always written, "value" by the
  sub-message rule below;
- enums by name (``enums_as_names=False``: by number); int64/uint64 as JSON numbers;
- a singular float is a ``%g`` string when that text fits Pb2Json's 10-byte buffer (9 characters),
  else a JSON number; repeated floats are numbers (NaN/inf -> null);
- singular bytes are C-escaped strings, repeated bytes/strings plain strings;
- scalar fields without presence are omitted at their default, fields with presence (proto2
  scalars, oneof members) whenever set;
- sub-messages: a present one whose serialized size is 0 is skipped (no key), even as a oneof
  member; one with a non-zero size that prints nothing (only dropped fields, or only empty
  sub-messages) is ``null``; an element of a repeated message field that prints nothing (empty or
  not) is ``null``;
- fields named in ``drop`` are skipped at every depth.
For .om dumps the four compression bookkeeping model attrs are removed and compressed attribute
names (NUL + little-endian base-127 digits, each +1) are decoded from the model's name table.
"""
from __future__ import annotations

import json
import math

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.text_encoding import CEscape

from ..proto import ge_ir_pb2 as ge

OM_DROPPED_FIELDS = frozenset({"output", "data_offset", "data", "workspace", "workspace_bytes", "memory_size",
                               "weight_size", "size", "bt", "quantize_factor"})
TF_DROPPED_FIELDS = frozenset({"tensor_content"})

ATTR_COMPRESS_VERSION = "om_compress_version"
ATTR_NAME_ENUM = "attr_name_enum"
ATTR_VALUE_ENUM = "attr_value_enum"
ATTR_USE_STRING_VALUE = "attrs_use_string_value"
COMPRESS_BOOKKEEPING = (ATTR_COMPRESS_VERSION, ATTR_NAME_ENUM, ATTR_VALUE_ENUM, ATTR_USE_STRING_VALUE)
USE_OM_COMPRESS = 1
ENCODED_PREFIX = "\0"
DIGIT_BASE = 127


# ---- generic message serializer ----------------------------------------------------------------

_MESSAGE_KINDS = (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)
FLOAT_TEXT_BUFFER = 10  # Pb2Json prints a singular float with sprintf_s into char[10]


def _float_number(v: float):
    return None if math.isnan(v) or math.isinf(v) else float(v)


def _singular_float(v: float):
    """"%g" text as Pb2Json writes it; when the text does not fit its buffer (sprintf_s fails),
    Pb2Json stores the number itself."""
    text = "%g" % v
    return text if len(text) < FLOAT_TEXT_BUFFER else _float_number(v)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


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
                    out[field.name] = [self.repeated_item(field, v) for v in value]
            elif field.type in _MESSAGE_KINDS:
                if msg.HasField(field.name) and value.ByteSize() > 0:
                    out[field.name] = self.sub_message(value)
            elif self.present(msg, field, value):
                out[field.name] = self.singular(field, value)
        return out

    def sub_message(self, msg):
        """A non-empty sub-message: its fields, or None (JSON null) when it prints nothing."""
        return self.message(msg) or None

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
            entry = {"key": key}
            if value_field.type not in _MESSAGE_KINDS:
                entry["value"] = self.singular(value_field, val)
            elif val.ByteSize() > 0:
                entry["value"] = self.sub_message(val)
            entries.append(entry)
        return entries

    def enum(self, field, number: int):
        if not self.enums_as_names:
            return int(number)
        named = field.enum_type.values_by_number.get(number)
        return named.name if named is not None else int(number)

    def singular(self, field, value):
        kind = field.type
        if kind in _MESSAGE_KINDS:
            return self.sub_message(value)
        if kind == FieldDescriptor.TYPE_ENUM:
            return self.enum(field, value)
        if kind == FieldDescriptor.TYPE_FLOAT or kind == FieldDescriptor.TYPE_DOUBLE:
            return _singular_float(value)
        if kind == FieldDescriptor.TYPE_BYTES:
            return CEscape(bytes(value), as_utf8=False)
        return value

    def repeated_item(self, field, value):
        kind = field.type
        if kind in _MESSAGE_KINDS:
            return self.message(value) or None
        if kind == FieldDescriptor.TYPE_ENUM:
            return self.enum(field, value)
        if kind == FieldDescriptor.TYPE_FLOAT or kind == FieldDescriptor.TYPE_DOUBLE:
            return _float_number(value)
        if kind == FieldDescriptor.TYPE_BYTES:
            return _text(bytes(value))
        return value


def message_to_dict(msg, *, drop=frozenset(), enums_as_names: bool = True) -> dict:
    """A JSON-ready dict of any protobuf message by the conventions in this module's docstring."""
    return _Serializer(drop, enums_as_names).message(msg)


def to_json_text(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def message_to_json(msg, *, drop=frozenset(), enums_as_names: bool = True) -> str:
    """JSON text of any protobuf message (used by the Caffe/TF/ONNX source dumps)."""
    return to_json_text(message_to_dict(msg, drop=drop, enums_as_names=enums_as_names))


# ---- attribute-name compression ---------------------------------------------------------------

def decode_attr_index(encoded: str) -> int:
    """Index of a compressed attr name: NUL, then base-127 digits (least significant first), each +1."""
    index = 0
    for position, ch in enumerate(encoded[1:]):
        index += (ord(ch) - 1) * DIGIT_BASE ** position
    return index


def encode_attr_index(index: int) -> str:
    """The compressed form of a name-table index (inverse of decode_attr_index)."""
    digits = []
    while True:
        digits.append(chr(index % DIGIT_BASE + 1))
        index //= DIGIT_BASE
        if index == 0:
            break
    return ENCODED_PREFIX + "".join(digits)


class _NameTable:
    def __init__(self, names: list, values: list, use_string: list):
        self.names, self.values, self.use_string = names, values, use_string

    def decode_key(self, key: str) -> tuple[str, bool]:
        if not key.startswith(ENCODED_PREFIX):
            return key, False
        index = decode_attr_index(key)
        if index >= len(self.names):
            return key, False
        return self.names[index], bool(index < len(self.use_string) and self.use_string[index])

    def value_text(self, index: int) -> str:
        return self.values[index] if 0 <= index < len(self.values) else str(index)

    def apply(self, node, string_vt) -> None:
        """Decode every {"key", "value"} entry under node, re-sorting the entry arrays it touched."""
        if isinstance(node, list):
            for item in node:
                self.apply(item, string_vt)
            if node and all(isinstance(e, dict) and "key" in e and "value" in e for e in node):
                node.sort(key=lambda e: str(e["key"]))
            return
        if not isinstance(node, dict):
            return
        if "key" in node and "value" in node and isinstance(node["key"], str):
            node["key"], is_string = self.decode_key(node["key"])
            if is_string and isinstance(node["value"], dict):
                self.restore_strings(node["value"], string_vt)
        for child in node.values():
            self.apply(child, string_vt)

    def restore_strings(self, value: dict, string_vt) -> None:
        if "i" in value:
            value["s"] = self.value_text(value.pop("i"))
        lst = value.get("list")
        if isinstance(lst, dict):
            if "i" in lst:
                lst["s"] = [self.value_text(i) for i in lst.pop("i")]
            if "val_type" in lst:
                lst["val_type"] = string_vt


def _attr_list(model: ge.ModelDef, key: str, member: str) -> list:
    if key not in model.attr:
        return []
    values = getattr(model.attr[key].list, member)
    return [_text(v) if isinstance(v, bytes) else v for v in values]


def _decompress(model: ge.ModelDef, tree: dict, enums_as_names: bool) -> None:
    """Remove the compression bookkeeping attrs (an attr array left empty stays, as `[]`, as in
    Pb2Json); decode compressed names when the model uses them."""
    if "attr" in tree:
        tree["attr"] = [e for e in tree["attr"] if e["key"] not in COMPRESS_BOOKKEEPING]
    version = model.attr[ATTR_COMPRESS_VERSION].i if ATTR_COMPRESS_VERSION in model.attr else 0
    if version != USE_OM_COMPRESS:
        return
    table = _NameTable(_attr_list(model, ATTR_NAME_ENUM, "s"), _attr_list(model, ATTR_VALUE_ENUM, "s"),
                       _attr_list(model, ATTR_USE_STRING_VALUE, "b"))
    vt = ge.AttrDef.ListValue.VT_LIST_STRING
    table.apply(tree, "VT_LIST_STRING" if enums_as_names else int(vt))


# ---- the dumps ---------------------------------------------------------------------------------

def model_def_to_dict(model: ge.ModelDef, dump_mode: int = 0) -> dict:
    """ATC's JSON view of a ModelDef. dump_mode 0: enums by name, weights and sizes dropped;
    dump_mode 1: enums as numbers, nothing dropped."""
    enums_as_names = dump_mode == 0
    drop = OM_DROPPED_FIELDS if dump_mode == 0 else frozenset()
    tree = message_to_dict(model, drop=drop, enums_as_names=enums_as_names)
    _decompress(model, tree, enums_as_names)
    return tree


def model_def_to_json(model: ge.ModelDef, dump_mode: int = 0) -> str:
    return to_json_text(model_def_to_dict(model, dump_mode))


def om_to_json(path, dump_mode: int = 0) -> str:
    """JSON text of model 0's MODEL_DEF in an .om file."""
    from .reader import read_om
    return model_def_to_json(read_om(path).model_def, dump_mode)


def onnx_graph_to_json(model) -> str:
    """ATC's dump of an ONNX source model: the GraphProto only, initializer raw_data included as
    C-escaped text like any singular bytes field (same serializer and conventions as the .om dump)."""
    return message_to_json(model.graph)


def tf_graph_to_json(graph_def) -> str:
    """ATC's dump of a TensorFlow GraphDef: tensor_content is dropped."""
    return message_to_json(graph_def, drop=TF_DROPPED_FIELDS)


def caffe_net_to_json(net) -> str:
    """ATC's dump of a Caffe NetParameter."""
    return message_to_json(net)
