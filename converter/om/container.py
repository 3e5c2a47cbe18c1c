"""The .om container: 256-byte header (v1/v2) + partition table (32-/64-bit) + partitions.

Layout and field offsets follow docs om-format.md sections 1-3. Reading accepts real ATC, GE and
HiAI files (multi-model, either table form, chosen by self-consistency); writing produces a v2
header, one model, a 64-bit table, and streams partition chunks atomically to disk.
"""
from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import INVALID_OM_FILE, OmFormatError
from ..fileio import atomic_write
from ..ir.weights import pieces

MAGIC = 0x444F4D49  # b"IMOD"
HEADER_SIZE = 256
VERSION_V1 = 0x10000000
VERSION_V2 = 0x20000000
MAX_PARTITION_TYPE = 32
MODELTYPE_FLOW = 3


class PartitionType:
    """Partition type numbers (a subset of GE's ModelPartitionType; others are kept as ints)."""

    MODEL_DEF = 0
    WEIGHTS_DATA = 1
    TASK_INFO = 2
    TBE_KERNELS = 3
    CUST_AICPU_KERNELS = 4
    SO_BINS = 5
    FLOW_MODEL = 6
    FLOW_SUBMODEL = 7
    MODEL_INOUT_INFO = 8
    STATIC_TASK_DESC = 9
    DYNAMIC_TASK_DESC = 10
    TASK_PARAM = 11
    TILING_DATA = 12


PARTITION_NAMES = {v: k for k, v in vars(PartitionType).items() if not k.startswith("_")}


def partition_name(ptype: int) -> str:
    return PARTITION_NAMES.get(ptype, f"PARTITION_{ptype}")


@dataclass
class OmHeader:
    """The decoded 256-byte header. v1 files have no model_num/model_length (reported as 1/0)."""

    version: int = VERSION_V2
    checksum: bytes = bytes(64)
    length: int = 0
    is_encrypt: int = 0
    is_checksum: int = 1
    modeltype: int = 0
    genmode: int = 0
    name: str = ""
    ops: int = 0
    userdefineinfo: bytes = bytes(32)
    om_ir_version: int = 0
    model_num: int = 1
    platform_version: str = ""
    platform_type: int = 0
    model_length: int = 0
    need_check_os_cpu_info: int = 0
    is_unknow_model: int = 0
    magic: int = MAGIC
    headsize: int = HEADER_SIZE

    @property
    def is_v2(self) -> bool:
        return self.version != VERSION_V1


@dataclass
class Partition:
    type: int
    offset: int          # relative to the model's data area
    size: int
    data: memoryview


@dataclass
class OmModelBlock(Mapping):
    """One model's partitions, in table order. As a mapping: partition type -> bytes (first of a type)."""

    partitions: list = field(default_factory=list)
    table_form: int = 64   # 32 or 64

    def _first(self) -> dict:
        out = {}
        for p in self.partitions:
            out.setdefault(p.type, p.data)
        return out

    def __getitem__(self, ptype: int) -> memoryview:
        return self._first()[ptype]

    def __iter__(self):
        return iter(self._first())

    def __len__(self) -> int:
        return len(self._first())

    @property
    def end(self) -> int:
        return max((p.offset + p.size for p in self.partitions), default=0)


@dataclass
class OmFile:
    header: OmHeader
    models: list  # list[OmModelBlock]
    file_size: int = 0


# ---- header -----------------------------------------------------------------------------------

def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _bad(message: str, path) -> OmFormatError:
    where = f" '{path}'" if path else ""
    return OmFormatError(INVALID_OM_FILE, f"file{where} is not a valid offline model (.om): {message}",
                         path=None if path is None else str(path))


