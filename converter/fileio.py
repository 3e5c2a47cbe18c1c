"""Files named on the command line: an input must exist (E10004/E13001); outputs are written atomically
(to a temporary file in the target folder, then renamed over the target)."""
from __future__ import annotations

import os
import tempfile

from .errors import ConverterError


def require_file(path: str | None, option: str) -> str:
    """`path`, which `option` names: E10004 when it is not given, E13001 when it is not a file."""
    if not path:
        raise ConverterError("E10004", f"{option} is required", option=option)
    if not os.path.isfile(path):
        raise ConverterError("E13001", f"{option}: cannot open '{path}' (no such file)", option=option, path=path)
    return path


def write_text_atomic(path: str, text: str, option: str | None = None) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ConverterError("E13004", f"cannot write '{path}': folder '{folder}' does not exist", option=option,
                             path=path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read_text(path: str, option: str | None = None) -> str:
    """A UTF-8 text file's contents; E13001 when it does not exist, E13003 when it cannot be read."""
    where = f"{option}: " if option else ""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise ConverterError("E13001", f"{where}cannot open '{path}' (no such file)", option=option,
                             path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConverterError("E13003", f"{where}cannot read '{path}': {exc}", option=option, path=path) from None
