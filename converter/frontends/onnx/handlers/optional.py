"""ONNX handlers: optional values (Optional, OptionalHasElement, OptionalGetElement), which hold a tensor, a
sequence or nothing (OptionalValue at run time)."""
from __future__ import annotations

from ..registry import NodeContext, onnx_op
from ..scope import type_desc


@onnx_op("Optional", since=15)
def optional(ctx: NodeContext):
    """With an input: an optional holding it; without: an empty optional of the 'type' attribute."""
    if ctx.input(0) is not None:
        return ctx.op("Optional", ctx.inputs[:1])
    tp = ctx.attr("type")
    if tp is None:
        raise ctx.fail("an Optional without an input needs the 'type' attribute")
    kind = {"tensor_type": "tensor", "sequence_type": "sequence"}.get(tp.WhichOneof("value"))
    if kind is None:
        raise ctx.unsupported(f"an optional of {tp.WhichOneof('value')} is not supported (tensors and sequences are)")
    held = type_desc(tp)
    elem = held.attrs.get("elem_dtype") if kind == "sequence" else int(held.dtype)
    return ctx.op("Optional", [], {"elem_dtype": elem, "elem_kind": kind})


@onnx_op("OptionalHasElement", "OptionalGetElement", since=15)
def optional_query(ctx: NodeContext):
    return ctx.op(ctx.op_type, ctx.inputs[:1])
