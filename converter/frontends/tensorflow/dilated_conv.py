"""Folds TF's dilated-convolution pattern SpaceToBatchND -> conv -> BatchToSpaceND into one dilated conv.

TF runs an atrous conv as a plain VALID conv on a space-to-batch'ed input. For a stride-1 conv
that equals a conv with dilations = block_shape on the original input padded by the
SpaceToBatchND paddings, minus the BatchToSpaceND crops (cropping the output of a stride-1 conv
is the same as padding its input less).
"""
from __future__ import annotations

import numpy as np

from ... import ops
from ...ir import Graph


def _const(graph: Graph, op, i: int):
    refs = graph.inputs_of(op.name)
    return graph.const_value(refs[i]) if i < len(refs) else None


def _plain_valid(conv) -> bool:
    a = conv.attrs
    if any(v != 1 for v in a.get("strides") or []) or any(v != 1 for v in a.get("dilations") or []):
        return False
    auto_pad = str(a.get("auto_pad", "NOTSET")).upper()
    return auto_pad == "VALID" or (auto_pad == "NOTSET" and not any(a.get("pads") or []))


def _fold_one(graph: Graph, b2s) -> bool:
    refs = graph.inputs_of(b2s.name)
    if not refs or refs[0] is None:
        return False
    conv = graph.op(refs[0][0])
    if not ops.has_trait(conv.type, "conv") or not _plain_valid(conv) or len(graph.consumers(conv.name)) != 1:
        return False
    if str(conv.attrs.get("data_format", "NCHW")).upper() not in ("NHWC", "NDHWC", "NWC"):
        return False
    s2b_ref = graph.inputs_of(conv.name)[0]
    s2b = graph.op(s2b_ref[0])
    if s2b.type != "SpaceToBatchND":
        return False
    values = [_const(graph, s2b, 1), _const(graph, s2b, 2), _const(graph, b2s, 1), _const(graph, b2s, 2)]
    if any(v is None for v in values):
        return False
    block, paddings, block2, crops = values
    block = [int(b) for b in np.asarray(block).reshape(-1)]
    paddings, crops = np.asarray(paddings).reshape(-1, 2), np.asarray(crops).reshape(-1, 2)
    if block != [int(b) for b in np.asarray(block2).reshape(-1)] or np.any(paddings < crops):
        return False
    pads = paddings - crops
    conv.attrs.update({"dilations": block, "pads": [int(p) for p in pads[:, 0]] + [int(p) for p in pads[:, 1]],
                       "auto_pad": "NOTSET"})
    graph.connect(graph.inputs_of(s2b.name)[0], conv.name, 0)
    graph.replace_uses((b2s.name, 0), (conv.name, 0))
    if b2s.outputs and b2s.outputs[0].name and conv.outputs:
        conv.outputs[0].name = b2s.outputs[0].name
    _remove_if_unused(graph, b2s)
    _remove_if_unused(graph, s2b)
    return True


def _remove_if_unused(graph: Graph, op) -> None:
    if graph.consumers(op.name):
        return
    sources = [r[0] for r in graph.inputs_of(op.name) if r is not None]
    graph.remove(op.name)
    for name in sources:
        src = graph.op(name)
        if src.type == "Const" and not graph.consumers(name):
            graph.remove(name)


def fold_dilated_convs(graph: Graph) -> int:
    """Rewrite every foldable pattern in place; returns how many were folded."""
    count = 0
    for op in [o for o in graph.ops() if o.type == "BatchToSpaceND"]:
        count += _fold_one(graph, op)
    return count
