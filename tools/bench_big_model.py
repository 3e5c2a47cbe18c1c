"""Benchmark: converting and running a model whose weights are bigger than memory should need.

Generates (in a temporary folder, deleted afterwards unless --keep) an MLP whose fp32 weights, a few GiB in
all, lie in ONNX external data, then for each conversion case prints the wall time, CPU time and peak RSS
of `atc` (the acceptance target: well below the model size), of `omtool info` and `atc --mode=1` on the
.om (with the .om's partition table form: 64-bit once a partition passes 4 GiB), and of `omtool run` on one input, whose output is compared with numpy's (float64 reference).

Cases: the default precision (force_fp16: every weight cast), force_fp32 (weights streamed as they are) and
--external_weight=1 (weights in files beside the .om). Children run through proc_stats (their own peak RSS).

Run: python tools/bench_big_model.py [--gib 3] [--width 8192] [--cases default,fp32,external]
                                     [--keep DIR] [--skip-run]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

import numpy as np
from proc_stats import measure

CASES = {"default": [], "fp32": ["--precision_mode=force_fp32"], "external": ["--external_weight=1"]}
ROWS_PER_CHUNK = 1024


def make_model(folder: str, gib: float, width: int, seed: int = 0) -> tuple:
    """(model path, layers): ``layers`` MatMul+Add(+Relu) layers of width x width fp32 weights, enough for
    ``gib`` GiB, written to weights.bin chunk by chunk (the generator never holds a whole layer)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    layers = max(1, round(gib * 2**30 / (width * width * 4)))
    rng = np.random.default_rng(seed)
    inits, nodes, x, offset = [], [], "x", 0
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        for k in range(layers):
            for start in range(0, width, ROWS_PER_CHUNK):
                rows = min(ROWS_PER_CHUNK, width - start)
                f.write((rng.standard_normal((rows, width), np.float32) * np.float32(1.4 / np.sqrt(width))).tobytes())
            w = TensorProto(name=f"w{k}", data_type=TensorProto.FLOAT, dims=[width, width])
            w.data_location = TensorProto.EXTERNAL
            for key, value in (("location", "weights.bin"), ("offset", str(offset)), ("length", str(width * width * 4))):
                entry = w.external_data.add()
                entry.key, entry.value = key, value
            offset += width * width * 4
            inits += [w, numpy_helper.from_array((rng.standard_normal(width) * 0.1).astype(np.float32), f"b{k}")]
            y = f"h{k}"
            nodes += [helper.make_node("MatMul", [x, f"w{k}"], [f"{y}_mm"]), helper.make_node("Add", [f"{y}_mm", f"b{k}"],
                                                                                              [f"{y}_add"])]
            nodes.append(helper.make_node("Relu", [f"{y}_add"], [y]) if k < layers - 1 else
                         helper.make_node("Identity", [f"{y}_add"], ["y"]))
            x = y
    graph = helper.make_graph(nodes, "big_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, width])], inits)
    path = os.path.join(folder, "big_mlp.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path, layers


def reference(folder: str, layers: int, width: int, x: np.ndarray) -> np.ndarray:
    """The MLP's output in float64, reading the weights from weights.bin."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(os.path.join(folder, "big_mlp.onnx"), load_external_data=False)
    biases = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer if t.name.startswith("b")}
    weights = np.memmap(os.path.join(folder, "weights.bin"), np.float32, "r", shape=(layers, width, width))
    h = x.astype(np.float64)
    for k in range(layers):
        h = h @ weights[k].astype(np.float64) + biases[f"b{k}"]
        if k < layers - 1:
            h = np.maximum(h, 0)
    return h


def _table(om: str) -> str:
    """The .om's partition table form and its biggest partition (read through a memory map)."""
    from converter.om.container import partition_name, read_om_file
    block = read_om_file(om).models[0]
    big = max(block.partitions, key=lambda p: p.size)
    return f"{block.table_form}-bit partition table, biggest partition {partition_name(big.type)} " \
           f"{big.size / 2**30:.2f} GiB (offset {big.offset})"


def _line(what: str, run) -> str:
    status = "" if run.code == 0 else f"  FAILED ({run.code}): {run.stderr.strip()[-300:]}"
    return f"  {what:<22}{run.wall:7.2f} s wall {run.cpu:7.2f} s CPU {run.peak_mib:7.0f} MiB peak{status}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gib", type=float, default=3.0, help="fp32 weight size of the generated model")
    ap.add_argument("--width", type=int, default=8192)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--keep", help="generate into this folder and keep it")
    ap.add_argument("--python", default=sys.executable, help="the interpreter with the converter to measure")
    ap.add_argument("--skip-run", action="store_true", help="convert and inspect only")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="bench_big_")
    os.makedirs(work, exist_ok=True)
    py = a.python
    try:
        model, layers = make_model(work, a.gib, a.width)
        size = os.path.getsize(os.path.join(work, "weights.bin")) / 2**20
        print(f"model: {layers} layers of {a.width}x{a.width} fp32, {size:.0f} MiB of external data")
        x = np.random.default_rng(1).standard_normal((1, a.width)).astype(np.float32)
        np.save(os.path.join(work, "x.npy"), x)
        want = None if a.skip_run else reference(work, layers, a.width, x)
        for case in a.cases.split(","):
            out_dir = os.path.join(work, case)
            os.makedirs(out_dir, exist_ok=True)
            om = os.path.join(out_dir, "m.om")
            print(f"{case}: {' '.join(CASES[case]) or '(default precision)'}")
            conv = measure([py, "-m", "converter", "--framework=5", f"--model={model}",
                            f"--output={om[:-3]}"] + CASES[case], cwd=work)
            print(_line("atc", conv) + f"  ({conv.peak_mib / size:.2f}x the weights)")
            if conv.code:
                continue
            print(f"  .om: {os.path.getsize(om) / 2**20:.0f} MiB, {_table(om)}")
            print(_line("omtool info", measure([py, "-m", "converter.omtool", "info", om], cwd=work)))
            print(_line("atc --mode=1", measure([py, "-m", "converter", "--mode=1", f"--om={om}",
                                                 f"--json={os.path.join(out_dir, 'm.json')}"], cwd=work)))
            if a.skip_run:
                continue
            run = measure([py, "-m", "converter.omtool", "run", om, "-i", f"x={os.path.join(work, 'x.npy')}",
                           "-o", out_dir], cwd=work)
            got = np.load(os.path.join(out_dir, "y.npy")).astype(np.float64) if run.code == 0 else None
            cos = float((got * want).sum() / np.linalg.norm(got) / np.linalg.norm(want)) if got is not None else 0
            err = float(np.abs(got - want).max() / np.abs(want).max()) if got is not None else float("nan")
            print(_line("omtool run", run) + f"  cosine {cos:.6f}, max error {err:.2e} of the peak")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
