"""Run the ONNX test corpora shipped in the onnx wheel through convert + runtime, with their stored
inputs and outputs, and classify every model: pass, unsupported (op types without a converter, reported
cleanly), mismatch (numbers differ: a bug), error (anything else: a bug).

Run: python tools/onnx_corpus.py [FOLDER ...]   (default: pytorch-converted pytorch-operator simple light)
"""
from __future__ import annotations

import glob
import os
import sys
import tempfile
from collections import Counter

import numpy as np
import onnx
from onnx import numpy_helper

DATA = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
FOLDERS = ["pytorch-converted", "pytorch-operator", "simple", "light"]
RTOL, ATOL = 1e-3, 1e-5


def _read_tensor(path: str):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def cases(folder: str) -> list:
    """(name, model path, [(inputs, outputs)]) for each model in a corpus folder."""
    root = os.path.join(DATA, folder)
    found = []
    if folder == "light":
        from tests.models.test_onnx_light_zoo import light_inputs  # the runner's input recipe
        for path in sorted(glob.glob(os.path.join(root, "light_*.onnx"))):
            model = onnx.load(path)
            out = path[:-5] + "_output_0.pb"
            found.append((os.path.basename(path)[6:-5], path, [(light_inputs(model), [_read_tensor(out)])]))
        return found
    for d in sorted(os.listdir(root)):
        path = os.path.join(root, d, "model.onnx")
        if not os.path.isfile(path):
            continue
        sets = []
        for ds in sorted(glob.glob(os.path.join(root, d, "test_data_set_*"))):
            ins = [_read_tensor(p) for p in sorted(glob.glob(os.path.join(ds, "input_*.pb")),
                                                   key=lambda p: int(p.rsplit("_", 1)[1][:-3]))]
            outs = [_read_tensor(p) for p in sorted(glob.glob(os.path.join(ds, "output_*.pb")),
                                                    key=lambda p: int(p.rsplit("_", 1)[1][:-3]))]
            sets.append((ins, outs))
        found.append((d, path, sets))
    return found


def _declared_shape(vi):
    if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
        return None
    dims = vi.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") else -1 for d in dims)


def run_case(name: str, path: str, sets: list, workdir: str) -> tuple:
    """(status, detail) for one model."""
    from converter import api
    from converter.errors import ConverterError
    from converter.framework import Framework
    from converter.options import ConvertOptions
    from converter.runtime import Session
    try:
        model = onnx.load(path)
    except Exception as exc:  # pragma: no cover - corrupt corpus file
        return "error", f"onnx.load: {exc}"
    inits = {t.name for t in model.graph.initializer}
    input_names = [i.name for i in model.graph.input if i.name not in inits]
    for vi in model.graph.input:
        if vi.name in input_names and not vi.type.HasField("tensor_type"):
            return "unsupported", f"input '{vi.name}' is not a tensor (sequence/map types are not supported)"
    try:
        for k, (ins, outs) in enumerate(sets):
            feeds = ins if isinstance(ins, dict) else dict(zip(input_names, ins))
            declared = {vi.name: _declared_shape(vi) for vi in model.graph.input}
            shapes = tuple((n, tuple(np.asarray(v).shape)) for n, v in feeds.items()
                           if declared.get(n) != tuple(np.asarray(v).shape))
            om = api.convert(ConvertOptions(framework=Framework.ONNX, model=path, output=os.path.join(workdir, f"{name}_{k}"),
                                            input_shape=shapes, precision_mode="force_fp32"))
            got = list(Session(om).run(feeds).values())
            if len(got) != len(outs):
                return "mismatch", f"{len(got)} outputs, expected {len(outs)}"
            for i, (g, e) in enumerate(zip(got, outs)):
                e = np.asarray(e)
                if g.shape != e.shape:
                    return "mismatch", f"output {i}: shape {g.shape} != {e.shape}"
                if e.dtype.kind in "fc":
                    ok = np.allclose(g.astype(np.float64), e.astype(np.float64), rtol=RTOL, atol=ATOL, equal_nan=True)
                else:
                    ok = np.array_equal(g, e)
                if not ok:
                    err = np.abs(g.astype(np.float64) - e.astype(np.float64)).max() if g.size else 0
                    return "mismatch", f"output {i}: max abs error {err:.3g}"
        return "pass", ""
    except ConverterError as exc:
        zero_dim = exc.code == "E10011" and any(0 in np.asarray(v).shape for ins, _ in sets
                                                  for v in (ins.values() if isinstance(ins, dict) else ins))
        kind = "unsupported" if exc.code in ("E11009", "E13010") or zero_dim else "error"
        return kind, str(exc)
    except Exception as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def run_folder(folder: str) -> list:
    with tempfile.TemporaryDirectory() as work:
        return [(name, *run_case(name, path, sets, work)) for name, path, sets in cases(folder)]


def main(folders: list) -> int:
    total = Counter()
    for folder in folders or FOLDERS:
        results = run_folder(folder)
        counts = Counter(status for _, status, _ in results)
        total.update(counts)
        n = len(results)
        print(f"\n== {folder}: {counts['pass']}/{n} pass ({100.0 * counts['pass'] / max(n, 1):.1f}%), "
              f"{counts['unsupported']} unsupported, {counts['mismatch']} mismatch, {counts['error']} error")
        for name, status, detail in results:
            if status != "pass":
                print(f"  {status:11s} {name}: {detail[:300]}")
    n = sum(total.values())
    print(f"\n== overall: {total['pass']}/{n} pass ({100.0 * total['pass'] / max(n, 1):.1f}%)")
    return 0 if total["mismatch"] == 0 and total["error"] == 0 else 1


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main(sys.argv[1:]))
