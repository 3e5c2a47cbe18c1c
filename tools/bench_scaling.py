"""Benchmark: how conversion time grows with graph size, on generated ONNX graphs of 1k to 64k ops.

Families (each op count is the number of ONNX nodes):
- mesh:          a mesh of small elementwise ops, each reading the previous op and one of the 16 before it
- transformer:   a repeated transformer encoder block (attention, layer norm and a GELU MLP, ~50 nodes per block)
- shared_const:  a chain of ops that all read one shared constant
- const_per_op:  a chain where every op reads its own small constant

Each conversion runs `python -m converter` in a child process (default precision); the line per model gives
the child's wall time, CPU time (user+system: steadier than wall on a shared machine), peak RSS, and the wall
and CPU time per op; the load averages are printed before and after (wall time per op grows with them). ``--phases FAMILY:OPS`` converts one model in this process and prints the CPU time of each phase
(import, frontend, every pass, writing). ``--profile FAMILY:OPS`` converts one model in this process under cProfile instead and prints the
functions with the most cumulative and own time.

Run: python tools/bench_scaling.py [--sizes 1000,4000,16000,64000] [--families mesh,transformer,...]
                                   [--repeat N] [--precision MODE] [--phases FAMILY:OPS] [--profile FAMILY:OPS]
                                   [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from proc_stats import measure

FAMILIES = ("mesh", "transformer", "shared_const", "const_per_op")
WIDTH = 8           # the feature size of the chains and the mesh
HIDDEN, SEQ, HEADS = 32, 16, 4


class _Builder:
    """Nodes and initializers of one generated graph, with unique tensor names."""

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def op(self, op_type: str, inputs: list, **attrs) -> str:
        self.n += 1
        out = f"{op_type.lower()}_{self.n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def const(self, value: np.ndarray, base: str = "c") -> str:
        self.n += 1
        name = f"{base}_{self.n}"
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def weight(self, *shape) -> str:
        return self.const((self.rng.standard_normal(shape) * 0.1).astype(np.float32), "w")


def _mesh(b: _Builder, ops: int, x: str) -> str:
    kinds = ("Add", "Mul", "Sub", "Max", "Relu", "Sigmoid", "Tanh", "Add")
    seen = [x]
    for i in range(ops):
        kind = kinds[i % len(kinds)]
        if kind in ("Relu", "Sigmoid", "Tanh"):
            seen.append(b.op(kind, [seen[-1]]))
        else:
            other = seen[-1 - int(b.rng.integers(0, min(16, len(seen))))]
            seen.append(b.op(kind, [seen[-1], other]))
    return seen[-1]


def _chain(b: _Builder, ops: int, x: str, shared: bool) -> str:
    c = b.const(np.full((WIDTH,), 0.5, np.float32)) if shared else None
    for i in range(ops):
        operand = c if shared else b.const(b.rng.standard_normal(WIDTH).astype(np.float32) * 0.1)
        x = b.op("Add" if i % 2 else "Mul", [x, operand])
    return x


def _layer_norm(b: _Builder, x: str) -> str:
    mean = b.op("ReduceMean", [x], axes=[-1])
    d = b.op("Sub", [x, mean])
    var = b.op("ReduceMean", [b.op("Pow", [d, b.const(np.array(2.0, np.float32))])], axes=[-1])
    std = b.op("Sqrt", [b.op("Add", [var, b.const(np.array(1e-5, np.float32))])])
    y = b.op("Div", [d, std])
    return b.op("Add", [b.op("Mul", [y, b.weight(HIDDEN)]), b.weight(HIDDEN)])


def _block(b: _Builder, x: str) -> str:
    head = HIDDEN // HEADS
    split = b.const(np.array([1, SEQ, HEADS, head], np.int64))
    merge = b.const(np.array([1, SEQ, HIDDEN], np.int64))

    def proj(t, n_in, n_out):
        return b.op("Add", [b.op("MatMul", [t, b.weight(n_in, n_out)]), b.weight(n_out)])

    q, k, v = (b.op("Transpose", [b.op("Reshape", [proj(x, HIDDEN, HIDDEN), split])], perm=[0, 2, 1, 3])
               for _ in range(3))
    kt = b.op("Transpose", [k], perm=[0, 1, 3, 2])
    scores = b.op("Div", [b.op("MatMul", [q, kt]), b.const(np.array(np.sqrt(head), np.float32))])
    ctx = b.op("MatMul", [b.op("Softmax", [scores], axis=-1), v])
    ctx = b.op("Reshape", [b.op("Transpose", [ctx], perm=[0, 2, 1, 3]), merge])
    x = _layer_norm(b, b.op("Add", [x, proj(ctx, HIDDEN, HIDDEN)]))
    h = proj(x, HIDDEN, 4 * HIDDEN)
    erf = b.op("Erf", [b.op("Div", [h, b.const(np.array(np.sqrt(2.0), np.float32))])])
    gelu = b.op("Mul", [b.op("Mul", [h, b.op("Add", [erf, b.const(np.array(1.0, np.float32))])]),
                        b.const(np.array(0.5, np.float32))])
    return _layer_norm(b, b.op("Add", [x, proj(gelu, 4 * HIDDEN, HIDDEN)]))


def make_model(family: str, ops: int) -> onnx.ModelProto:
    """A generated model of about ``ops`` nodes (the transformer: whole blocks, at least ``ops``)."""
    b = _Builder()
    shape = [1, SEQ, HIDDEN] if family == "transformer" else [1, WIDTH]
    if family == "mesh":
        y = _mesh(b, ops, "x")
    elif family == "transformer":
        y = "x"
        while len(b.nodes) < ops:
            y = _block(b, y)
    else:
        y = _chain(b, ops, "x", shared=family == "shared_const")
    graph = helper.make_graph(b.nodes, family, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, shape)], b.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="bench_scaling")


def convert_cmd(model: str, out: str, precision: str | None, python: str = sys.executable) -> list:
    return ([python, "-m", "converter", "--framework=5", f"--model={model}", f"--output={out}",
             "--soc_version=Ascend310"] + ([f"--precision_mode={precision}"] if precision else []))


def run_child(cmd: list, cwd: str) -> tuple:
    """(wall s, CPU s, peak RSS MiB) of one child process run in ``cwd``; exits on failure."""
    run = measure(cmd, cwd=cwd)
    if run.code != 0:
        sys.exit(f"conversion failed: {' '.join(cmd)}\n{run.stderr[-2000:]}")
    return run.wall, run.cpu, run.peak_mib


def _load() -> str:
    """The 1/5/15-minute load averages: on a shared machine wall time grows with them, CPU time much less."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def profile(family: str, ops: int, work: str, precision: str | None, top: int = 30) -> None:
    """Convert one model in this process under cProfile; print the top functions."""
    import cProfile
    import pstats

    from converter.cli import main as atc
    path = os.path.join(work, f"{family}_{ops}.onnx")
    onnx.save(make_model(family, ops), path)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(atc, convert_cmd(path, os.path.join(work, "out"), precision)[3:])
    print(f"{family} {ops} ops: {time.perf_counter() - t0:.2f} s in process (under the profiler)")
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def phases(family: str, ops: int, work: str, precision: str | None) -> None:
    """Convert one model in this process; print the CPU seconds of each phase (frontend, every pass, writing)."""
    t0 = time.process_time()
    from converter import api
    from converter.conversion import load_source_graph
    from converter.options import ConvertOptions
    from converter.passes import pipeline
    from converter.passes.base import PassContext
    spent = {"import": time.process_time() - t0}
    path = os.path.join(work, f"{family}_{ops}.onnx")
    if not os.path.exists(path):
        onnx.save(make_model(family, ops), path)
    options = ConvertOptions(framework=5, model=path, output=os.path.join(work, "out"),
                             **({"precision_mode": precision} if precision else {}))
    from converter.ir.collector import fewer_collections
    from converter.om.publish import publish_om
    with fewer_collections():   # as api.convert runs
        t0 = time.process_time()
        graph = load_source_graph(options)
        spent["frontend"] = time.process_time() - t0
        ctx = PassContext(options=options)
        for name, fn in pipeline.PASSES:
            t0 = time.process_time()
            pipeline.run_passes(graph, ctx, [(name, fn)])
            spent[name] = spent.get(name, 0.0) + time.process_time() - t0
        t0 = time.process_time()
        publish_om(graph, api.output_path(options), api.model_attrs(options))
        spent["write"] = time.process_time() - t0
    total = sum(spent.values())
    print(f"{family} {ops} ops: {total:.2f} s CPU in process, {1000 * total / ops:.3f} ms per op")
    for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<24}{sec:7.3f} s {100 * sec / total:5.1f}%")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,4000,16000,64000")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--repeat", type=int, default=1, help="runs per model; the median is printed")
    ap.add_argument("--precision", help="--precision_mode (default: the converter's)")
    ap.add_argument("--python", default=sys.executable, help="the interpreter with the converter to measure")
    ap.add_argument("--profile", metavar="FAMILY:OPS", help="profile one conversion in process instead")
    ap.add_argument("--phases", metavar="FAMILY:OPS", help="CPU time per phase of one in-process conversion")
    ap.add_argument("--keep", help="write the models into this folder and keep them")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="bench_scaling_")
    os.makedirs(work, exist_ok=True)
    try:
        if a.profile:
            family, ops = a.profile.split(":")
            profile(family, int(ops), work, a.precision)
            return
        if a.phases:
            family, ops = a.phases.split(":")
            phases(family, int(ops), work, a.precision)
            return
        print(f"load average {_load()} at the start")
        print(f"{'family':<14}{'ops':>7}{'wall s':>9}{'cpu s':>8}{'MiB':>7}{'ms/op':>8}{'cpu ms/op':>10}"
              f"  (median of {a.repeat})")
        for family in a.families.split(","):
            for ops in (int(s) for s in a.sizes.split(",")):
                path = os.path.join(work, f"{family}_{ops}.onnx")
                if not os.path.exists(path):
                    onnx.save(make_model(family, ops), path)
                nodes = len(onnx.load(path, load_external_data=False).graph.node)
                runs = sorted(run_child(convert_cmd(path, os.path.join(work, "out"), a.precision, a.python), work)
                              for _ in range(a.repeat))
                wall, cpu, rss = runs[len(runs) // 2]
                print(f"{family:<14}{nodes:>7}{wall:>9.2f}{cpu:>8.2f}{rss:>7.0f}{1000 * wall / nodes:>8.3f}"
                      f"{1000 * cpu / nodes:>10.3f}", flush=True)
        print(f"load average {_load()} at the end")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
