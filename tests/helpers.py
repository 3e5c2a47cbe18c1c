"""Helpers for tests: one-node ONNX models, saving them, converting them through the API, comparing with
onnxruntime; rewriting the ModelDef of an .om (crafted-file tests)."""
from __future__ import annotations

import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

from converter.api import build_graph
from converter.options import ConvertOptions
from converter.runtime import Session


def ir_version_for(opset: int) -> int:
    """An IR version onnxruntime accepts for models of ``opset``."""
    return 8 if opset <= 18 else 10


def one_node_model(op_type: str, inputs, attrs: dict | None = None, *, opset: int = 17, n_out: int = 1,
                   out_dtypes=None, declared: dict | None = None, node_name: str = "node") -> onnx.ModelProto:
    """A model running one ``op_type`` node.

    inputs: the node's inputs in order, each (name, array, is_constant), or None (or a "" name) for an
    absent optional input; a dict name -> array is shorthand for graph inputs only. Constants become
    initializers, the others graph inputs of the array's dtype and shape (``declared`` overrides a shape:
    None dims unknown, None an unknown rank). attrs: numpy arrays become tensor attributes. Outputs are
    y0, y1, ... typed by ``out_dtypes`` (untyped without it).
    """
    if isinstance(inputs, dict):
        inputs = [(name, array, False) for name, array in inputs.items()]
    present = [(n, np.asarray(a), c) for n, a, c in (i for i in inputs if i is not None) if n]
    declared = declared or {}
    graph_inputs = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype),
                                                  declared.get(n, a.shape)) for n, a, c in present if not c]
    inits = [numpy_helper.from_array(a, n) for n, a, c in present if c]
    attrs = {k: numpy_helper.from_array(v) if isinstance(v, np.ndarray) else v for k, v in (attrs or {}).items()}
    outs = [f"y{k}" for k in range(n_out)]
    node = helper.make_node(op_type, [i[0] if i else "" for i in inputs], outs, name=node_name, **attrs)
    out_infos = [helper.make_empty_tensor_value_info(o) if out_dtypes is None else
                 helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(np.dtype(out_dtypes[k])), None)
                 for k, o in enumerate(outs)]
    graph = helper.make_graph([node], "g", graph_inputs, out_infos, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version_for(opset)
    return model


def save(model: onnx.ModelProto, folder, name: str = "m.onnx") -> str:
    path = os.path.join(str(folder), name)
    onnx.save(model, path)
    return path


def options(path: str, **kw) -> ConvertOptions:
    kw.setdefault("framework", 5)
    return ConvertOptions(model=path, **kw)


def ort_run(path: str, feeds: dict) -> list:
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def assert_close_rel(ours: np.ndarray, ref: np.ndarray, max_rel: float = 1e-4, atol: float = 1e-6) -> None:
    """Max relative error (|a-b| / max(|b|, atol)) below max_rel, shapes equal."""
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    err = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
    rel = err / np.maximum(np.abs(ref.astype(np.float64)), atol)
    assert float(rel.max(initial=0)) <= max_rel, f"max rel err {rel.max():.3g}, max abs err {err.max():.3g}"


def convert_and_run(path: str, feeds: dict, **kw) -> dict:
    graph = build_graph(options(path, **kw))
    return Session(graph).run(feeds)


def rewrite_om(path, mutate) -> None:
    """Rewrite the .om at ``path`` with ``mutate(model_def)`` applied to its ModelDef (weights kept)."""
    from converter.om.container import OmHeader, PartitionSource, PartitionType, write_om_file
    from converter.om.reader import read_om
    from converter.proto import ge_ir_pb2 as ge
    om = read_om(str(path))
    model = ge.ModelDef()
    model.CopyFrom(om.model_def)
    weights = bytes(om.weights)
    mutate(model)
    data = model.SerializeToString()
    write_om_file(path, OmHeader(name=om.header.name, om_ir_version=om.header.om_ir_version),
                  [PartitionSource(PartitionType.MODEL_DEF, len(data), [data]),
                   PartitionSource(PartitionType.WEIGHTS_DATA, len(weights), [weights])])


def ops_by_name(model) -> dict:
    return {op.name: op for g in model.graph for op in g.op}


def save_graph_model(folder, nodes, inputs=(), inits=(), outputs=("y",), *, opset: int = 17, name: str = "m.onnx",
                     graph_name: str = "g") -> str:
    """Save a one-graph ONNX model (``outputs``: names of untyped outputs, or ValueInfoProtos); returns its path."""
    outs = [helper.make_empty_tensor_value_info(o) if isinstance(o, str) else o for o in outputs]
    g = helper.make_graph(list(nodes), graph_name, list(inputs), outs, list(inits))
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version_for(opset)
    return save(model, folder, name)


def weight_bytes(om_path) -> int:
    """Bytes of the Const weights of an .om (its WEIGHTS_DATA partition also holds their 512-byte alignment)."""
    from converter.om.reader import read_om
    model = read_om(om_path).model_def
    return sum(op.attr["value"].t.desc.weight_size for g in model.graph for op in g.op if op.type == "Const")


def record_parts(monkeypatch, module) -> list:
    """Wrap ``module.in_parallel`` so that every call also records how many parts it was given; returns the list
    the counts go into (the calls still run)."""
    counts: list = []
    real = module.in_parallel
    monkeypatch.setattr(module, "in_parallel", lambda fn, items: (counts.append(len(items)), real(fn, items))[1])
    return counts
