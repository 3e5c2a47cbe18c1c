"""Cross-check the Caffe frontend against MNN (an independent Caffe converter + runtime). Not needed by CI.

MNN lives in its own environment so it never becomes a dependency of ours:

    python3 -m venv /tmp/mnnvenv && /tmp/mnnvenv/bin/pip install mnn numpy
    (run only this script against it: MNN's own `mnnconvert` script pip-installs a logging SDK)
    python tools/check_caffe_with_mnn.py --mnn-venv /tmp/mnnvenv [--full] [--only conv_basic googlenet]

For every case (one-layer nets covering the supported layers, then the four structural nets of
tools/make_caffe_models.py) it writes the .prototxt/.caffemodel, converts it with ``mnnconvert -f CAFFE``,
runs it with MNN and with our frontend + runtime on the same random input, and prints the largest
difference relative to the output's magnitude (max |ours - mnn| / max |mnn|). Exit status 1 if any case differs by more than --rtol.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from converter.frontends.caffe import load_caffe_graph  # noqa: E402
from converter.proto import caffe_pb2  # noqa: E402
from converter.runtime.session import Session  # noqa: E402
from tools.make_caffe_models import MODELS, CaffeNetBuilder  # noqa: E402

MNN_RUNNER = r'''
import sys, numpy as np, MNN
path, feeds, result, outs = sys.argv[1], np.load(sys.argv[2]), sys.argv[3], sys.argv[4].split(",")
it = MNN.Interpreter(path)
sess = it.createSession({"numThread": 1})
for k in feeds.files:
    it.resizeTensor(it.getSessionInput(sess, k), tuple(feeds[k].shape))
it.resizeSession(sess)
for k in feeds.files:
    a = np.ascontiguousarray(feeds[k], np.float32)
    it.getSessionInput(sess, k).copyFrom(MNN.Tensor(a.shape, MNN.Halide_Type_Float, a, MNN.Tensor_DimensionType_Caffe))
it.runSession(sess)
every = it.getSessionOutputAll(sess)
res = {}
for n in outs:
    o = every[n] if n in every else (list(every.values())[0] if len(outs) == 1 == len(every) else None)
    if o is None:
        continue
    shape = o.getShape()
    host = MNN.Tensor(shape, MNN.Halide_Type_Float, np.zeros(shape, np.float32), MNN.Tensor_DimensionType_Caffe)
    o.copyToHostTensor(host)
    res[n] = np.array(host.getData(), np.float32).reshape(shape)
np.savez(result, **res)
'''

P = caffe_pb2.PoolingParameter


def one(type_: str, shape, blobs=None, extra=(), pre_conv: bool = False, **params):
    """A builder for a net with input x of ``shape`` (and extra inputs) feeding one layer (after a 3x3
    convolution with pre_conv, the way these layers appear in real nets)."""
    def make():
        b = CaffeNetBuilder(type_.lower())
        b.input("x", list(shape))
        bottoms = [b.conv("pre", "x", shape[1], shape[1], 3, pad=1) if pre_conv else "x"]
        for i, s in enumerate(extra):
            bottoms.append(b.input(f"x{i + 1}", list(s)))
        b.layer(type_, "layer", bottoms, "y", [blob(b) for blob in blobs or []], **params)
        return b
    return make


def rnd(*shape, low=None):
    return lambda b: (b.rng.uniform(low, low + 1, shape) if low is not None else b.randn(*shape)).astype(np.float32)


LAYER_CASES = {
    "conv_basic": one("Convolution", (1, 3, 9, 8), [rnd(4, 3, 3, 3), rnd(4)],
                      convolution_param={"num_output": 4, "kernel_size": [3], "stride": [2], "pad": [1]}),
    "conv_group_dilated": one("Convolution", (1, 4, 9, 9), [rnd(4, 2, 3, 3)], convolution_param={
        "num_output": 4, "kernel_size": [3], "dilation": [2], "group": 2, "bias_term": False}),
    "conv_depthwise_hw": one("Convolution", (1, 4, 8, 7), [rnd(4, 1, 3, 1), rnd(4)], convolution_param={
        "num_output": 4, "kernel_h": 3, "kernel_w": 1, "pad_h": 1, "pad_w": 0, "group": 4}),
    "deconv": one("Deconvolution", (1, 4, 5, 5), [rnd(4, 3, 4, 4), rnd(3)],
                  convolution_param={"num_output": 3, "kernel_size": [4], "stride": [2], "pad": [1]}),
    "inner_product": one("InnerProduct", (2, 3, 2, 2), [rnd(5, 12), rnd(5)], inner_product_param={"num_output": 5}),
    "pool_max_ceil": one("Pooling", (1, 3, 7, 7), pooling_param={"pool": P.MAX, "kernel_size": 3, "stride": 2}),
    "pool_ave_pad": one("Pooling", (1, 3, 6, 6), pooling_param={"pool": P.AVE, "kernel_size": 3, "stride": 2,
                                                                "pad": 1}),
    "pool_ave_drop_last": one("Pooling", (1, 2, 5, 5), pooling_param={"pool": P.AVE, "kernel_size": 2,
                                                                      "stride": 2, "pad": 1}),
    "pool_global": one("Pooling", (1, 3, 5, 4), pooling_param={"pool": P.AVE, "global_pooling": True}),
    "lrn_across": one("LRN", (1, 7, 4, 4), lrn_param={"local_size": 5, "alpha": 0.2, "beta": 0.75}),
    "lrn_across_k2": one("LRN", (1, 7, 4, 4), lrn_param={"local_size": 5, "alpha": 0.2, "beta": 0.75, "k": 2.0}),
    "lrn_within": one("LRN", (1, 3, 6, 6), lrn_param={"local_size": 3, "alpha": 0.5, "beta": 0.75,
                                                      "norm_region": caffe_pb2.LRNParameter.WITHIN_CHANNEL}),
    "batch_norm": one("BatchNorm", (1, 3, 4, 4), [rnd(3), rnd(3, low=0.5), lambda b: np.array([2.0], np.float32)],
                      pre_conv=True),
    "scale_bias": one("Scale", (1, 3, 4, 4), [rnd(3), rnd(3)], pre_conv=True, scale_param={"bias_term": True}),
    "eltwise_coeff": lambda: _eltwise_coeff(),
    "eltwise_max": one("Eltwise", (1, 3, 4, 4), extra=[(1, 3, 4, 4)],
                       eltwise_param={"operation": caffe_pb2.EltwiseParameter.MAX}),
    "concat": one("Concat", (1, 3, 4, 4), extra=[(1, 2, 4, 4)]),
    "flatten": one("Flatten", (2, 3, 4, 5), flatten_param={"axis": 1}),
    "reshape": one("Reshape", (2, 3, 4, 5), reshape_param={"shape": {"dim": [0, -1, 5]}}),
    "permute": one("Permute", (1, 3, 4, 5), permute_param={"order": [0, 2, 3, 1]}),
    "softmax": one("Softmax", (2, 5, 3, 3)),
    "power": one("Power", (1, 3, 4, 4), pre_conv=True, power_param={"power": 2.0, "scale": 0.5, "shift": 1.5}),
    "exp": one("Exp", (1, 3, 4, 4), pre_conv=True, exp_param={"base": 2.0, "scale": 0.5}),
    "bnll": one("BNLL", (1, 3, 4, 4)),
    "elu": one("ELU", (1, 3, 4, 4), elu_param={"alpha": 0.5}),
    "prelu": one("PReLU", (1, 3, 4, 4), [rnd(3)], pre_conv=True),
    "depthwise_conv_bn": lambda: _depthwise_bn(),
    "leaky_relu": one("ReLU", (1, 3, 4, 4), relu_param={"negative_slope": 0.1}),
    "sigmoid": one("Sigmoid", (1, 3, 4, 4)),
    "tanh": one("TanH", (1, 3, 4, 4)),
    "absval": one("AbsVal", (1, 3, 4, 4)),
    "crop": one("Crop", (1, 3, 8, 8), extra=[(1, 3, 5, 6)], crop_param={"axis": 2, "offset": [1, 2]}),
    "normalize": one("Normalize", (1, 4, 3, 3), [rnd(4, low=1.0)],
                     norm_param={"across_spatial": False, "channel_shared": False}),
    "prior_box": one("PriorBox", (1, 4, 3, 3), extra=[(1, 3, 30, 30)], prior_box_param={
        "min_size": [10.0], "max_size": [20.0], "aspect_ratio": [2.0], "flip": True,
        "variance": [0.1, 0.1, 0.2, 0.2]}),
    "prior_box_fractional": one("PriorBox", (1, 4, 3, 3), extra=[(1, 3, 30, 30)], prior_box_param={
        "min_size": [10.5], "max_size": [20.7], "aspect_ratio": [3.0], "clip": True, "variance": [0.2]}),
}


def _depthwise_bn():
    """Depthwise conv (group = channels, no bias) then BatchNorm: MobileNet's unit, checked on its own."""
    b = CaffeNetBuilder("dw_bn")
    b.input("x", [1, 4, 9, 9])
    b.conv("dw", "x", 4, 4, 3, pad=1, group=4, bias=False)
    b.layer("BatchNorm", "bn", "dw", "bn", [b.randn(4, scale=0.1), b.rng.uniform(0.5, 1.5, 4),
                                           np.array([1.0], np.float32)])
    b.layer("AbsVal", "out", "bn", "out")
    return b


