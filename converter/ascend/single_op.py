"""A one-op GE model: Data ops for the inputs, Const ops (weights in WEIGHTS_DATA, laid out in their device
format) for the constant ones, the op with its attributes and descriptors, a NetOutput. This is what ATC's
--singleop description files describe; the tests use it to check each GE op mapping numerically.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
