"""Mutators for the reader fuzzer: bytes, text tokens, protobuf messages (any of ours: ONNX, GraphDef,
NetParameter, ge ModelDef) and JSON values. Each takes the seed input and a random.Random and returns the
mutated input; the same Random state gives the same mutation."""
from __future__ import annotations

import copy
import json
import random
import re

from google.protobuf.descriptor import FieldDescriptor as FD

# values that find edge cases: zero and signs, int32/int64/uint64 limits, sizes that overflow when multiplied
INTS = [0, 1, -1, 2, 3, 7, 255, 256, 65535, 2**31 - 1, 2**31, -2**31, 2**32, 2**32 + 1, 2**62, 2**63 - 1, -2**63,
        4_000_000_000, 1 << 40]
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-45, 1e38, 3.4e38, -3.4e38, float("inf"), float("-inf"), float("nan")]
STRINGS = ["", "x", "a\x1b[31mred", "n\nATC run success", "\u202eevil", "../../../etc/passwd", "/etc/passwd",
           ".", "..", "a" * 300, "\0", "weight/../../x", "NetOutput", "Data", "Const", "中文", "\x7f"]
TEXT_NUMBERS = ["0", "-1", "1", "-0", "2147483648", "-2147483649", "9223372036854775808", "1e309", "nan", "inf",
                "0x10", "1.5", "٣", "１", "²", "99999999999999999999999", "-", "+", "1e", ".", "3.4e38"]


# ---- bytes -------------------------------------------------------------------------------------------------

