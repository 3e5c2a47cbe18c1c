"""Matrix products split over threads by us, with numpy's BLAS kept single-threaded while a session runs.

OpenBLAS (numpy's BLAS in its wheels) splits each product into one static part per thread and busy-waits
for all of them: on a machine whose cores other processes also use, a product waits for its slowest,
descheduled thread. Measured on a shared 2-core machine at load 7 (a 128x768 by 768x3072 fp32 product): 1
thread 9 ms, OpenBLAS's 2 threads 56 ms, onnxruntime's 2 threads 17 ms. So while a session runs
(``single_threaded``), OpenBLAS is told to use one thread, and ``matmul`` cuts a big product into one block
of output columns (or rows) per kernel thread (threads.thread_count: what the BLAS was told to use, else
every core). One block each: each block repacks an operand and hands the GIL over, and on the quiet 2-core
machine (BERT-base / ResNet-50 session ms, 2 threads) 4 blocks per thread gave 191 / 76, 2 gave 180 / 73,
1 gave 174 / 72. An epilogue (``finish``) runs on the thread that computed each block, while the block is in
cache.

Where numpy's BLAS cannot be told (no OpenBLAS found in the process), products keep numpy's own threads.
The setting is the process's: numpy products other threads make while a session runs use one thread too.
"""
from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager

import numpy as np

from .threads import in_parallel, in_worker, thread_count

SPLIT_WORK = 1 << 22     # multiply-adds from which a product is split over threads
BLOCKS_PER_THREAD = 1    # blocks per thread: one (more, smaller blocks cost more than a held-up thread saves)
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
    """True while products are split by us (a session runs, OpenBLAS was found, more than one thread, and
    not already inside a part that in_parallel runs)."""
    return _state["depth"] > 0 and _state["saved"] is not None and thread_count() > 1 and not in_worker()


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


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray, finish=None) -> np.ndarray:
    """np.matmul(a, b, out=out). For 2-D a (m, k), b (k, n), out (m, n) (or stacks of one such matrix): split
    into blocks of out's columns (rows, when m > n) over the kernel threads while ``splitting()``.

    finish(rows, cols), if given, is called with the slices of out's (last two) axes each block wrote, right
    after that block, on the thread that computed it: an epilogue (bias, activation) applied while the block
    is in cache and shared among the threads. Unsplit, it is called once with the whole axes."""
    if a.ndim == b.ndim == out.ndim == 3 and a.shape[0] == b.shape[0] == 1:
        matmul(a[0], b[0], out[0], finish)
        return out
    m, n = out.shape[-2:] if out.ndim >= 2 else (1, 1)
    k = a.shape[-1]
    threads = thread_count()
    if out.ndim > 2 and a.ndim == b.ndim == out.ndim and finish is None and out.size * k >= SPLIT_WORK \
            and splitting():
        return _stacked(a, b, out, threads)
    by_rows = m > n
    size = m if by_rows else n
    step = max(MIN_BLOCK, -(-size // (threads * BLOCKS_PER_THREAD)))
    if a.ndim != 2 or b.ndim != 2 or m * n * k < SPLIT_WORK or step >= size or not splitting():
        np.matmul(a, b, out=out)
        if finish is not None:
            finish(slice(None), slice(None))
        return out

    def block(starts):
        for s in starts:
            part = slice(s, s + step)
            if by_rows:
                np.matmul(a[part], b, out=out[part])
            else:
                np.matmul(a, b[:, part], out=out[:, part])
            if finish is not None:
                finish(*((part, slice(None)) if by_rows else (slice(None), part)))

    in_parallel(block, list(range(0, size, step)))
    return out


def _stacked(a: np.ndarray, b: np.ndarray, out: np.ndarray, threads: int) -> np.ndarray:
    """A stack of products (e.g. attention heads) cut along its first batch axis longer than one, one part
    per thread (each part one np.matmul over its matrices); an operand broadcast along that axis is shared."""
    axis = next((i for i, d in enumerate(out.shape[:-2]) if d > 1), None)
    if axis is None:
        return np.matmul(a, b, out=out)
    parts = min(threads, out.shape[axis])
    bounds = [out.shape[axis] * p // parts for p in range(parts + 1)]

    def cut(x, part):
        return x if x.shape[axis] == 1 else x[(slice(None),) * axis + (part,)]

    def run(items):
        for p in items:
            part = slice(bounds[p], bounds[p + 1])
            np.matmul(cut(a, part), cut(b, part), out=cut(out, part))

    in_parallel(run, list(range(parts)))
    return out
