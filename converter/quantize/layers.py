"""The quantizable layers of an IR graph: convolutions and matrix products whose weight is a constant.

A layer is named by its source node (ONNX node, Caffe layer, TensorFlow node): that name keys the config
JSON and the record file, as AMCT names layers. Convolutions get per-output-channel weight scales by
default (AMCT's CHANNEL_WISE types); matrix products get one weight scale (their weight may be transposed,
and AMCT refuses channel_wise for them).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import DUPLICATE_NAME, ConverterError
from ..ir import Graph

CONV_TYPES = ("Conv1D", "Conv2D", "Conv3D")
MATMUL_TYPES = ("MatMulV2", "BatchMatMulV2")


@dataclass(frozen=True)
class QuantLayer:
    """One quantizable layer: its IR op, its AMCT name and what its weights allow."""

    op: str             # IR op name
    name: str           # source layer name (config / record key)
    type: str           # IR op type
    channel_wise_ok: bool

    @property
    def is_conv(self) -> bool:
        return self.type in CONV_TYPES


def _float_weight(graph: Graph, op) -> bool:
    refs = graph.inputs_of(op.name)
    w = graph.const_value(refs[1]) if len(refs) > 1 else None
    return w is not None and w.dtype.kind == "f" and w.ndim >= 2


def find_layers(graph: Graph) -> list:
    """Quantizable layers in execution order; refuses two layers with one source name (E13009)."""
    layers, seen = [], {}
    for op in graph.topo_order():
        if op.type not in CONV_TYPES + MATMUL_TYPES or not _float_weight(graph, op):
            continue
        name = op.source or op.name
        if name in seen:
            raise ConverterError(DUPLICATE_NAME, f"two quantizable layers come from the source node '{name}' "
                                 f"(ops '{seen[name]}' and '{op.name}'); layer names must be unique",
                                 node=name)
        seen[name] = op.name
        layers.append(QuantLayer(op.name, name, op.type, op.type in CONV_TYPES))
    return layers
