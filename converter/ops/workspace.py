"""Kernel workspace: scratch arrays reused from call to call, and forms of constant inputs prepared once.

A runtime Session owns one Workspace, activates it while it runs and names the op before each kernel
call. Kernels ask through the module functions:

- ``scratch(tag, shape, dtype)``: a temporary array that lives only during the kernel call (an im2col
  buffer, a padded copy of the input). The same memory is handed out again for the same tag and dtype (one
  buffer per tag, grown to the largest request; per shape for buffers with a fill), so a session does not
  pay for allocating and faulting in big buffers on every run. A kernel never returns a scratch array or a
  view of one, and does not hold two of one tag at once.
- ``empty(shape, dtype)``: an array for a kernel's output, like np.empty. The session gives the workspace
  the values it no longer needs (``recycle``); when nothing else refers to one, its memory is handed out
  again for an output of the same size, so steady-state runs do not fault in fresh pages for every
  activation.
- ``output_for(arrays, shape, dtype)``: an output for an elementwise kernel, which may be one of its own
  input arrays when the session donated it (a value that dies at this op and that nothing else refers
  to): the ufunc then writes in place. Only kernels that read each element before writing the same
  element (ufuncs) may ask for it.
- Kernel threads (``in_parallel``, ``thread_slot``) are in threads.py; their parts see the workspace of the
  caller and take scratch buffers under tags that carry their thread slot.
- ``prepared(tag, source, make)``: ``make(source)`` computed once per op (a weight matrix transposed to
  the layout a product wants, an fp16 weight widened to fp32). The result is served again only while
  the op is given the very same read-only array: a different array, or a writeable one (its contents
  may change between runs), is prepared anew, so a changed weight is never served stale. Prepared values
  are kept up to a byte budget (PREPARED_BUDGET); past it they are computed on every call, so a big
  fp16 model does not keep a second, fp32 copy of all its weights in memory.

Outside a session (constant folding, shape inference, tests calling kernels) no workspace is active:
``scratch`` and ``empty`` allocate and ``prepared`` computes on every call. A Workspace serves one session
at a time (each thread that runs a session activates its own context); within a kernel, the parts it runs
in threads use it only for scratch buffers of their own tags.
"""
from __future__ import annotations

import contextvars
import sys
from contextlib import contextmanager

import numpy as np

PREPARED_BUDGET = 1 << 30   # bytes of prepared values a session keeps
POOL_BUDGET = 1 << 30       # bytes of dropped values a session keeps for later outputs

_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("kernel_workspace", default=None)


