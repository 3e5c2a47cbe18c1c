"""Parsers for the list-valued boundary options: --out_nodes, --output_type, --input_fp16_nodes and the
true/false lists (--is_input_adjust_hw_layout, --is_output_adjust_hw_layout, --is_output_fp16)."""
from __future__ import annotations

from ..errors import INVALID_ARGUMENT_VALUE, NOT_TRUE_OR_FALSE, OptionError
from ..framework import Framework
from .numbers import is_unsigned_text
from .shape_values import split_items, split_name

OUTPUT_TYPES = ("FP32", "FP16", "UINT8", "INT8")


def parse_out_nodes(text: str, framework: int | None) -> tuple:
    """(name, index) pairs; for Caffe/ONNX an item that is not `name:digits` is a tensor name: (name, None)
    (ONNX tensor names may contain ':' themselves, e.g. `onnx::Sigmoid_12`)."""
    result = []
    for item in split_items(text):
        parts = split_name(item)
        if parts is None or not is_unsigned_text(parts[1]):
            if framework in (Framework.CAFFE, Framework.ONNX) and (parts is None or parts[1]):
                result.append((item, None))
                continue
            raise OptionError(INVALID_ARGUMENT_VALUE,
                              f"--out_nodes: '{item}' is invalid: write node_name:output_index with a "
                              "numeric index, e.g. \"node1:0;node2:1\"", option="--out_nodes")
        name, index = parts
        if not name:
            raise OptionError(INVALID_ARGUMENT_VALUE,
                              f"--out_nodes: '{item}' has an empty node name", option="--out_nodes")
        result.append((name, int(index)))
    return tuple(result)


def parse_output_type(text: str, out_nodes: tuple):
    """('FP16', ()) for one type for all outputs, or (None, ((node, index, TYPE), ...)) per output."""
    text = text.strip()
    if ":" not in text:
        if text not in OUTPUT_TYPES:
            raise OptionError(INVALID_ARGUMENT_VALUE,
                              f"--output_type: '{text}' is invalid; use one of {', '.join(OUTPUT_TYPES)}"
                              " or node:index:TYPE entries", option="--output_type")
        return text, ()
    triples = []
    for item in split_items(text):
        parts = [p.strip() for p in item.rsplit(":", 2)]
        if len(parts) != 3 or not parts[0] or not is_unsigned_text(parts[1]) or parts[2] not in OUTPUT_TYPES:
            raise OptionError(INVALID_ARGUMENT_VALUE,
                              f"--output_type: '{item}' is invalid; write node:index:TYPE with TYPE one "
                              f"of {', '.join(OUTPUT_TYPES)}", option="--output_type")
        node, index, dtype = parts[0], int(parts[1]), parts[2]
        if (node, index) not in out_nodes:
            raise OptionError(INVALID_ARGUMENT_VALUE,
                              f"--output_type: '{node}:{index}' is not in --out_nodes; per-output types "
                              "are only allowed for outputs listed in --out_nodes", option="--output_type")
        triples.append((node, index, dtype))
    return None, tuple(triples)


def parse_bool_list(text: str, option: str) -> tuple:
    """'true,false' -> (True, False); anything but exact true/false is E10005."""
    values = []
    for item in (v.strip() for v in text.split(",")):
        if item not in ("true", "false"):
            raise OptionError(NOT_TRUE_OR_FALSE, f"{option}: '{item}' must be true or false", option=option)
        values.append(item == "true")
    return tuple(values)


def parse_name_list(text: str) -> tuple:
    return tuple(split_items(text))
