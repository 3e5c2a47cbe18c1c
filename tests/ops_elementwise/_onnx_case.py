"""Builds small ONNX models and checks our conversion + kernels against onnxruntime."""
from __future__ import annotations

import os
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

from converter.frontends.onnx import load_onnx_graph
from tests.helpers import ir_version_for, one_node_model

from ._eval import evaluate


def model_of(nodes: list, inputs: dict, outputs: list, *, opset: int = 17, consts: dict | None = None,
             declared: dict | None = None) -> onnx.ModelProto:
    """A model with graph inputs ``inputs`` (name -> array), initializers ``consts``, ``nodes`` and
    graph outputs named ``outputs``. ``declared`` overrides the shape an input declares (None dims
    unknown, None for an unknown rank)."""
    declared = declared or {}
    graph_inputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype),
                                                  declared.get(n, a.shape))
                    for n, a in inputs.items()]
    inits = [numpy_helper.from_array(np.asarray(a), n) for n, a in (consts or {}).items()]
    graph_outputs = [helper.make_empty_tensor_value_info(o) for o in outputs]
    graph = helper.make_graph(nodes, "g", graph_inputs, graph_outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version_for(opset)
    return model


def run_ours(model: onnx.ModelProto, feeds: dict) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        onnx.save(model, path)
        graph = load_onnx_graph(path)
    outs = evaluate(graph, feeds)
    return [outs[o.name] for o in model.graph.output]


def run_ort(model: onnx.ModelProto, feeds: dict) -> list:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def check_model(model: onnx.ModelProto, feeds: dict, *, rtol: float = 1e-5, atol: float = 1e-6) -> list:
    """Convert + evaluate ``model`` and compare every output (values, dtype, shape) with onnxruntime."""
    ours = run_ours(model, feeds)
    theirs = run_ort(model, feeds)
    what = ",".join(n.op_type for n in model.graph.node)
    for got, want in zip(ours, theirs):
        assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != onnxruntime {want.dtype}"
        assert got.shape == want.shape, f"{what}: shape {got.shape} != onnxruntime {want.shape}"
        if got.dtype.kind in "biu":
            np.testing.assert_array_equal(got, want, err_msg=what)
        else:
            np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol,
                                       err_msg=what)
    return ours


def check(op_type: str, inputs: dict, attrs: dict | None = None, *, opset: int = 17, consts: dict | None = None,
          n_out: int = 1, input_names: list | None = None, declared: dict | None = None,
          rtol: float = 1e-5, atol: float = 1e-6) -> list:
    """check_model on a one-node model: graph inputs ``inputs``, initializers ``consts``; ``input_names``
    gives the node's input order ("" for an absent optional input), by default the inputs then the consts."""
    names = input_names if input_names is not None else list(inputs) + list(consts or {})
    consts = consts or {}
    node_inputs = [(n, consts[n], True) if n in consts else (n, inputs[n], False) if n else None for n in names]
    model = one_node_model(op_type, node_inputs, attrs, opset=opset, n_out=n_out, declared=declared)
    return check_model(model, inputs, rtol=rtol, atol=atol)
