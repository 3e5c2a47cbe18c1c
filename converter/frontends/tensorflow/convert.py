"""TF GraphDef -> ir.Graph: output selection, reachability, the all-at-once unsupported-op scan,
Placeholders as Data ops, nodes through the handler table in dependency order, and NetOutput."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from ...errors import (DUPLICATE_NAME, MODEL_LOAD_FAILED, OUTPUT_INDEX_NOT_FOUND, OUTPUT_NODE_NOT_FOUND, UNKNOWN_INPUT,
                      GraphError)
from ...framework import Framework
from ...ir import Graph, Op, TensorDesc
from ..builder import GraphBuilder
from ..common import report_unsupported
from . import handlers  # noqa: F401  (fills the handler table)
from .dilated_conv import fold_dilated_convs
from .functionalize import CONTROL_FLOW_OPS, functionalize, leftover_control_flow, needs_functionalize
from .functions import function_as_graphdef, inline_function_calls, library_functions
from .names import is_control_input, split_tensor_name, tensor_name
from .reader import load_graphdef, node_attrs, to_data_type
from .registry import TABLE, NodeContext, find_handler
from .shapes import ShapeTracker

INPUT_OPS = ("Placeholder", "PlaceholderWithDefault")
# Node types that are never a model output by themselves when the user names none.
_NOT_OUTPUTS = {"NoOp", "Const", "Placeholder", "PlaceholderWithDefault", "Assert", "VarHandleOp", "VariableV2",
                "SaveV2", "RestoreV2"}
NOT_FROZEN_ADVICE = ("The graph still holds variables: freeze it first (TF2: convert_variables_to_constants_v2 on a "
                     "concrete function; TF1: graph_util.convert_variables_to_constants).")
VARIABLE_OPS = ("VariableV2", "Variable", "VarHandleOp", "ReadVariableOp", "Assign", "AssignVariableOp")
FUNCTION_CALL_ADVICE = ("The graph calls functions that are not inlined: freeze it with "
                        "convert_variables_to_constants_v2, which inlines them.")
FUNCTION_CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")
ADVICE = {**{op: NOT_FROZEN_ADVICE for op in VARIABLE_OPS}, **{op: FUNCTION_CALL_ADVICE for op in FUNCTION_CALL_OPS}}
# Nodes that only check or print values (reached through control edges): dropped with a note, their inputs not
# needed.
CHECK_ONLY_OPS = ("Assert", "PrintV2")
CHECK_NOTES = {"Assert": "assertions are not evaluated at inference",
               "PrintV2": "nothing is printed at inference",
               "CheckNumerics": "their input passes through unchecked (no NaN/Inf check at inference)"}


def is_supported(op_type: str) -> bool:
    """A handler converts it, or it is TF1 control flow (functionalized into If/While before conversion)."""
    return find_handler(op_type) is not None or op_type in CONTROL_FLOW_OPS


def _input_format(rank) -> str:
    """The layout recorded on a Placeholder output before --input_format is applied (TF's NHWC)."""
    if rank is None or rank == 4:
        return "NHWC"
    return "NDHWC" if rank == 5 else "ND"


class TfConverter:
    """One conversion: the GraphDef's nodes by name, the graph being built and the refs of each
    converted node output ((node, index) -> Ref)."""

    def __init__(self, graphdef, input_shapes: dict | None = None, out_nodes=None, functions: dict | None = None,
                 all_inputs: bool = False, arguments: dict | None = None):
        """all_inputs: every Placeholder is an input, used or not (function bodies: one per argument).
        arguments: Placeholder name -> what a function body knows of that argument: a TensorDesc (dtype and
        shape of the tensor passed in) or an ndarray (a constant, which becomes a Const in the body)."""
        self.functions = library_functions(graphdef) if functions is None else functions
        self.all_inputs = all_inputs
        self.arguments = dict(arguments or {})
        inline_function_calls(graphdef, self.functions)
        self.graphdef = graphdef
        self._index_nodes()
        self.notes: list = []       # what the user should know (dropped Assert nodes, ...)
        self.input_names = {split_tensor_name(k)[0] for k in (input_shapes or {})}
        self.requested = [self._output_spec(o) for o in (out_nodes or ())]
        self.graph = Graph("graph")
        self.builder = GraphBuilder(self.graph)
        self.tracker = ShapeTracker(self.graph, input_shapes)
        self.refs: dict = {}        # (node name, output index) -> Ref
        self.output_node_names: set = set()

    def _index_nodes(self) -> None:
        self.nodes = {}
        for n in self.graphdef.node:
            if n.name in self.nodes:
                raise GraphError(DUPLICATE_NAME, f"the GraphDef has two nodes named '{n.name}'", node=n.name)
            self.nodes[n.name] = n

    # ---- names ----------------------------------------------------------------------------------
    def aux_name(self, base: str) -> str:
        """A fresh op name that clashes neither with the graph nor with any TF node name."""
        name, i = base, 1
        while name in self.graph or name in self.nodes:
            name = f"{base}_{i}"
            i += 1
        return name

    @staticmethod
    def _output_spec(item) -> tuple:
        if isinstance(item, (tuple, list)):
            if len(item) > 1 and item[1] is not None:
                return str(item[0]), int(item[1])
            item = item[0]
        name = str(item)
        head, _, tail = name.rpartition(":")
        return (head, int(tail)) if head and tail.isdigit() else (name, None)

    def partial_constant(self, tensor: str, length: int) -> list:
        """Entries of a 1-D int tensor that are known constants (None where not): a Const, or a Pack
        of scalars some of which are constants (how Keras builds output shapes with a dynamic batch)."""
        name, index = split_tensor_name(tensor)
        value = self._known_value(self.refs.get((name, index)))
        if value is not None:
            return [int(v) for v in np.asarray(value).reshape(-1)]
        node = self.nodes[name]
        if node.op == "Pack":
            parts = [self._known_value(self.refs.get(src)) for src in self.data_inputs(node)]
            return [None if p is None or np.asarray(p).size != 1 else int(np.asarray(p).reshape(-1)[0]) for p in parts]
        return [None] * length

    def _known_value(self, ref):
        if ref is None:
            return None
        value = self.graph.const_value(ref)
        return value if value is not None else self.tracker.value(ref)

    def convert_function(self, function, name: str, arguments: list | None = None) -> "TfConverter":
        """A library function's body as a graph of its own (the returned converter's ``graph``): its results
        are the outputs, and each argument is a Data op (in argument order) or, when ``arguments[k]`` is an
        ndarray, a Const holding it; a TensorDesc there gives the argument's dtype and shape (If branches,
        While condition and body)."""
        graphdef, results = function_as_graphdef(function)
        placeholders = [f"__arg_{arg.name}" for arg in function.signature.input_arg]
        known = {p: a for p, a in zip(placeholders, arguments or ()) if a is not None}
        sub = TfConverter(graphdef, {}, results, self.functions, all_inputs=True, arguments=known)
        sub.convert()
        sub.graph.name = name
        return sub

    def data_inputs(self, node) -> list:
        return [split_tensor_name(s) for s in node.input if not is_control_input(s)]

    def is_input(self, node) -> bool:
        """A Placeholder is a model input; a PlaceholderWithDefault only when --input_shape names it (or in a
        function body, where every placeholder is an argument): otherwise it is its default value."""
        if node.op == "PlaceholderWithDefault":
            return node.name in self.input_names or self.all_inputs
        return node.op in INPUT_OPS

    # ---- structure ------------------------------------------------------------------------------
    def output_nodes(self) -> list:
        """(node, index or None) pairs: the requested ones ("node" alone means output 0), else every node
        whose outputs nobody reads (index None: all its outputs)."""
        if self.requested:
            for name, _ in self.requested:
                if name not in self.nodes:
                    raise GraphError(OUTPUT_NODE_NOT_FOUND,
                                     f"--out_nodes names '{name}', which is not a node of the graph",
                                     node=name)
            return [(name, 0 if index is None else index) for name, index in self.requested]
        used = {src for n in self.graphdef.node for src, _ in self.data_inputs(n)}
        return [(n.name, None) for n in self.graphdef.node
                if n.name not in used and n.op not in _NOT_OUTPUTS and not self._reads_only_constants(n)
                and not self._is_control_flow_part(n)]

    def _is_control_flow_part(self, node) -> bool:
        """TF1 control-flow plumbing nobody reads (a Switch, a pivot Identity of one, an Enter, ...) is not an
        output; an Exit or a Merge is (the result of a loop or a conditional)."""
        if node.op in CONTROL_FLOW_OPS:
            return node.op not in ("Exit", "RefExit", "Merge", "RefMerge")
        inputs = self.data_inputs(node)
        return node.op == "Identity" and len(inputs) == 1 and inputs[0][0] in self.nodes and \
            self.nodes[inputs[0][0]].op in ("Switch", "RefSwitch")

    def _reads_only_constants(self, node) -> bool:
        """An Identity chain ending at a Const (e.g. a frozen ReadVariableOp nobody reads): not a model output."""
        seen = 0
        while node.op in ("Identity", "Snapshot") and seen < 64:
            inputs = self.data_inputs(node)
            if len(inputs) != 1 or inputs[0][0] not in self.nodes:
                return False
            node, seen = self.nodes[inputs[0][0]], seen + 1
        return seen > 0 and node.op == "Const"

    def reachable(self, outputs) -> list:
        """Nodes the outputs depend on through data edges, in dependency order (inputs first)."""
        order, state = [], {}
        for root, _ in outputs:
            stack = [(root, False)]
            while stack:
                name, done = stack.pop()
                if done:
                    state[name] = 2
                    order.append(self.nodes[name])
                    continue
                if state.get(name):
                    continue
                state[name] = 1
                node = self.nodes.get(name)
                if node is None:
                    raise GraphError(UNKNOWN_INPUT, f"a node reads tensor '{name}', which no node produces", node=name)
                stack.append((name, True))
                if self.is_input(node):
                    continue  # an input: its default value (PlaceholderWithDefault) is not followed
                for src, _ in reversed(self.data_inputs(node)):
                    if src not in self.nodes:
                        raise GraphError(UNKNOWN_INPUT, f"node '{name}' ({node.op}) reads '{src}', which no node "
                                         "produces", node=name)
                    if not state.get(src):
                        stack.append((src, False))
        return order

    def dependencies(self, outputs) -> list:
        """Every node the outputs depend on through data or control edges (control edges place nodes in the
        branches of TF1 conditionals), in file order; the inputs of check-only nodes (Assert) are not needed, a
        PlaceholderWithDefault's default value is (it is converted when the input is not fed)."""
        seen, stack = set(), [root for root, _ in outputs]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            node = self.nodes.get(name)
            if node is None:
                raise GraphError(UNKNOWN_INPUT, f"a node reads tensor '{name}', which no node produces", node=name)
            seen.add(name)
            if node.op in CHECK_ONLY_OPS:
                continue
            for src in node.input:
                if is_control_input(src) and src[1:] not in self.nodes:
                    continue                    # a control edge to a node the file lacks orders nothing
                src = split_tensor_name(src)[0]
                if src not in self.nodes:
                    raise GraphError(UNKNOWN_INPUT, f"node '{name}' ({node.op}) reads '{src}', which no node "
                                     "produces", node=name)
                stack.append(src)
        return [n for n in self.graphdef.node if n.name in seen]

    def check_supported(self, nodes) -> None:
        missing = defaultdict(list)
        for n in nodes:
            if not is_supported(n.op):
                missing[n.op].append(n.name)
        if missing:
            raise report_unsupported(dict(missing), "TensorFlow", ADVICE)

    def note_checks(self, nodes) -> None:
        """A note per kind of check-only node that the conversion drops (Assert, CheckNumerics)."""
        for op_type, what in CHECK_NOTES.items():
            names = [n.name for n in nodes if n.op == op_type]
            if names:
                example = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
                self.notes.append(f"{len(names)} TensorFlow {op_type} node(s) dropped (e.g. {example}): {what}")

    def functionalize(self, needed) -> None:
        """TF1 control flow -> If/While nodes (only what the outputs need is kept), then Ifs whose predicate
        is a constant are replaced by their taken branch."""
        keep = {n.name for n in needed if n.op not in CHECK_ONLY_OPS}
        keep |= {n.name for n in self.graphdef.node if n.op in INPUT_OPS}
        functionalize(self.graphdef, self.functions, keep)
        inline_function_calls(self.graphdef, self.functions)
        self._index_nodes()

    # ---- building -------------------------------------------------------------------------------
    def add_inputs(self, nodes) -> None:
        """Data ops for the Placeholders the outputs need (plus those --input_shape names), in file order."""
        needed = {n.name for n in nodes if self.is_input(n)} | self.input_names
        index = 0
        for n in self.graphdef.node:
            if n.op not in INPUT_OPS or (n.name not in needed and not self.all_inputs):
                continue
            known = self.arguments.get(n.name)
            if isinstance(known, np.ndarray):
                self.graph.add_const(n.name, known, source=n.name)
                self.refs[(n.name, 0)] = (n.name, 0)
                continue
            if isinstance(known, TensorDesc):
                shape = known.shape
                desc = known.copy(name=tensor_name(n.name), format=_input_format(None if shape is None else len(shape)),
                                  origin_shape=shape, origin_dtype=known.dtype)
                desc.origin_format = desc.format
                self.graph.add_data(n.name, desc, index)
                self.refs[(n.name, 0)] = (n.name, 0)
                index += 1
                continue
            attrs = node_attrs(n)
            shape = attrs.get("shape")
            if shape is None and attrs.get("_output_shapes"):   # old graphs record the shape only here
                shape = attrs["_output_shapes"][0]
            if shape is not None and not (isinstance(shape, (tuple, list)) and all(isinstance(d, int) for d in shape)):
                raise GraphError(MODEL_LOAD_FAILED, f"Placeholder '{n.name}': its shape attribute holds "
                                 f"{type(shape).__name__} {str(shape)[:40]!r}, not a shape", node=n.name)
            shape = None if shape is None else tuple(shape)
            dtype = to_data_type(n.attr["dtype"].type, n.name) if "dtype" in n.attr else 1
            fmt = _input_format(None if shape is None else len(shape))
            desc = TensorDesc(dtype=dtype, shape=shape, format=fmt, origin_format=fmt, origin_shape=shape,
                              origin_dtype=dtype, name=tensor_name(n.name))
            self.graph.add_data(n.name, desc, index)
            self.refs[(n.name, 0)] = (n.name, 0)
            index += 1

    def convert_node(self, node) -> None:
        if (node.name, 0) in self.refs and node.op in INPUT_OPS:
            return
        inputs = []
        for src, idx in self.data_inputs(node):
            if (src, idx) not in self.refs:
                raise GraphError(UNKNOWN_INPUT, f"node '{node.name}' ({node.op}) reads output {idx} of '{src}', which "
                                 "that node does not have", node=node.name)
            inputs.append(self.refs[(src, idx)])
        ctx = NodeContext(node, node_attrs(node), inputs, self.builder, self)
        ctx.check_attrs()
        outs = TABLE.convert(ctx)
        for i, ref in enumerate(outs):
            self.refs[(node.name, i)] = ref
            desc = self.graph.desc(ref)
            if desc.name is None and self.graph.op(ref[0]).source == node.name:
                desc.name = tensor_name(node.name, i)

    def add_net_output(self, outputs) -> None:
        refs, names = [], []
        for name, index in outputs:
            indices = [index] if index is not None else \
                sorted(i for (n, i) in self.refs if n == name) or [0]
            for i in indices:
                if (name, i) not in self.refs:
                    raise GraphError(OUTPUT_INDEX_NOT_FOUND,
                                     f"--out_nodes asks for output {i} of '{name}', which has no such "
                                     "output", node=name)
                refs.append(self.refs[(name, i)])
                names.append(tensor_name(name, i))
        self.graph.add(Op(self.aux_name("NetOutput"), "NetOutput", attrs={"output_names": names}), refs)

    def convert(self) -> Graph:
        outputs = self.output_nodes()
        if not outputs:
            raise GraphError(OUTPUT_NODE_NOT_FOUND, "the graph has no output node; name the outputs with --out_nodes")
        self.output_node_names = {name for name, _ in outputs}
        needed = self.dependencies(outputs)
        self.check_supported(needed)
        self.note_checks(needed)
        if needs_functionalize(needed):
            self.functionalize(needed)
        nodes = self.reachable(outputs)
        leftover_control_flow(nodes)
        self.add_inputs(nodes)
        for node in nodes:
            self.convert_node(node)
        self.add_net_output(outputs)
        fold_dilated_convs(self.graph)
        return self.graph


def supported_op_types() -> list:
    """The TF op types the frontend converts (for `omtool ops` and docs), TF1 control flow included."""
    return sorted(set(TABLE.types()) | set(CONTROL_FLOW_OPS))


def load_tf_graph(path: str, input_shapes: dict | None = None, out_nodes=None) -> Graph:
    """Parse a frozen GraphDef into our IR (canonical ops; shapes not yet inferred).

    input_shapes: --input_shape as {name: dims}; names may be "node" or "node:0". Placeholders
    named there become inputs even if no output needs them. out_nodes: "node:k" / "node" strings or
    (name, index or None) pairs; by default every node whose outputs nobody reads is an output.
    """
    converter = TfConverter(load_graphdef(path), input_shapes, out_nodes)
    graph = converter.convert()
    graph.meta["framework"] = Framework.TENSORFLOW
    if converter.notes:
        graph.meta["frontend_warnings"] = list(converter.notes)
    return graph
