"""Benchmark: how far Python threads carry our kernels on this machine, against processes.

Prints three figures that explain the runtime's thread scaling (docs/conventions.md, Threads):

1. the hand-off: how long in_parallel takes for a job of two empty parts handed over between stretches of
   other work, with the kernel threads sleeping between jobs and with them spinning (threads.awake(), as
   during a session run);
2. the GIL: the speed-up of two threads that each call one numpy ufunc on arrays of their own in a loop,
   per array size (a thread that finds the GIL taken sleeps; on a VM whose idle cores halt, waking it is slow);
3. a whole model: Session.run of the fp32 ResNet-50 (tools/bench_runtime.py's model) with one thread, with
   two kernel threads in one process, and as two one-thread processes running at once. If the two processes
   keep their one-thread time while two threads do not speed up as much, the limit is the threads (GIL),
   not the cores or the memory.

Run: python tools/bench_threads.py [--work DIR] [--runs 20] [--model resnet50|bert]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def hand_off() -> None:
    import numpy as np

    from converter.ops import threads
    if threads.thread_count() < 2:
        print("1. hand-off: one core only, nothing to measure")
        return
    busy = np.ones(1 << 18, np.float32)
    times: list = []

    def jobs(count: int) -> float:
        times.clear()
        for _ in range(count):
            np.multiply(busy, 1.0, out=busy)      # the caller busy between jobs, as in a run (~100 us)
            start = time.perf_counter()
            threads.in_parallel(lambda items: None, [0, 1])
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e6

    jobs(50)
    asleep = jobs(500)
    with threads.awake():
        jobs(50)
        spinning = jobs(500)
    print(f"1. hand-off of a two-part job between ~100 us of other work: {asleep:.0f} us with sleeping workers, "
          f"{spinning:.0f} us with spinning ones")


def gil() -> None:
    import numpy as np
    print("2. two threads each calling np.multiply on their own arrays (speed-up over one thread doing both):")
    for size in (1 << 14, 1 << 16, 1 << 18):
        arrays = [np.ones(size, np.float32) for _ in range(4)]
        calls = max(50, (1 << 24) // size)

        def loop(i, arrays=arrays, calls=calls):
            src, dst = arrays[i], arrays[i + 2]
            for _ in range(calls):
                np.multiply(src, 2.0, out=dst)

        start = time.perf_counter()
        loop(0)
        loop(1)
        serial = time.perf_counter() - start
        pair = [threading.Thread(target=loop, args=(i,)) for i in range(2)]
        start = time.perf_counter()
        for t in pair:
            t.start()
        for t in pair:
            t.join()
        parallel = time.perf_counter() - start
        print(f"   {size:7d} elements ({serial / calls / 2 * 1e6:5.1f} us a call): {serial / parallel:.2f}x")


def child(path: str, runs: int) -> None:
    """Run the model `runs` times after a warm-up; print the median ms."""
    import numpy as np

    from converter.runtime import Session
    session = Session(path)
    name = session.inputs[0].name
    shape = tuple(session.inputs[0].outputs[0].shape)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 1000, size=shape).astype(np.int64) if "ids" in name else \
        rng.random(shape).astype(np.float32)
    session.run({name: x})
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run({name: x})
        times.append((time.perf_counter() - start) * 1000)
    print(f"{statistics.median(times):.2f}", flush=True)


def _spawn(path: str, runs: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, **{var: str(threads) for var in THREAD_VARS})
    return subprocess.Popen([sys.executable, __file__, "--child", path, str(runs)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)


def whole_model(path: str, runs: int) -> None:
    def run(*threads_per_process):
        procs = [_spawn(path, runs, t) for t in threads_per_process]
        return [float(p.communicate()[0].strip().splitlines()[-1]) for p in procs]

    one = run(1)[0]
    two_threads = run(2)[0]
    two_processes = run(1, 1)
    print(f"3. {os.path.basename(path)}, median ms per run: one thread {one:.1f}; two kernel threads in one process "
          f"{two_threads:.1f} ({one / two_threads:.2f}x); two one-thread processes at once "
          f"{two_processes[0]:.1f} and {two_processes[1]:.1f} (each {one / max(two_processes):.2f}x of alone)")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, ROOT)
        child(sys.argv[2], int(sys.argv[3]))
        return 0
    sys.path.insert(0, ROOT)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="folder for the generated model (default: a temporary folder)")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per process (default 20)")
    ap.add_argument("--model", default="resnet50", help="resnet50 or bert (tools/bench_runtime.py's models)")
    a = ap.parse_args()
    hand_off()
    gil()
    from tools.bench_runtime import prepare
    work = a.work or tempfile.mkdtemp(prefix="bench_threads_")
    os.makedirs(work, exist_ok=True)
    whole_model(prepare(a.model, work)[1], a.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
