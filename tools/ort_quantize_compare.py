"""Our int8 quantization against an independent quantizer on the same model and the same calibration data:
onnxruntime's quantize_static (QDQ, per-channel int8 weights, int8 activations with a zero point, calibrated
with MinMax or Percentile) and our deploy model (OUT_deploy_model.onnx, QDQ) both run in onnxruntime,
and each is compared with the fp32 model in onnxruntime on held-out inputs (cosine per sample, top-1
agreement). Same runtime, same data: if onnxruntime's int8 is much closer to fp32 than ours, our quantizer
is at fault; if both are alike, the model is what quantizes badly.

onnxruntime quantizes what ours quantizes: the inputs and weights of Conv / Gemm / MatMul (not their outputs,
OpTypesToExcludeOutputQuantization), on the model after its Conv+BatchNorm folding (quant_pre_process), as ours
folds before calibrating. It also stores biases as int32 (scale_x * scale_w), as AMCT does. (--ort entropy works
too, but quantize_static gives its Entropy calibrator 128 bins for 128 levels, so it returns MinMax's ranges.)

Run: python tools/ort_quantize_compare.py MODEL.onnx CALIB.npy HELD.npy [--ours ifmr,hfmg]
     [--ort minmax,percentile] [--labels LABELS.npy]
(needs onnxruntime; the .npy files hold whole batches of the model's input shape)
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from converter.options import ConvertOptions
from converter.quantize import quantize
from converter.quantize.check import cosines, top1_classes


def _session(path: str):
    import onnxruntime as ort
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def _batches(session, data: np.ndarray) -> list:
    inp = session.get_inputs()[0]
    batch = inp.shape[0] if isinstance(inp.shape[0], int) else 1
    return [data[i:i + batch] for i in range(0, len(data) - len(data) % batch, batch)]


def run(path: str, data: np.ndarray) -> np.ndarray:
    """The first output of the model over all of ``data``, batch by batch."""
    session = _session(path)
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: b})[0] for b in _batches(session, data)])


def ort_quantized(model: str, calib: np.ndarray, method: str, folder: str) -> str:
    """onnxruntime's static QDQ quantization of the model (see the module docstring); returns its path."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = os.path.join(folder, "pre.onnx")
    if not os.path.exists(pre):
        quant_pre_process(model, pre, skip_symbolic_shape=True)
    session = _session(pre)
    name = session.get_inputs()[0].name
    batches = iter(_batches(session, calib))

    class Reader(CalibrationDataReader):
        def get_next(self):
            b = next(batches, None)
            return None if b is None else {name: b}

    out = os.path.join(folder, f"ort_{method}.onnx")
    quantize_static(pre, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    op_types_to_quantize=["Conv", "Gemm", "MatMul"],
                    calibrate_method={"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
                                      "percentile": CalibrationMethod.Percentile}[method],
                    extra_options={"OpTypesToExcludeOutputQuantization": ["Conv", "Gemm", "MatMul"],
                                   "ActivationSymmetric": False, "WeightSymmetric": True})
    return out


def ours_quantized(model: str, calib_path: str, algo: str, folder: str) -> str:
    """Our deploy model (QDQ ONNX) of the model, calibrated on every batch of calib_path."""
    opts = ConvertOptions(framework=5, model=model, output=os.path.join(folder, f"ours_{algo}"))
    n = len(np.load(calib_path, mmap_mode="r"))
    batch = _session(model).get_inputs()[0].shape[0]
    res = quantize(opts, [calib_path], batch_num=n // (batch if isinstance(batch, int) else 1), act_algo=algo)
    return res.deploy_onnx


def line(label: str, got: np.ndarray, ref: np.ndarray, labels) -> str:
    cos = cosines(got, ref)
    agree = float((top1_classes(got) == top1_classes(ref)).mean())
    acc = f" {float((top1_classes(got) == labels).mean()):8.2%}" if labels is not None else ""
    return f"{label:22s} {cos.mean():9.6f} {cos.min():9.6f} {agree:7.2%}{acc}"


def margins(ref: np.ndarray) -> str:
    """How close the fp32 model's decisions are: the gap between its two highest logits over the spread (std)
    of its logits, per input. Small gaps flip under any noise (fp16 rounding too), whatever the quantizer."""
    y = ref.astype(np.float64).reshape(len(ref), -1)
    top = np.sort(y, axis=1)
    rel = (top[:, -1] - top[:, -2]) / np.maximum(y.std(axis=1), 1e-12)
    return (f"fp32 top-1 margin (top1 - top2) / logits std: median {np.median(rel):.3f}, "
            f"below 0.25 for {np.mean(rel < 0.25):.1%} of the inputs")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("calib")
    ap.add_argument("held")
    ap.add_argument("--ours", default="ifmr,hfmg")
    ap.add_argument("--ort", default="minmax,percentile")
    ap.add_argument("--labels", help="true classes of the held-out inputs (.npy): adds each model's accuracy")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ort_quantize_compare_") as folder:
        compare_all(a, folder)


def compare_all(a, folder: str) -> None:
    """The table for the command line's model, quantizers and data; files go to ``folder``."""
    calib, held = np.load(a.calib), np.load(a.held)
    labels = np.load(a.labels)[:len(held)] if a.labels else None
    ref = run(a.model, held)
    if labels is not None:
        labels = labels[:len(ref)]
    print(f"{os.path.basename(a.model)}: {len(calib)} calibration, {len(ref)} held-out inputs")
    print(margins(ref))
    print(f"{'quantizer':22s} {'cos mean':>9s} {'cos min':>9s} {'top-1':>7s}" + (" accuracy" if labels is not None else ""))
    print(line("fp32 (onnxruntime)", ref, ref, labels), flush=True)
    for method in filter(None, a.ort.split(",")):
        print(line(f"onnxruntime {method}", run(ort_quantized(a.model, calib, method, folder), held), ref, labels),
              flush=True)
    for algo in filter(None, a.ours.split(",")):
        print(line(f"ours {algo} (QDQ, ort)", run(ours_quantized(a.model, a.calib, algo, folder), held), ref, labels),
              flush=True)


if __name__ == "__main__":
    main()