def _eltwise_coeff():
    """SUM with coefficients of two conv outputs."""
    b = CaffeNetBuilder("eltwise")
    b.input("x", [1, 3, 4, 4])
    b.conv("pre1", "x", 3, 3, 3, pad=1)
    b.conv("pre2", "x", 3, 3, 1)
    b.layer("Eltwise", "layer", ["pre1", "pre2"], "y",
            eltwise_param={"operation": caffe_pb2.EltwiseParameter.SUM, "coeff": [0.5, -2.0]})
    return b


# Cases where MNN itself departs from Caffe's C++ (our tests check Caffe's behaviour instead).
KNOWN_MNN_DIFFERENCES = {
    "lrn_across_k2": "MNN ignores LRN k (uses 1); Caffe's lrn_layer.cpp starts the scale at k",
    "eltwise_coeff": "MNN's SUM-with-coeff result matches neither the weighted nor the plain sum; ours is "
                     "eltwise_layer.cpp's caffe_axpy(coeff_i, bottom_i), checked against numpy in tests/caffe",
    "prior_box_fractional": "MNN keeps fractional min/max sizes; SSD Caffe's prior_box_layer.cpp truncates "
                            "them to int",
    "mobilenet_ssd_heads": "MNN's 3x3 loc convolutions are off by ~3e-4 of the output scale (fast conv "
                           "algorithm); ours is within 5e-7 of tests/caffe's float64 interpreter",
    "mobilenet_ssd": "MNN's DetectionOutput has no image-id column, orders rows by score instead of by class "
                     "and decodes boxes slightly differently; the net up to it is the 'mobilenet_ssd_heads' case",
    "pool_ave_drop_last": "MNN keeps a last pooling window that starts in the padding; Caffe drops it",
}


