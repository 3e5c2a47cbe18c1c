"""A ge.proto GraphDef as plain records: each op's type, attributes (plain Python values), data inputs by
slot (with the descriptor the op reads them through), output descriptors and control inputs."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import INVALID_OM_FILE, GraphError
from ..ir import TensorDesc
from ..om.attrs import desc_from_proto, from_attr
from ..om.model_def import split_input
from ..ops.formats import is_device_format, split_format
from ..proto import ge_ir_pb2 as ge

CONTROL_INDEX = -1


@dataclass
class GeOp:
    """One GE op. ``inputs[i]`` is (producer name, output index) or None for an absent optional input;
    ``input_descs[i]`` is how this op reads that input (its own view: format, shape, origin shape)."""

    name: str
    type: str
    attrs: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)
    input_descs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    control: list = field(default_factory=list)
    weight: object = None            # the Const value TensorDef, for Const ops

    def attr(self, key: str, default=None):
        value = self.attrs.get(key)
        return default if value is None else value

    @property
    def original_names(self) -> list:
        """The source-framework node names GE recorded for this op (fusions list several)."""
        names = self.attrs.get("_datadump_original_op_names") or []
        return [n for n in names if isinstance(n, str)]


def read_op(odef: ge.OpDef) -> GeOp:
    attrs = {}
    weight = None
    for key in sorted(odef.attr):
        value = odef.attr[key]
        if key == "value" and odef.type in ("Const", "Constant") and value.WhichOneof("value") == "t":
            weight = value.t
            continue
        attrs[key] = from_attr(value)
    op = GeOp(odef.name, odef.type, attrs, outputs=[desc_from_proto(d) for d in odef.output_desc], weight=weight)
    if weight is not None and not op.outputs:
        op.outputs = [desc_from_proto(weight.desc)]
    slot = 0
    for text in odef.input:
        src, idx = split_input(text) if text else ("", 0)
        if text and idx == CONTROL_INDEX:
            op.control.append(src)
            continue
        op.inputs.append((src, idx) if text else None)
        op.input_descs.append(desc_from_proto(odef.input_desc[slot]) if slot < len(odef.input_desc) else None)
        slot += 1
    # an absent optional input has an empty descriptor (FORMAT_RESERVED, no dtype): keep None for it
    op.input_descs = [None if ref is None else d for ref, d in zip(op.inputs, op.input_descs)]
    return op


def read_graph(gdef: ge.GraphDef) -> list:
    """The ops of a GraphDef in an order where producers come first (data and control edges)."""
    ops = [read_op(o) for o in gdef.op]
    by_name = {}
    for op in ops:
        if op.name in by_name:
            raise GraphError(INVALID_OM_FILE, f"the model's graph has two ops named '{op.name}'", node=op.name)
        by_name[op.name] = op
    order, state = [], {}
    for root in ops:
        stack = [(root.name, False)]
        while stack:
            name, done = stack.pop()
            if done:
                state[name] = 2
                order.append(by_name[name])
                continue
            if state.get(name):
                continue
            state[name] = 1
            stack.append((name, True))
            op = by_name[name]
            deps = [r[0] for r in op.inputs if r is not None] + list(op.control)
            for dep in reversed(deps):
                if dep not in by_name:
                    raise GraphError(INVALID_OM_FILE,
                                     f"op '{name}' ({op.type}) reads '{dep}', which is not in the graph",
                                     node=name)
                if not state.get(dep):
                    stack.append((dep, False))
    return order


DEVICE_RANKS = {"NC1HWC0": 5, "NDC1HWC0": 6, "FRACTAL_Z": 4, "FRACTAL_Z_3D": 4, "C1HWNCOC0": 6}


def device_format(desc: TensorDesc | None) -> str | None:
    """The device format a tensor is really stored in, or None for a plain tensor. A descriptor that names a
    device format its shape cannot have (old HiAI files label 2-D tensors NC1HWC0) counts as plain."""
    if desc is None or not is_device_format(desc.format):
        return None
    fmt = split_format(desc.format)[0]
    rank = None if desc.shape is None else len(desc.shape)
    if fmt == "FRACTAL_NZ":
        return desc.format if rank is None or rank >= 4 else None
    return desc.format if rank is None or rank == DEVICE_RANKS.get(fmt, rank) else None


def plain_shape(desc: TensorDesc | None):
    """The shape of a tensor in its origin layout (what the source framework saw)."""
    if desc is None:
        return None
    origin = None if desc.origin_shape is None else tuple(desc.origin_shape)
    if origin is None or (origin == () and desc.shape and device_format(desc) is None):
        return desc.shape  # no (or an uninitialised) origin shape: a plain tensor's shape is its own
    return origin


def plain_format(desc: TensorDesc | None) -> str:
    """The origin layout name of a tensor (NHWC, NCHW, HWCN, ND, ...)."""
    if desc is None:
        return "ND"
    return (desc.origin_format or desc.format or "ND").upper()
