"""A small protobuf wire-format walker, for readers that must not let the protobuf runtime copy large
payloads (ONNX initializer raw_data, Caffe blob data): fields are located as byte ranges of a buffer
(bytes, memoryview or mmap) and decoded only where the reader asks."""
from __future__ import annotations

from typing import NamedTuple

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5   # wire types (3 and 4, groups, are refused)


class WireFormatError(ValueError):
    """The bytes are not protobuf this walker can read (each reader turns it into its own verdict)."""


class Field(NamedTuple):
    """One field of a message: ``buf[start:end]`` is the whole field, ``buf[body:end]`` its payload
    (a VARINT's payload is the varint itself, see ``varint_value``)."""
    number: int
    wire: int
    start: int
    body: int
    end: int


def varint(buf, pos: int, end: int) -> tuple:
    """(value, next position) of the varint at ``pos`` (it must end before ``end``)."""
    value = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise WireFormatError(f"bad varint at byte {pos}")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def signed64(value: int) -> int:
    """A varint read as int64 (negative numbers are sent as 10-byte two's complement)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def fields(buf, start: int, end: int):
    """Each Field of the message in ``buf[start:end]``, in file order."""
    pos = start
    while pos < end:
        key = buf[pos]
        if key < 0x80:   # one-byte keys and lengths (most of them) without the general varint loop
            body = pos + 1
        else:
            key, body = varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireFormatError(f"field number 0 at byte {pos}")
        if wire == VARINT:
            _, stop = varint(buf, body, end)
        elif wire == FIXED64:
            stop = body + 8
        elif wire == FIXED32:
            stop = body + 4
        elif wire == LEN:
            if body < end and buf[body] < 0x80:
                length, body = buf[body], body + 1
            else:
                length, body = varint(buf, body, end)
            stop = body + length
        else:
            raise WireFormatError(f"wire type {wire} (groups) at byte {pos}")
        if stop > end:
            raise WireFormatError(f"field {number} at byte {pos} runs past its message")
        yield Field(number, wire, pos, body, stop)
        pos = stop


def varint_value(buf, f: Field) -> int:
    """The value of a VARINT field."""
    return varint(buf, f.body, f.end)[0]


def packed_varints(buf, f: Field) -> list:
    """The values of a packed repeated varint field (a LEN field)."""
    values, pos = [], f.body
    while pos < f.end:
        value, pos = varint(buf, pos, f.end)
        values.append(value)
    return values
