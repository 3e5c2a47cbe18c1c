"""TF random ops: RandomStandardNormal and RandomUniform keep their seeds and dtype (the canonical ops
draw TensorFlow's own Philox stream, so fixed seeds give TensorFlow's numbers)."""
from __future__ import annotations

from ..registry import NodeContext, tf_op
from ._util import dtype_attr


@tf_op("RandomStandardNormal", "RandomUniform", inputs=1)
def random_op(ctx: NodeContext):
    """(shape) -> samples; seed/seed2 as in the NodeDef (both 0: fresh numbers on every run)."""
    attrs = {"seed": int(ctx.attr("seed", 0)), "seed2": int(ctx.attr("seed2", 0)),
             "dtype": int(dtype_attr(ctx, "dtype"))}
    return ctx.op(ctx.op_type, ctx.inputs[:1], attrs)
