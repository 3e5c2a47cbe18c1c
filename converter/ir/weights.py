"""Big weights without big memory: weights are numpy arrays that often view read-only memory maps (ONNX
raw_data and external data, .om WEIGHTS_DATA, weight files), so a model bigger than RAM can be converted and
run if what reads them goes through them piece by piece and gives the pages back.

- ``pieces(array)`` yields (offset, byte view) pieces of PIECE_BYTES of an array's bytes, and after each one
  drops the pages of a read-only map that it touched (``release``): they stay in the kernel's page cache, so
  a later read costs a minor fault, not a disk read; only this process's resident set shrinks.
- ``WeightCaster`` casts float weights (precision fp32 <-> fp16) in pieces. While the casts made so far fit
  in RAM_BUDGET they stay in memory (what small models always get); beyond it a cast goes to an unlinked
  temporary file and is mapped back read-only, so the converted weights of a model of many GiB do not all
  sit in RAM until the writer streams them out.
"""
from __future__ import annotations

import mmap
import tempfile

import numpy as np

PIECE_BYTES = 1 << 24      # 16 MiB per piece
RAM_BUDGET = 1 << 28       # 256 MiB of cast weights kept in memory before casts spill to a temporary file
SPILL_MIN_BYTES = 1 << 20  # smaller casts always stay in memory
RELEASE_MIN_BYTES = 1 << 16  # smaller arrays are streamed whole, their few pages left as they are
_PAGE = mmap.PAGESIZE


def _read_only_map(array) -> mmap.mmap | None:
    """The read-only mmap an array (or memoryview) views, if any."""
    base = array
    for _ in range(64):   # ndarray .base chains and memoryview .obj links, bounded
        if isinstance(base, mmap.mmap):
            break
        base = base.obj if isinstance(base, memoryview) else getattr(base, "base", None)
        if base is None:
            return None
    else:
        return None
    try:
        with memoryview(base) as view:
            return base if view.readonly else None   # a writable map's pages may hold unsaved changes
    except (ValueError, TypeError):
        return None


def _address(buffer) -> int:
    return np.frombuffer(buffer, np.uint8).ctypes.data if len(buffer) else 0


def release(array, start: int = 0, nbytes: int | None = None) -> None:
    """Drop from this process the pages of bytes [start, start + nbytes) of ``array`` (an ndarray or a
    memoryview over one) when they belong to a read-only memory map; otherwise do nothing."""
    mm = _read_only_map(array)
    if mm is None or not hasattr(mmap, "MADV_DONTNEED"):
        return
    data = np.frombuffer(array, np.uint8) if isinstance(array, memoryview) else array
    first = data.ctypes.data - _address(mm) + start
    end = first + (data.nbytes - start if nbytes is None else nbytes)
    lo, hi = first - first % _PAGE, min(len(mm), -(-end // _PAGE) * _PAGE)
    if 0 <= lo < hi:
        try:
            mm.madvise(mmap.MADV_DONTNEED, lo, hi - lo)
        except (OSError, ValueError):
            pass


def byte_view(array: np.ndarray) -> np.ndarray:
    """A flat uint8 view of a C-contiguous little-endian array (a copy only for other layouts)."""
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return np.ascontiguousarray(array).reshape(-1).view(np.uint8)


def pieces(array, piece_bytes: int = PIECE_BYTES):
    """(offset, memoryview) pieces of an array's bytes (little-endian, C order), each released (see
    ``release``) once the consumer asks for the next one."""
    data = byte_view(array) if isinstance(array, np.ndarray) else np.frombuffer(array, np.uint8)
    if data.nbytes < RELEASE_MIN_BYTES:   # a few pages: not worth giving back
        yield 0, memoryview(data)
        return
    for start in range(0, data.nbytes, piece_bytes):
        chunk = data[start:start + piece_bytes]
        yield start, memoryview(chunk)
        release(chunk)


class WeightCaster:
    """Casts weights for one conversion (see the module doc); ``cast(value, dtype)`` returns an array equal
    to ``value.astype(dtype)``."""

    def __init__(self, ram_budget: int = RAM_BUDGET):
        self.ram_budget = ram_budget
        self.in_ram = 0

    def cast(self, value: np.ndarray, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        out_bytes = value.size * dtype.itemsize
        if value.nbytes <= PIECE_BYTES:
            self.in_ram += out_bytes
            return value.astype(dtype)
        if self.in_ram + out_bytes > self.ram_budget and out_bytes >= SPILL_MIN_BYTES:
            spilled = self._spill(value, dtype)
            if spilled is not None:
                return spilled
        self.in_ram += out_bytes
        out = np.empty(value.shape, dtype)
        flat_in, flat_out = value.reshape(-1), out.reshape(-1)
        step = max(1, PIECE_BYTES // value.itemsize)
        for i in range(0, value.size, step):
            piece = flat_in[i:i + step]
            flat_out[i:i + step] = piece
            release(piece)
        return out

    @staticmethod
    def _spill(value: np.ndarray, dtype) -> np.ndarray | None:
        """The cast written piece by piece to an unlinked temporary file, mapped back read-only (None when no
        temporary file can be written: the cast then stays in memory)."""
        flat = value.reshape(-1)
        step = max(1, PIECE_BYTES // value.itemsize)
        try:
            with tempfile.TemporaryFile(prefix="om-converter-cast-") as f:
                for i in range(0, value.size, step):
                    piece = flat[i:i + step]
                    f.write(memoryview(piece.astype(dtype)))
                    release(piece)
                f.flush()
                return np.memmap(f, dtype=dtype, mode="r", shape=value.shape)
        except OSError:
            return None
