"""Atomic writes: every file we write (.om, weight files, JSON dumps, reports, .npy outputs) goes to a
temporary file beside its target (temp_files.py names it), is flushed and fsync'ed, renamed over the target,
and the folder is fsync'ed, so neither a failure nor a power loss leaves a partial or empty target. On any
failure, Ctrl-C included, the temporary file is removed and the target is untouched; failures to write are
E13004 naming the file and the reason (no space left, permission denied, a folder in the way, ...).

Permissions: temporary files are created with mode 0666 and the kernel applies the process umask (and a
folder's default ACL) at creation, as for any file the user makes: every file we write gets the same
permissions, and the process umask is never read or changed (changing it is not thread-safe).

FAULT_HOOK (tests only): when set, it is called as ``FAULT_HOOK(point, target)``; it may raise (e.g.
OSError(ENOSPC)) or end the process (``os._exit``, as kill -9 would). Points: "create" (before the temporary
file is made), "write" (before each write into it), "rename" (after its fsync, before the rename)."""
from __future__ import annotations

import errno
import os
from contextlib import contextmanager

from ..errors import FILE_WRITE_FAILED, ConverterError
from .temp_files import sweep_stale, temp_name

FAULT_HOOK = None
DURABLE = True  # fsync files and folders; the test suite turns it off (about 13 ms per file on ext4)
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _fault(point: str, target: str) -> None:
    if FAULT_HOOK is not None:
        FAULT_HOOK(point, target)


def write_error(path: str, exc: OSError, option: str | None = None) -> ConverterError:
    """E13004 for an OSError met while writing ``path``."""
    reason = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
              errno.EACCES: "permission denied", errno.EPERM: "permission denied",
              errno.EROFS: "read-only file system", errno.EISDIR: "it is a folder",
              errno.ENOTDIR: "a part of the path is not a folder", errno.ENOENT: "its folder does not exist",
              errno.ENAMETOOLONG: "the name is too long"}.get(exc.errno, exc.strerror or str(exc))
    where = f"{option}: " if option else ""
    return ConverterError(FILE_WRITE_FAILED, f"{where}cannot write '{path}': {reason}", option=option, path=path)


def fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (no-op where folders cannot be opened, e.g. Windows)."""
    if not DURABLE:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_target(path: str, option: str | None = None) -> str:
    """The absolute path of a file to write; E13004 when it is a folder or its folder is missing."""
    target = os.path.abspath(path)
    folder = os.path.dirname(target)
    where = f"{option}: " if option else ""
    if os.path.isdir(target):
        raise ConverterError(FILE_WRITE_FAILED, f"{where}cannot write '{path}': it is a folder; name a file instead",
                             option=option, path=path)
    if not os.path.isdir(folder):
        raise ConverterError(FILE_WRITE_FAILED, f"{where}cannot write '{path}': folder '{folder}' does not exist",
                             option=option, path=path)
    return target


class _TempWriter:
    """The temporary file's write side (what ``atomic_write`` yields): ``write`` and ``tell``."""

    def __init__(self, fd: int, target: str):
        self.file = os.fdopen(fd, "wb")
        self.target = target

    def write(self, data) -> int:
        _fault("write", self.target)
        return self.file.write(data)

    def tell(self) -> int:
        return self.file.tell()

    def flush(self) -> None:
        self.file.flush()


def _create_temp(folder: str, name: str) -> tuple:
    for _ in range(16):
        tmp = os.path.join(folder, temp_name(name))
        try:
            return os.open(tmp, _OPEN_FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name")


@contextmanager
def atomic_write(path, option: str | None = None, sync_folder: bool = True):
    """``with atomic_write(path) as f: f.write(...)``: ``path`` appears complete when the block ends, or
    not at all (E13004 for write failures; other exceptions pass through after the clean-up)."""
    target = check_target(os.fspath(path), option)
    folder, name = os.path.split(target)
    sweep_stale(folder)
    try:
        _fault("create", target)
        fd, tmp = _create_temp(folder, name)
    except OSError as exc:
        raise write_error(os.fspath(path), exc, option) from None
    writer, done = None, False
    try:
        writer = _TempWriter(fd, target)
        yield writer
        writer.file.flush()
        if DURABLE:
            os.fsync(writer.file.fileno())
        writer.file.close()
        _fault("rename", target)
        os.replace(tmp, target)
        done = True
        if sync_folder:
            fsync_folder(folder)
    except OSError as exc:
        raise write_error(os.fspath(path), exc, option) from None
    finally:
        if writer is None:
            os.close(fd)
        elif not writer.file.closed:
            try:
                writer.file.close()
            except OSError:
                pass
        if not done:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_bytes_atomic(path, data, option: str | None = None) -> str:
    with atomic_write(path, option) as f:
        f.write(data)
    return os.fspath(path)


def write_text_atomic(path, text: str, option: str | None = None) -> str:
    return write_bytes_atomic(path, text.encode("utf-8"), option)


def output_folder(path: str, option: str) -> str:
    """A folder to write outputs into (made when missing); E13004 when a file is in the way or it cannot be
    made."""
    if os.path.isdir(path):
        return path
    if os.path.lexists(path):
        raise ConverterError(FILE_WRITE_FAILED,
                             f"{option}: '{path}' is a file, not a folder; name a folder for the outputs",
                             option=option, path=path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ConverterError(FILE_WRITE_FAILED, f"{option}: cannot create folder '{path}': {exc.strerror}",
                             option=option, path=path) from None
    return path
