"""While a session runs, numpy's OpenBLAS uses one thread and big products are split over the kernel threads
by blocks (converter/ops/blas.py); the split gives the very numbers of one call, and the BLAS thread count
the caller had comes back afterwards."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter import api
from converter.ops import blas, threads
from converter.ops.nn import matmul as matmul_ops
from converter.runtime import Session
from tests.helpers import options, save

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
    calls = []
    real = threads.in_parallel
    monkeypatch.setattr(blas, "in_parallel", lambda fn, items: (calls.append(len(items)), real(fn, items)))
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


def test_in_parallel_runs_every_item_once_and_waits_for_all(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    seen, lock = [], threading.Lock()

    def work(items):
        with lock:
            seen.extend(items)

    threads.in_parallel(work, list(range(50)))
    assert sorted(seen) == list(range(50))

    def failing(items):
        if items == [7]:
            raise ValueError("item 7")

    with pytest.raises(ValueError, match="item 7"):
        threads.in_parallel(failing, list(range(20)))


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
