"""What every frontend's handlers share: the handler table, the context a handler sees (the node's name,
type, input refs, constant values, shapes and attributes as known while converting, and the one way to
refuse a node), and ``call_handler``, which tells a malformed node (an E-code the handler raised) from a
bug of ours (anything else: E19999 naming the node).

The ONNX NodeContext, the Caffe LayerContext and the TensorFlow NodeContext derive from HandlerContext.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import (INTERNAL_ERROR, INVALID_ARGUMENT_VALUE, TENSOR_TOO_LARGE, UNSUPPORTED_OP, ConverterError,
                      GraphError)
from ..ir.sizes import is_allocation_failure
from .builder import GraphBuilder


class HandlerTable:
    """Source op type -> handler; a type may have several handlers by version (ONNX opsets), the one with
    the highest ``since`` not above the model's version applies. ``inputs``: how many inputs the handler
    reads (a node with fewer is malformed; ONNX nodes are checked against the ONNX schema instead)."""

    def __init__(self, framework: str):
        self.framework = framework
        self.entries: dict[str, list] = {}   # op type -> [(since, handler)] sorted by since
        self.min_inputs: dict[str, int] = {}

    def register(self, *op_types: str, since: int = 1, inputs: int = 0) -> Callable:
        """Decorator: ``@table.register("Conv", since=11)``."""
        def wrap(fn: Callable) -> Callable:
            for t in op_types:
                versions = self.entries.setdefault(t, [])
                if any(s == since for s, _ in versions):
                    raise RuntimeError(f"{self.framework} op {t} has two handlers from version {since}")
                versions.append((since, fn))
                versions.sort(key=lambda e: e[0])
                if inputs:
                    self.min_inputs[t] = inputs
            return fn

        return wrap

    def convert(self, ctx: HandlerContext, version: int | None = None) -> list:
        """Run the handler for ``ctx``'s node: its input count checked, a bug of ours reported as E19999."""
        need = self.min_inputs.get(ctx.op_type, 0)
        if len(ctx.inputs) < need:
            raise ctx.fail(f"it has {len(ctx.inputs)} {ctx.input_noun}(s); its type needs {need}")
        return call_handler(self.find(ctx.op_type, version), ctx)

    def find(self, op_type: str, version: int | None = None):
        """The handler for op_type at ``version`` (None: the newest), or None."""
        best = None
        for since, fn in self.entries.get(op_type, ()):
            if version is None or since <= version:
                best = fn
        return best

    def types(self) -> list:
        return sorted(self.entries)