def mutate_bytes(data: bytes, rng: random.Random, others=()) -> bytes:
    """Flip, overwrite, insert, delete, duplicate or splice byte ranges (1-4 edits), or truncate."""
    b = bytearray(data)
    if not b:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if rng.random() < 0.15:
        return bytes(b[:rng.randrange(len(b))])
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(b))
        kind = rng.randrange(6)
        if kind == 0:
            b[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            b[pos] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
        elif kind == 2:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 3:
            del b[pos:pos + rng.randint(1, 16)]
        elif kind == 4:
            end = min(len(b), pos + rng.randint(1, 64))
            b[pos:pos] = b[pos:end] * rng.randint(1, 4)
        elif others:
            other = rng.choice(others)
            if other:
                start = rng.randrange(len(other))
                b[pos:pos] = other[start:start + rng.randint(1, 256)]
        if not b:
            break
    return bytes(b)


# ---- text --------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\w+|[^\s\w]')


def mutate_text(text: str, rng: random.Random) -> str:
    """Token-level edits of a text format (prototxt, pbtxt, cfg, JSON): numbers replaced by edge values, words
    by other words of the file, lines deleted or duplicated, braces unbalanced, deep nesting, odd characters."""
    for _ in range(rng.randint(1, 3)):
        tokens = list(_TOKEN.finditer(text))
        lines = text.split("\n")
        kind = rng.randrange(9)
        if kind <= 2 and tokens:
            numbers = [t for t in tokens if re.fullmatch(r"-?\d.*", t.group())] or tokens
            t = rng.choice(numbers)
            text = text[:t.start()] + rng.choice(TEXT_NUMBERS) + text[t.end():]
        elif kind == 3 and tokens:
            words = [t for t in tokens if re.fullmatch(r"\w+|\".*\"", t.group())] or tokens
            t, other = rng.choice(words), rng.choice(words)
            text = text[:t.start()] + other.group() + text[t.end():]
        elif kind == 4 and len(lines) > 1:
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif kind == 5 and lines:
            i = rng.randrange(len(lines))
            lines[i:i] = [lines[i]] * rng.randint(1, 3)
            text = "\n".join(lines)
        elif kind == 6 and tokens:
            t = rng.choice(tokens)
            text = text[:t.start()] + rng.choice(["{", "}", "[", "]", "<", ">", ":", ",", '"', "#"]) + text[t.end():]
        elif kind == 7:
            pos = rng.randrange(len(text) + 1)
            depth = rng.choice([50, 150, 3000])
            opener = rng.choice(["a { ", "[", "{", "layer { "])
            closer = {"a { ": "} ", "[": "]", "{": "}", "layer { ": "} "}[opener]
            text = text[:pos] + opener * depth + closer * depth + text[pos:]
        else:
            pos = rng.randrange(len(text) + 1)
            text = text[:pos] + rng.choice(["\x1b[2J", "\0", "\u202e", "\ufeff", "\r", "\t", "\\", "\\x", "é",
                                            rng.choice(STRINGS)]) + text[pos:]
    return text


# ---- protobuf messages -------------------------------------------------------------------------------------

def _repeated(fd) -> bool:
    return fd.is_repeated if hasattr(fd, "is_repeated") else fd.label == FD.LABEL_REPEATED


def _fields(message, path=()):
    """(message, field, index or None) for every set field, recursively (index: element of a repeated one)."""
    for fd, value in message.ListFields():
        if fd.type == FD.TYPE_MESSAGE:
            if fd.message_type.GetOptions().map_entry:
                for key in sorted(value):
                    item = value[key]
                    if hasattr(item, "ListFields"):
                        yield from _fields(item, path + (fd.name,))
                continue
            if _repeated(fd):
                yield message, fd, None
                for item in value:
                    yield from _fields(item, path + (fd.name,))
            else:
                yield from _fields(value, path + (fd.name,))
        elif _repeated(fd):
            yield message, fd, None
            for i in range(len(value)):
                yield message, fd, i
        else:
            yield message, fd, -1


def _strings(message) -> list:
    out = []
    for msg, fd, index in _fields(message):
        if fd.type == FD.TYPE_STRING and index is not None:
            value = getattr(msg, fd.name)
            out.append(value[index] if index >= 0 else value)
    return out


def _new_value(fd, current, rng: random.Random, names: list):
    t = fd.type
    if t == FD.TYPE_STRING:
        return rng.choice(names + STRINGS) if names and rng.random() < 0.6 else rng.choice(STRINGS)
    if t == FD.TYPE_BYTES:
        return mutate_bytes(bytes(current), rng) if current and rng.random() < 0.7 else rng.choice([b"", b"\0" * 3, b"x" * 7])
    if t == FD.TYPE_BOOL:
        return not current
    if t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return rng.choice(FLOATS)
    if t == FD.TYPE_ENUM:
        numbers = [v.number for v in fd.enum_type.values]
        return rng.choice(numbers + [max(numbers) + 1, 99])
    value = rng.choice(INTS + [current + 1, current - 1, current * 2])
    if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return value % 2**32
    if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return value % 2**64
    if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
        return (value + 2**31) % 2**32 - 2**31
    return (value + 2**63) % 2**64 - 2**63


def mutate_message(message, rng: random.Random) -> None:
    """1-3 edits in place: a scalar set to an edge value (strings: another name of the message, for cycles
    and duplicates, or an odd one), a repeated field's element deleted, duplicated or swapped."""
    names = _strings(message)
    for _ in range(rng.randint(1, 3)):
        candidates = list(_fields(message))
        if not candidates:
            return
        msg, fd, index = rng.choice(candidates)
        value = getattr(msg, fd.name)
        try:
            if index is None:  # a repeated field as a whole
                if not len(value):
                    continue
                i = rng.randrange(len(value))
                kind = rng.randrange(3)
                if kind == 0:
                    del value[i]
                elif fd.type == FD.TYPE_MESSAGE:
                    value.add().CopyFrom(value[i])
                else:
                    value.append(value[i] if kind == 1 else _new_value(fd, value[i], rng, names))
            elif index >= 0:
                value[index] = _new_value(fd, value[index], rng, names)
            else:
                setattr(msg, fd.name, _new_value(fd, value, rng, names))
        except (TypeError, ValueError):
            continue


def mutate_proto(data: bytes, message_class, rng: random.Random, others=()) -> bytes:
    """Parse ``data`` as ``message_class``, edit it (mutate_message), serialize; bytes edits when it does not
    parse (or sometimes anyway)."""
    if rng.random() < 0.25:
        return mutate_bytes(data, rng, others)
    message = message_class()
    try:
        message.ParseFromString(data)
    except Exception:  # noqa: BLE001 - a seed that is not this message: edit its bytes instead
        return mutate_bytes(data, rng, others)
    mutate_message(message, rng)
    return message.SerializeToString()


# ---- JSON --------------------------------------------------------------------------------------------------

JSON_VALUES = [None, True, False, 0, -1, 1.5, 2**31, 2**63, -2**63 - 1, 1e308, "", "x", "\x1b[31m", "float16",
               "NCHW", [], {}, [1, 2], [-1], [-2], [2**40, 2**40], {"a": 1}, [[[[1]]]]]


def _json_slots(value, out):
    """(container, key) of every value inside ``value`` (iteratively: documents may nest deeply)."""
    stack = [value]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else ()
        for key in keys:
            out.append((node, key))
            stack.append(node[key])
    return out


def mutate_json(text: str, rng: random.Random) -> str:
    """Structural edits of a JSON document (a value replaced, removed or duplicated, a key renamed); text edits
    when it does not parse (or sometimes anyway)."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return mutate_text(text, rng)
    if rng.random() < 0.3:
        return mutate_text(text, rng)
    try:
        return json.dumps(_edit_json(doc, rng))
    except (RecursionError, ValueError):  # a document nested too deeply to edit: edit its text
        return mutate_text(text, rng)


def _edit_json(doc, rng: random.Random):
    for _ in range(rng.randint(1, 3)):
        slots = _json_slots(doc, [])
        if not slots:
            return copy.deepcopy(rng.choice(JSON_VALUES))
        container, key = rng.choice(slots)
        kind = rng.randrange(4)
        if kind == 0:
            container[key] = copy.deepcopy(rng.choice(JSON_VALUES + [v for _, v in _json_items(slots, rng)]))
        elif kind == 1:
            del container[key]
        elif kind == 2 and isinstance(container, list):
            container.insert(key, copy.deepcopy(container[key]))
        elif isinstance(container, dict):
            container[rng.choice(["op", "type", "shape", "format", "name", "value", "x\x1b", ""])] = container.pop(key)
    return doc


def _json_items(slots, rng: random.Random):
    for container, key in rng.sample(slots, min(3, len(slots))):
        yield key, container[key]
