"""Reading option files: E13001 when a file named by an option cannot be opened, E10003 for a bad line."""
from __future__ import annotations

import os

from ..errors import FILE_OPEN_FAILED, FILE_READ_FAILED, INVALID_OPTION_VALUE, OptionError


def read_option_file(path: str, option: str) -> str:
    """The text of the file given to `option`; E13001 when it is missing or not a file."""
    if not path or not os.path.isfile(path):
        raise OptionError(FILE_OPEN_FAILED, f"{option}: cannot open file '{path}' (no such file)", option=option,
                          path=path)
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as exc:
        raise OptionError(FILE_READ_FAILED, f"{option}: cannot read file '{path}': {exc.strerror}", option=option,
                          path=path) from None


def content_lines(text: str):
    """(line number, stripped text) of every non-blank line."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped:
            yield number, stripped


def bad_line(option: str, path: str, number: int, line: str, reason: str) -> OptionError:
    return OptionError(INVALID_OPTION_VALUE,
                       f"{option}: file '{path}' line {number}: '{line}': {reason}", option=option,
                       path=path)
