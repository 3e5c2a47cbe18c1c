"""Test helpers: one-node ONNX models, an op-by-op evaluator with the registry kernels that checks every op's
infer against what its kernel produced (the runtime does not), onnxruntime references."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx

from converter.frontends.onnx import load_onnx_graph
from converter.ir import TensorDesc, from_numpy
from converter.ops import registry
from converter.ops.registry import InferContext
from tests.helpers import one_node_model

STRUCTURAL = {"Data", "Const", "NetOutput"}


@dataclass
class Case:
    """One ONNX node: inputs are (name, array, is_constant) or None for an absent optional input."""

    id: str
    op_type: str
    inputs: list
    attrs: dict = field(default_factory=dict)
    opset: int = 17
    n_out: int = 1
    atol: float = 1e-6

    def __str__(self):
        return self.id


def inp(name, array):
    return (name, np.asarray(array), False)


def const(name, array):
    return (name, np.asarray(array), True)


def make_model(case: Case, out_dtypes=None) -> onnx.ModelProto:
    return one_node_model(case.op_type, case.inputs, case.attrs, opset=case.opset, n_out=case.n_out,
                          out_dtypes=out_dtypes)


def feeds(case: Case) -> dict:
    return {n: a for n, a, c in (i for i in case.inputs if i is not None) if not c}


def load_case(case: Case, tmp_path):
    path = tmp_path / f"{case.op_type}.onnx"
    onnx.save(make_model(case), str(path))
    return load_onnx_graph(str(path))


def run_graph(graph, inputs: dict):
    """(model outputs in order, {ref: value} for every tensor) by running the registry kernels."""
    values = {}
    for op in graph.topo_order():
        if op.type == "Data":
            values[(op.name, 0)] = np.asarray(inputs[op.name])
        elif op.type == "Const":
            values[(op.name, 0)] = op.value
        elif op.type == "NetOutput":
            return [values[r] for r in graph.inputs_of(op.name)], values
        else:
            spec = registry.get(op.type)
            args = [None if r is None else values[r] for r in graph.inputs_of(op.name)]
            for k, out in enumerate(registry.run_kernel(spec, args, spec.normalize(op.attrs, op.name))):
                values[(op.name, k)] = out
    raise AssertionError("graph has no NetOutput")


def computed_ops(case: Case, tmp_path):
    """(graph, op, every tensor's value, the op's output values) for each op of the case's graph, run op by op."""
    graph = load_case(case, tmp_path)
    _, values = run_graph(graph, feeds(case))
    for op in graph.topo_order():
        if op.type not in STRUCTURAL:
            yield graph, op, values, [values[(op.name, k)] for k in range(len(op.outputs))]


def onnxruntime_outputs(case: Case, out_dtypes) -> list:
    import onnxruntime as ort
    model = make_model(case, out_dtypes)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds(case))


def infer_op(graph, op, values: dict, known_values: str, dynamic: bool = False) -> list:
    """Run op's infer. known_values: "all" (every input value known), "const" (Const inputs only);
    dynamic: non-Const inputs get all dims -1."""
    spec = registry.get(op.type)
    descs, vals = [], []
    for r in graph.inputs_of(op.name):
        if r is None:
            descs.append(None)
            vals.append(None)
            continue
        v = values[r]
        is_const = graph.op(r[0]).type == "Const"
        shape = tuple(-1 for _ in v.shape) if dynamic and not is_const else tuple(v.shape)
        descs.append(TensorDesc(dtype=from_numpy(v.dtype), shape=shape))
        vals.append(v if known_values == "all" or is_const else None)
    ctx = InferContext(op, descs, vals, spec.normalize(op.attrs, op.name))
    return spec.infer(ctx)


def compatible(inferred, actual: tuple) -> bool:
    if inferred is None:
        return True
    return len(inferred) == len(actual) and all(i in (-1, a) for i, a in zip(inferred, actual))


def propagate(graph, input_shapes: dict) -> dict:
    """Shape inference plus constant folding as the lead's passes will do it (a stand-in for tests):
    {ref: (TensorDesc, value or None)}; Shape of a static-shaped tensor becomes a constant."""
    known = {}
    for op in graph.topo_order():
        if op.type == "NetOutput":
            continue
        if op.type == "Data":
            known[(op.name, 0)] = (op.outputs[0].copy(shape=tuple(input_shapes[op.name])), None)
            continue
        if op.type == "Const":
            known[(op.name, 0)] = (op.outputs[0], op.value)
            continue
        spec = registry.get(op.type)
        attrs = spec.normalize(op.attrs, op.name)
        refs = graph.inputs_of(op.name)
        descs = [None if r is None else known[r][0] for r in refs]
        vals = [None if r is None else known[r][1] for r in refs]
        outs = spec.infer(InferContext(op, descs, vals, attrs))
        args = vals
        if op.type == "Shape" and descs[0].is_static:
            args = [np.zeros(descs[0].shape, np.float32)]
        folded = (registry.run_kernel(spec, args, attrs)
                  if all(a is not None for a, r in zip(args, refs) if r is not None) else [None] * len(outs))
        for k, (d, v) in enumerate(zip(outs, folded)):
            known[(op.name, k)] = (d, v)
    return known


def assert_matches_onnxruntime(case: Case, tmp_path) -> None:
    """Convert one case, run it op by op, and compare every output with onnxruntime (dtype, shape, values)."""
    graph = load_case(case, tmp_path)
    ours, _ = run_graph(graph, feeds(case))
    ref = onnxruntime_outputs(case, [o.dtype for o in ours])
    assert len(ours) == len(ref)
    for got, want in zip(ours, ref):
        assert got.dtype == want.dtype
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=case.atol, rtol=1e-5)
