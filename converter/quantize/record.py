"""The record file: AMCT's ScaleOffsetRecord protobuf in text format, one entry per quantized layer.

    record {
      key: "conv1"
      value { scale_d: 0.0172 offset_d: -128 scale_w: 0.0031 scale_w: 0.0027 offset_w: 0 offset_w: 0
              skip_fusion: false }
    }

Message and field numbers are AMCT's published ones (converter/proto/amct_record.proto).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from google.protobuf import text_format

from ..errors import FILE_PARSE_FAILED, ConverterError
from ..fileio import read_text
from ..proto import amct_record_pb2 as pb


@dataclass
class LayerRecord:
    """Quantization factors of one layer."""

    scale_d: float
    offset_d: int
    scale_w: list = field(default_factory=list)
    offset_w: list = field(default_factory=list)
    skip_fusion: bool = False


def to_text(records: dict) -> str:
    """records: layer name -> LayerRecord, in layer order."""
    msg = pb.ScaleOffsetRecord()
    for name, rec in records.items():
        entry = msg.record.add()
        entry.key = name
        v = entry.value
        v.scale_d = rec.scale_d
        v.offset_d = rec.offset_d
        v.scale_w.extend(float(s) for s in rec.scale_w)
        v.offset_w.extend(int(o) for o in rec.offset_w)
        v.skip_fusion = rec.skip_fusion
    return text_format.MessageToString(msg)


def from_text(text: str, path: str = "record") -> dict:
    """Parse a record file (E13005 when it is not a text ScaleOffsetRecord)."""
    msg = pb.ScaleOffsetRecord()
    try:
        text_format.Parse(text, msg)
    except text_format.ParseError as exc:
        raise ConverterError(FILE_PARSE_FAILED, f"--record: '{path}' is not a text-format ScaleOffsetRecord: {exc}",
                             option="--record", path=path) from None
    records = {}
    for entry in msg.record:
        v = entry.value
        if entry.key in records:
            raise ConverterError(FILE_PARSE_FAILED, f"--record: layer '{entry.key}' appears twice in '{path}'",
                                 option="--record", path=path)
        if not v.HasField("scale_d") or not v.scale_w or len(v.offset_w) not in (0, len(v.scale_w)):
            raise ConverterError(FILE_PARSE_FAILED, f"--record: layer '{entry.key}' in '{path}' needs scale_d and "
                                 "scale_w (and as many offset_w as scale_w)", option="--record", path=path)
        scales = [v.scale_d, *v.scale_w]
        if not all(math.isfinite(x) and x > 0 for x in scales) or not -128 <= v.offset_d <= 127 \
                or any(o != 0 for o in v.offset_w):
            raise ConverterError(FILE_PARSE_FAILED, f"--record: layer '{entry.key}' in '{path}' has a scale that is not a "
                                 "positive number, an offset_d outside [-128, 127] or a non-zero offset_w",
                                 option="--record", path=path)
        records[entry.key] = LayerRecord(v.scale_d, v.offset_d, list(v.scale_w),
                                         list(v.offset_w) or [0] * len(v.scale_w), v.skip_fusion)
    return records


def read(path: str) -> dict:
    return from_text(read_text(path, "--record"), path)
