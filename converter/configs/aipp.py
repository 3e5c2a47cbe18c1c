"""--insert_op_conf AIPP files: protobuf text format `aipp_op { key: value ... }` with the quirks seen in
the wild (spaces around ':', no space before '{', inline # comments, tabs, blank lines).

Parsed into one dict per aipp_op block; keys and value types/ranges are checked against the table below.
"""
from __future__ import annotations

import re

from ..errors import INVALID_OPTION_VALUE, OptionError
from .files import read_option_file
from .numbers import is_int_text, is_number_text

AIPP_INPUT_FORMATS = ("YUV420SP_U8", "XRGB8888_U8", "RGB888_U8", "YUV400_U8", "NC1HWC0DI_FP16",
                      "NC1HWC0DI_S8", "ARGB8888_U8", "YUYV_U8", "YUV422SP_U8", "AYUV444_U8", "RAW10",
                      "RAW12", "RAW16", "RAW24", "RGB16", "RGB20", "RGB24", "RGB8_IR", "RGB16_IR", "RGB24_IR")


INT32_MAX = 2**31 - 1
BOOL, STR, FLOAT = ("bool", None, None), ("str", None, None), ("float", None, None)


def _key_table() -> dict:
    """key -> (kind, lo, hi, repeated). kinds: enum (lo = choices), bool, int, float, str."""
    groups = (  # ((kind, lo, hi), repeated, keys)
        (("enum", ("static", "dynamic"), None), False, ("aipp_mode",)),
        (("enum", AIPP_INPUT_FORMATS, None), False, ("input_format",)),
        (("int", 0, INT32_MAX), False, ("related_input_rank", "max_src_image_size")),
        (("int", 0, INT32_MAX), True, ("input_edge_idx",)),
        (STR, False, ("related_input_name",)),
        (BOOL, False, ("support_rotation", "crop", "resize", "padding", "csc_switch", "rbuv_swap_switch",
                       "ax_swap_switch", "single_line_mode")),
        (("int", 0, 4096), False, ("src_image_size_w", "src_image_size_h", "crop_size_w", "crop_size_h",
                                   "resize_output_w", "resize_output_h")),
        (("int", 0, 4095), False, ("load_start_pos_w", "load_start_pos_h")),
        (("int", 0, 32), False, ("left_padding_size", "right_padding_size", "top_padding_size",
                                 "bottom_padding_size")),
        (FLOAT, False, ("padding_value", "cpadding_value") + tuple(f"min_chn_{c}" for c in range(4))),
        (("int", -32768, 32767), True, tuple(f"matrix_r{row}c{col}" for row in range(3) for col in range(3))),
        (("int", 0, 255), True, tuple(f"{side}_bias_{c}" for side in ("input", "output") for c in range(3))),
        (("int", 0, 255), False, tuple(f"mean_chn_{c}" for c in range(4))),
        (("float", -65504.0, 65504.0), False, tuple(f"var_reci_chn_{c}" for c in range(4))),
    )
    return {key: (*spec, repeated) for spec, repeated, keys in groups for key in keys}


AIPP_KEYS = _key_table()
_TOKEN = re.compile(r"""(?P<space>[ \t\r\f\v]+)|(?P<newline>\n)|(?P<comment>\#[^\n]*)|(?P<punct>[{}:])
                        |(?P<string>"[^"\n]*"|'[^'\n]*')|(?P<word>[^\s{}:#"']+)""", re.X)
_BOOL_TEXT = {"true": True, "t": True, "1": True, "false": False, "f": False, "0": False}


