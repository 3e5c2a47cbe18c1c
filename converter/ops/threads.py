"""Kernel threads: ``in_parallel(fn, items)`` runs the parts of one kernel call on every core.

numpy's copies, ufuncs and BLAS products release the GIL, so Python threads that each call numpy on their
own part of the data run at once. The threads are the process's, made on first use (thread_count() of them,
the calling thread one): a call hands them a job (the items, taken one at a time: a thread the machine holds
up takes fewer of them) and waits until every item is done.

**Awake workers.** On a virtual machine, waking a thread whose core went idle costs a round trip through the
hypervisor. So while a session runs (``awake()``), the workers of a pool that got a job wait for the next one
spinning in native code on a spin lock (their "gate", through ctypes: no GIL held, so the thread running the
session is not slowed), as onnxruntime's threads spin between ops; outside, they sleep on a condition. Where
the C library has no pthread spin locks, they always sleep. Measured on the 2-core VM (tools/bench_threads.py):
a two-part job handed over between ~100 us of other work starts in 24-42 us instead of 45-48 us, and
ResNet-50 / BERT-base runs on two threads came out 0-7 % faster than with sleeping workers (within the noise
of single runs).

Parts run in a copy of the caller's context (they see its active Workspace) and know their thread slot
(``thread_slot()``: 0 for the calling thread, 1.. for the workers), which kernels put in the tags of the
scratch buffers a part uses. A kernel called inside a part runs its own parts right there, serially
(``in_worker()``): work is split once, at the outermost level. While one thread's job runs, a job from
another thread runs serially on its own thread.
"""
from __future__ import annotations

import contextvars
import ctypes
import os
import threading
from contextlib import contextmanager

_local = threading.local()  # .slot: the thread slot of the part running on this thread (None outside)
_pools: dict = {}           # workers -> _Pool
_pools_lock = threading.Lock()
_DONE = object()
_scope = {"depth": 0, "pools": []}   # nested awake() scopes, and the pools they set spinning
_scope_lock = threading.Lock()


def _spin_locks():
    """(init, lock, unlock) of the C library's pthread spin locks, or None."""
    try:
        libc = ctypes.CDLL(None)
        fns = libc.pthread_spin_init, libc.pthread_spin_lock, libc.pthread_spin_unlock
    except (OSError, AttributeError, TypeError):   # (Windows: no CDLL(None); macOS: no spin locks)
        return None
    for fn in fns:
        fn.restype = ctypes.c_int
    return fns


_SPIN = _spin_locks()


class _Gate:
    """A spin lock that a worker passes when the caller opens it (closing it behind itself)."""

    def __init__(self):
        self._word = ctypes.c_int(0)
        self._ref = ctypes.byref(self._word)
        _SPIN[0](self._ref, 0)
        _SPIN[1](self._ref)          # closed

    def wait(self) -> None:          # spins in C without the GIL until opened
        _SPIN[1](self._ref)

    def open(self) -> None:
        _SPIN[2](self._ref)


