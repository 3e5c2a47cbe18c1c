"""What an ONNX (sub)graph declares and reads: the TensorDesc of a declared value, and the tensors a body
graph reads from its enclosing scope (If/Loop bodies become subgraphs with one Data op per such tensor)."""
from __future__ import annotations

import onnx

from ...ir import TensorDesc, from_numpy
from .reader import onnx_dtype_to_numpy


def value_info_desc(vi: onnx.ValueInfoProto) -> TensorDesc:
    """The TensorDesc a graph input/output declares (-1 for unknown dims, shape None for an unknown rank)."""
    tt = vi.type.tensor_type
    dtype = from_numpy(onnx_dtype_to_numpy(tt.elem_type)) if tt.elem_type else 1
    shape = None
    if tt.HasField("shape"):
        shape = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else -1 for d in tt.shape.dim)
    return TensorDesc(dtype=dtype, shape=shape, format="ND", origin_shape=shape, origin_dtype=dtype,
                      name=vi.name)


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
