"""ONNX graph building blocks for the exporter: one name pool per model, nodes, initializers and
value types of one ONNX graph (the main graph or a control-flow body)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper

from ..errors import UNSUPPORTED_OP, ConverterError
from ..ir import DataType, from_numpy, to_numpy
from ..ir.dtypes import to_bytes

# ONNX element types our DataTypes map to (the rest have no ONNX tensor type)
_ONNX_TYPES = {
    DataType.DT_FLOAT: TensorProto.FLOAT, DataType.DT_FLOAT16: TensorProto.FLOAT16,
    DataType.DT_INT8: TensorProto.INT8, DataType.DT_UINT8: TensorProto.UINT8,
    DataType.DT_INT16: TensorProto.INT16, DataType.DT_UINT16: TensorProto.UINT16,
    DataType.DT_INT32: TensorProto.INT32, DataType.DT_INT64: TensorProto.INT64,
    DataType.DT_UINT32: TensorProto.UINT32, DataType.DT_UINT64: TensorProto.UINT64,
    DataType.DT_BOOL: TensorProto.BOOL, DataType.DT_DOUBLE: TensorProto.DOUBLE,
    DataType.DT_STRING: TensorProto.STRING, DataType.DT_COMPLEX64: TensorProto.COMPLEX64,
    DataType.DT_COMPLEX128: TensorProto.COMPLEX128, DataType.DT_BF16: TensorProto.BFLOAT16,
    # the narrow types by number (older onnx wheels lack some names)
    DataType.DT_FLOAT8_E4M3FN: 17, DataType.DT_FLOAT8_E5M2: 19, DataType.DT_INT4: 22, DataType.DT_FLOAT4_E2M1: 23,
    DataType.DT_FLOAT8_E8M0: 24, DataType.DT_UINT2: 25, DataType.DT_INT2: 26,
}


def onnx_type(dtype: int, what: str = "") -> int:
    """The ONNX element type of one of our DataTypes (E11009 when ONNX has none)."""
    try:
        return _ONNX_TYPES[DataType(int(dtype))]
    except (KeyError, ValueError):
        name = DataType(int(dtype)).name if int(dtype) in DataType._value2member_map_ else str(dtype)
        raise ConverterError(UNSUPPORTED_OP, f"{what or 'a tensor'} has data type {name}, which ONNX has no tensor "
                             "type for") from None


class NamePool:
    """Value and node names already used anywhere in the model (ONNX wants them unique across scopes)."""

    def __init__(self):
        self.used: set = set()

    def take(self, base: str) -> str:
        base = base or "v"
        name, i = base, 1
        while name in self.used:
            name, i = f"{base}_{i}", i + 1
        self.used.add(name)
        return name


def value_type(dtype: int, shape=None, elem_dtype: int | None = None, what: str = ""):
    """A TypeProto: a tensor (shape None = unknown rank, -1 dims unknown) or, for DT_VARIANT, a
    sequence of tensors of elem_dtype."""
    if int(dtype) == DataType.DT_VARIANT:
        if elem_dtype is None:
            raise ConverterError(UNSUPPORTED_OP, f"{what or 'a sequence'}: the element type of the sequence is not "
                                 "known, so its ONNX type cannot be written")
        return helper.make_sequence_type_proto(helper.make_tensor_type_proto(onnx_type(elem_dtype, what), None))
    dims = None if shape is None else [d if d >= 0 else None for d in shape]
    return helper.make_tensor_type_proto(onnx_type(dtype, what), dims)


class OnnxGraph:
    """One ONNX graph under construction; every name comes from the model's NamePool."""

    def __init__(self, names: NamePool, name: str):
        self.names = names
        self.name = name
        self.nodes: list = []
        self.inputs: list = []
        self.outputs: list = []
        self.proto = onnx.GraphProto()   # initializers go straight in (one copy of the weight bytes)

    def tmp(self, hint: str) -> str:
        return self.names.take(hint)

    def node(self, op_type: str, inputs, outputs=1, name: str | None = None, domain: str = "", **attrs) -> list:
        """Add a node; ``outputs`` is a list of names or a count of fresh names. Absent inputs are None or
        ''; attrs whose value is None are left out. Returns the output names."""
        if isinstance(outputs, int):
            outputs = [self.tmp(f"{name or op_type}_out{i}" if outputs > 1 else f"{name or op_type}_out")
                       for i in range(outputs)]
        ins = ["" if i is None else i for i in inputs]
        while ins and ins[-1] == "":
            ins.pop()
        kept = {k: v for k, v in attrs.items() if v is not None}
        node_name = self.names.take(name or op_type)
        self.nodes.append(helper.make_node(op_type, ins, list(outputs), name=node_name, domain=domain or None,
                                           **kept))
        return list(outputs)

    def const(self, value, hint: str = "const", dtype=None) -> str:
        """An initializer holding ``value`` (as ``dtype`` when given); returns its name."""
        array = np.asarray(value, dtype=dtype)
        name = self.tmp(hint)
        if array.dtype.kind == "O":
            tensor = helper.make_tensor(name, TensorProto.STRING, array.shape,
                                        [s if isinstance(s, bytes) else str(s).encode() for s in array.reshape(-1)])
            self.proto.initializer.append(tensor)
            return name
        tensor = self.proto.initializer.add()
        tensor.name = name
        tensor.data_type = onnx_type(from_numpy(array.dtype), f"constant '{name}'")
        tensor.dims.extend(array.shape)
        tensor.raw_data = to_bytes(array).tobytes()  # little-endian; int4/float4/int2 packed as ONNX packs them
        return name

    def add_input(self, name: str, type_proto) -> None:
        self.inputs.append(helper.make_value_info(name, type_proto))

    def add_output(self, name: str, type_proto) -> None:
        self.outputs.append(helper.make_value_info(name, type_proto))

    def to_proto(self) -> onnx.GraphProto:
        graph = self.proto
        graph.name = self.name
        graph.node.extend(self.nodes)
        graph.input.extend(self.inputs)
        graph.output.extend(self.outputs)
        return graph


def numpy_of(dtype: int) -> np.dtype:
    return np.dtype(to_numpy(dtype))