def thread_count() -> int:
    """Threads for kernel work: what numpy's BLAS is told to use, else every core."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


def thread_slot() -> int:
    """Which thread runs this part: 0 for the calling thread (and outside in_parallel), 1.. for workers."""
    slot = getattr(_local, "slot", None)
    return 0 if slot is None else slot


def in_worker() -> bool:
    """True inside a part that in_parallel runs (where further splitting runs serially)."""
    return getattr(_local, "slot", None) is not None


class _Job:
    """One in_parallel call: its items, taken one at a time, and how many are done."""

    def __init__(self, fn, items: list, workers: int):
        self.fn = fn
        self.queue = iter(items)
        self.total = len(items)
        self.finished = 0
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.contexts = [contextvars.copy_context() for _ in range(workers)]
        self.done = lambda: None     # called once, by whoever finishes the last item

    def work(self, slot: int) -> None:
        _local.slot = slot
        try:
            while True:
                with self.lock:
                    item = next(self.queue, _DONE)
                if item is _DONE:
                    return
                try:
                    self.fn([item])
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
                    with self.lock:
                        if self.error is None:
                            self.error = exc
                finally:
                    with self.lock:
                        self.finished += 1
                        last = self.finished == self.total
                    if last:
                        self.done()
        finally:
            _local.slot = None


class _Pool:
    """Worker threads (daemons): between jobs they spin at their gates while awake, else sleep."""

    def __init__(self, workers: int):
        self.job: _Job | None = None
        self.generation = 0          # jobs posted so far
        self.spinning = False        # workers spin at their gates between jobs (set during awake())
        self.cond = threading.Condition()
        self.running = threading.Lock()   # held while a job runs (jobs from other threads then run serially)
        self.workers = workers
        self.gates = [_Gate() for _ in range(workers)] if _SPIN else []
        self.done_gate = _Gate() if _SPIN else None   # opened when a job's last item is done
        for slot in range(1, workers + 1):
            threading.Thread(target=self._loop, args=(slot,), name=f"kernel-{slot}", daemon=True).start()

    def post(self, job: _Job) -> None:
        with self.cond:
            self.job = job
            self.generation += 1
            self.cond.notify_all()
        for gate in self.gates:
            gate.open()

    def set_spinning(self, on: bool) -> None:
        with self.cond:
            self.spinning = on and bool(self.gates)
            self.cond.notify_all()
        if not on:
            for gate in self.gates:   # spinning workers pass, see they are to sleep, and do
                gate.open()

    def _loop(self, slot: int) -> None:
        seen = 0
        while True:
            if self.spinning:
                self.gates[slot - 1].wait()
            else:
                with self.cond:
                    while self.generation == seen and not self.spinning:
                        self.cond.wait()
            with self.cond:
                if self.generation == seen:
                    continue
                seen, job = self.generation, self.job
            job.contexts[slot - 1].run(job.work, slot)


def _pool() -> _Pool | None:
    workers = thread_count() - 1
    if workers < 1:
        return None
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = _Pool(workers)
        return pool


@contextmanager
def awake():
    """While a session runs: kernels share their work among the threads (``sharing()``), and the workers of
    a pool that got a job spin between jobs until the outermost awake() ends (a run without parallel work
    wakes nobody)."""
    with _scope_lock:
        _scope["depth"] += 1
    try:
        yield
    finally:
        with _scope_lock:
            _scope["depth"] -= 1
            ending = _scope["pools"] if _scope["depth"] == 0 else []
            if ending:
                _scope["pools"] = []
        for pool in ending:
            pool.set_spinning(False)


def sharing() -> bool:
    """True where a kernel shares its work among threads: while a session runs, with more than one thread,
    and not already inside a part."""
    return _scope["depth"] > 0 and thread_count() > 1 and not in_worker()


def in_parallel(fn, items: list) -> None:
    """fn([item]) for every item, on thread_count() threads (the calling thread one of them) that take the
    items one at a time; returns when all are done, raising the first exception a part raised. Inside a
    part (in_worker()), with one thread or one item, or while another thread's job runs, fn runs on the
    items right here."""
    pool = _pool() if len(items) > 1 and not in_worker() else None
    if pool is None or not pool.running.acquire(blocking=False):
        fn(items)
        return
    try:
        if _scope["depth"] and not pool.spinning and pool.gates:
            with _scope_lock:
                if _scope["depth"]:
                    _scope["pools"].append(pool)
                    pool.set_spinning(True)
        job = _Job(fn, items, pool.workers)
        if pool.done_gate is not None:   # the caller waits for the last item spinning in C, without the GIL
            job.done = pool.done_gate.open
        else:
            finished = threading.Event()
            job.done = finished.set
        pool.post(job)
        job.work(0)
        if pool.done_gate is not None:
            pool.done_gate.wait()
        else:
            finished.wait()
    finally:
        pool.running.release()
    if job.error is not None:
        raise job.error


if hasattr(os, "register_at_fork"):   # a forked child has none of the parent's threads
    os.register_at_fork(after_in_child=_pools.clear)
