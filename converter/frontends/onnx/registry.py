"""The ONNX op handler table: ``@onnx_op("Conv")`` registers a handler for an op type from an opset on.

A handler receives a NodeContext and returns the list of output refs (one per node output).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..builder import GraphBuilder
from ..context import HandlerContext, HandlerTable
from .schemas import NodeSchema, node_problem

TABLE = HandlerTable("ONNX")
HANDLERS = TABLE.entries     # op type -> [(since opset, handler)]
onnx_op = TABLE.register


def find_handler(op_type: str, opset: int):
    return TABLE.find(op_type, opset)


@dataclass
class NodeContext(HandlerContext):
    """What a handler sees: the node, decoded attrs, its input refs, the opset and the builder. ``attr(key)``
    falls back to the ONNX schema's default for the node's opset."""

    node: object            # onnx.NodeProto
    attrs: dict             # attribute name -> python value (tensors as np.ndarray, graphs as GraphProto)
    inputs: list            # Ref | None per node input ("" inputs are None)
    opset: int
    builder: GraphBuilder
    frontend: object = None  # the OnnxConverter (for subgraphs)
    refs: dict | None = None  # tensor name -> ref in the current scope (for subgraphs)
    schema: NodeSchema | None = None  # the op's schema at this opset (None: not in the table)

    @property
    def name(self) -> str:
        return self.node.name or (self.node.output[0] if self.node.output else self.node.op_type)

    @property
    def op_type(self) -> str:
        return self.node.op_type

    def attr(self, key: str, default=None):
        """The node's attribute, else the schema's default, else ``default`` (for an attribute that the
        node's opset does not have yet: what the op did before it existed)."""
        value = self.attrs.get(key)
        if value is None and self.schema is not None:
            value = self.schema.default(key)
        return default if value is None else value

    def check_schema(self) -> None:
        """E10001 when the node does not fit its ONNX schema (input/output counts, attribute types,
        required attributes), before any handler reads it."""
        problem = None if self.schema is None else node_problem(self.node, self.schema)
        if problem:
            raise self.fail(problem)

    def op(self, op_type: str, inputs, attrs: dict | None = None, *, n_out: int | None = None,
           suffix: str = "") -> list:
        """Add a canonical op named after this node; the last op a handler adds gets the node's outputs' names."""
        n = len(self.node.output) if n_out is None else n_out
        return self.builder.op(op_type, inputs, attrs, name=self.name + suffix, n_out=n,
                               source=self.node.name or None,
                               out_names=list(self.node.output) if not suffix else None)

    def op_all_outputs(self, op_type: str, inputs, attrs: dict | None, n_out: int) -> list:
        """An op that always has its ``n_out`` outputs in the IR (Unique, LSTM, ...); the node's missing
        trailing outputs stay unused."""
        return self.op(op_type, inputs, attrs, n_out=n_out)[:len(self.node.output)]

    def const(self, value, suffix: str = "_const"):
        return self.builder.const(np.asarray(value), self.name + suffix)
