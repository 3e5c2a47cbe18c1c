"""The ONNX op handler table: ``@onnx_op("Conv")`` registers a handler for an op type from an opset on.

A handler receives a NodeContext and returns the list of output refs (one per node output).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...errors import GraphError
from ..builder import GraphBuilder

# op_type -> list of (since_opset, handler), sorted by since
HANDLERS: dict[str, list] = {}


def onnx_op(*op_types: str, since: int = 1):
    def wrap(fn: Callable) -> Callable:
        for t in op_types:
            HANDLERS.setdefault(t, []).append((since, fn))
            HANDLERS[t].sort(key=lambda e: e[0])
        return fn

    return wrap


def find_handler(op_type: str, opset: int):
    best = None
    for since, fn in HANDLERS.get(op_type, []):
        if since <= opset:
            best = fn
    return best


@dataclass
class NodeContext:
    """What a handler sees: the node, decoded attrs, its input refs, the opset and the builder."""

    node: object            # onnx.NodeProto
    attrs: dict             # attribute name -> python value (tensors as np.ndarray, graphs as GraphProto)
    inputs: list            # Ref | None per node input ("" inputs are None)
    opset: int
    builder: GraphBuilder
    frontend: object = None  # the OnnxConverter (for subgraphs)
    refs: dict | None = None  # tensor name -> ref in the current scope (for subgraphs)

    @property
    def name(self) -> str:
        return self.node.name or (self.node.output[0] if self.node.output else self.node.op_type)

    def attr(self, key: str, default=None):
        return self.attrs.get(key, default)

    def input(self, i: int):
        return self.inputs[i] if i < len(self.inputs) else None

    def value(self, i: int):
        """The constant value of input i (None if absent or not constant)."""
        return self.builder.value(self.input(i))

    def require_value(self, i: int, what: str) -> np.ndarray:
        v = self.value(i)
        if v is None:
            raise GraphError("E10001", f"node '{self.name}' ({self.node.op_type}): input {i} ({what}) must be "
                             "a constant (fix the input shapes with --input_shape so it can be folded)",
                             node=self.name)
        return v

    def desc(self, i: int):
        ref = self.input(i)
        return None if ref is None else self.builder.graph.desc(ref)

    def op(self, op_type: str, inputs, attrs: dict | None = None, *, n_out: int | None = None,
           suffix: str = "") -> list:
        """Add a canonical op named after this node; the last op a handler adds gets the node's outputs' names."""
        n = len(self.node.output) if n_out is None else n_out
        return self.builder.op(op_type, inputs, attrs, name=self.name + suffix, n_out=n,
                               source=self.node.name or None,
                               out_names=list(self.node.output) if not suffix else None)

    def const(self, value, suffix: str = "_const"):
        return self.builder.const(np.asarray(value), self.name + suffix)
