"""A small helper shared by all frontends for adding canonical ops to a Graph with unique names."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Op, TensorDesc

Ref = tuple


class GraphBuilder:
    """Adds ops to ``graph``; names are made unique; output descs start unknown (shape inference fills them)."""

    def __init__(self, graph: Graph):
        self.graph = graph

    def op(self, op_type: str, inputs, attrs: dict | None = None, *, name: str, n_out: int = 1,
           source: str | None = None, out_names=None) -> list:
        name = self.graph.unique_name(name or op_type)  # an op named "" could not be referred to in an .om
        outs = []
        for i in range(n_out):
            tname = out_names[i] if out_names and i < len(out_names) else None
            outs.append(TensorDesc(shape=None, name=tname))
        self.graph.add(Op(name, op_type, dict(attrs or {}), outs, source=source), list(inputs))
        return [(name, i) for i in range(n_out)]

    def const(self, value, name: str, source: str | None = None) -> Ref:
        name = self.graph.unique_name(name)
        self.graph.add_const(name, np.asarray(value), source=source)
        return (name, 0)

    def value(self, ref: Ref | None):
        """The constant value behind ref, if it is produced by a Const op."""
        return self.graph.const_value(ref)
