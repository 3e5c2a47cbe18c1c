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
IGNORED_ATTRS: dict = {}     # op type -> attribute names its handler may leave unread (they change nothing)
LEGACY_ATTRS = {"consumed_inputs"}  # opset 1-5 bookkeeping for in-place training; no effect on the result


def onnx_op(*op_types: str, since: int = 1, ignores: tuple = ()):
    """Register a handler: ``@onnx_op("Conv", since=11)``. ``ignores``: attributes that do not change what
    the node computes as converted (e.g. Dropout's seed); any other attribute the handler leaves unread while
    the node sets it to a non-default value refuses the node (E11009), so no attribute is dropped silently."""
    for t in op_types:
        IGNORED_ATTRS.setdefault(t, set()).update(ignores)
    return TABLE.register(*op_types, since=since)


class NodeAttrs(dict):
    """The node's attributes; remembers which ones the handler read (a value read, or the whole dict iterated:
    a handler that passes every attribute on reads them all; ``key in attrs`` alone reads nothing)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read: set = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __iter__(self):
        self.read.update(super().keys())
        return super().__iter__()

    def items(self):
        self.read.update(super().keys())
        return super().items()

    def values(self):
        self.read.update(super().keys())
        return super().values()

    def unread(self) -> list:
        return [k for k in super().keys() if k not in self.read]


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
        """The node's name; an unnamed node is called after its first named output (an unused first output
        is ""), else after its type."""
        return self.node.name or next((o for o in self.node.output if o), self.node.op_type)

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

    def check_attrs_read(self) -> None:
        """After the handler ran: E11009 for an attribute it left unread that the node sets to a value other
        than the schema's default (the converted op would silently compute something else)."""
        if not isinstance(self.attrs, NodeAttrs):
            return
        ignored = IGNORED_ATTRS.get(self.op_type, set()) | LEGACY_ATTRS
        for key in self.attrs.unread():
            if key in ignored:
                continue
            value = dict.__getitem__(self.attrs, key)
            default = self.schema.default(key) if self.schema is not None else None
            if default is not None and _same_value(value, default):
                continue
            raise self.unsupported(f"attribute {key}={_show(value)} is not converted")

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


def _same_value(value, default) -> bool:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        return bool(np.array_equal(np.asarray(value), np.asarray(default)))
    except (TypeError, ValueError):
        return False


def _show(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = repr(value) if isinstance(value, (str, int, float, list, tuple)) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."
