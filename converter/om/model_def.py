"""IR Graph <-> ge.proto ModelDef: ops, edges, descriptors, subgraphs and Const weights.

Writing: graph[0] is the main graph, op subgraphs follow as extra GraphDefs (named by
OpDef.subgraph_name). Const values go to WEIGHTS_DATA and their ``value`` TensorDef points at them with
data_offset/weight_size. The weights are laid out as GE lays them (ge/graph/build/model_builder.cc: the
first at kWeightsStartOffset = 512, each next one at the following multiple of MEM_ALIGN_SIZE = 512, the
partition rounded up to 512); the writer then shifts them all by one lead so that each also starts at a
multiple of 512 in the file, for the runtime to use them in place from a memory map. Reading accepts our
files and real ATC/GE/HiAI ones (unknown op types keep raw attribute values).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import __version__
from .. import ops as op_registry
from ..errors import INVALID_OM_FILE, UNSUPPORTED_OP, ConverterError, GraphError, OmFormatError
from ..ir import Graph, Op, TensorDesc, from_numpy
from ..ir.dtypes import is_ml_dtype, to_bytes
from ..ops.registry import coerce
from ..proto import ge_ir_pb2 as ge
from .attrs import desc_from_proto, desc_to_proto, from_attr, tensor_from_proto, to_attr

# internal op attrs that carry IR facts protobuf has no field for
ATTR_INPUT_INDEX = "_input_index"        # real input positions when optional inputs are absent
ATTR_SOURCE_NODE = "_source_node"        # Op.source
ATTR_SUBGRAPH_KEYS = "_subgraph_attrs"   # Op.subgraphs keys, in subgraph_name order
ATTR_CONTROL_INPUTS = "_control_inputs"  # control-edge producers read from real files
ATTR_UNRESOLVED_INPUTS = "_unresolved_inputs"  # inputs naming an op the graph lacks (refused by graph_check)
CONST_VALUE = "value"
WRITER = "om-converter"                  # atc_version of our files starts with it (real ATC/GE files differ)
CONTROL_INDEX = -1
WEIGHT_ALIGN = 512          # GE's MEM_ALIGN_SIZE: every weight starts at a multiple of it
WEIGHTS_START = 512         # GE's kWeightsStartOffset: where the first weight goes


def _align(offset: int) -> int:
    return -(-offset // WEIGHT_ALIGN) * WEIGHT_ALIGN


@dataclass
class ModelDefBuild:
    """What the writer needs besides the ModelDef: the weight arrays with their offsets in WEIGHTS_DATA.

    ``shift_weights(lead)`` moves every weight ``lead`` bytes further (the writer's file alignment); the
    serialized size of the ModelDef does not change, because every offset and size it touches is at least
    WEIGHTS_START and stays inside its block of WEIGHT_ALIGN bytes, so no varint grows or shrinks.
    """

    model_def: ge.ModelDef
    placed: list = field(default_factory=list)   # (TensorDescriptor, array, offset) in offset order
    weights_size: int = 0
    lead: int = 0

    @property
    def weights(self):
        """The chunks of WEIGHTS_DATA: zero padding and weight arrays, weights_size bytes in all. An iterator:
        each padding is made as the writer reaches it (a list of them would hold up to 511 bytes per weight)."""
        at = 0
        for _, value, offset in self.placed:
            if offset > at:
                yield bytes(offset - at)
            yield value
            at = offset + value.nbytes
        if self.weights_size > at:
            yield bytes(self.weights_size - at)

    def shift_weights(self, lead: int) -> None:
        """Put every weight ``lead`` bytes (0 <= lead < WEIGHT_ALIGN) after its GE position."""
        delta = lead - self.lead
        if not delta or not self.placed:
            return
        self.placed = [(desc, value, offset + delta) for desc, value, offset in self.placed]
        for desc, _, offset in self.placed:
            desc.data_offset = offset
        self.weights_size += delta
        self.lead = lead
        _set_weight_size(self.model_def, self.weights_size)


# ---- Graph -> ModelDef ------------------------------------------------------------------------

def _store_attr(op: Op, key: str, odef: ge.OpDef) -> None:
    try:
        to_attr(op.attrs[key], odef.attr[key])
    except ConverterError as exc:
        raise GraphError(exc.code, f"op '{op.name}' ({op.type}), attribute '{key}': {exc.message}",
                         node=op.name) from None


class _ModelWriter:
    def __init__(self):
        self.model = ge.ModelDef()
        self.placed: list = []
        self.offset = WEIGHTS_START
        self.graph_names: set = set()
        self.output_descs: dict = {}

    def unique_graph_name(self, base: str) -> str:
        name, i = base or "graph", 1
        while name in self.graph_names:
            name, i = f"{base}_{i}", i + 1
        self.graph_names.add(name)
        return name

    def add_graph(self, graph: Graph, name: str) -> None:
        outer = self.output_descs
        self.output_descs = {}   # (op name, output index) -> its TensorDescriptor in this graph
        gdef = self.model.graph.add()
        gdef.name = name
        for key in sorted(graph.attrs):
            if graph.attrs[key] is not None:
                to_attr(graph.attrs[key], gdef.attr[key])
        for index, op in enumerate(graph.topo_order()):
            self.add_op(graph, op, gdef.op.add(), index)
        self.output_descs = outer

    def add_op(self, graph: Graph, op: Op, odef: ge.OpDef, index: int) -> None:
        odef.name, odef.type, odef.id = op.name, op.type, index
        refs = graph.inputs_of(op.name)
        present = [i for i, r in enumerate(refs) if r is not None]
        for i in present:
            src, idx = refs[i]
            odef.input.append(f"{src}:{idx}")
            written = self.output_descs.get(refs[i])
            if written is not None:   # the producer's output desc, converted once (ops come in topological order)
                odef.input_desc.add().CopyFrom(written)
            else:
                desc_to_proto(graph.desc(refs[i]), odef.input_desc.add())
        for k, desc in enumerate(op.outputs):
            self.output_descs[(op.name, k)] = desc_to_proto(desc, odef.output_desc.add())
        for key in sorted(op.attrs):
            if op.attrs[key] is not None:
                _store_attr(op, key, odef)
        if len(present) != len(refs):
            to_attr(present, odef.attr[ATTR_INPUT_INDEX])
        if op.source is not None:
            odef.attr[ATTR_SOURCE_NODE].s = op.source.encode()
        if op.type == "Const" and op.value is not None:
            self.add_weight(op, odef.attr[CONST_VALUE].t)
        if op.subgraphs:
            keys = list(op.subgraphs)
            to_attr(keys, odef.attr[ATTR_SUBGRAPH_KEYS])
            for key in keys:
                sub = op.subgraphs[key]
                name = self.unique_graph_name(sub.name or f"{op.name}_{key}")
                odef.subgraph_name.append(name)
                self.add_graph(sub, name)

    def add_weight(self, op: Op, tdef: ge.TensorDef) -> None:
        value = np.asarray(op.value)
        if value.dtype.kind == "O":
            raise GraphError(UNSUPPORTED_OP, f"Const '{op.name}' holds strings (a string initializer or constant "
                             "that conversion could not fold away): .om weights hold numbers only, so string "
                             "constants are not supported; compute them outside the model", node=op.name)
        out = op.outputs[0] if op.outputs else TensorDesc()
        dtype, shape = from_numpy(value.dtype), tuple(value.shape)
        written = self.output_descs.get((op.name, 0))
        desc = tdef.desc
        if written is not None and out.dtype == dtype and out.shape == shape:
            desc.CopyFrom(written)   # the output desc says it all
        else:
            desc_to_proto(out.copy(dtype=dtype, shape=shape), desc)
        data = to_bytes(value) if is_ml_dtype(value.dtype) else value  # narrow types as files store them
        desc.data_offset = self.offset
        desc.weight_size = data.nbytes
        self.placed.append((desc, data, self.offset))
        self.offset = _align(self.offset + data.nbytes)

    @property
    def weights_size(self) -> int:
        return self.offset if self.placed else 0


def activation_bytes(graph: Graph) -> int:
    """Approximate activation memory: bytes of every static non-Const output."""
    from ..ir.dtypes import to_numpy
    total = 0
    for op in graph.ops():
        if op.type == "Const":
            continue
        for d in op.outputs:
            try:
                if d.is_static:
                    total += d.numel() * to_numpy(d.dtype).itemsize
            except (KeyError, ValueError):
                continue
    return total


def _set_weight_size(model: ge.ModelDef, size: int) -> None:
    """The model attrs that state the WEIGHTS_DATA size (weight_size, om_info_list[0])."""
    for key, value in (("weight_size", size), ("om_info_list", [size, 0, 0, 0])):
        model.attr[key].Clear()
        to_attr(value, model.attr[key])


def graph_to_model_def(graph: Graph, model_attrs: dict | None = None) -> ModelDefBuild:
    """The ModelDef for a graph and its weights (arrays placed in WEIGHTS_DATA as GE places them)."""
    writer = _ModelWriter()
    writer.model.name = graph.name
    writer.add_graph(graph, writer.unique_graph_name(graph.name))
    attrs = {"atc_version": f"{WRITER} {__version__}", **(model_attrs or {})}
    attrs.update({
        "weight_size": writer.weights_size,
        "memory_size": activation_bytes(graph),
        "om_info_list": [writer.weights_size, 0, 0, 0],
        "attr_model_out_nodes_name": graph.output_names(),
    })
    for key in sorted(attrs):
        if attrs[key] is not None:
            to_attr(attrs[key], writer.model.attr[key])
    writer.model.attr["attr_model_out_nodes_name"].list.val_type = ge.AttrDef.ListValue.VT_LIST_STRING
    return ModelDefBuild(writer.model, writer.placed, writer.weights_size)


# ---- ModelDef -> Graph ------------------------------------------------------------------------

def _coerce_declared(op_type: str, attrs: dict) -> dict:
    """Attr values converted to the types the op registry declares (unknown op types unchanged)."""
    if not op_registry.has(op_type):
        return attrs
    spec = op_registry.get(op_type)
    out = dict(attrs)
    for name, value in attrs.items():
        declared = spec.attrs.get(name)
        if declared is None:
            continue
        try:
            out[name] = coerce(declared.type, value)
        except (TypeError, ValueError):
            pass
    return out


def split_input(text: str) -> tuple[str, int]:
    """(producer name, output index) of an OpDef input string such as 'conv1:0'."""
    src, _, idx = text.rpartition(":")
    if not src:
        return text, 0
    try:
        return src, int(idx)
    except ValueError:
        return text, 0


class _GraphReader:
    def __init__(self, model: ge.ModelDef, weights):
        self.weights = weights
        self.graphs = {g.name: g for g in model.graph}
        self.visiting: set = set()

    def read(self, gdef: ge.GraphDef) -> Graph:
        self.visiting.add(gdef.name)
        graph = Graph(gdef.name)
        graph.attrs = {k: from_attr(v) for k, v in sorted(gdef.attr.items())}
        wiring = []
        for odef in gdef.op:
            op, inputs = self.read_op(odef)
            graph.add(op)
            wiring.append((op, inputs))
        for op, inputs in wiring:
            for position, (src, idx) in inputs:
                if src in graph:
                    graph.connect((src, idx), op.name, position)
                else:
                    op.attrs.setdefault(ATTR_UNRESOLVED_INPUTS, []).append(f"{src}:{idx}")
        self.visiting.discard(gdef.name)
        return graph

    def read_op(self, odef: ge.OpDef) -> tuple[Op, list]:
        attrs = {}
        value = None
        for key in sorted(odef.attr):
            try:
                if key == CONST_VALUE and odef.type == "Const" and odef.attr[key].WhichOneof("value") == "t":
                    value = tensor_from_proto(odef.attr[key].t, self.weights)
                    continue
                attrs[key] = from_attr(odef.attr[key], self.weights)
            except OmFormatError as exc:
                raise OmFormatError(exc.code, f"op {odef.name!r} ({odef.type}), attribute {key!r}: {exc.message}",
                                    node=odef.name) from None
        source = attrs.pop(ATTR_SOURCE_NODE, None)
        positions = attrs.pop(ATTR_INPUT_INDEX, None)
        sub_keys = attrs.pop(ATTR_SUBGRAPH_KEYS, None)
        outputs = [desc_from_proto(d) for d in odef.output_desc]
        if value is not None and not outputs:
            outputs = [desc_from_proto(odef.attr[CONST_VALUE].t.desc)]
        op = Op(odef.name, odef.type, _coerce_declared(odef.type, attrs), outputs, value, source=source)
        op.subgraphs = self.read_subgraphs(odef, sub_keys)
        return op, self.read_inputs(odef, op, positions)

    def read_inputs(self, odef: ge.OpDef, op: Op, positions) -> list:
        data, control = [], []
        slot = 0
        for text in odef.input:
            if not text:
                slot += 1
                continue
            src, idx = split_input(text)
            if idx == CONTROL_INDEX:
                control.append(src)
                continue
            data.append((slot, (src, idx)))
            slot += 1
        if positions is not None and len(positions) == len(data):
            data = [(int(p), ref) for p, (_, ref) in zip(positions, data)]
        if control:
            op.attrs[ATTR_CONTROL_INPUTS] = control
        return data

    def read_subgraphs(self, odef: ge.OpDef, keys) -> dict:
        names = list(odef.subgraph_name)
        if not isinstance(keys, list) or len(keys) != len(names):
            keys = names
        subs = {}
        for key, name in zip(keys, names):
            gdef = self.graphs.get(name)
            if gdef is not None and name not in self.visiting:
                subs[key] = self.read(gdef)
        return subs


def model_def_to_graph(model: ge.ModelDef, weights=b"") -> Graph:
    """The IR Graph of graph[0] (subgraphs attached to their ops); Const values view ``weights``."""
    if not model.graph:
        raise GraphError(INVALID_OM_FILE, f"model '{model.name}' has no graph")
    return _GraphReader(model, weights).read(model.graph[0])


def model_attrs(model: ge.ModelDef) -> dict:
    """The model-level attributes as plain Python values."""
    return {k: from_attr(v) for k, v in sorted(model.attr.items())}
