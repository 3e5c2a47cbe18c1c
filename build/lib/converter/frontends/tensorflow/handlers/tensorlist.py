"""TF TensorList ops (what tf.TensorArray and Keras RNN layers freeze into) as sequence ops: lists of
tensors at run time, carried through While loops."""
from __future__ import annotations

from ..reader import to_data_type
from ..registry import NodeContext, tf_op


def _elem_dtype(ctx: NodeContext) -> int:
    return int(to_data_type(ctx.attr("element_dtype", 1), ctx.name))


@tf_op("TensorListFromTensor")
def from_tensor(ctx: NodeContext):
    return ctx.op("SplitToSequence", [ctx.input(0)], {"axis": 0, "keepdims": 0})


@tf_op("TensorListReserve")
def reserve(ctx: NodeContext):
    return ctx.op("SequenceReserve", [ctx.input(1)], {"dtype": _elem_dtype(ctx)})


@tf_op("TensorListGetItem")
def get_item(ctx: NodeContext):
    return ctx.op("SequenceAt", [ctx.input(0), ctx.input(1)])


@tf_op("TensorListSetItem")
def set_item(ctx: NodeContext):
    return ctx.op("SequenceSetItem", [ctx.input(0), ctx.input(1), ctx.input(2)])


@tf_op("TensorListStack")
def stack(ctx: NodeContext):
    return ctx.op("ConcatFromSequence", [ctx.input(0)], {"axis": 0, "new_axis": 1})


@tf_op("TensorListLength")
def length(ctx: NodeContext):
    return ctx.op("SequenceLength", [ctx.input(0)])
