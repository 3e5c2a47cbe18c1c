"""Matrix products split over threads by us, with numpy's BLAS kept single-threaded while a session runs.

OpenBLAS (numpy's BLAS in its wheels) splits each product into one static part per thread and busy-waits
for all of them: on a machine whose cores other processes also use, a product waits for its slowest,
descheduled thread. Measured on a shared 2-core machine at load 7 (a 128x768 by 768x3072 fp32 product): 1
thread 9 ms, OpenBLAS's 2 threads 56 ms, onnxruntime's 2 threads 17 ms. So while a session runs
(``single_threaded``), OpenBLAS is told to use one thread, and ``matmul`` cuts a big product into blocks
of output columns (or rows) that the kernel threads (workspace.thread_count: what the BLAS was told to
use, else every core) take one at a time: a thread that is held up takes fewer blocks. Each block is the
same BLAS kernel on a slice, so the figures do not depend on the split.

Where numpy's BLAS cannot be told (no OpenBLAS found in the process), products keep numpy's own threads.
The setting is the process's: numpy products other threads make while a session runs use one thread too.
"""
from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager

import numpy as np

from .workspace import in_parallel, thread_count

SPLIT_WORK = 1 << 22     # multiply-adds from which a product is split over threads
BLOCKS_PER_THREAD = 4    # blocks per thread (a held-up thread leaves its later blocks to the others)
MIN_BLOCK = 64           # columns (rows) per block at least

_NAMES = ("scipy_openblas_{}64_", "scipy_openblas_{}", "openblas_{}64_", "openblas_{}")
_lock = threading.Lock()
_state = {"loaded": False, "get": None, "set": None, "depth": 0, "saved": None}


def _openblas():
    """(get_num_threads, set_num_threads) of the OpenBLAS loaded in this process, or None."""
    if not _state["loaded"]:
        _state["loaded"] = True
        try:
            with open("/proc/self/maps") as f:
                paths = {line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line}
        except OSError:
            paths = set()
        # numpy's own copy first (scipy or others may have loaded another OpenBLAS)
        for path in sorted(paths, key=lambda p: ("numpy" not in p, p)):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for name in _NAMES:
                get = getattr(lib, name.format("get_num_threads"), None)
                put = getattr(lib, name.format("set_num_threads"), None)
                if get is not None and put is not None:
                    get.restype, put.restype = ctypes.c_int, None
                    put.argtypes = [ctypes.c_int]
                    _state["get"], _state["set"] = get, put
                    break
            if _state["set"] is not None:
                break
    return None if _state["set"] is None else (_state["get"], _state["set"])


def splitting() -> bool:
    """True while products are split by us (a session runs, OpenBLAS was found, more than one thread)."""
    return _state["depth"] > 0 and _state["saved"] is not None and thread_count() > 1


@contextmanager
def single_threaded():
    """OpenBLAS on one thread for the duration (nested and concurrent uses share one setting; the thread
    count found on the first entry is restored on the last exit)."""
    with _lock:
        blas = _openblas()
        if _state["depth"] == 0 and blas is not None:
            _state["saved"] = blas[0]()
            blas[1](1)
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["saved"] is not None:
                blas[1](_state["saved"])
                _state["saved"] = None


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """np.matmul(a, b, out=out). For 2-D a (m, k), b (k, n), out (m, n) (or stacks of one such matrix): split
    into blocks of out's columns (rows, when m > n) over the kernel threads while ``splitting()``."""
    if a.ndim == b.ndim == out.ndim == 3 and a.shape[0] == b.shape[0] == 1:
        matmul(a[0], b[0], out[0])
        return out
    if a.ndim != 2 or b.ndim != 2:
        return np.matmul(a, b, out=out)
    m, k = a.shape
    n = b.shape[1]
    threads = thread_count()
    if m * n * k < SPLIT_WORK or not splitting():
        return np.matmul(a, b, out=out)
    by_rows = m > n
    size = m if by_rows else n
    step = max(MIN_BLOCK, -(-size // (threads * BLOCKS_PER_THREAD)))
    if step >= size:
        return np.matmul(a, b, out=out)

    def block(starts):
        for s in starts:
            if by_rows:
                np.matmul(a[s:s + step], b, out=out[s:s + step])
            else:
                np.matmul(a, b[:, s:s + step], out=out[:, s:s + step])

    in_parallel(block, list(range(0, size, step)))
    return out
