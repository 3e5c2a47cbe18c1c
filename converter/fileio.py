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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str, text: str, option: str | None = None) -> str:
    return write_bytes_atomic(path, text.encode("utf-8"), option)


def write_bytes_atomic(path: str, data: bytes, option: str | None = None) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ConverterError("E13004", f"cannot write '{path}': folder '{folder}' does not exist", option=option,
                             path=path)
    if os.path.isdir(path):
        raise ConverterError("E13004", f"cannot write '{path}': it is a folder", option=option, path=path)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    except OSError as exc:
        raise ConverterError("E13004", f"cannot write '{path}': {exc.strerror}", option=option, path=path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a written file gets the usual mode
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConverterError("E13004", f"cannot write '{path}': {exc.strerror}", option=option,
                                 path=path) from None
        raise
    return path
