"""The TensorFlow op handler table: ``@tf_op("Conv2D", inputs=2)`` registers a handler for one or more TF op
types, with the number of data inputs the handler reads (a node with fewer is refused with E10001).

A handler receives a NodeContext and returns the list of output refs (one per node output it
produces). Handlers name their main op after the node (``ctx.op(...)``) and helper ops with a
suffix (``ctx.op(..., suffix="filter")``); aliases such as Identity just return their input refs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..builder import GraphBuilder
from ..context import HandlerContext, HandlerTable

TABLE = HandlerTable("TensorFlow")
HANDLERS = TABLE.entries
tf_op = TABLE.register


# What the attributes handlers read must hold, by name (TF names them alike across ops): a node whose
# attribute holds something else is malformed (E10001) before its handler runs.
INT_LIST, INT, NUMBER, TEXT = "a list of ints", "an int", "a number", "a string"
ATTR_KINDS = {
    **{k: INT_LIST for k in ("strides", "dilations", "ksize", "explicit_paddings", "squeeze_dims")},
    **{k: INT for k in ("axis", "num", "num_split", "batch_dims", "block_size", "depth_radius", "begin_mask",
                        "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask", "seed", "seed2")},
    **{k: NUMBER for k in ("alpha", "beta", "bias", "epsilon")},
    **{k: TEXT for k in ("padding", "data_format", "mode", "equation")},
}


def _is_kind(value, kind: str) -> bool:
    if kind == INT_LIST:
        return isinstance(value, list) and all(isinstance(v, int) for v in value)
    if kind == INT:
        return isinstance(value, int)
    if kind == NUMBER:
        return isinstance(value, (int, float))
    return isinstance(value, str)


def find_handler(op_type: str):
    return TABLE.find(op_type)


@dataclass
class NodeContext(HandlerContext):
    """What a handler sees: the NodeDef, its decoded attrs, its data input refs and the builder. Shapes and
    values come from the converter's ShapeTracker (TF leaves them implicit)."""

    node: object            # tf_graph_pb2.NodeDef
    attrs: dict
    inputs: list            # Ref per data input (control inputs dropped)
    builder: GraphBuilder
    converter: object       # the TfConverter (aux names, pre-made inputs)
    name: str = field(init=False)
    op_type: str = field(init=False)

    constant_advice = " in the frozen graph"

    def __post_init__(self):
        self.name, self.op_type = self.node.name, self.node.op

    def check_attrs(self) -> None:
        """E10001 when an attribute a handler reads holds the wrong kind of value (see ATTR_KINDS)."""
        for key, value in self.attrs.items():
            kind = ATTR_KINDS.get(key)
            if kind is not None and value is not None and not _is_kind(value, kind):
                raise self.fail(f"attribute '{key}' must be {kind}, not {value!r}")

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
