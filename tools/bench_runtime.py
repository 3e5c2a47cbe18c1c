"""Benchmark: our runtime's Session.run against onnxruntime on ResNet-50 and a BERT-base-like encoder.

For each model and thread count, two child processes load the model, one with our Session (on the fp32 .om
converted from the ONNX file), one with onnxruntime (CPU, intra_op_num_threads = the thread count). Both get
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS set to the thread count, so our kernels use as
many threads as onnxruntime (converter/ops/blas.py: OpenBLAS single-threaded, products split by us). The children take turns (interleaved rounds of --runs timed runs each, after a
warm-up run), so a change of machine load hits both alike. Prints per model and thread count the median wall
ms per run of each, the ratio (ours / onnxruntime) with its spread over the rounds, the median CPU time per
run (all threads of the process; on a shared machine the 1-thread CPU ratio is the steadier figure), the
load average, the largest difference between the two outputs, and our per-op-type time profile.

Models (generated into --work, reused when present): ResNet-50 from tools/make_resnet50_onnx.py (NCHW input,
random weights) and a 12-layer encoder from tools/make_seq_models.py (d 768, 12 heads, ff 3072, vocab 30522,
sequence 128: BERT-base-sized, Gelu written with Erf).

With --baseline DIR (another checkout, e.g. `git worktree add /tmp/base main`), that checkout's runtime runs
the same .om in the same rounds as a third child: before/after figures under the same machine load.

Run: python tools/bench_runtime.py [--models resnet50,bert] [--threads 1,all] [--rounds 5] [--runs 5]
                                   [--work DIR] [--baseline DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
SEQ = 128


# ---- models --------------------------------------------------------------------------------------------

def _resnet50(path: str) -> None:
    import onnx
    from tools.make_resnet50_onnx import resnet50
    onnx.save(resnet50(), path)


def _bert(path: str) -> None:
    import onnx
    from tools.make_seq_models import transformer_encoder
    onnx.save(transformer_encoder(vocab=30522, d=768, heads=12, ff=3072, layers=12, max_len=512), path)


# name: (builder, ONNX input name, input shape, input kind, atc --input_shape or None)
MODELS = {
    "resnet50": (_resnet50, "input", (1, 3, 224, 224), "float", None),
    "bert": (_bert, "ids", (1, SEQ), "ids", (("ids", (1, SEQ)),)),
}


def prepare(name: str, work: str) -> tuple:
    """(ONNX path, fp32 .om path) of a model, generated and converted unless already in `work`."""
    from converter import api
    from converter.options import ConvertOptions
    builder, _, _, _, shapes = MODELS[name]
    src, om = os.path.join(work, f"{name}.onnx"), os.path.join(work, f"{name}_fp32.om")
    if not os.path.isfile(src):
        print(f"generating {src}", flush=True)
        builder(src)
    if not os.path.isfile(om) or os.path.getmtime(om) < os.path.getmtime(src):
        print(f"converting {src} (force_fp32)", flush=True)
        kw = {"input_shape": shapes} if shapes else {}
        api.convert(ConvertOptions(framework=5, model=src, output=om[:-3], precision_mode="force_fp32", **kw))
    return src, om


# ---- children ------------------------------------------------------------------------------------------

def _input(name: str):
    import numpy as np
    _, _, shape, kind, _ = MODELS[name]
    rng = np.random.default_rng(0)
    if kind == "ids":
        return rng.integers(1, 30522, size=shape).astype(np.int64)
    return rng.random(shape).astype(np.float32)


def child(engine: str, name: str, path: str, threads: int) -> None:
    """Load the model, answer 'run N' (N timed runs -> JSON ms list), 'profile N', 'output', 'quit'."""
    import numpy as np
    input_name = MODELS[name][1]
    x = _input(name)
    if engine == "ours":
        from converter.runtime import Session
        session = Session(path)

        def run(profile=None):
            return next(iter(session.run({input_name: x}, profile=profile).values()))
    else:
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

        def run(profile=None):
            return session.run(None, {input_name: x})[0]
    out = run()   # warm-up: first-run allocations, page faults, lazy initialisation
    print("ready", flush=True)
    for line in sys.stdin:
        cmd, *arg = line.split()
        if cmd == "run":   # [[wall ms, CPU ms of the process (all its threads)], ...]
            times = []
            for _ in range(int(arg[0])):
                start, cpu = time.perf_counter(), time.process_time()
                run()
                times.append([(time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000])
            print(json.dumps(times), flush=True)
        elif cmd == "profile":
            prof: dict = {}
            for _ in range(int(arg[0])):
                run(prof)
            print(json.dumps({k: [v[0] * 1000 / int(arg[0]), v[1] // int(arg[0])] for k, v in prof.items()}),
                  flush=True)
        elif cmd == "output":
            np.save(arg[0], np.asarray(out))
            print("saved", flush=True)
        else:
            break


class Child:
    """A child process running one engine on one model with a fixed thread count."""

    def __init__(self, engine: str, name: str, path: str, threads: int, root: str = ROOT):
        env = dict(os.environ, **{v: str(threads) for v in THREAD_VARS})
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen([sys.executable, os.path.join(root, "tools", "bench_runtime.py"), "--child",
                                      engine, name, path,
                                      str(threads)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                     text=True)
        self._expect("ready")

    def _expect(self, word: str) -> str:
        line = self.proc.stdout.readline()
        if not line.startswith(word) and not line.startswith(("[", "{")):
            raise RuntimeError(f"child failed (exit {self.proc.poll()}): {line!r}")
        return line

    def ask(self, command: str):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self._expect(""))

    def save_output(self, path: str) -> None:
        self.proc.stdin.write(f"output {path}\n")
        self.proc.stdin.flush()
        self._expect("saved")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)


# ---- the comparison ------------------------------------------------------------------------------------

def compare(name: str, src: str, om: str, threads: int, rounds: int, runs: int, work: str,
            baseline: str | None = None) -> dict:
    import numpy as np
    load = os.getloadavg()[0]
    ours, ref = Child("ours", name, om, threads), Child("ort", name, src, threads)
    base = Child("ours", name, om, threads, baseline) if baseline else None
    children = [("ours", ours), ("ort", ref)] + ([("baseline", base)] if base else [])
    try:
        times = {label: [] for label, _ in children}
        cpu = {label: [] for label, _ in children}
        per_round = []
        for k in range(rounds):
            round_ms = {}
            # the order turns each round: whichever child runs right after another one measured ~5% slower
            for label, c in children[k % len(children):] + children[:k % len(children)]:
                pairs = c.ask(f"run {runs}")
                times[label] += [p[0] for p in pairs]
                cpu[label] += [p[1] for p in pairs]
                round_ms[label] = statistics.median(p[0] for p in pairs)
            per_round.append(round_ms["ours"] / round_ms["ort"])
        profile = ours.ask(f"profile {runs}")
        paths = [os.path.join(work, f"out_{label}.npy") for label in ("ours", "ort")]
        ours.save_output(paths[0])
        ref.save_output(paths[1])
        a, b = (np.load(p).astype(np.float64) for p in paths)
        diff = float(np.abs(a - b).max()) / max(float(np.abs(b).max()), 1e-30)
    finally:
        for _, c in children:
            c.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    extra = {"baseline_ms": med["baseline"], "baseline_cpu": cpu_med["baseline"],
             "baseline_range": (min(times["baseline"]), max(times["baseline"]))} if base else {}
    return {**extra, "model": name, "threads": threads, "ours_ms": med["ours"], "ort_ms": med["ort"],
            "ours_cpu": cpu_med["ours"], "ort_cpu": cpu_med["ort"],
            "ratio": med["ours"] / med["ort"], "ratio_min": min(per_round), "ratio_max": max(per_round),
            "ours_range": (min(times["ours"]), max(times["ours"])), "ort_range": (min(times["ort"]), max(times["ort"])),
            "load": (load, os.getloadavg()[0]), "max_diff_rel_to_peak": diff, "profile": profile}


def print_result(r: dict) -> None:
    print(f"\n{r['model']}, {r['threads']} thread(s): ours {r['ours_ms']:.1f} ms "
          f"({r['ours_range'][0]:.0f}-{r['ours_range'][1]:.0f}), onnxruntime {r['ort_ms']:.1f} ms "
          f"({r['ort_range'][0]:.0f}-{r['ort_range'][1]:.0f}); ratio {r['ratio']:.2f} "
          f"(rounds {r['ratio_min']:.2f}-{r['ratio_max']:.2f}); load {r['load'][0]:.1f} -> {r['load'][1]:.1f}; "
          f"outputs differ by {r['max_diff_rel_to_peak']:.1e} of the peak; CPU ms per run (all threads): ours "
          f"{r['ours_cpu']:.1f}, onnxruntime {r['ort_cpu']:.1f} (ratio {r['ours_cpu'] / r['ort_cpu']:.2f})")
    if "baseline_ms" in r:
        print(f"  baseline tree (same .om, same rounds): {r['baseline_ms']:.1f} ms ({r['baseline_range'][0]:.0f}-"
              f"{r['baseline_range'][1]:.0f}), CPU {r['baseline_cpu']:.1f} ms (ratio to onnxruntime "
              f"{r['baseline_cpu'] / r['ort_cpu']:.2f})")
    total = sum(v[0] for v in r["profile"].values())
    print(f"  {'op type':22s} {'ms/run':>8s} {'share':>6s} {'calls':>6s}")
    for op, (ms, calls) in sorted(r["profile"].items(), key=lambda kv: -kv[1][0])[:10]:
        print(f"  {op:22s} {ms:8.1f} {ms / total * 100:5.1f}% {calls:6d}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        engine, name, path, threads = sys.argv[2:6]
        child(engine, name, path, int(threads))
        return 0
    sys.path.insert(0, ROOT)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="resnet50,bert", help="comma-separated: resnet50, bert")
    ap.add_argument("--threads", default="1,all", help="comma-separated thread counts; 'all' = every core")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds per engine (default 5)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per round (default 5)")
    ap.add_argument("--work", help="folder for the generated models (default: a temporary folder)")
    ap.add_argument("--baseline", help="another checkout of the converter (e.g. a worktree of main): its runtime "
                                       "runs the same .om in the same interleaved rounds (before/after figures)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="bench_runtime_")
    os.makedirs(work, exist_ok=True)
    threads = [os.cpu_count() if t == "all" else int(t) for t in a.threads.split(",")]
    results = []
    for name in a.models.split(","):
        src, om = prepare(name, work)
        for n in threads:
            results.append(compare(name, src, om, n, a.rounds, a.runs, work,
                                   os.path.abspath(a.baseline) if a.baseline else None))
            print_result(results[-1])
    print("\nsummary (median wall ms per run; ratio = ours / onnxruntime, its spread over rounds; CPU ratio):")
    for r in results:
        print(f"  {r['model']:9s} {r['threads']:2d} thread(s): ours {r['ours_ms']:7.1f}  onnxruntime "
              f"{r['ort_ms']:7.1f}  ratio {r['ratio']:.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})  "
              f"CPU ratio {r['ours_cpu'] / r['ort_cpu']:.2f}" + (
                  f"  (baseline: {r['baseline_ms']:.1f} ms, CPU ratio {r['baseline_cpu'] / r['ort_cpu']:.2f})"
                  if "baseline_ms" in r else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