def _without_detection_output(b: CaffeNetBuilder) -> CaffeNetBuilder:
    """The SSD net ending in its loc, conf and prior tensors."""
    del b.net.layer[-1]
    return b


def _mnn(venv: str, folder: str, name: str, proto: str, model: str, feeds: dict, outs: list) -> dict:
    mnn_path = os.path.join(folder, name + ".mnn")
    # MNN's own converter through its extension module: the `mnnconvert` script would pip-install and
    # call a usage-logging service, which we never want.
    argv = ["mnnconvert", "-f", "CAFFE", "--modelFile", model, "--prototxt", proto, "--MNNModel", mnn_path,
            "--bizCode", "check"]
    subprocess.run([os.path.join(venv, "bin", "python"), "-c", "import sys, _tools; _tools.mnnconvert(sys.argv[1:])",
                    *argv], check=True, capture_output=True)
    feed_path, result_path = os.path.join(folder, name + "_in.npz"), os.path.join(folder, name + "_out.npz")
    np.savez(feed_path, **feeds)
    if os.path.exists(result_path):
        os.remove(result_path)
    run = subprocess.run([os.path.join(venv, "bin", "python"), "-c", MNN_RUNNER, mnn_path, feed_path, result_path,
                          ",".join(outs)], capture_output=True)
    if not os.path.exists(result_path):   # (MNN sometimes crashes at exit after writing the result)
        raise subprocess.CalledProcessError(run.returncode, "mnn", run.stdout, run.stderr)
    return dict(np.load(result_path))


def check(builder: CaffeNetBuilder, name: str, folder: str, venv: str) -> float:
    proto, model = builder.save(folder, name)
    graph = load_caffe_graph(proto, model, {})
    rng = np.random.default_rng(0)
    feeds = {op.name: rng.standard_normal(op.outputs[0].shape).astype(np.float32) for op in graph.data_ops()}
    ours = Session(graph).run(feeds)
    theirs = _mnn(venv, folder, name, proto, model, feeds, list(ours))
    worst = 0.0
    for k, a in ours.items():
        if k not in theirs:
            return float("inf")
        b = theirs[k].reshape(a.shape) if theirs[k].size == a.size else theirs[k]
        if a.shape != b.shape:
            return float("inf")
        # differences relative to the output's scale (MNN's Winograd 3x3 convs round differently near 0)
        worst = max(worst, float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-12)))
    return worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnn-venv", required=True, help="virtualenv with the 'mnn' package installed")
    parser.add_argument("--full", action="store_true", help="full-size structural nets")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--only", nargs="*", help="case names (default: all)")
    ns = parser.parse_args(argv)
    cases = {name: make for name, make in LAYER_CASES.items()}
    cases.update({name: (lambda m=make: m(full=ns.full)[0]) for name, make in MODELS.items()})
    cases["mobilenet_ssd_heads"] = lambda: _without_detection_output(MODELS["mobilenet_ssd"](full=ns.full)[0])
    failed = []
    with tempfile.TemporaryDirectory() as folder:
        for name in ns.only or cases:
            try:
                diff = check(cases[name](), name, folder, ns.mnn_venv)
            except subprocess.CalledProcessError as exc:
                print(f"{name:24s} MNN failed: {(exc.stderr or b'').decode(errors='replace').strip()[-200:]}")
                failed.append(name)
                continue
            ok = diff <= ns.rtol
            known = KNOWN_MNN_DIFFERENCES.get(name)
            verdict = "ok" if ok else (f"known MNN difference: {known}" if known else "DIFFERS")
            print(f"{name:24s} max rel diff {diff:.2e} {verdict}")
            if not ok and not known:
                failed.append(name)
    print(f"{len(failed)} case(s) differ: {' '.join(failed)}" if failed else "all cases match MNN")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
