"""Fusions that fold per-channel affine ops (BatchNorm, Mul/Add by constants, BiasAdd) into convolutions (the ops
declaring the "conv" trait)."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..ir import Graph
from .base import PassContext
from .shape_inference import infer_shapes


def _channel_axis(data_format: str, rank: int) -> int:
    return rank - 1 if data_format in ("NHWC", "NDHWC", "NWC") else 1


def _per_channel(value: np.ndarray, rank: int, axis: int, channels: int):
    """The 1-D per-channel vector a broadcast constant represents along ``axis``, or None."""
    v = np.asarray(value)
    if v.ndim > rank:
        return None
    v = v.reshape((1,) * (rank - v.ndim) + v.shape)
    for i, d in enumerate(v.shape):
        if i != axis and d != 1:
            return None
    if v.shape[axis] not in (1, channels):
        return None
    return np.broadcast_to(v.reshape(-1), (channels,)).astype(np.float64)  # small: per-channel


def _single_consumer(graph: Graph, name: str):
    cons = graph.consumers(name)
    return cons[0] if len(cons) == 1 else None


def _conv_params(graph: Graph, conv):
    refs = graph.inputs_of(conv.name)
    w = graph.const_value(refs[1]) if len(refs) > 1 else None
    b = graph.const_value(refs[2]) if len(refs) > 2 and refs[2] is not None else None
    has_b_input = len(refs) > 2 and refs[2] is not None
    if w is None or (has_b_input and b is None) or w.dtype.kind != "f":
        return None
    return w, b


def _set_conv_params(graph: Graph, conv, w: np.ndarray | None, b: np.ndarray) -> None:
    """New bias (and, unless ``w`` is None, weight) Consts for ``conv`` in the weight's dtype. The Consts
    they replace are removed at once when nothing else reads them, so big weights are not held twice."""
    refs = graph.inputs_of(conv.name)
    dtype = graph.const_value(refs[1]).dtype
    replaced = [refs[1]] if w is not None else []
    if w is not None:
        wname = graph.unique_name(conv.name + "_fused_weight")
        graph.add_const(wname, w.astype(dtype, copy=False))
        graph.connect((wname, 0), conv.name, 1)
    if len(refs) > 2 and refs[2] is not None:
        replaced.append(refs[2])
    bname = graph.unique_name(conv.name + "_fused_bias")
    graph.add_const(bname, np.asarray(b).astype(dtype))
    graph.connect((bname, 0), conv.name, 2)
    for name, _ in replaced:
        if name in graph and graph.op(name).type == "Const" and not graph.has_consumers(name):
            graph.remove(name)


def _scaled(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``w`` times the per-output-channel vector ``s``, computed in float32 (float64 weights stay float64):
    one new array of w's size (no float64 temporaries), within one float32 ulp (~1.2e-7 relative) of the
    float64 product."""
    compute = np.result_type(w.dtype, np.float32)
    return np.multiply(w, s.astype(compute).reshape((-1,) + (1,) * (w.ndim - 1)), dtype=compute)


def _bypass(graph: Graph, op, conv) -> None:
    name = op.outputs[0].name
    graph.replace_uses((op.name, 0), (conv.name, 0))
    graph.remove(op.name)
    conv.outputs[0].name = name or conv.outputs[0].name


def fold_affine_into_conv(graph: Graph, ctx: PassContext | None = None, keep_batchnorm=None) -> bool:
    """BatchNorm, and Mul/Add by per-channel constants, following a conv with no other reader, are folded
    into the conv's weights and bias (Caffe BatchNorm+Scale, TF BiasAdd and FusedBatchNorm, ONNX BN).
    ``keep_batchnorm(conv) -> bool``, when given, keeps the BatchNorm after the convs it selects (and what
    follows it) unfolded: the quantizer's skip_fusion_layers. When anything was folded, shapes and dtypes are
    inferred again (the readers of a folded op now read the conv)."""
    changed = False
    conv_types = ops.with_trait("conv")
    convs = [op.name for op in graph.topo_order() if op.type in conv_types]  # names: Op lists hold weights
    for name in convs:
        if name not in graph:
            continue
        conv = graph.op(name)
        while True:
            step = _fold_next(graph, conv, keep_batchnorm)
            if not step:
                break
            changed = True
    if changed:
        infer_shapes(graph, ctx)
    return changed


def _fold_next(graph: Graph, conv, keep_batchnorm) -> bool:
    nxt = _single_consumer(graph, conv.name)
    params = _conv_params(graph, conv)
    if nxt is None or params is None:
        return False
    w, b = params
    op = graph.op(nxt[0])
    out_ch = w.shape[0]
    fmt = conv.attrs.get("data_format", "NCHW")
    rank = w.ndim
    axis = _channel_axis(fmt, rank)
    bias = np.zeros(out_ch) if b is None else b.astype(np.float64)
    refs = graph.inputs_of(op.name)
    if op.type == "BatchNorm" and keep_batchnorm is not None and keep_batchnorm(conv):
        return False
    if op.type == "BatchNorm" and nxt[1] == 0:
        vals = [graph.const_value(r) for r in refs[1:5]]
        if any(v is None for v in vals) or op.attrs.get("data_format", "NCHW") != fmt:
            return False
        scale, offset, mean, var = (v.astype(np.float64).reshape(-1) for v in vals)
        s = scale / np.sqrt(var + float(op.attrs.get("epsilon", 1e-5)))
        _set_conv_params(graph, conv, _scaled(w, s), (bias - mean) * s + offset)
    elif op.type in ("Mul", "Add") and len(refs) == 2:
        other = refs[1 - nxt[1]]
        c = graph.const_value(other)
        if c is None or c.dtype.kind != "f":
            return False
        vec = _per_channel(c, rank, axis, out_ch)
        if vec is None:
            return False
        if op.type == "Mul":
            _set_conv_params(graph, conv, _scaled(w, vec), bias * vec)
        else:
            _set_conv_params(graph, conv, None, bias + vec)
    else:
        return False
    _bypass(graph, op, conv)
    return True