class HandlerContext:
    """The node a handler converts. Subclasses provide ``name``, ``op_type``, ``inputs`` (one ref or None
    per input), ``builder`` and ``attrs``; messages call the node a ``kind`` and its inputs ``input_noun``s."""

    kind = "node"
    input_noun = "input"
    constant_advice = " (fix the input shapes with --input_shape so it can be folded)"
    name: str
    op_type: str
    inputs: list
    builder: GraphBuilder
    attrs: dict

    # ---- refusing -----------------------------------------------------------------------------
    def where(self) -> str:
        return f"{self.kind} '{self.name}' ({self.op_type})"

    def fail(self, message: str, code: str = INVALID_ARGUMENT_VALUE) -> GraphError:
        """The error to raise for this node: E10001 (malformed), E11009 (a feature we do not convert), ..."""
        return GraphError(code, f"{self.where()}: {message}", node=self.name)

    def unsupported(self, message: str) -> GraphError:
        """E11009: the node uses a feature we do not convert."""
        return self.fail(message, UNSUPPORTED_OP)

    # ---- inputs -------------------------------------------------------------------------------
    def input(self, i: int):
        """The ref of input i, None when it is absent."""
        return self.inputs[i] if 0 <= i < len(self.inputs) else None

    def input_label(self, i: int) -> str:
        return f"{self.input_noun} {i}"

    def require_input(self, i: int, what: str):
        ref = self.input(i)
        if ref is None:
            raise self.fail(f"{self.input_label(i)} ({what}) is missing")
        return ref

    def value(self, i: int):
        """The constant value of input i (None if absent or not constant)."""
        ref = self.input(i)
        if ref is None or ref[0] not in self.builder.graph:
            return None
        return self.builder.value(ref)

    def require_value(self, i: int, what: str) -> np.ndarray:
        v = self.value(i)
        if v is None:
            raise self.fail(f"{self.input_label(i)} ({what}) must be a constant{self.constant_advice}")
        return v

    def require_scalar(self, i: int, what: str) -> np.ndarray:
        """The constant input i holding exactly one value, as a 0-d array."""
        v = np.asarray(self.require_value(i, what))
        if v.size != 1:
            raise self.fail(f"{self.input_label(i)} ({what}) holds {v.size} values; it must hold one")
        return v.reshape(())

    def require_int(self, i: int, what: str) -> int:
        return int(self.require_scalar(i, what))

    def desc(self, i: int):
        """The TensorDesc of input i, None when absent or not in this graph (an outer-scope tensor)."""
        ref = self.input(i)
        if ref is None or ref[0] not in self.builder.graph:
            return None
        return self.builder.graph.desc(ref)

    def shape(self, i: int = 0):
        """What is known of input i's shape now (a tuple, -1 for unknown dims), or None."""
        d = self.desc(i)
        return None if d is None or d.shape is None else tuple(d.shape)

    def require_shape(self, i: int = 0, rank: int | None = None, min_rank: int = 0) -> tuple:
        """The known shape of input i; E10001 when it is unknown or its rank is not ``rank`` (at least
        ``min_rank``)."""
        shape = self.shape(i)
        if shape is None:
            raise self.fail(f"the shape of {self.input_label(i)} is unknown (set the input shapes with "
                            "--input_shape)")
        if (rank is not None and len(shape) != rank) or len(shape) < min_rank:
            need = f"{rank}-D" if rank is not None else f"at least {min_rank}-D"
            raise self.fail(f"{self.input_label(i)} is {len(shape)}-D; this {self.kind} needs it {need}")
        return shape

    def rank(self, i: int = 0):
        """The rank of input i, or None when it is not known yet."""
        shape = self.shape(i)
        return None if shape is None else len(shape)

    def require_rank(self, i: int = 0) -> int:
        return len(self.require_shape(i))

    def axis(self, axis: int, i: int = 0, extra: int = 0) -> int:
        """An axis of input i (counted on an output with ``extra`` more dims), made non-negative when the
        rank is known (E10001 when it is out of range); left as given otherwise."""
        axis = int(axis)
        rank = self.rank(i)
        if rank is None:
            return axis
        bound = rank + extra
        if not -bound <= axis < bound:
            raise self.fail(f"axis {axis} is out of range for a {rank}-D {self.input_noun}")
        return axis + bound if axis < 0 else axis

    def axes(self, axes, i: int = 0, extra: int = 0) -> list:
        return [self.axis(a, i, extra) for a in axes]

    # ---- attributes ---------------------------------------------------------------------------
    def attr(self, key: str, default=None):
        """The attribute's value, ``default`` when the node does not set it."""
        value = self.attrs.get(key)
        return default if value is None else value

    def require_attr(self, key: str):
        value = self.attr(key)
        if value is None:
            raise self.fail(f"attribute '{key}' is required")
        return value

    def choice(self, key: str, table, default=None):
        """``table[value]`` for an attribute whose value must be one of ``table``'s keys."""
        value = self.attr(key, default)
        if not isinstance(value, (str, int, float)) or value not in table:
            raise self.fail(f"attribute {key}={value!r} is not one of {', '.join(map(str, table))}")
        return table[value]


def call_handler(handler: Callable, ctx: HandlerContext) -> list:
    """Run a handler. A ConverterError is the node's own verdict; anything else is a bug of ours, reported
    as E19999 naming the node (with the cause chained for --log=debug)."""
    try:
        return handler(ctx)
    except ConverterError:
        raise
    except Exception as exc:
        if is_allocation_failure(exc):   # sizes from the model that no check of ours foresaw: the model's fault
            raise GraphError(TENSOR_TOO_LARGE, f"{ctx.where()}: converting it needs more memory than this machine "
                             "has; is the model file damaged?", node=ctx.name) from exc
        raise GraphError(INTERNAL_ERROR, f"internal error while converting {ctx.where()}: {type(exc).__name__}: "
                         f"{exc}; please report it with the model", node=ctx.name) from exc
