"""Test helpers for the quantization ops: one-node ONNX models, run through build_graph + Session and onnxruntime."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from tests.helpers import convert_and_run, save


def init(name: str, value, dtype=None):
    return numpy_helper.from_array(np.asarray(value, dtype), name)


def model_of(nodes, feeds: dict, inits: list, outputs: list, opset: int) -> onnx.ModelProto:
    """outputs: (name, numpy dtype) pairs; feeds: name -> example array (graph inputs)."""
    ins = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
           for n, a in feeds.items()]
    outs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(np.dtype(t)), None) for n, t in outputs]
    graph = helper.make_graph(nodes, "q", ins, outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8 if opset <= 17 else 10
    return model


def ort_outputs(path: str, feeds: dict, optimize: bool = True) -> list:
    import onnxruntime as ort
    so = ort.SessionOptions()
    if not optimize:  # keep Q/DQ nodes as they are (no fusion into QLinear ops)
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]).run(None, feeds)


def run_both(tmp_path, model, feeds: dict, precision_mode: str = "force_fp32", optimize: bool = True):
    """(our outputs in model order, onnxruntime's)."""
    path = save(model, tmp_path)
    ours = convert_and_run(path, feeds, precision_mode=precision_mode)
    names = [o.name for o in model.graph.output]
    return [ours[n] for n in names], ort_outputs(path, feeds, optimize)


def assert_same(ours: list, theirs: list, rtol: float = 1e-5, atol: float = 0.0) -> None:
    """Integer outputs bit-exact, float outputs to rtol; dtypes and shapes equal."""
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype, (a.dtype, b.dtype)
        assert a.shape == b.shape, (a.shape, b.shape)
        if a.dtype.kind in "iu":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
