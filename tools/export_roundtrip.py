"""ONNX -> .om -> ONNX round trips through `omtool export`, checked with onnxruntime.

For each model: convert with force_fp32, export the .om back to ONNX, run the original and the export in
onnxruntime on the same inputs and report the largest difference (scaled: |a - b| / max(1, |b|)); then
convert with the default precision (force_fp16), export, and compare onnxruntime's run of that export with
our runtime's run of the .om. Prints one line per model and the worst errors.

Run: python tools/export_roundtrip.py [light pytorch samples corpora tf]   (default: all sets)
"""
from __future__ import annotations

import glob
import os
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
LIGHT_MODELS = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet",
                "squeezenet", "vgg19", "zfnet512"]


def scaled_error(got, want) -> float:
    """max |got - want| / max(1, |want|) (0 for equal integer/bool outputs, inf for a shape mismatch)."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return float("inf")
    if got.size == 0:
        return 0.0
    if want.dtype.kind not in "fc":
        return 0.0 if np.array_equal(got, want) else float("inf")
    g, w = got.astype(np.float64), want.astype(np.float64)
    both_nan = np.isnan(g) & np.isnan(w)
    same_inf = np.isinf(w) & (g == w)
    err = np.where(both_nan | same_inf, 0.0, np.abs(g - w) / np.maximum(1.0, np.abs(w)))
    return float(np.nan_to_num(err, nan=np.inf).max())


def ort_run(model, feeds: dict) -> list:
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    data = model if isinstance(model, (bytes, str)) else model.SerializeToString()
    sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    return sess.run(None, {k: v for k, v in feeds.items() if k in names})


def onnx_inputs(path: str) -> list:
    model = onnx.load(path, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in inits]


def static_shapes(path: str, feeds: dict) -> tuple:
    """--input_shape for the tensor feeds (sequence and optional inputs have no shape)."""
    return tuple((vi.name, tuple(np.asarray(feeds[vi.name]).shape)) for vi in onnx_inputs(path)
                 if isinstance(feeds.get(vi.name), np.ndarray))


def export_in_memory(om: str) -> bytes:
    """What `omtool export` writes, kept in memory (the round trips skip the file write)."""
    from converter.export import check_onnx, graph_to_onnx, load_om_graph, serialize
    data = serialize(graph_to_onnx(load_om_graph(om), check=False))
    check_onnx(data)
    return data


def runtime_outputs(om: str, feeds: dict) -> list:
    """Our runtime's outputs of the .om for plain (NCHW, fp32) feeds."""
    from converter.runtime import Session
    from converter.runtime.inputs import model_feeds
    sess = Session(om)
    return sess.run_outputs(model_feeds(sess.graph, feeds))


def _flat(values: list) -> list:
    """Outputs with sequences spread into their elements (a length mismatch shows as an extra output)."""
    out = []
    for v in values:
        out.extend(_flat(list(v)) + [len(v)] if isinstance(v, list) else [v])
    return out


def compared(got: list, want: list) -> dict:
    got, want = _flat(got), _flat(want)
    errors = [scaled_error(g, w) for g, w in zip(got, want)]
    return {"outputs": len(got), "expected": len(want), "error": max(errors, default=0.0)}


def convert(workdir: str, label: str, **options) -> str:
    from converter import api
    from converter.options import ConvertOptions
    return api.convert(ConvertOptions(output=os.path.join(workdir, label), **options))


def roundtrip(path: str, feeds: dict, workdir: str, precision: str = "force_fp32", stored=None) -> dict:
    """Convert, export and run. fp32: the export against the original in onnxruntime (against ``stored``
    outputs when onnxruntime cannot run the original, e.g. an opset it dropped); other precisions: the
    export in onnxruntime against our runtime's run of the .om."""
    from converter.framework import Framework
    name = os.path.splitext(os.path.basename(path))[0]
    om = convert(workdir, f"{name}_{precision}", framework=Framework.ONNX, model=path, precision_mode=precision,
                 input_shape=static_shapes(path, feeds))
    got = ort_run(export_in_memory(om), feeds)
    if precision != "force_fp32":
        return compared(got, runtime_outputs(om, feeds))
    try:
        want = ort_run(path, feeds)
    except Exception:
        if stored is None:
            raise
        want = stored
    return compared(got, want)


def light_cases() -> list:
    from tests.models.test_onnx_light_zoo import light_inputs
    found = []
    for name in LIGHT_MODELS:
        path = os.path.join(LIGHT, f"light_{name}.onnx")
        if os.path.isfile(path):
            stored = numpy_helper.to_array(onnx.load_tensor(os.path.join(LIGHT, f"light_{name}_output_0.pb")))
            found.append((f"light/{name}", path, light_inputs(onnx.load(path)), [stored]))
    return found