def parse_header(buf, path=None) -> OmHeader:
    if len(buf) < HEADER_SIZE:
        raise _bad(f"it has {len(buf)} bytes, fewer than the {HEADER_SIZE}-byte header", path)
    magic, headsize, version = struct.unpack_from("<III", buf, 0)
    if magic != MAGIC:
        raise _bad(f"bad magic 0x{magic:08X} (expected 0x{MAGIC:08X}, 'IMOD')", path)
    h = OmHeader(magic=magic, headsize=headsize, version=version)
    h.checksum = bytes(buf[12:76])
    (h.length,) = struct.unpack_from("<I", buf, 76)
    h.is_encrypt, h.is_checksum, h.modeltype, h.genmode = bytes(buf[80:84])
    h.name = _cstr(bytes(buf[84:116]))
    (h.ops,) = struct.unpack_from("<I", buf, 116)
    h.userdefineinfo = bytes(buf[120:152])
    (h.om_ir_version,) = struct.unpack_from("<I", buf, 152)
    if version == VERSION_V1:
        h.platform_version = _cstr(bytes(buf[156:176]))
        h.platform_type = buf[176]
        h.model_num, h.model_length = 1, 0
    else:
        (h.model_num,) = struct.unpack_from("<I", buf, 156)
        h.platform_version = _cstr(bytes(buf[160:180]))
        h.platform_type = buf[180]
        (h.model_length,) = struct.unpack_from("<Q", buf, 184)
        h.need_check_os_cpu_info, h.is_unknow_model = buf[192], buf[193]
    return h


def _fixed(text: str, size: int) -> bytes:
    raw = text.encode("utf-8")[: size - 1]
    return raw + bytes(size - len(raw))


def pack_header(h: OmHeader) -> bytes:
    buf = bytearray(HEADER_SIZE)
    struct.pack_into("<III", buf, 0, h.magic, h.headsize, h.version)
    buf[12:76] = h.checksum.ljust(64, b"\0")[:64]
    struct.pack_into("<I", buf, 76, h.length)
    buf[80:84] = bytes((h.is_encrypt, h.is_checksum, h.modeltype, h.genmode))
    buf[84:116] = _fixed(h.name, 32)
    struct.pack_into("<I", buf, 116, h.ops)
    buf[120:152] = h.userdefineinfo.ljust(32, b"\0")[:32]
    struct.pack_into("<I", buf, 152, h.om_ir_version)
    if h.version == VERSION_V1:
        buf[156:176] = _fixed(h.platform_version, 20)
        buf[176] = h.platform_type
    else:
        struct.pack_into("<I", buf, 156, h.model_num)
        buf[160:180] = _fixed(h.platform_version, 20)
        buf[180] = h.platform_type
        struct.pack_into("<Q", buf, 184, h.model_length)
        buf[192], buf[193] = h.need_check_os_cpu_info, h.is_unknow_model
    return bytes(buf)


# ---- partition table --------------------------------------------------------------------------

def _table_entries(buf, pos: int, form: int):
    """(table byte size, [(type, offset, size)]) for the table at pos, or None if it does not fit."""
    if pos + 4 > len(buf):
        return None
    (num,) = struct.unpack_from("<I", buf, pos)
    head, entry = (4, 12) if form == 32 else (8, 24)
    size = head + num * entry
    if num == 0 or num > 64 or pos + size > len(buf):
        return None
    entries = []
    for i in range(num):
        at = pos + head + i * entry
        if form == 32:
            entries.append(struct.unpack_from("<III", buf, at))
        else:
            ptype, _pad, off, psize = struct.unpack_from("<IIQQ", buf, at)
            entries.append((ptype, off, psize))
    return size, entries


def _consistent(entries, data_start: int, limit: int, exact: bool) -> bool:
    """Types below 32, offsets cumulative from 0, and the partitions fit (and end exactly at limit)."""
    expected = 0
    for ptype, off, size in entries:
        if ptype >= MAX_PARTITION_TYPE or off != expected:
            return False
        expected = off + size
    end = data_start + expected
    return end == limit if exact else end <= limit


