"""A one-op GE model: Data ops for the inputs, Const ops for the constant ones, the op with its attributes
and descriptors, a NetOutput. ``single_op_model`` builds one from TensorSpecs (weights in WEIGHTS_DATA, laid
out in their device format; the tests check each GE op mapping with it); ``description_graphs`` builds and
lowers one per entry of an ATC --singleop description file (read by ``description``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import INVALID_OP_PARAMETER, UNSUPPORTED_OP, ConverterError
from ..ir import DataType, TensorDesc, from_numpy
from ..om.attrs import desc_to_proto, to_attr
from ..ops.formats import to_device
from ..proto import ge_ir_pb2 as ge

MARK = "single-op"


@dataclass
class TensorSpec:
    """One input or output of the op: dtype and plain (origin) shape, the layout the op reads it in
    (``format``, e.g. FRACTAL_Z, and ``origin_format``, e.g. HWCN), and its value: stored in WEIGHTS_DATA when
    ``const``, else fed to the model input that stands for it."""

    dtype: object = np.float32
    shape: tuple = ()
    format: str = "ND"
    origin_format: str | None = None
    value: np.ndarray | None = None
    const: bool = False
    groups: int = 1

    def desc(self) -> TensorDesc:
        dtype = self.dtype if isinstance(self.dtype, (int, DataType)) else from_numpy(np.dtype(self.dtype))
        origin = (self.origin_format or self.format).upper()
        shape = tuple(self.shape)
        if self.format.upper() != origin:
            dummy = np.zeros(shape, dtype=np.float16 if int(dtype) == DataType.DT_FLOAT16 else np.float32)
            if int(dtype) in (DataType.DT_INT8, DataType.DT_UINT8):
                dummy = dummy.astype(np.int8)
            shape = to_device(dummy, self.format, origin, self.groups).shape
        return TensorDesc(dtype=int(dtype), shape=shape, format=self.format, origin_format=origin,
                          origin_shape=tuple(self.shape))


def single_op_model(op_type: str, inputs: list, outputs: list, attrs: dict | None = None,
                    name: str = "op", fetch=None) -> tuple:
    """(ModelDef, WEIGHTS_DATA bytes) of a graph holding one ``op_type`` op. ``inputs``: TensorSpec (None for
    an absent optional input); ``outputs``: TensorSpec; ``attrs``: plain Python values (GE's conventions);
    ``fetch``: the outputs the model returns (all by default)."""
    model = ge.ModelDef()
    model.name = name
    model.attr["atc_version"].s = MARK.encode()
    graph = model.graph.add()
    graph.name = name
    weights = bytearray()
    feeds = 0
    op_inputs = []
    for k, spec in enumerate(inputs):
        if spec is None:
            op_inputs.append(None)
            continue
        desc = spec.desc()
        producer = graph.op.add()
        if spec.const:
            producer.name, producer.type = f"const{k}", "Const"
            value = np.asarray(spec.value, dtype=spec.dtype)
            stored = to_device(value, spec.format, (spec.origin_format or spec.format).upper(), spec.groups)
            tensor = producer.attr["value"].t
            desc_to_proto(desc, tensor.desc)
            tensor.desc.data_offset = len(weights)
            tensor.desc.weight_size = stored.nbytes
            weights += np.ascontiguousarray(stored).tobytes()
        else:
            producer.name, producer.type = f"input{k}", "Data"
            to_attr(feeds, producer.attr["index"])
            feeds += 1
            desc = TensorDesc(dtype=desc.dtype, shape=tuple(spec.shape), format=desc.origin_format,
                              origin_format=desc.origin_format, origin_shape=tuple(spec.shape))
        desc_to_proto(desc, producer.output_desc.add())
        op_inputs.append((producer.name, spec))
    op = graph.op.add()
    op.name, op.type = name, op_type
    for entry in op_inputs:
        op.input.append("" if entry is None else f"{entry[0]}:0")
        target = op.input_desc.add()
        if entry is not None:
            desc_to_proto(entry[1].desc(), target)
    for spec in outputs:
        desc_to_proto(spec.desc(), op.output_desc.add())
    for key, value in sorted((attrs or {}).items()):
        to_attr(value, op.attr[key])
    out = graph.op.add()
    out.name, out.type = "output", "NetOutput"
    for k, spec in enumerate(outputs):
        if fetch is not None and k not in fetch:
            continue
        out.input.append(f"{name}:{k}")
        fmt = (spec.origin_format or spec.format).upper()
        plain = TensorDesc(dtype=spec.desc().dtype, shape=tuple(spec.shape), format=fmt, origin_format=fmt,
                           origin_shape=tuple(spec.shape))
        desc_to_proto(plain, out.input_desc.add())
    return model, bytes(weights)


def feeds_of(inputs: list) -> dict:
    """The model inputs of a single_op_model: input{k} -> the value of each non-constant spec."""
    return {f"input{k}": np.asarray(s.value, dtype=s.dtype) for k, s in enumerate(inputs)
            if s is not None and not s.const}


def description_model(entry) -> ge.ModelDef:
    """The GE model of one entry of a single-operator description file (``description.OpEntry``): a Data op per
    non-constant input (index in input order, named after the tensor's name or ``input{k}``), a Const per
    constant one (its value inline, in the runtime format as written), the op named as ATC names it (the
    entry's name, else its type), and a NetOutput returning every output."""
    model = ge.ModelDef()
    model.name = entry.name or entry.op
    model.attr["atc_version"].s = MARK.encode()
    graph = model.graph.add()
    graph.name = model.name
    op_name = entry.name or entry.op
    taken = {op_name, "output"}
    producers, feeds = [], 0
    for k, tensor in enumerate(entry.inputs):
        if tensor.absent:
            producers.append(None)
            continue
        name = _unique(tensor.name or f"input{k}", taken)
        producer = graph.op.add()
        producer.name = name
        desc_to_proto(_runtime_desc(tensor), producer.output_desc.add())
        if tensor.value is not None:
            producer.type = "Const"
            tensor_def = producer.attr["value"].t
            desc_to_proto(_runtime_desc(tensor), tensor_def.desc)
            tensor_def.data = np.ascontiguousarray(tensor.value).astype(tensor.value.dtype.newbyteorder("<")).tobytes()
        else:
            producer.type = "Data"
            to_attr(feeds, producer.attr["index"])
            feeds += 1
        producers.append(name)
    op = graph.op.add()
    op.name, op.type = op_name, entry.op
    for name, tensor in zip(producers, entry.inputs):
        op.input.append("" if name is None else f"{name}:0")
        target = op.input_desc.add()
        if name is not None:
            desc_to_proto(_runtime_desc(tensor), target)
    for tensor in entry.outputs:
        desc_to_proto(_runtime_desc(tensor), op.output_desc.add())
    for key, value in sorted(entry.attrs.items()):
        to_attr(value, op.attr[key])
    out = graph.op.add()
    out.name, out.type = "output", "NetOutput"
    for k, tensor in enumerate(entry.outputs):
        out.input.append(f"{op_name}:{k}")
        desc_to_proto(_runtime_desc(tensor), out.input_desc.add())
    return model


def _unique(name: str, taken: set) -> str:
    base, n = name, 1
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _runtime_desc(tensor) -> TensorDesc:
    """A description tensor as a GE descriptor: runtime format and shape, origin format and shape, range."""
    shape = None if tensor.unknown_rank else tuple(tensor.shape)
    origin = None if tuple(tensor.origin_shape) == (-2,) else tuple(tensor.origin_shape)
    return TensorDesc(dtype=int(tensor.dtype), shape=shape, format=tensor.format, origin_format=tensor.origin_format,
                      origin_shape=origin, shape_range=tensor.shape_range, name=tensor.name)


def description_graphs(path: str) -> list:
    """(entry, canonical graph) for each compiled entry of a single-operator description file: read and
    validated by ATC's rules (``description``), every op type checked against the GE op table at once (E11009),
    each entry's inputs counted against it and its outputs checked against what the op yields (E13014)."""
    from .description import read_description
    from .table import find
    entries = read_description(path)
    unknown: dict = {}
    for e in entries:
        if find(e.op) is None:
            unknown.setdefault(e.op, []).append(e.position)
    if unknown:
        listed = "; ".join(f"{t!r} (entry {', '.join(map(str, idx))})" for t, idx in sorted(unknown.items()))
        raise ConverterError(UNSUPPORTED_OP,
                             f"--singleop: {len(unknown)} op type(s) of '{path}' are not Ascend IR types we "
                             f"build: {listed}. Run 'omtool ops' for the list", option="--singleop", path=path)
    return [(e, _entry_graph(e, find(e.op), path)) for e in entries]


# op types whose listed inputs share one data type (Ascend IR's "T" of x1, x2, ...); None = all inputs
SAME_TYPE_INPUTS = {"AddN": None, "ConcatD": None, "ConcatV2D": None, "Pack": None, "Select": (1, 2),
                    "SelectV2": (1, 2), "ClipByValue": None, "Maximum": None, "Minimum": None}


def _same_type_inputs(op_type: str):
    from .ge_ops import BINARY, RENAMED
    if op_type in BINARY or RENAMED.get(op_type) in BINARY:
        return (0, 1)
    return SAME_TYPE_INPUTS.get(op_type, ())


def _entry_graph(entry, row, path: str):
    from .lower import lower_model_def
    present = [t for t in entry.inputs if not t.absent]
    low, high = row.inputs
    where = f"--singleop: {entry.label}"
    if not low <= len(present) <= high:
        want = f"{low}" if low == high else f"{low} to {high}"
        raise ConverterError(INVALID_OP_PARAMETER, f"{where} has {len(present)} input(s); {entry.op} takes {want}",
                             option="--singleop", path=path)
    if not entry.outputs:
        raise ConverterError(INVALID_OP_PARAMETER, f"{where} has no output_desc; describe every output of the op",
                             option="--singleop", path=path)
    shared = _same_type_inputs(entry.op)
    picked = [t for i, t in enumerate(entry.inputs) if not t.absent and (shared is None or i in shared)]
    if len({int(t.dtype) for t in picked}) > 1:
        names = ", ".join(DataType(t.dtype).name[3:].lower() for t in picked)
        raise ConverterError(INVALID_OP_PARAMETER,
                             f"{where}: the inputs of {entry.op} share one data type; they are {names}",
                             option="--singleop", path=path)
    try:
        return lower_model_def(description_model(entry), b"", declared=True)
    except ConverterError as exc:
        raise type(exc)(exc.code, f"{where}: {exc.message}", option="--singleop", node=exc.node,
                        path=path) from None
