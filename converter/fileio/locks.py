"""An exclusive lock on a folder (flock on the folder itself: no lock file is left behind), held by a
conversion while it writes an .om and its weight files there, so that two conversions into one folder do
not clean up each other's files. Where flock is not available (Windows, some network file systems) the
writes go ahead unlocked."""
from __future__ import annotations

import os
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None


@contextmanager
def folder_lock(folder: str):
    fd = None
    if fcntl is not None:
        try:
            fd = os.open(folder, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            if fd is not None:
                os.close(fd)
            fd = None
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the lock