class _Parser:
    def __init__(self, text: str, path: str, option: str):
        self.path, self.option = path, option
        self.tokens = list(self._tokenize(text))
        self.pos = 0

    def _tokenize(self, text):
        line = 1
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind == "newline":
                line += 1
            elif kind in ("punct", "string", "word"):
                yield match.group(), line

    def error(self, line, reason) -> OptionError:
        return OptionError(INVALID_OPTION_VALUE, f"{self.option}: AIPP file '{self.path}' line {line}: {reason}",
                           option=self.option, path=self.path)

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, self._last_line())

    def _last_line(self):
        return self.tokens[-1][1] if self.tokens else 1

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def expect(self, text):
        token, line = self.take()
        if token != text:
            raise self.error(line, f"expected '{text}' but found {token!r}" if token else f"expected '{text}'")

    def parse(self) -> list:
        blocks = []
        while self.peek()[0] is not None:
            token, line = self.take()
            if token != "aipp_op":
                raise self.error(line, f"expected 'aipp_op {{' but found '{token}'")
            if self.peek()[0] == ":":
                self.take()
            self.expect("{")
            blocks.append(self.parse_block(line))
        if not blocks:
            raise self.error(1, "no 'aipp_op { ... }' block found")
        return blocks

    def parse_block(self, open_line) -> dict:
        fields = {}
        while True:
            key, line = self.take()
            if key is None:
                raise self.error(line, f"'aipp_op {{' opened on line {open_line} is never closed with '}}'")
            if key == "}":
                return fields
            if key in "{:":
                raise self.error(line, f"unexpected '{key}'")
            self.expect(":")
            value, vline = self.take()
            if value is None or value in "{}:":
                raise self.error(vline, f"'{key}' has no value")
            self.store(fields, key, value.strip("\"'"), line)

    def store(self, fields, key, text, line):
        spec = AIPP_KEYS.get(key)
        if spec is None:
            raise self.error(line, f"unknown AIPP parameter '{key}'")
        kind, lo, hi, repeated = spec
        value = self.convert(key, text, kind, lo, hi, line)
        if repeated:
            fields.setdefault(key, []).append(value)
        elif key in fields:
            raise self.error(line, f"'{key}' is given twice")
        else:
            fields[key] = value

    def convert(self, key, text, kind, lo, hi, line):
        if kind == "enum":
            if text not in lo:
                raise self.error(line, f"{key}: '{text}' is not one of {', '.join(lo)}")
            return text
        if kind == "bool":
            if text.lower() not in _BOOL_TEXT:
                raise self.error(line, f"{key}: '{text}' is not true or false")
            return _BOOL_TEXT[text.lower()]
        if kind == "str":
            return text
        if not (is_int_text(text) if kind == "int" else is_number_text(text)):
            raise self.error(line, f"{key}: '{text}' is not {'an integer' if kind == 'int' else 'a number'}")
        value = int(text) if kind == "int" else float(text)
        if lo is not None and not lo <= value <= hi:
            raise self.error(line, f"{key}: {text} is out of range [{lo}, {hi}]")
        return value


def parse_aipp_text(text: str, path: str = "<text>", option: str = "--insert_op_conf") -> tuple:
    """The aipp_op blocks of an AIPP config text, each a dict of checked values."""
    blocks = _Parser(text, path, option).parse()
    for block in blocks:
        _check_block(block, path, option)
    return tuple(blocks)


def parse_aipp_config(path: str, option: str = "--insert_op_conf") -> tuple:
    return parse_aipp_text(read_option_file(path, option), path, option)


def _check_block(block: dict, path: str, option: str) -> None:
    """Cross-key rules that hold whatever the model is."""
    def fail(reason):
        raise OptionError(INVALID_OPTION_VALUE, f"{option}: AIPP file '{path}': {reason}", option=option, path=path)

    if block.get("aipp_mode", "static") == "dynamic" and "max_src_image_size" not in block:
        fail("aipp_mode: dynamic needs max_src_image_size")
    for name in [k for k in block if k.startswith("matrix_r")]:
        if len(block[name]) > 1:
            fail(f"{name} is given more than once")
    if block.get("crop") and "crop_size_w" in block and "src_image_size_w" in block:
        if block.get("load_start_pos_w", 0) + block["crop_size_w"] > block["src_image_size_w"] > 0:
            fail("load_start_pos_w + crop_size_w exceeds src_image_size_w")
    if block.get("crop") and "crop_size_h" in block and "src_image_size_h" in block:
        if block.get("load_start_pos_h", 0) + block["crop_size_h"] > block["src_image_size_h"] > 0:
            fail("load_start_pos_h + crop_size_h exceeds src_image_size_h")
