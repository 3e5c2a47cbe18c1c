"""Fewer cyclic garbage collections while a big graph is built, passed and written.

A conversion allocates millions of small objects (ops, descriptors, attribute dicts, protobuf wrappers) that
form almost no reference cycles. Python's cyclic collector runs after every 700 net allocations and, as the
heap grows, its older generations re-scan more and more live objects: about 20% of the CPU time of a 64k-op
conversion. ``fewer_collections`` raises the first generation's threshold for the duration (reference
counting still frees everything acyclic at once) and restores the previous thresholds afterwards.
"""
from __future__ import annotations

import contextlib
import gc

GEN0_THRESHOLD = 100_000


@contextlib.contextmanager
def fewer_collections(gen0: int = GEN0_THRESHOLD):
    old = gc.get_threshold()
    gc.set_threshold(max(gen0, old[0]), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
