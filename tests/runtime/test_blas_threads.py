"""While a session runs, numpy's OpenBLAS uses one thread and big products are split over the kernel threads
by blocks (converter/ops/blas.py); the split gives the very numbers of one call, and the BLAS thread count
the caller had comes back afterwards. The kernel threads (converter/ops/threads.py) run every item once,
hand failures to the caller, run nested splits serially and let their parts see the caller's workspace."""
from __future__ import annotations

import contextlib
import threading
import time

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import api
from converter.ops import blas, threads, workspace
from converter.ops.nn import matmul as matmul_ops
from converter.runtime import Session
from tests.helpers import options, record_parts, save

rng = np.random.default_rng(11)


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    with blas.single_threaded():
        yield


@pytest.mark.parametrize("m,k,n", [(96, 300, 700), (700, 300, 96), (64, 2048, 64), (3, 5, 7)])
def test_split_products_equal_one_call(two_threads, m, k, n):
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    out = np.empty((m, n), np.float32)
    assert blas.matmul(a, b, out) is out
    np.testing.assert_array_equal(out, np.matmul(a, b))
    # strided operands and a strided output (views of bigger arrays), and stacks of one matrix
    big = np.zeros((m, 2 * n), np.float32)
    blas.matmul(np.asfortranarray(a), b.T.copy().T, big[:, ::2])
    np.testing.assert_array_equal(big[:, ::2], np.matmul(a, b))
    stacked = np.empty((1, m, n), np.float32)
    blas.matmul(a[None], b[None], stacked)
    np.testing.assert_array_equal(stacked[0], np.matmul(a, b))


def test_products_are_split_only_when_big_and_in_a_session(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    calls = record_parts(monkeypatch, blas)
    a, b = np.ones((256, 256), np.float32), np.ones((256, 256), np.float32)
    out = np.empty((256, 256), np.float32)
    blas.matmul(a, b, out)
    assert calls == []                                   # outside a session: one call, numpy's own threads
    with blas.single_threaded():
        if blas._openblas() is None:
            pytest.skip("no OpenBLAS in this process: products keep numpy's threads")
        blas.matmul(a, b, out)
        assert calls and calls[0] > 1
        blas.matmul(a[:8], b[:, :8], out[:8, :8])       # small: one call
        assert len(calls) == 1
    np.testing.assert_array_equal(out, np.full((256, 256), 256, np.float32))


@pytest.mark.parametrize("awake", [False, True])
def test_in_parallel_runs_every_item_once_and_waits_for_all(monkeypatch, awake):
    """Sleeping workers (outside a session) and spinning ones (threads.awake(), as in a run) alike."""
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with threads.awake() if awake else contextlib.nullcontext():
        for _ in range(20):   # jobs back to back: no item lost or run twice between them
            seen, slots, lock = [], set(), threading.Lock()

            def work(items, seen=seen, slots=slots, lock=lock):
                time.sleep(0.0005)
                with lock:
                    seen.extend(items)
                    slots.add(threads.thread_slot())

            threads.in_parallel(work, list(range(50)))
            assert sorted(seen) == list(range(50)) and slots <= {0, 1, 2}

        def failing(items):
            if items == [7]:
                raise ValueError("item 7")

        with pytest.raises(ValueError, match="item 7"):
            threads.in_parallel(failing, list(range(20)))
        seen = []
        threads.in_parallel(lambda items: seen.extend(items), [1, 2])   # the pool still works after a failure
        assert sorted(seen) == [1, 2]


def test_parts_split_once_and_see_the_callers_workspace(monkeypatch):
    """A kernel called inside a part runs its own parts serially, in that part's thread; parts see the
    workspace the caller activated (their scratch buffers come from it, under tags of their own slot)."""
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    ws = workspace.Workspace()
    found, lock = [], threading.Lock()

    def outer(items):
        here = threading.get_ident()

        def inner(inner_items):
            with lock:
                found.extend((threading.get_ident() == here, workspace.active() is ws, threads.in_worker())
                             for _ in inner_items)

        threads.in_parallel(inner, [0, 1, 2])

    with ws.active(), threads.awake():
        threads.in_parallel(outer, [0, 1])
    assert found == [(True, True, True)] * 6
    assert not threads.in_worker() and threads.thread_slot() == 0


def test_jobs_from_two_threads_at_once_all_complete(monkeypatch):
    """Two threads using the kernel threads at once (two sessions): the second runs its items itself."""
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    totals = []

    def caller():
        seen = []
        for _ in range(30):
            threads.in_parallel(lambda items: (time.sleep(0.0002), seen.extend(items)), list(range(8)))
        totals.append(len(seen))

    with threads.awake():
        callers = [threading.Thread(target=caller) for _ in range(2)]
        for c in callers:
            c.start()
        for c in callers:
            c.join(30)
    assert totals == [240, 240]


def test_stacked_products_split_by_their_first_batch_axis_equal_one_call(two_threads, monkeypatch):
    """Stacks of products (attention heads), with an operand broadcast along the batch axes, split over the
    threads along the first batch axis longer than one: the numbers of one np.matmul."""
    calls = record_parts(monkeypatch, blas)
    monkeypatch.setattr(blas, "SPLIT_WORK", 1)
    if blas._openblas() is None:
        pytest.skip("no OpenBLAS in this process: products are not split")
    a = rng.standard_normal((1, 12, 16, 8)).astype(np.float32)
    for b in (rng.standard_normal((1, 12, 8, 16)).astype(np.float32),
              rng.standard_normal((1, 1, 8, 16)).astype(np.float32)):
        out = np.empty((1, 12, 16, 16), np.float32)
        blas.matmul(a, b, out)
        np.testing.assert_array_equal(out, np.matmul(a, b))
    assert calls == [2, 2]


def test_session_runs_with_one_blas_thread_and_gives_the_count_back(tmp_path, monkeypatch):
    if blas._openblas() is None:
        pytest.skip("no OpenBLAS in this process")
    get, put = blas._openblas()
    w = rng.standard_normal((64, 32)).astype(np.float32)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "mm",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 32])],
                              [numpy_helper.from_array(w, "w")])
    path = save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path)
    session = Session(api.convert(options(path, output=str(tmp_path / "m"), precision_mode="force_fp32")))
    seen = []
    real = matmul_ops.blas.matmul
    monkeypatch.setattr(matmul_ops.blas, "matmul", lambda a, b, out, finish=None: (seen.append(get()),
                                                                                    real(a, b, out, finish))[1])
    before = get()
    put(2)
    try:
        x = rng.standard_normal((4, 64)).astype(np.float32)
        np.testing.assert_allclose(session.run({"x": x})["y"], x @ w, rtol=1e-5, atol=1e-5)
        assert seen == [1] and get() == 2
    finally:
        put(before)
