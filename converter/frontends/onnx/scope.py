"""What an ONNX (sub)graph declares and reads: the TensorDesc of a declared value, and the tensors a body
graph reads from its enclosing scope (If/Loop bodies become subgraphs with one Data op per such tensor)."""
from __future__ import annotations

from ...ir import DataType, TensorDesc, from_numpy
from ...ops.containers import optional_desc, sequence_desc
from ...proto import onnx_pb2 as onnx
from .reader import onnx_dtype_to_numpy


def value_info_desc(vi: onnx.ValueInfoProto) -> TensorDesc:
    """The TensorDesc a graph input/output declares (-1 for unknown dims, shape None for an unknown rank);
    sequences and optionals are DT_VARIANT descs (ops/containers.py)."""
    return type_desc(vi.type, vi.name)


def _tensor_type(tt) -> tuple:
    dtype = from_numpy(onnx_dtype_to_numpy(tt.elem_type)) if tt.elem_type else DataType.DT_FLOAT
    shape = None
    if tt.HasField("shape"):
        shape = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else -1 for d in tt.shape.dim)
    return dtype, shape


def type_desc(tp: onnx.TypeProto, name: str | None = None) -> TensorDesc:
    """The TensorDesc of an ONNX TypeProto: a tensor, a sequence of tensors, or an optional of either."""
    kind = tp.WhichOneof("value")
    if kind == "sequence_type":
        inner = tp.sequence_type.elem_type
        elem = _tensor_type(inner.tensor_type)[0] if inner.WhichOneof("value") == "tensor_type" else None
        return sequence_desc(elem).copy(name=name)
    if kind == "optional_type":
        inner = tp.optional_type.elem_type
        if inner.WhichOneof("value") == "sequence_type":
            seq = inner.sequence_type.elem_type
            elem = _tensor_type(seq.tensor_type)[0] if seq.WhichOneof("value") == "tensor_type" else None
            return optional_desc(elem, "sequence").copy(name=name)
        dtype, shape = _tensor_type(inner.tensor_type)
        return optional_desc(dtype, "tensor", shape).copy(name=name)
    dtype, shape = _tensor_type(tp.tensor_type)
    return TensorDesc(dtype=dtype, shape=shape, format="ND", origin_shape=shape, origin_dtype=dtype, name=name)


def free_names(g: onnx.GraphProto) -> list:
    """Tensor names a (sub)graph reads from its enclosing scope, in first-use order."""
    defined = {t.name for t in g.initializer} | {vi.name for vi in g.input}
    free: list = []

    def visit(graph: onnx.GraphProto, local: set) -> None:
        for n in graph.node:
            for name in n.input:
                if name and name not in local and name not in free:
                    free.append(name)
            for a in n.attribute:
                subs = [a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)
                for sub in subs:
                    visit(sub, local | {t.name for t in sub.initializer} | {vi.name for vi in sub.input}
                          | {o for m in sub.node for o in m.output})
            local = local | set(n.output)

    visit(g, set(defined))
    return [name for name in free if name not in defined]
