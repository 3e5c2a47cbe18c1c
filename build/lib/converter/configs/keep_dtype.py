"""--keep_dtype files: one node name per line, or `OpType::<Type>` to match every op of that type.

A line is taken as a node name unless it starts with `OpType::`; so a wrongly formatted line such as
`op_name:Softmax` is, as in ATC, just a node name that will not match any node.
"""
from __future__ import annotations

from .files import bad_line, content_lines, read_option_file

OPTYPE_PREFIX = "OpType::"


def parse_keep_dtype(path: str, option: str = "--keep_dtype") -> tuple:
    """Entries in file order: node names, or "OpType::X" strings."""
    entries = []
    for number, line in content_lines(read_option_file(path, option)):
        if line.startswith(OPTYPE_PREFIX):
            op_type = line[len(OPTYPE_PREFIX):].strip()
            if not op_type or not _is_type_name(op_type):
                raise bad_line(option, path, number, line, "expected OpType::<type name>")
            entries.append(OPTYPE_PREFIX + op_type)
        else:
            entries.append(line)
    return tuple(entries)


def _is_type_name(text: str) -> bool:
    return text.replace("_", "").isalnum()
