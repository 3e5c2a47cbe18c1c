"""The TensorFlow op handler table: ``@tf_op("Conv2D")`` registers a handler for one or more TF op types.

A handler receives a NodeContext and returns the list of output refs (one per node output it
produces). Handlers name their main op after the node (``ctx.op(...)``) and helper ops with a
suffix (``ctx.op(..., suffix="filter")``); aliases such as Identity just return their input refs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...errors import GraphError
from ..builder import GraphBuilder

HANDLERS: dict[str, Callable] = {}


def tf_op(*op_types: str):
    def wrap(fn: Callable) -> Callable:
        for t in op_types:
            if t in HANDLERS:
                raise RuntimeError(f"TF op {t} has two handlers")
            HANDLERS[t] = fn
        return fn

    return wrap


def find_handler(op_type: str):
    return HANDLERS.get(op_type)


def supported_ops() -> list:
    """The TF op types the frontend converts (for `omtool ops` and docs)."""
    from . import handlers  # noqa: F401  (fills the table)
    return sorted(HANDLERS)


@dataclass
class NodeContext:
    """What a handler sees: the NodeDef, its decoded attrs, its data input refs and the builder."""

    node: object            # tf_graph_pb2.NodeDef
    attrs: dict
    inputs: list            # Ref per data input (control inputs dropped)
    builder: GraphBuilder
    converter: object       # the TfConverter (aux names, pre-made inputs)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def op_type(self) -> str:
        return self.node.op

    def attr(self, key: str, default=None):
        value = self.attrs.get(key)
        return default if value is None else value

    def data_format(self, default: str = "NHWC") -> str:
        return str(self.attr("data_format", default)).upper()

    def input(self, i: int):
        return self.inputs[i] if i < len(self.inputs) else None

    def value(self, i: int):
        """The constant value of input i: a Const, or a small tensor computable from constants and
        static shapes (e.g. Shape -> StridedSlice -> Pack); None if absent or not known."""
        ref = self.input(i)
        if ref is None:
            return None
        value = self.builder.value(ref)
        return value if value is not None else self.converter.tracker.value(ref)

    def input_shape(self, i: int):
        """The static knowledge about input i's shape (tuple with -1 for unknown dims, or None)."""
        ref = self.input(i)
        return None if ref is None else self.converter.tracker.shape(ref)

    def require_value(self, i: int, what: str) -> np.ndarray:
        v = self.value(i)
        if v is None:
            raise GraphError("E10001", f"node '{self.name}' ({self.op_type}): input {i} ({what}) must be a "
                             "constant in the frozen graph", node=self.name)
        return v

    def fail(self, message: str, code: str = "E10001") -> GraphError:
        return GraphError(code, f"node '{self.name}' ({self.op_type}): {message}", node=self.name)

    def op(self, op_type: str, inputs, attrs: dict | None = None, *, n_out: int = 1, suffix: str = "") -> list:
        """Add a canonical op; without suffix it is the node's main op and takes the node's name."""
        name = self.converter.aux_name(f"{self.name}/{suffix}") if suffix else self.name
        return self.builder.op(op_type, inputs, attrs, name=name, n_out=n_out, source=self.name)

    def const(self, value, suffix: str) -> tuple:
        name = self.converter.aux_name(f"{self.name}/{suffix}")
        self.builder.graph.add_const(name, np.asarray(value), source=self.name)
        return (name, 0)