def pytorch_cases() -> list:
    found = []
    for path in sorted(glob.glob(os.path.join(REPO, "tests", "data", "pytorch", "*.onnx"))):
        x = np.load(f"{path}.x.npy")
        name = onnx_inputs(path)[0].name
        found.append((f"pytorch/{os.path.basename(path)}", path, {name: x}, [np.load(f"{path}.y.npy")]))
    return found


SAMPLE_SHAPES = {"tiny_cnn": {"x": (1, 3, 32, 32)}, "mlp": {"x": (2, 64)}, "dynamic_seg": {"x": (1, 3, 32, 48)}}


def sample_cases() -> list:
    rng = np.random.default_rng(0)
    found = []
    for name, shapes in SAMPLE_SHAPES.items():
        path = os.path.join(REPO, "samples", f"{name}.onnx")
        found.append((f"samples/{name}", path, {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()},
                      None))
    return found


def corpus_cases() -> list:
    from tools.onnx_corpus import cases
    found = []
    for folder in ("pytorch-converted", "pytorch-operator", "simple"):
        for name, path, sets in cases(folder):
            if sets:
                names = [vi.name for vi in onnx_inputs(path)]
                ins, outs = sets[0]
                found.append((f"{folder}/{name}", path, ins if isinstance(ins, dict) else dict(zip(names, ins)),
                              outs))
    return found


TF_GOLDEN = os.path.join(REPO, "tests", "tensorflow", "golden")


def tf_golden_cases() -> list:
    """The committed TensorFlow goldens (frozen .pb + inputs); checked against our runtime's run of the .om."""
    found = []
    for path in sorted(glob.glob(os.path.join(TF_GOLDEN, "*.pb"))):
        data = np.load(path[:-3] + ".npz")
        feeds = {k.split(":", 1)[1]: data[k] for k in data.files if k.startswith("input:")}
        found.append((f"tf/{os.path.basename(path)[:-3]}", path, feeds, None))
    return found


def tf_roundtrip(path: str, feeds: dict, workdir: str, precision: str = "force_fp32") -> dict:
    """A TensorFlow golden: .pb -> .om -> ONNX; onnxruntime's run of the export against our runtime's."""
    data = np.load(path[:-3] + ".npz")
    outs = [k.split(":", 1)[1] for k in data.files if k.startswith("output:")]
    out_nodes = tuple((o.rsplit(":", 1)[0], int(o.rsplit(":", 1)[1])) for o in outs)
    from converter.framework import Framework
    name = os.path.basename(path)[:-3]
    om = convert(workdir, f"tf_{name}_{precision}", framework=Framework.TENSORFLOW, model=path, precision_mode=precision,
                 input_shape=tuple((k, tuple(v.shape)) for k, v in feeds.items()), out_nodes=out_nodes,
                 input_format="NCHW" if name == "nchw_net" else None)
    plain = {k.rsplit(":", 1)[0]: v for k, v in feeds.items()}
    return compared(ort_run(export_in_memory(om), plain), runtime_outputs(om, plain))


SETS = {"light": light_cases, "pytorch": pytorch_cases, "samples": sample_cases, "corpora": corpus_cases,
        "tf": tf_golden_cases}


def main(names: list) -> int:
    from converter.errors import ConverterError
    worst = {}
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for set_name in names or list(SETS):
            for label, path, feeds, stored in SETS[set_name]():
                for precision in ("force_fp32", "force_fp16"):
                    start = time.perf_counter()
                    try:
                        if set_name == "tf":
                            r = tf_roundtrip(path, feeds, work, precision)
                        else:
                            r = roundtrip(path, feeds, work, precision, stored)
                        status = f"error {r['error']:.2e}"
                        worst[precision] = max(worst.get(precision, 0.0), r["error"])
                    except ConverterError as exc:
                        status = f"refused {exc.code}: {exc.message[:150]}"
                        failures += 1
                    except Exception as exc:  # noqa: BLE001  (a bug: show it and go on)
                        status = f"FAILED {type(exc).__name__}: {str(exc)[:200]}"
                        failures += 1
                    print(f"{label:55s} {precision:10s} {time.perf_counter() - start:6.2f}s {status}", flush=True)
    print("worst scaled error:", {k: f"{v:.2e}" for k, v in worst.items()}, "failures:", failures)
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.path.insert(0, REPO)
    sys.exit(main(sys.argv[1:]))
