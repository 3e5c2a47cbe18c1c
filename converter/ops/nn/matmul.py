"""Matrix products: MatMulV2 (2-D, optional transposes and bias) and BatchMatMulV2 (numpy matmul rules)."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from .. import blas
from ..registry import Attr, InferContext, broadcast_shapes, desc, register
from ..workspace import empty


def _work(a: np.ndarray) -> np.ndarray:
    """Floats of 16 bits are multiplied in fp32; other dtypes as they are."""
    return a.astype(np.float32) if a.dtype in (np.float16,) else a


def _swap_last(a: np.ndarray, flag: bool) -> np.ndarray:
    return np.swapaxes(a, -1, -2) if flag and a.ndim >= 2 else a


@register("MatMulV2", attrs={"transpose_x1": Attr("bool", False), "transpose_x2": Attr("bool", False)},
          infer=lambda ctx: _matmul_v2_infer(ctx), category="nn", traits={"cube"})
def matmul_v2(inputs, attrs):
    """MatMulV2: (a, b, bias?) 2-D product op(a) @ op(b) + bias, op = optional transpose."""
    a, b = inputs[0], inputs[1]
    bias = inputs[2] if len(inputs) > 2 else None
    y = product(_swap_last(_work(a), attrs["transpose_x1"]), _swap_last(_work(b), attrs["transpose_x2"]))
    if bias is not None:
        bias = _work(np.asarray(bias))
        y = y + bias if np.broadcast_shapes(y.shape, bias.shape) != y.shape else np.add(y, bias, out=y)
    return y.astype(a.dtype, copy=False)


def product(a: np.ndarray, b: np.ndarray, bias=None) -> np.ndarray:
    """np.matmul(a, b) (+ bias, one value per column, when given) for float operands of rank >= 2 into a
    workspace output; a stack of matrices times one matrix is one product of the stacked rows (one BLAS call
    instead of one per matrix), its bias added block by block by the threads that computed them."""
    if a.dtype != b.dtype or a.dtype.kind != "f" or a.ndim < 2 or b.ndim < 2:
        y = np.matmul(a, b)
        return y if bias is None else y + bias
    if b.ndim == 2 and (a.ndim == 2 or a.flags.c_contiguous):
        rows = a.reshape(-1, a.shape[-1])
        out = empty((rows.shape[0], b.shape[1]), a.dtype)
        add = None
        if bias is not None:
            column = np.asarray(bias).astype(a.dtype, copy=False).reshape(-1)

            def add(r, c):
                block = out[r, c]
                block += column[c]
        return blas.matmul(rows, b, out, add).reshape(*a.shape[:-1], b.shape[1])
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    y = blas.matmul(a, b, empty(shape, a.dtype))
    if bias is not None:
        y += np.asarray(bias).astype(a.dtype, copy=False).reshape(-1)
    return y


def _matmul_v2_infer(ctx: InferContext):
    sa, sb = ctx.shape(0), ctx.shape(1)
    if sa is None or sb is None:
        return [desc(ctx.dtype(0), None)]
    if len(sa) != 2 or len(sb) != 2:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{ctx.op.name}' (MatMulV2) needs 2-D operands, got {sa} and {sb}",
                         node=ctx.op.name)
    m, ka = (sa[1], sa[0]) if ctx.attrs["transpose_x1"] else (sa[0], sa[1])
    kb, n = (sb[1], sb[0]) if ctx.attrs["transpose_x2"] else (sb[0], sb[1])
    if min(ka, kb) >= 0 and ka != kb:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{ctx.op.name}' (MatMulV2): operands {list(sa)} and {list(sb)} "
                         f"do not share the inner dimension ({ka} vs {kb})", node=ctx.op.name)
    bias = ctx.shape(2) if len(ctx.inputs) > 2 else None
    if bias is not None:
        broadcast_shapes((m, n), tuple(bias))
    return [desc(ctx.dtype(0), (m, n))]


@register("BatchMatMulV2", attrs={"adj_x1": Attr("bool", False), "adj_x2": Attr("bool", False)},
          infer=lambda ctx: _batch_matmul_infer(ctx), category="nn", traits={"cube"}, epilogues={"BiasAdd"})
def batch_matmul_v2(inputs, attrs):
    """BatchMatMulV2: (a, b) numpy/ONNX MatMul with broadcast batch dims; adj_x* transpose the last two axes.
    With a bias Add fused by the session (attrs "_epilogue" BiasAdd), the bias comes as a third input."""
    a, b = inputs[0], inputs[1]
    bias = _work(np.asarray(inputs[2])) if attrs.get("_epilogue") == "BiasAdd" else None   # fused by the session
    y = product(_swap_last(_work(a), attrs["adj_x1"]), _swap_last(_work(b), attrs["adj_x2"]), bias)
    return y.astype(a.dtype, copy=False)


def _batch_matmul_infer(ctx: InferContext):
    sa, sb = ctx.shape(0), ctx.shape(1)
    if sa is None or sb is None:
        return [desc(ctx.dtype(0), None)]
    sa, sb = list(sa), list(sb)
    if not sa or not sb:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{ctx.op.name}': operands {sa} and {sb}: a matrix product "
                         "needs operands of at least one dimension, not scalars", node=ctx.op.name)
    if ctx.attrs["adj_x1"] and len(sa) >= 2:
        sa[-1], sa[-2] = sa[-2], sa[-1]
    if ctx.attrs["adj_x2"] and len(sb) >= 2:
        sb[-1], sb[-2] = sb[-2], sb[-1]
    a_vec, b_vec = len(sa) == 1, len(sb) == 1
    if a_vec:
        sa = [1] + sa
    if b_vec:
        sb = sb + [1]
    if min(sa[-1], sb[-2]) >= 0 and sa[-1] != sb[-2]:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{ctx.op.name}': operands {list(ctx.shape(0))} and "
                         f"{list(ctx.shape(1))} do not share the inner dimension", node=ctx.op.name)
    batch = broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]))
    out = list(batch) + ([] if a_vec else [sa[-2]]) + ([] if b_vec else [sb[-1]])
    return [desc(ctx.dtype(0), out)]