def _read_model_block(buf, pos: int, limit: int, last: bool, path, expected_form: int) -> tuple[OmModelBlock, int]:
    # the form GE's loader would pick first, then the other one (HiAI files contradict GE's rule)
    for form in (expected_form, 32 if expected_form == 64 else 64):
        parsed = _table_entries(buf, pos, form)
        if parsed is None:
            continue
        table_size, entries = parsed
        data_start = pos + table_size
        if not _consistent(entries, data_start, limit, exact=last):
            continue
        view = memoryview(buf)
        parts = [Partition(t, o, s, view[data_start + o: data_start + o + s]) for t, o, s in entries]
        block = OmModelBlock(parts, form)
        return block, data_start + block.end
    raise _bad(f"the partition table at byte {pos} is inconsistent (neither the 32-bit nor the 64-bit "
               f"form gives partitions that fit the file)", path)


def parse_om(buf, path=None) -> OmFile:
    """Decode header and every model's partition table; partition data are views into buf."""
    header = parse_header(buf, path)
    after = len(buf) - HEADER_SIZE
    declared = header.model_length or header.length
    if declared and declared != after:
        raise _bad(f"the header declares {declared} bytes after the header but the file has {after}", path)
    if header.model_num < 1 or header.model_num > 1024:
        raise _bad(f"the header declares {header.model_num} models", path)
    expected_form = 64 if header.modeltype == MODELTYPE_FLOW or header.model_length else 32
    models, pos = [], HEADER_SIZE
    for i in range(header.model_num):
        block, pos = _read_model_block(buf, pos, len(buf), i == header.model_num - 1, path, expected_form)
        models.append(block)
    return OmFile(header, models, len(buf))


def read_om_file(path) -> OmFile:
    """The container of an .om file, memory-mapped read-only: partitions (weights included) are views
    into the file, so inspecting or running a big model does not read it all into memory first."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            buf = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)) if size else b""
    except OSError as exc:
        raise OmFormatError(INVALID_OM_FILE, f"cannot read offline model '{path}': {exc.strerror}",
                            path=str(path)) from None
    return parse_om(buf, path)


# ---- writing ----------------------------------------------------------------------------------

@dataclass
class PartitionSource:
    """A partition to write: its type, its exact byte size, and the chunks that make it up."""

    type: int
    size: int
    chunks: Iterable


def chunk_pieces(chunk):
    """The bytes of a partition chunk, as memoryviews: a bytes-like object whole, a numpy array little-endian
    in C order, in pieces whose pages are given back once written (ir.weights.pieces: a weight that views a
    memory-mapped file does not stay resident)."""
    if isinstance(chunk, np.ndarray):
        for _, piece in pieces(chunk):
            yield piece
    else:
        yield memoryview(chunk).cast("B")


def pack_table64(parts: list) -> bytes:
    out = bytearray(struct.pack("<II", len(parts), 0))
    offset = 0
    for p in parts:
        out += struct.pack("<IIQQ", p.type, 0, offset, p.size)
        offset += p.size
    return bytes(out)


def write_om_file(path, header: OmHeader, parts: list) -> int:
    """Write one model with a v2 header and a 64-bit table, atomically (fileio.atomic_write: nothing
    partial on failure, E13004 when the disk is full); returns the file size.

    ``parts`` are PartitionSources (empty ones are skipped); each one's chunks are streamed in order
    and must add up to its declared size, else nothing is left on disk.
    """
    parts = [p for p in parts if p.size > 0]
    table = pack_table64(parts)
    after = len(table) + sum(p.size for p in parts)
    header.version, header.model_num, header.model_length = VERSION_V2, 1, after
    header.length = after if after < 2 ** 32 else 0
    target = Path(path)
    with atomic_write(target, option="--output") as f:
        f.write(pack_header(header))
        f.write(table)
        for p in parts:
            written = 0
            for chunk in p.chunks:
                for piece in chunk_pieces(chunk):
                    written += f.write(piece)
            if written != p.size:
                raise OmFormatError(INVALID_OM_FILE, f"partition {partition_name(p.type)} has {written} bytes, "
                                              f"{p.size} were declared", path=str(target))
    return HEADER_SIZE + after
