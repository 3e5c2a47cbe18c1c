"""Test helper: run one-node ONNX models (tests.helpers.one_node_model) with our registry kernels and with
onnxruntime.

``run_graph`` evaluates op by op with the registry kernels so that it can check every op's ``infer``
against the shape and dtype its kernel produced (which the runtime does not do).
"""
from __future__ import annotations

import numpy as np
import onnx

from converter.frontends.onnx import load_onnx_graph
from converter.ir import TensorDesc, from_numpy
from converter.ops import registry
from tests.helpers import one_node_model

SKIP_TYPES = {"Data", "Const", "NetOutput"}


def check_infer(op, spec, attrs, args, outs, const_values) -> None:
    """Assert that spec.infer gives the dtype and shape the kernel produced."""
    if spec.infer is None:
        return
    descs = [None if a is None else TensorDesc(dtype=from_numpy(a.dtype), shape=tuple(a.shape)) for a in args]
    ctx = registry.InferContext(op, descs, const_values, attrs)
    inferred = spec.infer(ctx)
    for i, (d, o) in enumerate(zip(inferred, outs)):
        assert d.shape is not None and len(d.shape) == o.ndim, f"{op.type} infer output {i}: rank of {d.shape}"
        known = tuple(k if s == -1 else s for s, k in zip(d.shape, o.shape))  # -1: not knowable from consts
        assert known == tuple(o.shape), f"{op.type} infer output {i}: {d.shape} != kernel {o.shape}"
        if all(v is not None for v, a in zip(const_values, args) if a is not None and a.dtype.kind in "iu"):
            assert -1 not in d.shape, f"{op.type} infer output {i}: {d.shape} has unknowns with all ints known"
        assert int(d.dtype) == int(from_numpy(o.dtype)), f"{op.type} infer output {i} dtype {d.dtype}"


def run_graph(graph, feeds: dict, infer_check: bool = True) -> list:
    """Execute a graph in topological order; returns the model outputs in order."""
    values: dict = {}
    for op in graph.topo_order():
        refs = graph.inputs_of(op.name)
        args = [None if r is None else values[r] for r in refs]
        if op.type == "Data":
            values[(op.name, 0)] = np.asarray(feeds[op.name])
            continue
        if op.type == "Const":
            values[(op.name, 0)] = np.asarray(op.value)
            continue
        if op.type == "NetOutput":
            return args
        spec = registry.get(op.type)
        attrs = spec.normalize(op.attrs, op.name)
        outs = registry.run_kernel(spec, args, attrs)
        if infer_check:
            consts = [None if r is None else graph.const_value(r) for r in refs]
            check_infer(op, spec, attrs, args, outs, consts)
        for i, o in enumerate(outs):
            values[(op.name, i)] = o
    raise AssertionError("graph has no NetOutput")


def op_types(graph) -> list:
    return [op.type for op in graph.topo_order() if op.type not in SKIP_TYPES]


def run_both(tmp_path, model: onnx.ModelProto, feeds: dict, oracle: str = "onnxruntime"):
    """(ours, the oracle's, our graph) for a model; oracle is onnxruntime or onnx.reference."""
    path = str(tmp_path / "model.onnx")
    onnx.save(model, path)
    graph = load_onnx_graph(path)
    ours = run_graph(graph, feeds)
    if oracle == "reference":
        from onnx.reference import ReferenceEvaluator
        theirs = ReferenceEvaluator(model).run(None, feeds)
    else:
        import onnxruntime as ort
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        theirs = sess.run(None, feeds)
    return ours, theirs, graph


def check_against_ort(tmp_path, op_type: str, inputs: list, attrs: dict | None = None, *, opset: int = 17,
                      rtol: float = 1e-4, atol: float = 1e-5, n_outputs: int = 1, oracle: str = "onnxruntime"):
    """Build a one-node model, run it both ways, assert outputs agree; returns our graph."""
    model = one_node_model(op_type, inputs, attrs, opset=opset, n_out=n_outputs)
    feeds = {name: np.asarray(arr) for name, arr, is_const in inputs if name and not is_const}
    ours, theirs, graph = run_both(tmp_path, model, feeds, oracle)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape, f"shape {a.shape} != onnxruntime {b.shape}"
        assert a.dtype == b.dtype, f"dtype {a.dtype} != onnxruntime {b.dtype}"
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol)
    return graph
