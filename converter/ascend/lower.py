"""A compiled GE graph (a real ATC/GE .om) as a canonical graph the CPU runtime runs.

- Weights: each Const's bytes come from WEIGHTS_DATA by its offset and are turned from their device format
  (FRACTAL_Z, FRACTAL_NZ, NC1HWC0, ...) back into the origin layout; fp16 weights stay fp16.
- Every tensor is kept in its origin layout; where an op reads a tensor through a descriptor whose origin
  shape differs from the producer's (GE drops Reshape/Squeeze/ExpandDims and lets the next op read the
  bytes as another shape), an explicit Reshape is added.
- Scheduling ops (Send, Recv, AtomicAddrClean, MemcpyAsync, ...) do nothing on a CPU and are dropped or
  passed through; model inputs and outputs keep the form the device uses (dtype, NC1HWC0).
- Each op goes through the GE op table (``table``); compiled fusion ops are expanded (``fusion``) and
  FrameworkOps run their embedded TensorFlow node (``framework_op``). Every op that cannot be run is listed
  at once, by type, in one E11009 error.
"""
from __future__ import annotations

import numpy as np

from ..errors import (INTERNAL_ERROR, INVALID_OM_FILE, INVALID_OP_PARAMETER, UNSUPPORTED_OP, ConverterError, GraphError,
                      UnsupportedOpError)
from ..ir import DataType, Graph, Op, TensorDesc, to_numpy
from ..ir.inline import inline_graph
from ..om.attrs import desc_from_proto, tensor_from_proto
from ..om.model_def import WRITER
from ..ops.formats import to_plain
from ..proto import ge_ir_pb2 as ge
from .ge_graph import GeOp, device_format, plain_format, plain_shape, read_graph
from .registry import MapContext
from .table import find

BOUNDARY_TYPES = ("Data", "RefData", "AippData", "NetOutput")


def is_compiled_model(model: ge.ModelDef) -> bool:
    """True for .om files written by ATC/GE/HiAI (GE op types, device formats), False for ours."""
    version = model.attr["atc_version"].s.decode("utf-8", "replace") if "atc_version" in model.attr else ""
    return not version.startswith(WRITER)


