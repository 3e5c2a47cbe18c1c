"""Builds small TF GraphDefs with our own proto classes (no tensorflow needed) and runs them."""
from __future__ import annotations

import os

import numpy as np

from converter.frontends.tensorflow import load_tf_graph
from converter.proto import tf_graph_pb2 as tfpb
from converter.runtime import Session

# numpy dtype -> TF DataType number
TF_TYPES = {np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3, np.dtype(np.uint8): 4,
            np.dtype(np.int16): 5, np.dtype(np.int8): 6, np.dtype(np.int64): 9, np.dtype(np.bool_): 10,
            np.dtype(np.uint16): 17, np.dtype(np.float16): 19, np.dtype(np.uint32): 22,
            np.dtype(np.uint64): 23, np.dtype(np.complex64): 8}


class Shape(tuple):
    """Marks a tuple as a shape attr (None = unknown rank)."""


class DType:
    """Marks a numpy dtype as a type attr."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)


def tensor_proto(value, typed_list: bool = False) -> tfpb.TensorProto:
    arr = np.asarray(value)
    t = tfpb.TensorProto(dtype=TF_TYPES[arr.dtype])
    for d in arr.shape:
        t.tensor_shape.dim.add(size=d)
    if not typed_list:
        t.tensor_content = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        return t
    flat = arr.reshape(-1)
    field = {1: "float_val", 2: "double_val", 3: "int_val", 9: "int64_val", 10: "bool_val"}[t.dtype]
    getattr(t, field).extend(flat.tolist())
    return t


def set_attr(av: tfpb.AttrValue, value) -> None:
    if isinstance(value, DType):
        av.type = TF_TYPES[value.dtype]
    elif isinstance(value, Shape):
        for d in value:
            av.shape.dim.add(size=-1 if d is None else d)
    elif value is None:
        av.shape.unknown_rank = True
    elif isinstance(value, bool):
        av.b = value
    elif isinstance(value, int):
        av.i = value
    elif isinstance(value, float):
        av.f = value
    elif isinstance(value, str):
        av.s = value.encode()
    elif isinstance(value, np.ndarray):
        av.tensor.CopyFrom(tensor_proto(value))
    elif isinstance(value, (list, tuple)):
        av.list.SetInParent()
        if all(isinstance(v, int) for v in value):
            av.list.i.extend(value)
        elif all(isinstance(v, (int, float)) for v in value):
            av.list.f.extend(value)
        else:
            av.list.s.extend(v.encode() for v in value)
    else:
        raise TypeError(f"cannot encode attr value {value!r}")


class GraphDefBuilder:
    """``g.placeholder("x", (1, 4, 4, 3))``, ``g.const("w", arr)``, ``g.node("y", "Relu", ["x"])``."""

    def __init__(self):
        self.graph = tfpb.GraphDef()
        self.graph.versions.producer = 1000

    def node(self, name: str, op: str, inputs=(), **attrs) -> str:
        n = self.graph.node.add(name=name, op=op)
        n.input.extend(inputs)
        for key, value in attrs.items():
            set_attr(n.attr[key], value)
        return name

    def placeholder(self, name: str, shape=None, dtype=np.float32) -> str:
        shape_attr = None if shape is None else Shape(shape)
        return self.node(name, "Placeholder", dtype=DType(dtype), shape=shape_attr)

    def const(self, name: str, value, dtype=None, typed_list: bool = False) -> str:
        arr = np.asarray(value, dtype=dtype)
        n = self.graph.node.add(name=name, op="Const")
        n.attr["value"].tensor.CopyFrom(tensor_proto(arr, typed_list))
        n.attr["dtype"].type = TF_TYPES[arr.dtype]
        return name

    def save(self, folder, name: str = "g.pb") -> str:
        path = os.path.join(str(folder), name)
        with open(path, "wb") as f:
            f.write(self.graph.SerializeToString())
        return path


def run_graphdef(builder: GraphDefBuilder, folder, feeds: dict, out_nodes=None, input_shapes=None) -> list:
    """Convert with the TF frontend only (no passes) and run with the reference runtime."""
    graph = load_tf_graph(builder.save(folder), input_shapes or {}, out_nodes or [])
    results = Session(graph).run(feeds)
    return list(results.values())


def add_function(g: GraphDefBuilder, name: str, inputs, outputs, nodes, ret: dict):
    """A library function. inputs/outputs: arg names (float) or (name, TF type number) pairs; nodes:
    (name, op, inputs, attrs) in function-body syntax ("node:output_arg:index")."""
    f = g.graph.library.function.add()
    f.signature.name = name
    for arg in inputs:
        arg_name, arg_type = arg if isinstance(arg, tuple) else (arg, 1)
        f.signature.input_arg.add(name=arg_name, type=arg_type)
    for arg in outputs:
        arg_name, arg_type = arg if isinstance(arg, tuple) else (arg, 1)
        f.signature.output_arg.add(name=arg_name, type=arg_type)
    for node_name, op, node_inputs, attrs in nodes:
        n = f.node_def.add(name=node_name, op=op)
        n.input.extend(node_inputs)
        for key, value in attrs.items():
            set_attr(n.attr[key], value)
    for key, value in ret.items():
        f.ret[key] = value
    return f
