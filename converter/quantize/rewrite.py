"""Put a record into an IR graph: the quantized layers read their input through QuantizeLinear ->
DequantizeLinear (scale_d, offset_d as the int8 zero point), their weight as an int8 constant through
DequantizeLinear (scale_w, along the output channels for convolutions) and their bias, as AMCT deploys it, as
an int32 constant round(bias / (scale_d * scale_w)) through DequantizeLinear (scale scale_d * scale_w): the
form our ONNX QDQ import gives, so the .om keeps int8 weights and int32 biases with their scales and the
runtime computes what the int8 model computes (an int32 accumulator plus the int32 bias, rescaled).
"""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, NODE_NOT_FOUND, ConverterError
from ..ir import DataType, Graph, Op
from .algorithms import qrange
from .layers import QuantLayer


def quantized_weight(w: np.ndarray, scale_w: list, layer: QuantLayer) -> tuple:
    """(int8 weight, float32 scale array or scalar, axis) for a layer's weight and its record scales."""
    scale = np.asarray(scale_w, np.float32)
    if scale.size == 1:
        shaped, out = scale.reshape(()), scale.reshape(())
    elif layer.is_conv and scale.size == w.shape[0]:
        shaped, out = scale.reshape((-1,) + (1,) * (w.ndim - 1)), scale
    else:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"record: layer '{layer.name}' has {scale.size} weight scales; its weight "
                             f"{list(w.shape)} needs 1" + (f" or {w.shape[0]}" if layer.is_conv else ""),
                             node=layer.name)
    lo, hi = qrange(8)
    q = np.clip(np.rint(np.asarray(w, np.float32) / shaped), lo, hi).astype(np.int8)
    return q, out, 0


INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def quantized_bias(b: np.ndarray, scale_d: float, scale_w: list, layer: QuantLayer) -> tuple:
    """(int32 bias, float32 scale: scale_d * scale_w, per channel or scalar) as AMCT quantizes a bias; E10001
    when a value leaves the int32 range (AMCT refuses the layer too: leave it in float)."""
    b = np.asarray(b, np.float32).reshape(-1)
    scale_w = np.asarray(scale_w, np.float32).reshape(-1)
    scale = np.float32(scale_d) * (scale_w if scale_w.size == b.size else scale_w.reshape(()))
    q = np.rint(b.astype(np.float64) / scale.astype(np.float64))
    if q.size and (q.min() < INT32_MIN or q.max() > INT32_MAX):
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"layer '{layer.name}': its bias divided by scale_d * scale_w leaves "
                             "the int32 range; leave the layer in float (\"quant_enable\": false in the config)",
                             node=layer.name)
    return q.astype(np.int32), scale.astype(np.float32)


def layer_bias(graph: Graph, layer: QuantLayer, w: np.ndarray):
    """The layer's constant float 1-D bias (input 2) with one value per output (w: its float weight), or None."""
    refs = graph.inputs_of(layer.op)
    b = graph.const_value(refs[2]) if len(refs) > 2 else None
    if b is None or b.dtype.kind != "f" or b.ndim != 1:
        return None
    outputs = w.shape[0] if layer.is_conv else None
    return b if outputs is None or b.size == outputs else None


def _const(graph: Graph, base: str, value) -> tuple:
    return (graph.add_const(graph.unique_name(base), np.asarray(value)).name, 0)


def _add(graph: Graph, base: str, op_type: str, attrs: dict, desc, inputs: list) -> tuple:
    op = graph.add(Op(graph.unique_name(base), op_type, attrs, outputs=[desc]), inputs)
    return (op.name, 0)


def quantize_layer(graph: Graph, layer: QuantLayer, rec) -> None:
    """Insert the quant ops of one layer (see the module docstring)."""
    op = graph.op(layer.op)
    refs = graph.inputs_of(op.name)
    x_ref, w_ref = refs[0], refs[1]
    x_desc = graph.desc(x_ref)
    scale_d = _const(graph, f"{op.name}_scale_d", np.float32(rec.scale_d))
    offset_d = _const(graph, f"{op.name}_offset_d", np.int8(np.clip(rec.offset_d, -128, 127)))
    q = _add(graph, f"{op.name}_quant", "QuantizeLinear", {"axis": 1, "saturate": 1, "output_dtype": 0},
             x_desc.copy(dtype=DataType.DT_INT8, name=None), [x_ref, scale_d, offset_d])
    dq = _add(graph, f"{op.name}_dequant", "DequantizeLinear", {"axis": 1, "output_dtype": 0},
              x_desc.copy(dtype=DataType.DT_FLOAT, name=None), [q, scale_d, offset_d])
    graph.connect(dq, op.name, 0)
    w = graph.const_value(w_ref)
    wq, scale_w, axis = quantized_weight(w, rec.scale_w, layer)
    wq_ref = (graph.add_const(graph.unique_name(f"{op.name}_weight_int8"), wq, source=graph.op(w_ref[0]).source)
              .name, 0)
    w_desc = graph.desc(w_ref)
    graph.op(wq_ref[0]).outputs[0].format = w_desc.format
    sw = _const(graph, f"{op.name}_scale_w", scale_w)
    wdq = _add(graph, f"{op.name}_weight_dequant", "DequantizeLinear", {"axis": axis, "output_dtype": 0},
               w_desc.copy(dtype=DataType.DT_FLOAT, name=None), [wq_ref, sw])
    graph.connect(wdq, op.name, 1)
    if not graph.consumers(w_ref[0]):
        graph.remove(w_ref[0])
    b = layer_bias(graph, layer, w)
    if b is not None:
        b_ref = graph.inputs_of(op.name)[2]
        bq, scale_b = quantized_bias(b, rec.scale_d, rec.scale_w, layer)
        bq_ref = (graph.add_const(graph.unique_name(f"{op.name}_bias_int32"), bq, source=graph.op(b_ref[0]).source)
                  .name, 0)
        sb = _const(graph, f"{op.name}_scale_b", scale_b if scale_b.size > 1 else scale_b.reshape(()))
        bdq = _add(graph, f"{op.name}_bias_dequant", "DequantizeLinear", {"axis": 0, "output_dtype": 0},
                   graph.desc(b_ref).copy(dtype=DataType.DT_FLOAT, name=None), [bq_ref, sb])
        graph.connect(bdq, op.name, 2)
        if not graph.consumers(b_ref[0]):
            graph.remove(b_ref[0])


def apply_record(graph: Graph, layers: list, records: dict) -> Graph:
    """The graph with every recorded layer quantized (in place; returns it)."""
    by_name = {lay.name: lay for lay in layers}
    unknown = [name for name in records if name not in by_name]
    if unknown:
        raise ConverterError(NODE_NOT_FOUND, f"record: layer(s) {', '.join(unknown)} are not quantizable layers of "
                             "the model", node=unknown[0])
    for name, rec in records.items():
        quantize_layer(graph, by_name[name], rec)
    return graph
