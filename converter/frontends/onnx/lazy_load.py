"""Zero-copy ONNX weights: scan the protobuf wire format of a memory-mapped model for the top-level
initializers' raw_data byte ranges, and build a small "skeleton" serialization with those fields removed.
A protowire.WireFormatError means the bytes cannot be walked: the caller parses them whole."""
from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from typing import NamedTuple

from ..protowire import LEN, encode_varint, fields

# field numbers (onnx.proto)
MODEL_GRAPH = 7          # ModelProto.graph
GRAPH_INITIALIZER = 5    # GraphProto.initializer (repeated TensorProto)
TENSOR_RAW_DATA = 9      # TensorProto.raw_data
OWN_MAP_BYTES = 1 << 20  # tensors this big get their own mmap (bounded count: at most file size / 1 MiB)
INLINE_BYTES = 1 << 12   # smaller TensorProtos stay in the skeleton: copying them costs less than walking them
_EMPTY_RAW_DATA = bytes([(TENSOR_RAW_DATA << 3) | LEN, 0])


class RawSpan(NamedTuple):
    """Where one tensor's raw_data lies: ``nbytes`` bytes at ``offset`` of ``buffer`` (an mmap)."""
    buffer: object
    offset: int
    nbytes: int


@dataclass
class LazyModel:
    """A ModelProto without the top-level initializers' raw_data, plus where those bytes are.
    ``initializer_raw[i]`` belongs to ``model.graph.initializer[i]`` (None: the tensor's own fields hold
    its data). ``buffer`` is the mapped file. Maps are never closed explicitly: numpy views made with
    np.frombuffer hold them, and a map goes when its last view does."""
    model: object
    initializer_raw: list = field(default_factory=list)
    buffer: object = None


def map_file(f) -> mmap.mmap | None:
    """A read-only map of open file ``f``, or None when it cannot be mapped (empty file, pipe, ...)."""
    try:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def drop_resident_pages(buffer: mmap.mmap) -> None:
    """Unmap from this process the pages the scan touched (the kernel maps neighbours of every touched
    page too); the file's pages stay in the page cache and fault back in when a view reads them."""
    if hasattr(mmap, "MADV_DONTNEED"):
        try:
            buffer.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass


def map_own_pages(f, spans: list, min_bytes: int = OWN_MAP_BYTES) -> list:
    """``spans`` with every span of at least ``min_bytes`` moved to a map of its own (covering just its
    pages), so its pages leave the process once the last array viewing it is gone; smaller spans stay in
    the shared map."""
    gran = mmap.ALLOCATIONGRANULARITY
    out = []
    for span in spans:
        if span is None or span.nbytes < min_bytes:
            out.append(span)
            continue
        start = span.offset - span.offset % gran
        try:
            own = mmap.mmap(f.fileno(), span.offset + span.nbytes - start, access=mmap.ACCESS_READ, offset=start)
        except OSError:  # out of map slots or address space: the shared map still serves it
            out.append(span)
            continue
        out.append(RawSpan(own, span.offset - start, span.nbytes))
    return out


class _Skeleton:
    """Rewrites one message: bytes outside changed fields are copied as slices of the source buffer."""

    def __init__(self, buf, owner, spans: list):
        self.buf = buf          # a memoryview (slicing it copies nothing)
        self.owner = owner      # the object RawSpans point into
        self.spans = spans

    def message(self, start: int, end: int, rewrite: dict) -> list:
        """Pieces of [start, end) with every LEN field whose number is in ``rewrite`` replaced by what
        ``rewrite[number](payload start, payload end)`` returns (pieces, or None to drop the field)."""
        pieces, run = [], start
        for number, wire, fstart, body, stop in fields(self.buf, start, end):
            if wire != LEN or number not in rewrite:
                continue
            if run < fstart:
                pieces.append(self.buf[run:fstart])
            inner = rewrite[number](body, stop)
            if inner is not None:
                size = sum(len(p) for p in inner)
                pieces.append(encode_varint((number << 3) | LEN) + encode_varint(size))
                pieces.extend(inner)
            run = stop
        if run < end:
            pieces.append(self.buf[run:end])
        return pieces

    def model(self, start: int, end: int) -> list:
        return self.message(start, end, {MODEL_GRAPH: self.graph})

    def graph(self, start: int, end: int) -> list:
        return self.message(start, end, {GRAPH_INITIALIZER: self.tensor})

    def tensor(self, start: int, end: int) -> list:
        if end - start < INLINE_BYTES:
            self.spans.append(None)
            return [self.buf[start:end]]
        last = []
        pieces = self.message(start, end, {TENSOR_RAW_DATA: lambda b, e: last.append((b, e))})
        if not last:
            self.spans.append(None)
            return pieces
        body, stop = last[-1]  # protobuf: the last occurrence of a singular field wins
        if stop == body:
            self.spans.append(None)  # empty raw_data stays in the tensor, as the file has it
            pieces.append(_EMPTY_RAW_DATA)
        else:
            self.spans.append(RawSpan(self.owner, body, stop - body))
        return pieces


def split_weights(buf) -> tuple:
    """(skeleton bytes, spans) for a serialized ModelProto in ``buf``: the skeleton is the model with the
    raw_data of every top-level initializer removed; ``spans`` lists, per initializer in parse order
    (graph fields merge, so initializers of repeated graph fields concatenate), its RawSpan or None."""
    spans: list = []
    view = memoryview(buf)
    skeleton = b"".join(_Skeleton(view, buf, spans).model(0, len(view)))
    return skeleton, spans
