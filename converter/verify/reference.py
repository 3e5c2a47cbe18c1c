"""Run the source model in its own framework (onnxruntime, TensorFlow, pycaffe), loaded lazily."""
from __future__ import annotations

import os

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, ConverterError
from ..framework import Framework


def _missing(package: str, extra: str) -> ConverterError:
    return ConverterError(INVALID_ARGUMENT_VALUE,
                          f"checking against the source needs the '{package}' package, which is not "
                          f"installed; install it with: pip install '{package}' (or the '{extra}' extra)")


# pycaffe is not on PyPI (the 'caffe' name there is an empty placeholder), so pip cannot provide it
PYCAFFE_MISSING = ("checking a Caffe model against its source needs pycaffe (BVLC Caffe's Python module "
                   "'caffe'), which is not importable. It is not on PyPI ('pip install caffe' installs an empty "
                   "placeholder); get it from conda-forge (conda install -c conda-forge caffe, Linux), from the "
                   "distribution (Ubuntu 17.04 or later: sudo apt install caffe-cpu), or build BVLC Caffe "
                   "(https://github.com/BVLC/caffe: make all pycaffe) and put its python/ folder on PYTHONPATH")


def framework_of(path: str) -> Framework:
    """The framework of a source model, by its file extension (ONNX when unknown)."""
    ext = os.path.splitext(path)[1].lower()
    by_extension = {".onnx": Framework.ONNX, ".pb": Framework.TENSORFLOW, ".prototxt": Framework.CAFFE}
    return by_extension.get(ext, Framework.ONNX)


def run_onnx(path: str, feeds: dict, extra_outputs=()) -> dict:
    """Outputs by name; extra_outputs are intermediate tensor names to expose as well (for bisect)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise _missing("onnxruntime", "verify") from None
    import onnx
    model = onnx.load(path)
    known = {o.name for o in model.graph.output}
    produced = {t for n in model.graph.node for t in n.output if t}
    for name in extra_outputs:
        if name not in known and name in produced:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
            known.add(name)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    input_names = {i.name for i in sess.get_inputs()}
    outs = sess.run(names, {k: v for k, v in feeds.items() if k in input_names})
    return dict(zip(names, outs))


def run_tensorflow(path: str, feeds: dict, outputs: list) -> dict:
    try:
        import tensorflow as tf
    except ImportError:
        raise _missing("tensorflow", "tensorflow") from None
    gd = tf.compat.v1.GraphDef()
    with open(path, "rb") as f:
        gd.ParseFromString(f.read())
    with tf.Graph().as_default() as g:
        tf.compat.v1.import_graph_def(gd, name="")
        names = {op.name for op in g.get_operations()}
        full = lambda n: n if ":" in n else n + ":0"  # noqa: E731
        present = [o for o in outputs if full(o).rsplit(":", 1)[0] in names]  # intermediates folded away are skipped
        with tf.compat.v1.Session(graph=g) as s:
            res = s.run([g.get_tensor_by_name(full(o)) for o in present],
                        {g.get_tensor_by_name(full(k)): v for k, v in feeds.items()})
    return dict(zip(present, res))


def run_caffe(prototxt: str, caffemodel: str, feeds: dict) -> dict:
    try:
        import caffe  # type: ignore
    except ImportError:
        raise ConverterError(INVALID_ARGUMENT_VALUE, PYCAFFE_MISSING) from None
    net = caffe.Net(prototxt, caffemodel, caffe.TEST)
    for k, v in feeds.items():
        net.blobs[k].reshape(*v.shape)
        net.blobs[k].data[...] = v
    out = net.forward()
    return {k: np.array(v) for k, v in out.items()}