class Lowering:
    """One compiled graph being turned into a canonical graph."""

    def __init__(self, gdef: ge.GraphDef, weights, source=None, model_attrs: dict | None = None,
                 declared: bool = False, declared_shapes: bool = True):
        self.gdef = gdef
        # declared: the graph is a model description (a .air graph, a single-op description), not a compiled
        # device graph: each descriptor states what its op yields, so it is checked (E13014), never converted to.
        # declared_shapes: False when the user changed input shapes, so declared shapes are stale.
        self.declared = declared
        self.declared_shapes = declared_shapes
        self.weights = weights
        self.source = source                     # the original framework model, when the user gave it
        self.model_attrs = model_attrs or {}
        self.graph = Graph(gdef.name or "graph")
        self.values: dict = {}                   # (GE op, output index) -> canonical ref (origin layout)
        self.views: dict = {}                    # (canonical ref, shape, dtype) -> converted ref
        self.data_index = 0
        self.notes: list = []                    # what the lowering had to infer (shown by omtool run)
        self.weight_groups: dict = {}            # Const name -> groups of the convolution reading it
        self.consumed: set = set()               # (GE op, output index) that some op reads

    # ---- canonical graph building ------------------------------------------------------------------
    def add_canonical(self, op_type: str, inputs, attrs: dict, owner: GeOp, *, n_out: int = 1,
                      suffix: str = "", name: str | None = None) -> list:
        from ..ops.inference import infer_op
        base = name or (f"{owner.name}/{suffix}" if suffix else owner.name)
        op = Op(self.graph.unique_name(base), op_type, dict(attrs), [TensorDesc(shape=None) for _ in range(n_out)],
                source=owner.name)
        self.graph.add(op, list(inputs))
        try:
            infer_op(self.graph, op, fold=False)
        except ConverterError as exc:
            raise GraphError(exc.code, f"op '{owner.name}' ({owner.type}): {exc.message}", node=owner.name) \
                from None
        return [(op.name, i) for i in range(n_out)]

    def add_const(self, value: np.ndarray, owner: GeOp, suffix: str = "", name: str | None = None) -> tuple:
        base = name or (f"{owner.name}/{suffix}" if suffix else owner.name)
        op = self.graph.add_const(self.graph.unique_name(base), value, source=owner.name)
        op.outputs[0].format = "ND"
        return (op.name, 0)

    def splice(self, sub: Graph, feeds: list, owner: GeOp) -> list:
        """Copy a small canonical graph (e.g. a TensorFlow node converted by our frontend) in, reading
        ``feeds[k]`` for its Data op of index k; returns the refs of its outputs."""
        from ..ops.inference import infer_op
        mark = self.graph.mark()
        refs = inline_graph(self.graph, sub, feeds, None)
        for op in self.graph.added_since(mark):
            op.source = owner.name
            if op.type != "Const":
                infer_op(self.graph, op, fold=False)
        return refs

    # ---- tensors between GE ops --------------------------------------------------------------------
    def view(self, ref, shape, dtype: int, owner: GeOp) -> tuple:
        """``ref`` as a tensor of ``shape`` and ``dtype`` (a Reshape and/or Cast when they differ)."""
        desc = self.graph.desc(ref)
        key = (ref, None if shape is None else tuple(shape), int(dtype))
        if key in self.views:
            return self.views[key]
        out = ref
        if shape is not None and desc.shape is not None and tuple(desc.shape) != tuple(shape):
            if desc.is_static and all(d >= 0 for d in shape) and desc.numel() != int(np.prod(shape, dtype=np.int64)):
                raise GraphError(INVALID_OM_FILE, f"op '{owner.name}' ({owner.type}) reads a tensor of shape "
                                 f"{list(desc.shape)} as shape {list(shape)}; the sizes differ", node=owner.name)
            if all(d >= 0 for d in shape):
                target = self.add_const(np.asarray(shape, np.int64), owner, "shape")
                out = self.add_canonical("Reshape", [out, target], {}, owner, suffix="reshape")[0]
        if dtype and self.graph.desc(out).dtype != dtype and dtype != DataType.DT_UNDEFINED:
            out = self.add_canonical("Cast", [out], {"dst_type": int(dtype)}, owner, suffix="cast")[0]
        self.views[key] = out
        return out

    def op_inputs(self, op: GeOp) -> list:
        refs = []
        for i, src in enumerate(op.inputs):
            if src is None or src not in self.values or self.values[src] is None:
                refs.append(None)
                continue
            d = op.input_descs[i] if i < len(op.input_descs) else None
            shape = None if self.declared else plain_shape(d)
            dtype = d.dtype if d is not None else 0
            refs.append(self.view(self.values[src], shape, dtype, op))
        return refs

    def upcast_inputs(self, op: GeOp, refs: list) -> list:
        """An op that reads fp16 and writes fp32 (e.g. a resize feeding an fp32 op) computes in fp32 on the
        device: its fp16 inputs are widened first, so the result is not rounded to fp16 on the way."""
        floats = [d.dtype for d in op.outputs if d.dtype in (DataType.DT_FLOAT, DataType.DT_FLOAT16)]
        if op.type in ("Cast", "TransData") or not floats or any(d != DataType.DT_FLOAT for d in floats):
            return refs
        out = []
        for ref in refs:
            if ref is not None and self.graph.desc(ref).dtype == DataType.DT_FLOAT16:
                ref = self.view(ref, self.graph.desc(ref).shape, DataType.DT_FLOAT, op)
            out.append(ref)
        return out

    def bind_outputs(self, op: GeOp, refs: list) -> None:
        for k, desc in enumerate(op.outputs):
            ref = refs[k] if k < len(refs) else None
            if ref is None:
                continue
            if self.declared:
                self.check_declared(op, k, ref, desc)
            else:
                ref = self.view(ref, plain_shape(desc), desc.dtype, op)
            out_desc = self.graph.desc(ref)
            if out_desc.name is None:
                out_desc.name = f"{op.name}:{k}"
            out_desc.format = plain_format(desc)
            self.values[(op.name, k)] = ref

    def check_declared(self, op: GeOp, k: int, ref, desc: TensorDesc) -> None:
        """A declared graph: output k of ``op`` must be what its descriptor says (dtype; shape, where the
        declared shapes still hold). -1 dims on either side match anything."""
        got = self.graph.desc(ref)
        where = f"op '{op.name}' ({op.type}): output {k}"
        if desc.dtype not in (DataType.DT_UNDEFINED, got.dtype):
            raise GraphError(INVALID_OP_PARAMETER, f"{where} is declared {_dtype_text(desc.dtype)} but the op gives "
                             f"{_dtype_text(got.dtype)} for these inputs", node=op.name)
        if not self.declared_shapes or got.shape is None:
            return
        # the origin shape, and for a plain layout the shape as stored too (the two must not disagree)
        for want in (plain_shape(desc), None if device_format(desc) else desc.shape):
            if want is not None and (len(want) != len(got.shape) or
                                     any(a != b for a, b in zip(want, got.shape) if a >= 0 and b >= 0)):
                raise GraphError(INVALID_OP_PARAMETER,
                                 f"{where} is declared with shape {list(want)} but its inputs and "
                                 f"attributes give {list(got.shape)}", node=op.name)

    # ---- ops ---------------------------------------------------------------------------------------
    def lower(self) -> Graph:
        ops = read_graph(self.gdef)
        check_supported(ops, self)
        self.consumed = {src for op in ops for src in op.inputs if src is not None}
        self.weight_groups = {src[0]: int(op.attrs["groups"]) for op in ops if int(op.attrs.get("groups") or 1) > 1
                              for src in op.inputs if src is not None}
        outputs = None
        for op in ops:
            if op.type in ("Data", "RefData", "AippData"):
                self.lower_data(op)
            elif op.type == "NetOutput":
                outputs = op
            elif op.type in ("Const", "Constant"):
                self.lower_const(op)
            else:
                try:
                    self.bind_outputs(op, self.lower_op(op))
                except ConverterError:
                    raise
                except Exception as exc:  # a descriptor or attribute the mapper did not expect
                    if self.declared:     # a source's own description: its attributes are the likely cause
                        raise GraphError(INVALID_OP_PARAMETER, f"op '{op.name}' ({op.type}) cannot be built from its "
                                         f"attributes and inputs ({type(exc).__name__}: {exc}); check them "
                                         "against the op's Ascend IR definition", node=op.name) from exc
                    raise GraphError(INTERNAL_ERROR, f"op '{op.name}' ({op.type}) cannot be lowered: "
                                     f"{type(exc).__name__}: {exc}", node=op.name) from exc
        if outputs is None:
            raise GraphError(INVALID_OM_FILE, f"graph '{self.gdef.name}' has no NetOutput op")
        self.lower_outputs(outputs)
        self.graph.meta["lowering_notes"] = self.notes
        return self.graph

    def lower_op(self, op: GeOp) -> list:
        from .fusion import is_fused
        if is_fused(op):
            from .fusion import lower_fused
            return lower_fused(self, op)
        if op.type == "FrameworkOp":
            from .framework_op import lower_framework_op
            return lower_framework_op(self, op)
        return find(op.type).mapper(MapContext(self, op, self.upcast_inputs(op, self.op_inputs(op))))

    def lower_data(self, op: GeOp) -> None:
        """A model input keeps the form the device takes (dtype and layout); NC1HWC0 is unpacked at once."""
        desc = (op.outputs[0] if op.outputs else TensorDesc()).copy()
        desc.name = desc.name or op.name
        index = op.attr("index")
        stored = device_format(desc)
        if stored and (desc.format != "NC1HWC0" or plain_format(desc) not in ("NCHW", "NHWC")
                       or desc.origin_shape is None):
            raise GraphError(UNSUPPORTED_OP, f"model input '{op.name}' is stored as {desc.format}; only NC1HWC0 "
                             "inputs can be fed on a CPU", node=op.name)
        if stored and self.declared:
            # the graph computes in the origin layout; the NC1HWC0 boundary is recorded on the descriptor at
            # the end (passes.boundary), where the runtime converts, as for --is_input_adjust_hw_layout
            desc = desc.copy(format=plain_format(desc), shape=tuple(desc.origin_shape))
            self.graph.meta.setdefault("nc1hwc0_inputs", []).append(op.name)
            stored = None
        data = self.graph.add_data(op.name, desc, int(index) if index is not None else self.data_index)
        self.data_index += 1
        ref = (data.name, 0)
        if stored:
            fmt = plain_format(desc)
            channels = desc.origin_shape[fmt.index("C")]
            ref = self.add_canonical("TransData", [ref], {"src_format": "NC1HWC0", "dst_format": fmt,
                                                          "channels": int(channels)}, op, suffix="to_origin")[0]
        self.values[(op.name, 0)] = ref

    def lower_const(self, op: GeOp) -> None:
        if op.weight is None:
            raise GraphError(INVALID_OM_FILE, f"Const '{op.name}' has no value", node=op.name)
        raw = tensor_from_proto(op.weight, self.weights)
        desc = op.outputs[0] if op.outputs else TensorDesc()
        tdesc = op.weight.desc
        try:
            want = to_numpy(tdesc.dtype)
        except (KeyError, ValueError):
            raise GraphError(INVALID_OM_FILE, f"Const '{op.name}' has a data type ({tdesc.dtype}) we cannot read",
                             node=op.name) from None
        if raw.dtype != want:
            raise GraphError(INVALID_OM_FILE,
                             f"Const '{op.name}': its {raw.nbytes} bytes in WEIGHTS_DATA do not hold a "
                             f"{want} tensor of shape {list(tdesc.shape.dim)}", node=op.name)
        fmt = device_format(desc_from_proto(tdesc)) or device_format(desc)
        value = raw
        if fmt:
            origin = plain_shape(desc)
            value = to_plain(raw, fmt, plain_format(desc), origin, groups=self.weight_groups.get(op.name, 1))
        ref = self.add_const(np.asarray(value), op, name=op.name)
        self.graph.desc(ref).name = f"{op.name}:0"
        self.values[(op.name, 0)] = ref

    def lower_outputs(self, op: GeOp) -> None:
        refs, names = [], []
        given = self.model_attrs.get("attr_model_out_nodes_name") or []
        present = [(i, src) for i, src in enumerate(op.inputs) if src is not None]
        for k, (i, src) in enumerate(present):
            desc = op.input_descs[i] if i < len(op.input_descs) else None
            if desc is None:
                raise GraphError(INVALID_OM_FILE, f"model output {k} ('{src[0]}') has no tensor descriptor",
                                 node=op.name)
            if self.values.get(src) is None:
                raise GraphError(UNSUPPORTED_OP, f"model output {k} is output {src[1]} of op '{src[0]}', which the CPU "
                                 "runtime does not compute (only its first output is supported)", node=src[0])
            ref = self.view(self.values[src], None if self.declared else plain_shape(desc), desc.dtype, op)
            if device_format(desc):
                if desc.format != "NC1HWC0" or plain_format(desc) not in ("NCHW", "NHWC"):
                    raise GraphError(UNSUPPORTED_OP, f"model output {k} is stored as {desc.format}; only NC1HWC0 "
                                     "outputs can be produced on a CPU", node=op.name)
                if self.declared:       # recorded on the descriptor at the end, as for inputs
                    self.graph.meta.setdefault("nc1hwc0_outputs", []).append(k)
                else:
                    ref = self.add_canonical("TransData", [ref], {"src_format": plain_format(desc),
                                                                  "dst_format": "NC1HWC0"}, op, suffix=f"out{k}")[0]
            refs.append(ref)
            names.append(f"{src[0]}:{src[1]}")
        if len(given) == len(refs):
            names = [str(n) for n in given]
        self.graph.add(Op(self.graph.unique_name(op.name), "NetOutput", {"output_names": names}), refs)


