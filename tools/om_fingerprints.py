"""Fingerprints of the .om files we write for a fixed set of models: proof that a refactor kept the bytes.

Converts the shipped samples, the onnx wheel's light zoo, the PyTorch exports and TensorFlow goldens in
tests/, and small Caffe nets from tools/make_caffe_models.py, each under several precision modes, and
prints (or writes with --json) the sha256 of every file written. Compare two runs with --compare.

Run: python tools/om_fingerprints.py --json before.json ; ...change... ;
     python tools/om_fingerprints.py --compare before.json
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

MODES = ("force_fp16", "force_fp32", "allow_mix_precision")


def _sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _onnx_models() -> list:
    import onnx
    models = sorted(glob.glob(os.path.join(ROOT, "samples", "*.onnx")))
    light = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
    models += sorted(glob.glob(os.path.join(light, "light_*.onnx")))
    models += sorted(glob.glob(os.path.join(ROOT, "tests", "data", "pytorch", "*.onnx")))
    return [(5, m, _onnx_input_shape(m), None) for m in models]


def _onnx_input_shape(path: str) -> tuple:
    """Fixed shapes for dynamic inputs: the shape of a stored `<model>.<input>.npy` feed, else 1 for the
    first dim and 32 for the others."""
    import numpy as np
    import onnx
    model = onnx.load(path, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    shapes = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in vi.type.tensor_type.shape.dim]
        if -1 not in dims:
            continue
        feed = f"{path}.{vi.name}.npy"
        if os.path.isfile(feed):
            dims = list(np.load(feed, mmap_mode="r").shape)
        else:
            dims = [d if d != -1 else (1 if i == 0 else 32) for i, d in enumerate(dims)]
        shapes.append((vi.name, tuple(dims)))
    return tuple(shapes) or None


def _tf_models() -> list:
    return [(3, m, None, None) for m in sorted(glob.glob(os.path.join(ROOT, "tests", "tensorflow", "golden", "*.pb")))]


def _caffe_models(folder: str) -> list:
    from tools import make_caffe_models as mcm
    out = []
    for name in sorted(mcm.MODELS):
        builder = mcm.MODELS[name](False)
        builder = builder[0] if isinstance(builder, tuple) else builder
        proto, weights = builder.save(folder, name)
        out.append((0, proto, None, weights))
    return out


def fingerprints(extra_args: tuple = ()) -> dict:
    from converter import api
    from converter.errors import ConverterError
    from converter.options import ConvertOptions
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        models = _onnx_models() + _tf_models() + _caffe_models(tmp)
        for framework, model, shapes, weight in models:
            for mode in MODES:
                key = f"{os.path.relpath(model, ROOT) if model.startswith(ROOT) else os.path.basename(model)}|{mode}"
                out = os.path.join(tmp, "out", hashlib.md5(key.encode()).hexdigest())
                kw = dict(framework=framework, model=model, output=out, precision_mode=mode)
                if weight:
                    kw["weight"] = weight
                if shapes:
                    kw["input_shape"] = shapes
                try:
                    path = api.convert(ConvertOptions(**kw))
                    result[key] = _sha(path)
                except ConverterError as e:
                    result[key] = f"error {e.code}"
                except Exception as e:  # noqa: BLE001 - a fingerprint of the failure is what we want
                    result[key] = f"crash {type(e).__name__}"
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the fingerprints here")
    ap.add_argument("--compare", help="compare with fingerprints written earlier; exit 1 on any difference")
    args = ap.parse_args(argv)
    prints = fingerprints()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(prints, f, indent=1, sort_keys=True)
    if args.compare:
        with open(args.compare) as f:
            before = json.load(f)
        diff = sorted(k for k in set(before) | set(prints) if before.get(k) != prints.get(k))
        for k in diff:
            print(f"DIFF {k}: {before.get(k)} -> {prints.get(k)}")
        print(f"{len(prints)} files, {len(diff)} differ")
        return 1 if diff else 0
    for k, v in sorted(prints.items()):
        print(f"{v}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
