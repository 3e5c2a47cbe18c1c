"""How far an fp16 conversion may drift: our default (force_fp16) .om next to independent fp16 references.

For an ONNX model and random inputs, prints the cosine and the largest error (in units of the output's peak)
against onnxruntime in fp32 of:
- ours: the .om converted with ATC's default precision (force_fp16), run by our runtime;
- emulated: onnxruntime on the fp32 graph with every float weight rounded to fp16 and every float tensor an
  op produces rounded to fp16 (Cast to fp16 and back after it): fp16 storage, fp32 arithmetic, as fp16
  kernels with fp32 accumulation compute;
- native (when onnxconverter-common is installed): onnxruntime on the model converted to fp16 by
  onnxconverter-common (onnxruntime's own fp16 kernels; inputs and outputs kept fp32);
and ours against the emulation. verify's fp16 defaults (converter/verify/compare.py) are chosen from these
figures: a faithful conversion drifts as the references do.

Run: python tools/fp16_reference.py MODEL.onnx [--om DEFAULT.om] [--seeds 3] [--scale 1.0]
(--scale multiplies the uniform [0, 1) random inputs.)
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def figures(got: np.ndarray, ref: np.ndarray) -> str:
    a, b = got.astype(np.float64).ravel(), ref.astype(np.float64).ravel()
    cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    peak = float(np.abs(b).max())
    return f"cosine {cosine:.6f}  max error {float(np.abs(a - b).max()) / peak:.2e} of the peak ({peak:.3g})"


def emulated(model):
    """The fp32 model with fp16-rounded float weights and a Cast pair after every float tensor it makes."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT:
            rounded = numpy_helper.to_array(init).astype(np.float16).astype(np.float32)
            init.CopyFrom(numpy_helper.from_array(rounded, init.name))
    inferred = onnx.shape_inference.infer_shapes(m)
    floats = {v.name for v in list(inferred.graph.value_info) + list(g.input) + list(g.output)
              if v.type.tensor_type.elem_type == TensorProto.FLOAT}
    nodes = list(g.node)
    del g.node[:]
    renamed = {}

    def round_after(name: str) -> None:
        g.node.extend([helper.make_node("Cast", [name], [name + "__fp16"], to=TensorProto.FLOAT16),
                       helper.make_node("Cast", [name + "__fp16"], [name + "__r"], to=TensorProto.FLOAT)])
        renamed[name] = name + "__r"

    for i in g.input:
        if i.name in floats:
            round_after(i.name)
    for node in nodes:
        for k, name in enumerate(node.input):
            node.input[k] = renamed.get(name, name)
        g.node.append(node)
        for name in node.output:
            if name in floats and node.op_type not in ("Constant", "Shape"):
                round_after(name)
    for o in g.output:
        if o.name in renamed:
            g.node.append(helper.make_node("Identity", [renamed[o.name]], [o.name + "__out"]))
            o.name += "__out"
    return m


def _session(model):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def main() -> int:
    sys.path.insert(0, ROOT)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--om", help="our default conversion of MODEL (converted when not given)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    import onnx

    from converter import api
    from converter.options import ConvertOptions
    from converter.runtime import Session
    model = onnx.load(a.model)
    om = a.om
    if om is None:
        om = api.convert(ConvertOptions(framework=5, model=a.model,
                                        output=os.path.join(tempfile.mkdtemp(prefix="fp16_ref_"), "default")))
    ours = Session(om)
    fp32, emu = _session(model), _session(emulated(model))
    native = None
    try:
        from onnxconverter_common import float16
        native = _session(float16.convert_float_to_float16(model, keep_io_types=True))
    except ImportError:
        print("(onnxconverter-common not installed: no native fp16 reference)")
    except Exception as exc:   # noqa: BLE001 - a reference that cannot run this model is reported, not fatal
        print(f"(onnxconverter-common's fp16 model does not run: {type(exc).__name__}: {str(exc)[:120]})")
    inp = fp32.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    for seed in range(a.seeds):
        x = (np.random.default_rng(seed).random(shape) * a.scale).astype(np.float32)
        ref = fp32.run(None, {inp.name: x})[0]
        e = emu.run(None, {inp.name: x})[0]
        got = next(iter(ours.run({inp.name: x}).values()))
        print(f"seed {seed}:")
        print(f"  ours (force_fp16) vs fp32    {figures(got, ref)}")
        print(f"  emulated fp16 vs fp32        {figures(e, ref)}")
        if native is not None:
            print(f"  native fp16 (ort) vs fp32    {figures(native.run(None, {inp.name: x})[0], ref)}")
        print(f"  ours vs emulated fp16        {figures(got, e)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
