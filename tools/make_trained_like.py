"""ResNet-50 and MobileNetV2 ONNX models with trained-like statistics, and image-like inputs, for measuring
quantization (tools/quantize_report.py). Not committed: generated on demand.

Random weights alone give chaotic networks (1% input noise changes most outputs), activations that drift
from layer to layer and classifiers that answer the same class for every input, or whose top-1 flips with any
rounding. Here, as after training: spatial kernels are mostly low-pass; every BatchNorm's mean/variance are
the real statistics of its input over a set of images (re-estimated layer by layer with onnxruntime on a
smaller copy of the network with the same weights; variance floored at 5% of the layer's median so near-dead
channels stay quiet); the last BatchNorm of each residual branch has a small scale; and the classifier is
fitted (ridge regression) to a labelled set: 16 classes (the head has 16 outputs) of smooth random
templates, each image its own variation of one. Calibration and held-out images are new draws from them.

Run: python tools/make_trained_like.py OUT_DIR [--models resnet50,mobilenetv2] [--size 224] [--calib 8]
     [--held 32]  (writes NAME.onnx, NAME_calib.npy, NAME_held.npy; needs onnxruntime)
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_resnet50_onnx import _Net, resnet50

CLASSES = 16


def images(n: int, size: int, seed: int, classes: int = CLASSES) -> tuple:
    """(N x 3 x size x size images, labels): each image is one of ``classes`` smooth random templates (noise
    at 1/7 to 1/28 of the resolution, upsampled; the same templates for every seed) with its own variation of
    the template, fine noise, contrast and colour cast: a labelled set, as real data is."""
    templates = []
    trng = np.random.default_rng(1000)
    for _ in range(classes):
        low = max(int(trng.choice([8, 16, 32])) * size // 224, 2)
        templates.append(trng.standard_normal((3, low, low)))
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    out = np.empty((n, 3, size, size), np.float32)
    for i, c in enumerate(labels):
        coarse = templates[c] + 0.4 * rng.standard_normal(templates[c].shape)
        idx = np.arange(size) * coarse.shape[1] // size
        img = coarse[:, idx][:, :, idx] + 0.3 * rng.standard_normal((3, size, size))
        out[i] = img * rng.uniform(0.7, 1.3) + rng.normal(0, 0.3, (3, 1, 1))
    return out, labels


class _MobileNet(_Net):
    def conv_bn(self, x, cin, cout, k, stride=1, relu=True, group=1):
        w = self.weight("w", (cout, cin // group, k, k), np.sqrt(2.0 / (cin // group * k * k)))
        y = self.name("conv")
        self.nodes.append(helper.make_node("Conv", [x, w], [y], name=y, kernel_shape=[k, k], group=group,
                                           strides=[stride, stride], pads=[k // 2] * 4))
        names = []
        for part, val in (("bn_s", 1 + 0.1 * self.rng.standard_normal(cout)), ("bn_b", 0.1 * self.rng.standard_normal(cout)),
                          ("bn_m", np.zeros(cout)), ("bn_v", np.ones(cout))):
            names.append(self.name(part))
            self.inits.append(numpy_helper.from_array(val.astype(np.float32), names[-1]))
        z = self.name("bn")
        self.nodes.append(helper.make_node("BatchNormalization", [y] + names, [z], name=z))
        if not relu:
            return z
        r = self.name("relu6")
        self.nodes.append(helper.make_node("Clip", [z, "zero", "six"], [r], name=r))
        return r


def mobilenetv2(batch=1, size=224, seed=0, num_classes=1000) -> onnx.ModelProto:
    net = _MobileNet(seed)
    net.inits += [numpy_helper.from_array(np.array(0, np.float32), "zero"),
                  numpy_helper.from_array(np.array(6, np.float32), "six")]
    x, cin = net.conv_bn("input", 3, 32, 3, 2), 32
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]:
        for i in range(n):
            stride, hidden = s if i == 0 else 1, cin * t
            y = net.conv_bn(x, cin, hidden, 1) if t != 1 else x
            y = net.conv_bn(y, hidden, hidden, 3, stride, group=hidden)
            y = net.conv_bn(y, hidden, c, 1, relu=False)
            if stride == 1 and cin == c:
                a = net.name("add")
                net.nodes.append(helper.make_node("Add", [y, x], [a], name=a))
                y = a
            x, cin = y, c
    x = net.conv_bn(x, cin, 1280, 1)
    g, f = net.name("gap"), net.name("flatten")
    w, b = net.weight("fc_w", (num_classes, 1280), 0.01), net.weight("fc_b", (num_classes,), 0.01)
    net.nodes += [helper.make_node("GlobalAveragePool", [x], [g], name=g), helper.make_node("Flatten", [g], [f], name=f),
                  helper.make_node("Gemm", [f, w, b], ["logits"], name="fc", transB=1)]
    graph = helper.make_graph(net.nodes, "mobilenetv2",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, size, size])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, num_classes])],
                              net.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_trained_like")


def _run(model: onnx.ModelProto, outputs: list, x: np.ndarray) -> list:
    import onnxruntime as ort
    m = onnx.ModelProto()
    m.CopyFrom(model)
    del m.graph.output[:]
    m.graph.output.extend([onnx.ValueInfoProto(name=o) for o in outputs])
    return ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(outputs, {"input": x})


def trained_like(model: onnx.ModelProto, x: np.ndarray) -> dict:
    """BatchNorm statistics and classifier bias from data (see the module docstring); returns the new
    initializer values by name (the same names serve the full-size model). The classifier is centred
    on the full-size model (fit_classifier)."""
    inits = {t.name: t for t in model.graph.initializer}
    readers = {}
    for n in model.graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    values = {}
    for node in model.graph.node:
        if node.op_type != "BatchNormalization":
            continue
        (a,) = _run(model, [node.input[0]], x)
        mean, var = a.mean(axis=(0, 2, 3)), a.var(axis=(0, 2, 3))
        var = np.maximum(var, 0.05 * np.median(var)) + 1e-5   # near-dead channels are not blown up
        scale = numpy_helper.to_array(inits[node.input[1]]).copy()
        if any(r.op_type == "Add" for r in readers.get(node.output[0], [])):
            scale *= 0.3               # residual branches start small, as trained networks' do
        for name, val in ((node.input[1], scale), (node.input[3], mean), (node.input[4], var)):
            values[name] = val.astype(np.float32)
            inits[name].CopyFrom(numpy_helper.from_array(values[name], name))
    return values


def fit_classifier(model: onnx.ModelProto, x: np.ndarray, labels: np.ndarray) -> None:
    """The classifier, fitted to labelled images as training would (in place): ridge regression of one-hot
    targets (scaled to 8) on the centred features, regularised (lambda = 10% of the mean feature energy) so
    that it reads the directions along which the classes really differ."""
    inits = {t.name: t for t in model.graph.initializer}
    fc = next(n for n in model.graph.node if n.op_type == "Gemm")
    feat = np.concatenate([_run(model, [fc.input[0]], x[i:i + 1])[0] for i in range(len(x))]).astype(np.float64)
    mean = feat.mean(axis=0)
    centred = feat - mean
    gram = centred @ centred.T
    classes = numpy_helper.to_array(inits[fc.input[1]]).shape[0]
    targets = 8.0 * (np.eye(classes)[labels] - 1.0 / classes)
    dual = np.linalg.solve(gram + 0.1 * np.trace(gram) / len(x) * np.eye(len(x)), targets)
    w = (centred.T @ dual).T
    inits[fc.input[1]].CopyFrom(numpy_helper.from_array(w.astype(np.float32), fc.input[1]))
    inits[fc.input[2]].CopyFrom(numpy_helper.from_array((-(w @ mean)).astype(np.float32), fc.input[2]))


def smooth_kernels(model: onnx.ModelProto) -> None:
    """Spatial kernels mostly low-pass, as trained ones are: w[o, i] = sum(w[o, i]) * blur + 0.3 * w[o, i] (a
    random 3x3 kernel is mostly high-pass: stacked and renormalised by BatchNorm it amplifies pixel noise
    layer after layer, which makes a random network chaotic, unlike a trained one)."""
    convs = {n.input[1] for n in model.graph.node if n.op_type == "Conv"}
    for t in model.graph.initializer:
        if t.name not in convs or len(t.dims) != 4 or t.dims[2] == 1:
            continue
        w = numpy_helper.to_array(t)
        k = w.shape[2]
        g = np.exp(-((np.arange(k) - k // 2) ** 2) / (k / 3.0))
        blur = np.outer(g, g) / np.outer(g, g).sum()
        w = w.sum(axis=(2, 3), keepdims=True) * blur + 0.3 * w
        t.CopyFrom(numpy_helper.from_array(w.astype(np.float32), t.name))


def build(name: str, size: int, est_size: int = 64, est_images: int = 16) -> onnx.ModelProto:
    make = {"resnet50": lambda s: resnet50(batch=1, size=s, num_classes=CLASSES),
            "mobilenetv2": lambda s: mobilenetv2(batch=1, size=s, num_classes=CLASSES)}[name]
    small = make(est_size)
    smooth_kernels(small)
    for node in small.graph.input:
        node.type.tensor_type.shape.dim[0].dim_param = "N"
    values = trained_like(small, images(est_images, est_size, seed=100)[0])
    model = make(size)
    smooth_kernels(model)
    for t in model.graph.initializer:
        if t.name in values:
            t.CopyFrom(numpy_helper.from_array(values[t.name], t.name))
    fit_classifier(model, *images(8 * CLASSES, size, seed=101))
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--models", default="resnet50,mobilenetv2")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--calib", type=int, default=8)
    ap.add_argument("--held", type=int, default=32)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name in a.models.split(","):
        onnx.save(build(name, a.size), os.path.join(a.out, f"{name}.onnx"))
        np.save(os.path.join(a.out, f"{name}_calib.npy"), images(a.calib, a.size, seed=1)[0])
        np.save(os.path.join(a.out, f"{name}_held.npy"), images(a.held, a.size, seed=2)[0])
        print(f"wrote {a.out}/{name}.onnx (+ _calib.npy, _held.npy)")


if __name__ == "__main__":
    main()
