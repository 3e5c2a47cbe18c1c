"""IR graph -> ONNX graph: names, types, the plain layout, fp16 emulation and control-flow bodies.

Every tensor is written in its plain layout: a descriptor in a device format (NC1HWC0 at a model
boundary) stands for its origin shape and layout, as the CPU runtime computes it. fp16 is emulated
exactly as the runtime does: an op whose inputs or outputs are fp16 computes in fp32 on the widened
fp16 values and its fp16 outputs are rounded back with a Cast, so tensors between ops carry the same
fp16 values as in our runtime. Constants used in fp32 this way become fp32 initializers (widened
exactly). Ops that only look at shapes or move values unchanged run natively on fp16.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ops as op_registry
from ..errors import INVALID_OM_FILE, OmFormatError
from ..frontends.onnx.schemas import node_problem, node_schema
from ..ir import DataType, Graph, TensorDesc
from ..ops.registry import InferContext
from .builder import NamePool, OnnxGraph, numpy_of, value_type
from .registry import BASE_OPSET, EMITTERS, MIN_OPSET, Emit, Refusal
from .sequences import element_desc, sequence_outputs

FP16, FP32 = DataType.DT_FLOAT16, DataType.DT_FLOAT
DEVICE_FORMATS = {"NC1HWC0", "NDC1HWC0", "FRACTAL_Z", "FRACTAL_NZ", "FRACTAL_Z_3D", "C1HWNCoC0"}
# ops that run on fp16 values as they are (they look at shapes only, or pass values through)
NATIVE_FP16 = {"Cast", "Shape", "Size", "Identity", "If", "Loop", "TransData", "SequenceConstruct",
               "SequenceInsert", "SequenceAt", "SequenceErase", "SequenceLength", "SequenceEmpty",
               "SequenceReserve", "SequenceSetItem", "SplitToSequence", "ConcatFromSequence"}
STRUCTURAL = {"Data", "Const", "NetOutput"}
SEQUENCE = DataType.DT_VARIANT


def plain_desc(desc: TensorDesc) -> TensorDesc:
    """The descriptor as computed on the CPU: device formats stand for their origin shape and layout."""
    if desc.format in DEVICE_FORMATS and desc.origin_shape is not None:
        return desc.copy(shape=tuple(desc.origin_shape), format=desc.origin_format or "NCHW")
    return desc


@dataclass
class Value:
    name: str
    desc: TensorDesc          # plain, stored dtype
    elem: int | None = None   # element dtype when the value is a sequence
    elem_shape: object = None  # element shape of a sequence (sequences.merge), None when unknown


class ModelState:
    """What the main graph and every body share: the name pool and the refused ops."""

    def __init__(self):
        self.names = NamePool()
        self.refused: list = []   # (op name, op type, reason)
        self.opset_needs: set = set()


class GraphExporter:
    """Writes one IR graph (the main graph or a body) into an OnnxGraph."""

    def __init__(self, state: ModelState, graph: Graph, og: OnnxGraph):
        self.state = state
        self.graph = graph
        self.g = og
        self.values: dict = {}
        self.widened: dict = {}         # value name -> its fp32 twin (in this graph)
        self.const_names: dict = {}     # (const op name, dtype) -> initializer name
        self.final_names: dict = {}     # ref -> name an op output must take (graph outputs)

    # ---- values ---------------------------------------------------------------------------------
    def bind(self, ref, name: str, desc: TensorDesc, elem: int | None = None, elem_shape=None) -> Value:
        desc = plain_desc(desc)
        if elem is None and int(desc.dtype) == SEQUENCE:  # what the IR says, when nothing better is known
            elem = desc.attrs.get("elem_dtype")
        value = Value(name, desc, elem, elem_shape)
        self.values[ref] = value
        return value

    def stored_dtype(self, ref) -> int:
        """The dtype a value is stored in (no initializer is made for a Const)."""
        if ref in self.values:
            return int(self.values[ref].desc.dtype)
        return int(self.graph.desc(ref).dtype)

    def known(self, ref) -> Value:
        """What is known of a value, without making an initializer for a Const that has none yet."""
        return self.values.get(ref) or Value("", plain_desc(self.graph.desc(ref)))

    def value(self, ref) -> Value:
        if ref not in self.values:
            op = self.graph.op(ref[0])
            if op.type != "Const":
                raise Refusal(f"reads '{ref[0]}:{ref[1]}', which was not exported")
            self.values[ref] = Value(self.const_initializer(op, int(op.outputs[0].dtype)), plain_desc(op.outputs[0]))
        return self.values[ref]

    def const_initializer(self, op, dtype: int) -> str:
        key = (op.name, int(dtype))
        if key not in self.const_names:
            array = np.asarray(op.value)
            if array.dtype.kind != "O":
                array = array.astype(numpy_of(dtype), copy=False)
            self.const_names[key] = self.g.const(array, op.name)
        return self.const_names[key]

    def compute_input(self, ref, widen: bool) -> tuple:
        """(ONNX name, plain desc, constant value) of an input in the dtype the op computes in."""
        op = self.graph.op(ref[0])
        const = op.value if op.type == "Const" and ref not in self.values else None
        if widen and const is not None and int(op.outputs[0].dtype) == FP16:
            desc = plain_desc(op.outputs[0]).copy(dtype=FP32)
            return self.const_initializer(op, FP32), desc, np.asarray(const).astype(np.float32)
        value = self.value(ref)
        if not (widen and int(value.desc.dtype) == FP16):
            return value.name, value.desc, const
        desc = value.desc.copy(dtype=FP32)
        if value.name not in self.widened:
            self.widened[value.name] = self.g.node("Cast", [value.name], 1, name=f"{ref[0]}_fp32",
                                                   to=1)[0]
        return self.widened[value.name], desc, None

    def output_name(self, op, i: int) -> str:
        ref = (op.name, i)
        if ref in self.final_names:
            return self.final_names.pop(ref)
        desc = op.outputs[i] if i < len(op.outputs) else None
        base = (desc.name if desc is not None and desc.name else None) or \
            (op.name if len(op.outputs) == 1 else f"{op.name}:{i}")
        return self.state.names.take(base)

    # ---- ops ------------------------------------------------------------------------------------
    def export_ops(self) -> None:
        for op in self.graph.topo_order():
            if op.type in STRUCTURAL:
                continue
            try:
                self.export_op(op)
            except Refusal as why:
                self.state.refused.append((op.name, op.type, str(why)))
                for i, d in enumerate(op.outputs):  # placeholders so later ops can still be looked at
                    self.bind((op.name, i), self.state.names.take(f"{op.name}_refused{i}"), d)

    def export_op(self, op) -> None:
        refs = self.graph.inputs_of(op.name)
        stored = [plain_desc(d) for d in op.outputs]
        widen = op.type not in NATIVE_FP16 and (
            any(int(d.dtype) == FP16 for d in stored) or
            any(r is not None and self.stored_dtype(r) == FP16 for r in refs))
        names, descs, consts = [], [], []
        for r in refs:
            if r is None:
                names.append(None), descs.append(None), consts.append(None)
                continue
            n, d, c = self.compute_input(r, widen)
            names.append(n), descs.append(d), consts.append(c)
        finals = [self.output_name(op, i) for i in range(len(op.outputs))]
        outs, out_descs, rounding = [], [], []
        for final, d in zip(finals, stored):
            if widen and int(d.dtype) == FP16:
                tmp = self.state.names.take(f"{final}_fp32")
                outs.append(tmp)
                out_descs.append(d.copy(dtype=FP32))
                rounding.append((tmp, final))
            else:
                outs.append(final)
                out_descs.append(d)
        spec_attrs = op_registry.get(op.type).normalize(op.attrs, op.name) if op_registry.has(op.type) \
            else dict(op.attrs)
        emit = Emit(op, spec_attrs, names, descs, consts, outs, out_descs, self.g, self)
        first = len(self.g.nodes)
        EMITTERS[op.type](emit)
        check_arity(op, self.g.nodes[first:], max(BASE_OPSET, MIN_OPSET.get(op.type, BASE_OPSET),
                                                   *self.state.opset_needs))
        for tmp, final in rounding:
            self.g.node("Cast", [tmp], [final], name=f"{op.name}_fp16", to=10)
        in_values = [None if r is None else self.known(r) for r in refs]
        seqs = sequence_outputs(op, spec_attrs, in_values, emit.out_elems)
        inferred = reinferred_shapes(op, spec_attrs, in_values, consts)
        for i, (final, d) in enumerate(zip(finals, op.outputs)):
            d = element_desc(op, in_values, d)
            if d.shape is None and emit.out_shapes.get(i) is not None:
                d = d.copy(shape=tuple(emit.out_shapes[i]))
            if d.shape is None and i < len(inferred) and inferred[i] is not None:
                d = d.copy(shape=inferred[i])
            self.bind((op.name, i), final, d, *seqs.get(i, (None, None)))

    # ---- graph inputs / outputs -----------------------------------------------------------------
    def reserve_outputs(self, names: list, refs: list) -> list:
        """Output names taken before anything else, so that no internal value can take them. The first
        output of each op result takes its name directly; others (repeats, inputs, constants) get an
        Identity."""
        taken = []
        for ref, name in zip(refs, names):
            final = self.state.names.take(name)
            producer = self.graph.op(ref[0])
            if ref not in self.final_names and producer.type not in STRUCTURAL:
                self.final_names[ref] = final
                taken.append((ref, final, False))
            else:
                taken.append((ref, final, True))
        return taken

    def finish_outputs(self, taken: list) -> None:
        for ref, final, needs_copy in taken:
            value = self.value(ref)
            if needs_copy or value.name != final:
                self.g.node("Identity", [value.name], [final], name=f"{final}_output")
            self.g.add_output(final, value_type(value.desc.dtype, value.desc.shape, value.elem, f"output '{final}'"))

    # ---- bodies ---------------------------------------------------------------------------------
    def export_body(self, sub: Graph, formal: list, captured: list, name: str) -> tuple:
        """An If branch or Loop body as a GraphProto. Its Data ops, by index, are first the ``formal``
        body inputs ((hint, dtype, element dtype, element shape) each: declared inputs of the ONNX body),
        then the ``captured``
        outer values (Values of this graph, read by name from the outer scope). Returns (GraphProto,
        [Value of each body output])."""
        og = OnnxGraph(self.state.names, self.state.names.take(name))
        body = GraphExporter(self.state, sub, og)
        data = sub.data_ops()
        for k, op in enumerate(data):
            index = int(op.attrs.get("index", k))
            desc = op.outputs[0]
            if index < len(formal):
                hint, dtype, elem, elem_shape = formal[index]
                vname = self.state.names.take(op.name or hint)
                value = body.bind((op.name, 0), vname, desc.copy(dtype=dtype), elem, elem_shape)
                og.add_input(vname, value_type(dtype, None if dtype == SEQUENCE else value.desc.shape, elem,
                                               f"body input '{vname}'"))
            elif index - len(formal) < len(captured):
                outer = captured[index - len(formal)]
                body.values[(op.name, 0)] = outer
            else:
                raise Refusal(f"body '{sub.name}' has a Data op with index {index} but only "
                              f"{len(formal) + len(captured)} values go in")
        body.export_ops()
        results = []
        for ref in sub.output_refs():
            if ref is None:
                continue
            value = body.value(ref)
            out = og.node("Identity", [value.name], 1, name=f"{og.name}_out")[0]
            og.add_output(out, value_type(value.desc.dtype, value.desc.shape, value.elem, f"body output '{out}'"))
            results.append(Value(out, value.desc, value.elem, value.elem_shape))
        return og.to_proto(), results


def check_arity(op, nodes: list, opset: int) -> None:
    """E10003 when a node emitted for ``op`` does not fit ONNX's definition of its type (input or output
    count, a required input left empty: onnx.checker would refuse the node; the ONNX schema table of
    frontends/onnx): emitters pass an op's inputs and outputs through, so the op itself has lost or gained
    some, as in a damaged or crafted .om (the runtime refuses such an op when it runs it, E10001, or never
    reads an extra output)."""
    for node in nodes:
        schema = node_schema(node.op_type, opset) if node.domain in ("", "ai.onnx") else None
        problem = None if schema is None else node_problem(node, schema)
        if problem:
            raise OmFormatError(INVALID_OM_FILE, f"op '{op.name}' ({op.type}) cannot become an ONNX "
                                f"{node.op_type} node: {problem} (the offline model is damaged)", node=op.name)


def reinferred_shapes(op, attrs: dict, in_values: list, consts: list) -> list:
    """Output shapes the op's own shape inference gives from what the exporter knows of its inputs (which
    can be more than our IR knew: shapes read out of sequences, shapes carried through loops); [] when the
    IR already knows every output shape or inference cannot tell."""
    if all(d.shape is not None for d in op.outputs) or op.subgraphs or not op_registry.has(op.type):
        return []
    spec = op_registry.get(op.type)
    if spec.infer is None:
        return []
    descs = [None if v is None else v.desc for v in in_values]
    try:
        found = spec.infer(InferContext(op, descs, list(consts), attrs))
    except Exception:  # noqa: BLE001  (inference may give up on partial knowledge; the unknown shape stands)
        return []
    return [None if d.shape is None else tuple(d.shape) for d in found]
