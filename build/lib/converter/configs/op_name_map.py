"""--op_name_map files (Caffe): `SourceType:TargetType` per line, e.g. `DetectionOutput:SSDDetectionOutput`."""
from __future__ import annotations

from .files import bad_line, content_lines, read_option_file


def parse_op_name_map(path: str, option: str = "--op_name_map") -> tuple:
    """(source type, target type) pairs in file order."""
    pairs = []
    for number, line in content_lines(read_option_file(path, option)):
        source, sep, target = line.partition(":")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target or ":" in target:
            raise bad_line(option, path, number, line, "expected 'SourceType:TargetType'")
        pairs.append((source, target))
    return tuple(pairs)