class Workspace:
    """Scratch arrays by (tag, shape, dtype) and prepared values by (op, tag) for one session."""

    def __init__(self, budget: int = PREPARED_BUDGET):
        self.op = None              # name of the op whose kernel runs now (set by the session)
        self.budget = budget        # bytes of prepared values kept; the rest is recomputed per call
        self._scratch: dict = {}
        self._prepared: dict = {}
        self._kept = 0
        self._free: dict = {}       # (dtype, element count) -> arrays no value refers to any more
        self._pooled = 0            # their bytes (at most POOL_BUDGET: shapes that keep changing do not pile up)
        self.donated: list = []     # input arrays the running kernel may overwrite (set by the session)

    @contextmanager
    def active(self):
        """Make this workspace the one kernels see (nested sessions stack theirs on top)."""
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    def scratch(self, tag: str, shape: tuple, dtype, fill=None) -> np.ndarray:
        if fill is None:   # one buffer per tag, as big as the largest request: memory = the largest tile
            key = (tag, np.dtype(dtype))
            count = 1
            for d in shape:
                count *= int(d)
            flat = self._scratch.get(key)
            if flat is None or flat.size < count:
                flat = self._scratch[key] = np.empty(count, dtype)
            return flat[:count].reshape(shape)
        key = (tag, tuple(shape), np.dtype(dtype), repr(fill))   # its fill must stay where callers keep it
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = _new(shape, dtype, fill)
        return buf

    def empty(self, shape: tuple, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        count = 1
        for d in shape:
            count *= int(d)
        stack = self._free.get((dtype, count))   # (dtypes as keys: float8 kinds share a .str)
        if stack:
            buf = stack.pop()
            self._pooled -= buf.nbytes
            return buf.reshape(shape)
        return np.empty(shape, dtype)

    def output_for(self, arrays, shape: tuple, dtype) -> np.ndarray:
        for a in arrays:
            for i, d in enumerate(self.donated):
                if d is a and a.shape == tuple(shape) and a.dtype == dtype:
                    del self.donated[i]
                    return a
        return self.empty(shape, dtype)

    def recycle(self, value) -> None:
        """Take back a value the session dropped, if nothing else refers to its memory: the array owning
        the memory must be referred to only by ``value`` (or be ``value``), and ``value`` only by the
        caller's variable, which the caller drops right after; anything else (a view another value keeps,
        an output the user holds, a prepared source) leaves it alone."""
        if type(value) is not np.ndarray or not value.flags.c_contiguous or not value.flags.writeable:
            return
        # references counted: the caller's variable, this parameter and getrefcount's own argument
        if sys.getrefcount(value) != 3:
            return
        base = value.base
        if base is not None:   # a view (e.g. a reshape) of the whole of an array that nothing else refers to
            if type(base) is not np.ndarray or base.base is not None or base.nbytes != value.nbytes:
                return
            if sys.getrefcount(base) != 3:   # value.base, the variable `base`, getrefcount's argument
                return
            value = base
        if value.size and self._pooled + value.nbytes <= POOL_BUDGET:
            self._free.setdefault((value.dtype, value.size), []).append(value)
            self._pooled += value.nbytes

    def prepared(self, tag: str, source: np.ndarray, make, op: str | None = None):
        """make(source), kept for (op, tag) while source is the same read-only array (op: the running op)."""
        op = self.op if op is None else op
        if op is None or not isinstance(source, np.ndarray) or source.flags.writeable:
            return make(source)
        key = (op, tag)
        entry = self._prepared.get(key)
        if entry is not None and entry[0] is source:
            return entry[1]
        value = make(source)
        size = value.nbytes if isinstance(value, np.ndarray) and not np.may_share_memory(value, source) else 0
        if entry is not None:
            self._kept -= entry[2]
            del self._prepared[key]
        if self._kept + size > self.budget:
            return value
        if isinstance(value, np.ndarray) and value.flags.writeable:
            value.flags.writeable = False   # shared between runs: nobody may write into it
        self._prepared[key] = (source, value, size)  # holding source keeps its id unique while cached
        self._kept += size
        return value


def active() -> Workspace | None:
    return _ACTIVE.get()


def _new(shape, dtype, fill) -> np.ndarray:
    return np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)


def scratch(tag: str, shape: tuple, dtype, fill=None) -> np.ndarray:
    """A temporary array for the running kernel (see the module doc). With ``fill``, the array held that
    value everywhere when made: callers keep the parts they rely on untouched (e.g. the borders of a padded
    copy, with the padding in the tag so that every user writes the same interior)."""
    ws = _ACTIVE.get()
    if ws is None:
        return _new(shape, dtype, fill)
    return ws.scratch(tag, shape, dtype, fill)


def empty(shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array for a kernel's output (memory of dropped values when a session runs)."""
    ws = _ACTIVE.get()
    if ws is None:
        return np.empty(shape, dtype)
    return ws.empty(shape, dtype)


def output_for(arrays, shape: tuple, dtype) -> np.ndarray:
    """An output of an elementwise kernel: a donated input of that shape and dtype, else ``empty``."""
    ws = _ACTIVE.get()
    if ws is None:
        return np.empty(shape, dtype)
    return ws.output_for(arrays, shape, dtype)


def prepared(tag: str, source, make):
    """``make(source)``, computed once per op and session while ``source`` is the same read-only array."""
    ws = _ACTIVE.get()
    if ws is None:
        return make(source)
    return ws.prepared(tag, source, make)
