"""The TensorFlow op handler table: ``@tf_op("Conv2D", inputs=2)`` registers a handler for one or more TF op
types, with the number of data inputs the handler reads (a node with fewer is refused with E10001).

A handler receives a NodeContext and returns the list of output refs (one per node output it
produces). Handlers name their main op after the node (``ctx.op(...)``) and helper ops with a
suffix (``ctx.op(..., suffix="filter")``); aliases such as Identity just return their input refs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..builder import GraphBuilder
from ..context import HandlerContext, HandlerTable

TABLE = HandlerTable("TensorFlow")
HANDLERS = TABLE.entries
tf_op = TABLE.register


def find_handler(op_type: str):
    return TABLE.find(op_type)


def supported_ops() -> list:
    """The TF op types the frontend converts (for `omtool ops` and docs)."""
    from . import handlers  # noqa: F401  (fills the table)
    return TABLE.types()


@dataclass
class NodeContext(HandlerContext):
    """What a handler sees: the NodeDef, its decoded attrs, its data input refs and the builder. Shapes and
    values come from the converter's ShapeTracker (TF leaves them implicit)."""

    node: object            # tf_graph_pb2.NodeDef
    attrs: dict
    inputs: list            # Ref per data input (control inputs dropped)
    builder: GraphBuilder
    converter: object       # the TfConverter (aux names, pre-made inputs)

    constant_advice = " in the frozen graph"

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def op_type(self) -> str:
        return self.node.op

    def data_format(self, default: str = "NHWC") -> str:
        return str(self.attr("data_format", default)).upper()

    def value(self, i: int):
        """The constant value of input i: a Const, or a small tensor computable from constants and
        static shapes (e.g. Shape -> StridedSlice -> Pack); None if absent or not known."""
        ref = self.input(i)
        if ref is None:
            return None
        value = self.builder.value(ref)
        return value if value is not None else self.converter.tracker.value(ref)

    def shape(self, i: int = 0):
        """The static knowledge about input i's shape (tuple with -1 for unknown dims, or None)."""
        ref = self.input(i)
        return None if ref is None else self.converter.tracker.shape(ref)

    def op(self, op_type: str, inputs, attrs: dict | None = None, *, n_out: int = 1, suffix: str = "") -> list:
        """Add a canonical op; without suffix it is the node's main op and takes the node's name."""
        name = self.converter.aux_name(f"{self.name}/{suffix}") if suffix else self.name
        return self.builder.op(op_type, inputs, attrs, name=name, n_out=n_out, source=self.name)

    def const(self, value, suffix: str) -> tuple:
        name = self.converter.aux_name(f"{self.name}/{suffix}")
        self.builder.graph.add_const(name, np.asarray(value), source=self.name)
        return (name, 0)