def check_supported(ops: list, lowering: Lowering) -> None:
    """Every op the lowering cannot run, listed at once by type (E11009)."""
    from .framework_op import framework_op_problem
    from .fusion import fused_problem, is_fused
    missing: dict = {}
    for op in ops:
        if op.type in BOUNDARY_TYPES or op.type in ("Const", "Constant"):
            continue
        if is_fused(op):
            problem = fused_problem(op, lowering)
        elif op.type == "FrameworkOp":
            problem = framework_op_problem(op)
        else:
            entry = find(op.type)
            problem = None if entry is not None else (op.type or "(an op without a type)")
            n = len([r for r in op.inputs if r is not None])
            if entry is not None and not entry.inputs[0] <= n <= entry.inputs[1]:
                problem = f"{op.type} with {n} inputs"
        if problem:
            missing.setdefault(problem, []).append(op.name)
    if missing:
        parts = []
        for key, names in sorted(missing.items()):
            example = ", ".join(repr(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
            parts.append(f"{key} x{len(names)} (e.g. {example})")
        raise UnsupportedOpError(UNSUPPORTED_OP,
                                 f"the runtime cannot run {sum(map(len, missing.values()))} op(s) of this "
                                 f"compiled model, {len(missing)} kind(s): " + "; ".join(parts)
                                 + ". Run 'omtool ops' for the GE op types we run.")


def _dtype_text(dtype: int) -> str:
    try:
        return {"float": "float32"}.get(DataType(dtype).name[3:].lower(), DataType(dtype).name[3:].lower())
    except ValueError:
        return f"data type {dtype}"


def lower_model_def(model: ge.ModelDef, weights=b"", source=None, declared: bool = False,
                    declared_shapes: bool = True) -> Graph:
    """The canonical graph of a model's graph[0] (Const values decoded from ``weights``). ``declared``: the
    model is a description of ops (a .air graph, a single-op description) rather than a compiled device graph
    (see Lowering)."""
    from ..om.model_def import model_attrs
    if not model.graph:
        raise GraphError(INVALID_OM_FILE, f"model '{model.name}' has no graph")
    attrs = model_attrs(model)
    graph = Lowering(model.graph[0], weights, source, attrs, declared, declared_shapes).lower()
    graph.meta["framework"] = attrs.get("framework_type")
    return graph


__all__ = ["lower_model_def", "is_compiled_model", "Lowering", "check_supported"]
