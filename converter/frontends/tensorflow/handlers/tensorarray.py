"""TF1 TensorArrays (TensorArrayV3 and its Read/Write/Gather/Scatter/Size/Concat/Split/Close ops, as
dynamic_rnn, bidirectional_dynamic_rnn, scan and map_fn emit them) as sequence ops. The array lives in its
flow tensor (a sequence; the functionalize package has dropped the handle inputs, so every op here reads
its own inputs followed by the flow), carried through While loops like any loop variable.

A sequence of arrays beats a preallocated [size, ...] buffer on the CPU runtime: a write copies the list of
references (a buffer would copy every element, or need in-place updates the runtime does not have); see
tools/bench_tensorarray.py for the measurement."""
from __future__ import annotations

from ....ir import DataType
from ..registry import NodeContext, tf_op
from ._util import dtype_attr


def _resolved(ctx: NodeContext) -> None:
    if not ctx.attr("_handle_dropped", False):
        raise ctx.unsupported("a TensorArray op outside the TF1 control-flow rewrite (its handle was not "
                              "traced to a TensorArrayV3)")


def _element_attrs(ctx: NodeContext, key: str = "element_shape") -> dict:
    shape = ctx.attr(key)
    return {"dtype": int(dtype_attr(ctx, "dtype", DataType.DT_FLOAT)),
            "element_shape": None if shape is None else [int(d) for d in shape]}


@tf_op("TensorArrayV3", inputs=1)
def create(ctx: NodeContext):
    """TensorArrayV3(size) -> (handle, flow): both are the sequence of ``size`` empty slots."""
    seq = ctx.op("SequenceReserve", [ctx.input(0)], {"dtype": int(dtype_attr(ctx, "dtype", DataType.DT_FLOAT))})
    return seq + seq


# TF op -> the sequence op reading (flow, the TF op's other inputs in order), and whether it takes the element
# attributes (dtype, element_shape) of the node.
FLOW_FIRST = {"TensorArrayReadV3": ("SequenceAt", False), "TensorArrayWriteV3": ("SequenceSetItem", False),
              "TensorArrayGatherV3": ("SequenceGather", True), "TensorArrayScatterV3": ("SequenceScatter", False)}


@tf_op("TensorArrayReadV3", "TensorArrayGatherV3", inputs=2)
@tf_op("TensorArrayWriteV3", "TensorArrayScatterV3", inputs=3)
def flow_first(ctx: NodeContext):
    """Read(index), Write(index, value), Gather(indices), Scatter(indices, value), each followed by the flow."""
    _resolved(ctx)
    op_type, element = FLOW_FIRST[ctx.op_type]
    return ctx.op(op_type, [ctx.inputs[-1]] + list(ctx.inputs[:-1]), _element_attrs(ctx) if element else None)


@tf_op("TensorArraySizeV3", inputs=1)
def size(ctx: NodeContext):
    _resolved(ctx)
    length = ctx.op("SequenceLength", [ctx.input(0)], suffix="length")[0]
    return ctx.op("Cast", [length], {"dst_type": int(DataType.DT_INT32)})


@tf_op("TensorArrayConcatV3", inputs=1)
def concat(ctx: NodeContext):
    """(value, lengths): the elements joined along their first axis and each one's length there."""
    _resolved(ctx)
    return ctx.op("SequenceConcat", [ctx.input(0)], _element_attrs(ctx, "element_shape_except0"), n_out=2)


@tf_op("TensorArraySplitV3", inputs=3)
def split(ctx: NodeContext):
    """The array becomes the pieces of value (input 0) of lengths (input 1) along the first axis."""
    _resolved(ctx)
    lengths = ctx.op("Cast", [ctx.input(1)], {"dst_type": int(DataType.DT_INT64)}, suffix="lengths")[0]
    return ctx.op("SplitToSequence", [ctx.input(0), lengths], {"axis": 0, "keepdims": 1})


@tf_op("TensorArrayCloseV3")
def close(ctx: NodeContext):
    return []
