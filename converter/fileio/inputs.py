"""Paths we read: a file named on the command line, and a path found inside a model file; JSON text we read.

A model file is untrusted: a path it carries (ONNX external data `location`, an .om FileConstant's
`file_path` / `location`) is joined to the model's folder, resolved (symlinks followed) and must still lie
inside the resolved folder; absolute paths, `..` steps and symlinks that lead out are refused."""
from __future__ import annotations

import json
import os

from ..errors import (
    EMPTY_REQUIRED_OPTION,
    FILE_OPEN_FAILED,
    FILE_READ_FAILED,
    ConverterError,
)


def require_file(path: str | None, option: str) -> str:
    """`path`, which `option` names: E10004 when it is not given, E13001 when it is not a file."""
    if not path:
        raise ConverterError(EMPTY_REQUIRED_OPTION, f"{option} is required", option=option)
    if not os.path.isfile(path):
        raise ConverterError(FILE_OPEN_FAILED,
                             f"{option}: cannot open '{path}' (no such file)", option=option, path=path)
    return path


def resolve_inside(folder: str, relative, *, what: str, code: str, error=ConverterError) -> str:
    """The resolved path of ``relative`` (read from a model file in ``folder``), which must stay inside the
    resolved ``folder``; else ``error(code, ...)`` naming ``what`` (e.g. "tensor 'w': external data").
    Whether the file exists is left to the caller."""
    if not isinstance(relative, str) or not relative or "\0" in relative:
        raise error(code, f"{what}: the path {relative!r} is empty or not text; the model file is damaged")
    base = os.path.realpath(folder or ".")
    full = os.path.realpath(os.path.join(base, relative))
    if os.path.isabs(relative) or os.path.splitdrive(relative)[0] or os.path.commonpath([base, full]) != base:
        raise error(code, f"{what}: the path {relative!r} escapes the model's folder '{base}' (absolute, '..' "
                    "or a symlink leading out); keep such files inside the model's folder", path=relative)
    return full


def read_text(path: str, option: str | None = None) -> str:
    """A UTF-8 text file's contents; E13001 when it does not exist, E13003 when it cannot be read."""
    where = f"{option}: " if option else ""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise ConverterError(FILE_OPEN_FAILED, f"{where}cannot open '{path}' (no such file)", option=option,
                             path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConverterError(FILE_READ_FAILED, f"{where}cannot read '{path}': {exc}", option=option, path=path) from None


def parse_json(text, **kwargs):
    """``json.loads`` for text from a file we were given: arrays or objects nested deeper than the interpreter's
    recursion limit (a few hundred bytes of ``[``) are a JSONDecodeError like any other malformed JSON, not a
    RecursionError (which would surface as a traceback)."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise json.JSONDecodeError("arrays or objects nested too deeply", str(text[:0]), 0) from None
