"""ONNX ModelProto -> ir.Graph: inputs, initializers, nodes through the handler table, outputs."""
from __future__ import annotations

import os
from collections import defaultdict

from ...errors import (DUPLICATE_NAME, MODEL_LOAD_FAILED, OUTPUT_NODE_NOT_FOUND, UNKNOWN_INPUT, UNSUPPORTED_OP,
                      GraphError, ModelLoadError, UnsupportedOpError)
from ...framework import Framework
from ...ir import Graph, Op
from ...proto import onnx_pb2 as onnx
from ..builder import GraphBuilder
from ..common import report_unsupported
from . import handlers  # noqa: F401  (fills the handler table)
from .reader import (NO_GE_TYPE, attribute_value, is_known_type, load_lazy_model, onnx_type_name,
                     tensor_to_array)
from .registry import TABLE, NodeAttrs, NodeContext, find_handler
from .schemas import newest_opset, node_schema
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


TYPE_ATTRS = ("to", "dtype", "output_dtype")  # int attributes that hold a TensorProto type


def _value_types(t):
    """The element types in a TypeProto (tensors, and tensors inside sequences/optionals/maps)."""
    kind = t.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        yield getattr(t, kind).elem_type
    elif kind in ("sequence_type", "optional_type"):
        yield from _value_types(getattr(t, kind).elem_type)
    elif kind == "map_type":
        yield t.map_type.key_type
        yield from _value_types(t.map_type.value_type)


def unsupported_types(graph: onnx.GraphProto) -> dict:
    """type name -> the tensors (or 'node: attribute') of that type, for every type we cannot compute with."""
    found = defaultdict(list)

    def note(t: int, where: str):
        if t and not is_known_type(t) and where not in found[onnx_type_name(t)]:
            found[onnx_type_name(t)].append(where)

    def scan(g):
        for vi in list(g.input) + list(g.output) + list(g.value_info):
            for t in _value_types(vi.type):
                note(t, f"'{vi.name}'")
        for init in g.initializer:
            note(init.data_type, f"'{init.name}'")
        for n in g.node:
            label = next((o for o in n.output if o), n.name or n.op_type)  # the tensor the attribute types
            for a in n.attribute:
                if a.type == onnx.AttributeProto.INT and a.name in TYPE_ATTRS:
                    note(a.i, f"'{label}' ({n.op_type} {a.name})")
                elif a.type == onnx.AttributeProto.TENSOR:
                    note(a.t.data_type, f"'{label}' ({n.op_type} {a.name})")
                for t in a.tensors:
                    note(t.data_type, f"'{label}' ({n.op_type} {a.name})")
                if a.type == onnx.AttributeProto.GRAPH:
                    scan(a.g)
                for sub in a.graphs:
                    scan(sub)

    scan(graph)
    return {k: v for k, v in found.items() if v}


def report_unsupported_types(found: dict) -> ModelLoadError:
    parts = []
    for name, where in sorted(found.items()):
        shown = ", ".join(where[:8]) + (f" and {len(where) - 8} more" if len(where) > 8 else "")
        why = "GE has no data type for it" if name in NO_GE_TYPE.values() else "not supported"
        parts.append(f"{name} ({why}): {shown}")
    return ModelLoadError(MODEL_LOAD_FAILED, "ONNX tensor types this converter cannot represent in an offline model: "
                          + "; ".join(parts) + ". Convert those tensors to another type in the source model")


class OnnxConverter:
    def __init__(self, model: onnx.ModelProto, base_dir: str | None, input_names_with_shape=(),
                 initializer_raw=()):
        self.model = model
        self.initializer_raw = list(initializer_raw)  # RawSpans of model.graph.initializer (lazy loading)
        self.base_dir = base_dir
        self.opset = _opset(model)
        self.user_inputs = set(input_names_with_shape)

    def convert(self) -> Graph:
        if self.opset > newest_opset():
            raise UnsupportedOpError(UNSUPPORTED_OP, f"the model imports ONNX opset {self.opset}; the newest opset "
                                     f"this converter knows is {newest_opset()}, and ops may mean something else in "
                                     f"a newer one: export the model with opset {newest_opset()} or lower")
        types = unsupported_types(self.model.graph)
        if types:
            raise report_unsupported_types(types)
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
        check_single_assignment(g)
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
            ctx.attrs = NodeAttrs({a.name: attribute_value(a, self.base_dir) for a in n.attribute})
            mark = b.graph.mark()
            outs = TABLE.convert(ctx, self.opset)
            ctx.check_attrs_read()
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


def check_single_assignment(g: onnx.GraphProto) -> None:
    """E13009 when a tensor name of ``g`` is defined twice: two node outputs, a node output that is also a
    graph input or initializer, two initializers or two graph inputs (ONNX graphs are in single static
    assignment form; the onnx checker refuses such a model, and converting it would silently pick one).
    A graph input and an initializer may share a name (the initializer is its default value)."""
    defined: dict = {}

    def define(name: str, what: str) -> None:
        if name in defined:
            raise GraphError(DUPLICATE_NAME, f"tensor '{name}' is defined twice in graph '{g.name}': as {defined[name]} "
                             f"and as {what}; an ONNX graph defines each tensor once (the onnx checker refuses "
                             "this model)", node=name)
        defined[name] = what

    for vi in g.input:
        define(vi.name, "a graph input")
    inputs = set(defined)
    for t in g.initializer:
        if t.name not in inputs:
            define(t.name, "an initializer")
    for n in g.node:
        for name in n.output:
            if name:
                define(name, f"an output of node '{n.name}' ({n.op_type})")


def load_onnx_graph(path: str, input_names_with_shape=()) -> Graph:
    """Parse an ONNX file into our IR (canonical ops, unknown shapes not yet inferred)."""
    lazy = load_lazy_model(path)
    conv = OnnxConverter(lazy.model, os.path.dirname(os.path.abspath(path)), input_names_with_shape,
                         lazy.initializer_raw)
    graph = conv.convert()
    graph.meta["framework"] = Framework.ONNX
    return graph
