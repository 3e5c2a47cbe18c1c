"""SIGTERM handled like Ctrl-C while a command runs: both raise KeyboardInterrupt in the main thread, so the
clean-up of atomic writes (temporary files, weight journals) runs before the command reports one line and
exits (130 for Ctrl-C, 143 for SIGTERM). The commands use it; the Python API leaves signals to its caller."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived."""


def exit_status(exc: KeyboardInterrupt) -> int:
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def _raise_terminated(signum, frame):
    raise Terminated()


@contextmanager
def sigterm_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
