"""The .om ModelDef as JSON text (`atc --mode=1` without --framework, and --dump_mode=1), by the
conventions of converter/protojson.py (GE's Pb2Json). The four compression bookkeeping model attrs are
removed and compressed attribute names (NUL + little-endian base-127 digits, each +1) are decoded from the
model's name table.
"""
from __future__ import annotations

from ..proto import ge_ir_pb2 as ge
from ..protojson import message_to_dict, text_of, to_json_text

OM_DROPPED_FIELDS = frozenset({"output", "data_offset", "data", "workspace", "workspace_bytes", "memory_size",
                               "weight_size", "size", "bt", "quantize_factor"})

ATTR_COMPRESS_VERSION = "om_compress_version"
ATTR_NAME_ENUM = "attr_name_enum"
ATTR_VALUE_ENUM = "attr_value_enum"
ATTR_USE_STRING_VALUE = "attrs_use_string_value"
COMPRESS_BOOKKEEPING = (ATTR_COMPRESS_VERSION, ATTR_NAME_ENUM, ATTR_VALUE_ENUM, ATTR_USE_STRING_VALUE)
USE_OM_COMPRESS = 1
ENCODED_PREFIX = "\0"
DIGIT_BASE = 127


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
    return [text_of(v) if isinstance(v, bytes) else v for v in values]


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
