"""Export an .om offline model (or an IR graph) to ONNX: ``export_onnx("m.om", "m.onnx")``.

The model's graph is read into the IR of canonical ops and each op is written as ONNX nodes (default
domain, opset 21; 23 or 26 when the model holds ops that only exist there: Attention, RotaryEmbedding,
CumProd). Tensors are written in their plain layouts (NC1HWC0 boundary descriptors become their
NCHW/NHWC origin), fp16 models keep their fp16 rounding (see graph.py), If/Loop bodies become ONNX
subgraphs and sequence values ONNX sequences. Ops that cannot be written are listed at once with
E11009; nothing is written then. The file is written atomically (temporary file + rename).
"""
from __future__ import annotations

import os
from collections import Counter

import onnx
from onnx import helper

from .. import __version__
from ..errors import EMPTY_REQUIRED_OPTION, FILE_WRITE_FAILED, INTERNAL_ERROR, UNSUPPORTED_OP, ConverterError
from ..ir import Graph
from . import ops  # noqa: F401  (registers the emitters)
from .builder import OnnxGraph, value_type
from .graph import STRUCTURAL, GraphExporter, ModelState
from .registry import BASE_OPSET, EMITTERS, MIN_OPSET

MAX_LISTED = 20


def _op_types(graph: Graph) -> Counter:
    """How many ops of each type the graph and its bodies hold."""
    counts = Counter()
    for op in graph.ops():
        counts[op.type] += 1
        for sub in op.subgraphs.values():
            counts.update(_op_types(sub))
    return counts


def _check_types(counts: Counter) -> None:
    missing = sorted(t for t in counts if t not in EMITTERS and t not in STRUCTURAL)
    if missing:
        listed = ", ".join(f"{t} ({counts[t]})" for t in missing)
        raise ConverterError(UNSUPPORTED_OP, f"cannot export to ONNX: no ONNX form for op type(s): {listed}")


def _refusals(state: ModelState) -> ConverterError:
    lines = [f"{name} ({op_type}): {why}" for name, op_type, why in state.refused[:MAX_LISTED]]
    more = len(state.refused) - MAX_LISTED
    tail = f"; and {more} more" if more > 0 else ""
    return ConverterError(UNSUPPORTED_OP, f"cannot export to ONNX: {len(state.refused)} op(s) have no ONNX form: "
                          + "; ".join(lines) + tail, node=state.refused[0][0])


def graph_to_onnx(graph: Graph, model_name: str | None = None, check: bool = True) -> onnx.ModelProto:
    """The ONNX model of an IR graph of canonical ops (E11009 listing every op that cannot be written),
    checked by onnx.checker unless ``check`` is False."""
    counts = _op_types(graph)
    _check_types(counts)
    state = ModelState()
    og = OnnxGraph(state.names, model_name or graph.name or "model")
    main = GraphExporter(state, graph, og)
    for op in graph.data_ops():
        name = state.names.take(op.name)
        value = main.bind((op.name, 0), name, op.outputs[0])
        og.add_input(name, value_type(value.desc.dtype, value.desc.shape, value.elem, f"input '{name}'"))
    pairs = [(r, n) for r, n in zip([r for r in graph.output_refs() if r is not None], graph.output_names())]
    taken = main.reserve_outputs([n for _, n in pairs], [r for r, _ in pairs])
    main.export_ops()
    if state.refused:
        raise _refusals(state)
    main.finish_outputs(taken)
    opset = max([BASE_OPSET] + [MIN_OPSET[t] for t in counts if t in MIN_OPSET] + list(state.opset_needs))
    model = helper.make_model(og.to_proto(), opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="om-converter", producer_version=__version__)
    model.ir_version = helper.find_min_ir_version_for(list(model.opset_import))
    _fill_unknown_output_shapes(model)
    if check:
        check_onnx(serialize(model))
    return model


def check_onnx(data: bytes) -> None:
    """onnx.checker on a serialized model (a failure is a bug of ours, not of the input)."""
    try:
        onnx.checker.check_model(data)
    except onnx.checker.ValidationError as exc:
        raise ConverterError(INTERNAL_ERROR, f"the exported ONNX model does not pass onnx.checker: {exc}") from None


def serialize(model: onnx.ModelProto) -> bytes:
    try:
        return model.SerializeToString()
    except ValueError as exc:  # protobuf refuses messages over 2 GiB
        raise ConverterError(FILE_WRITE_FAILED,
                             f"cannot serialize the ONNX model: {exc} (models over 2 GiB need external "
                             "data, which the exporter does not write)") from None


def _fill_unknown_output_shapes(model: onnx.ModelProto) -> None:
    """onnx.checker wants a shape on every main-graph tensor output: those our shape inference left at unknown
    rank (after sequence ops, say) take the one ONNX shape inference finds."""
    unknown = [o.name for o in model.graph.output
               if o.type.HasField("tensor_type") and not o.type.tensor_type.HasField("shape")]
    if not unknown:
        return
    inferred = {o.name: o for o in onnx.shape_inference.infer_shapes(model).graph.output}
    for out in model.graph.output:
        if out.name in unknown:
            found = inferred.get(out.name)
            if found is None or not found.type.tensor_type.HasField("shape"):
                raise ConverterError(UNSUPPORTED_OP,
                                     f"cannot export to ONNX: the rank of output '{out.name}' is unknown "
                                     "(ONNX graph outputs need one); fix the input shapes with --input_shape")
            out.type.CopyFrom(found.type)


def load_om_graph(path: str, source=None) -> Graph:
    """The IR graph of an .om file as the runtime sees it (external weights resolved; compiled ATC/GE files
    lowered to canonical ops, with ``source``, the framework model, for what compilation did not keep)."""
    from ..ascend.loading import load_om_graph as load
    from ..fileio import require_file
    return load(require_file(path, "the .om to export"), source)


def export_onnx(om_path: str, onnx_path: str, source=None) -> str:
    """Export the .om at ``om_path`` to ONNX at ``onnx_path``; returns onnx_path."""
    if not onnx_path:
        raise ConverterError(EMPTY_REQUIRED_OPTION,
                             "--onnx is required (the path of the ONNX file to write)", option="--onnx")
    graph = load_om_graph(om_path, source)
    name = os.path.splitext(os.path.basename(om_path))[0]
    model = graph_to_onnx(graph, graph.name or name, check=False)
    helper.set_model_props(model, {"source": os.path.basename(om_path),
                                   **{k: str(v) for k, v in graph.meta.get("model_attrs", {}).items()
                                      if k in ("atc_cmdline", "atc_version", "soc_version") and v}})
    data = serialize(model)
    check_onnx(data)
    from ..fileio import write_bytes_atomic
    return write_bytes_atomic(onnx_path, data, option="--onnx")


__all__ = ["export_onnx", "graph_to_onnx", "load_om_graph"]
