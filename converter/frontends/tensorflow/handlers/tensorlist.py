"""TF TensorList ops (what tf.TensorArray and Keras RNN layers freeze into) as sequence ops: lists of
tensors at run time, carried through While loops."""
from __future__ import annotations

from ....ir import DataType
from ..registry import NodeContext, tf_op
from ._util import dtype_attr


def _elem_dtype(ctx: NodeContext) -> int:
    """element_dtype is decoded already (a DataType); it is not a TF type number any more."""
    return int(dtype_attr(ctx, "element_dtype", DataType.DT_FLOAT))


@tf_op("TensorListFromTensor", inputs=1)
def from_tensor(ctx: NodeContext):
    return ctx.op("SplitToSequence", [ctx.input(0)], {"axis": 0, "keepdims": 0})


@tf_op("TensorListReserve", inputs=2)
def reserve(ctx: NodeContext):
    return ctx.op("SequenceReserve", [ctx.input(1)], {"dtype": _elem_dtype(ctx)})


@tf_op("TensorListGetItem", inputs=2)
def get_item(ctx: NodeContext):
    return ctx.op("SequenceAt", [ctx.input(0), ctx.input(1)])


@tf_op("TensorListSetItem", inputs=3)
def set_item(ctx: NodeContext):
    return ctx.op("SequenceSetItem", [ctx.input(0), ctx.input(1), ctx.input(2)])


@tf_op("TensorListStack", inputs=1)
def stack(ctx: NodeContext):
    return ctx.op("ConcatFromSequence", [ctx.input(0)], {"axis": 0, "new_axis": 1})


@tf_op("TensorListLength", inputs=1)
def length(ctx: NodeContext):
    return ctx.op("SequenceLength", [ctx.input(0)])
