"""ONNX ModelProto -> ir.Graph: inputs, initializers, nodes through the handler table, outputs."""
from __future__ import annotations

import os
from collections import defaultdict

import onnx

from ...errors import OUTPUT_NODE_NOT_FOUND, UNKNOWN_INPUT, GraphError
from ...framework import Framework
from ...ir import Graph, Op
from ..builder import GraphBuilder
from ..common import report_unsupported
from . import handlers  # noqa: F401  (fills the handler table)
from .reader import attribute_value, load_lazy_model, tensor_to_array
from .registry import TABLE, NodeContext, find_handler
from .schemas import node_schema
from .scope import value_info_desc

MIN_OPSET, MAX_OPSET = 7, 21   # the range we target; older opsets (1-6) are converted best-effort


def _opset(model: onnx.ModelProto) -> int:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    return MIN_OPSET


def unsupported_ops(graph: onnx.GraphProto, opset: int) -> dict:
    """op_type -> list of node names, for every node (also inside subgraphs) without a handler."""
    missing = defaultdict(list)

    def scan(g):
        for n in g.node:
            if n.domain not in ("", "ai.onnx") or find_handler(n.op_type, opset) is None:
                key = n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}::{n.op_type}"
                missing[key].append(n.name or (n.output[0] if n.output else "?"))
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    scan(a.g)
                for sub in a.graphs:
                    scan(sub)

    scan(graph)
    return dict(missing)


class OnnxConverter:
    def __init__(self, model: onnx.ModelProto, base_dir: str | None, input_names_with_shape=(),
                 initializer_raw=()):
        self.model = model
        self.initializer_raw = list(initializer_raw)  # RawSpans of model.graph.initializer (lazy loading)
        self.base_dir = base_dir
        self.opset = _opset(model)
        self.user_inputs = set(input_names_with_shape)

    def convert(self) -> Graph:
        missing = unsupported_ops(self.model.graph, self.opset)
        if missing:
            raise report_unsupported(missing)
        graph = Graph(self.model.graph.name or "graph")
        self.build(self.model.graph, graph, outer=None)
        graph.meta["opset"] = self.opset
        return graph

    def build(self, g: onnx.GraphProto, graph: Graph, outer: dict | None) -> dict:
        """Fill ``graph`` from the top-level GraphProto ``g``; returns the tensor-name -> ref map."""
        b = GraphBuilder(graph)
        refs: dict = {}
        init_names = {t.name for t in g.initializer}
        index = 0
        for vi in g.input:
            if vi.name in init_names and vi.name not in self.user_inputs:
                continue  # old models list initializers as inputs: they are constants
            graph.add_data(vi.name, value_info_desc(vi), index)
            refs[vi.name] = (vi.name, 0)
            index += 1
        out_refs = self.convert_nodes(g, b, refs, self.initializer_raw)
        graph.add(Op(graph.unique_name("NetOutput"), "NetOutput",
                     attrs={"output_names": [vi.name for vi in g.output]}), out_refs)
        return refs

    def convert_nodes(self, g: onnx.GraphProto, b: GraphBuilder, refs: dict, initializer_raw=()) -> list:
        """Add g's initializers and nodes to b's graph, resolving tensor names through ``refs`` (which may
        already hold outer-scope tensors); returns the refs of g's outputs. ``initializer_raw[i]``: where
        the raw_data of ``g.initializer[i]`` lies when the loader left it out (top-level graph only)."""
        for i, t in enumerate(g.initializer):
            if t.name not in refs or refs[t.name][0] == t.name and b.graph.op(t.name).type != "Data":
                raw = initializer_raw[i] if i < len(initializer_raw) else None
                refs[t.name] = b.const(tensor_to_array(t, self.base_dir, raw), t.name, source=t.name)
        for n in g.node:
            inputs = []
            for name in n.input:
                if not name:
                    inputs.append(None)
                elif name in refs:
                    inputs.append(refs[name])
                else:
                    raise GraphError(UNKNOWN_INPUT, f"node '{n.name}' ({n.op_type}) reads tensor '{name}' that no "
                                     "node produces", node=n.name)
            ctx = NodeContext(n, {}, inputs, self.opset, b, self, refs, node_schema(n.op_type, self.opset))
            ctx.check_schema()
            ctx.attrs = {a.name: attribute_value(a, self.base_dir) for a in n.attribute}
            mark = b.graph.mark()
            outs = TABLE.convert(ctx, self.opset)
            self._infer_new_ops(b.graph, mark)
            for name, ref in zip(n.output, outs):
                if name:
                    refs[name] = ref
                    b.graph.desc(ref).name = name
        out_refs = []
        for vi in g.output:
            if vi.name not in refs:
                raise GraphError(OUTPUT_NODE_NOT_FOUND,
                                 f"graph output '{vi.name}' is not produced by any node", node=vi.name)
            out_refs.append(refs[vi.name])
        return out_refs


    @staticmethod
    def _infer_new_ops(graph: Graph, mark: int) -> None:
        """Shapes of the ops a handler just added, so later handlers can read them (e.g. the rank of a Conv
        weight that comes through DequantizeLinear or Reshape). Best effort: the shape-inference pass
        redoes this, with errors reported there."""
        from ...ops.inference import infer_op
        for op in graph.added_since(mark):
            if op.type in ("Data", "Const", "NetOutput"):
                continue
            try:
                infer_op(graph, op, fold=False)
            except Exception:  # noqa: BLE001 - unknown here, known (or reported) after --input_shape
                pass


def load_onnx_graph(path: str, input_names_with_shape=()) -> Graph:
    """Parse an ONNX file into our IR (canonical ops, unknown shapes not yet inferred)."""
    lazy = load_lazy_model(path)
    conv = OnnxConverter(lazy.model, os.path.dirname(os.path.abspath(path)), input_names_with_shape,
                         lazy.initializer_raw)
    graph = conv.convert()
    graph.meta["framework"] = Framework.ONNX
    return graph
