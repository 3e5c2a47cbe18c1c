"""ONNX outputs for ONNX sources, made by editing the source model:

- fake-quant model: every quantized layer reads its input through QuantizeLinear -> DequantizeLinear and
  its weight and bias as float values that are exactly representable (int8 * scale, int32 * scale): runs
  anywhere in float.
- deploy model (QDQ): the same with the weight stored as int8 + DequantizeLinear (per output channel for
  convolutions) and the bias as int32 + DequantizeLinear (scale_d * scale_w): int8 weights and int32 biases
  with their scales, as onnxruntime's QDQ format and our QDQ import expect.

Where the quantizer folded a BatchNorm (or per-channel Mul/Add) into a convolution, the folded nodes are
removed and the convolution gets the folded weight and bias, so both models compute what the .om computes.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..errors import (
    INTERNAL_ERROR,
    INVALID_ARGUMENT_VALUE,
    NODE_NOT_FOUND,
    ConverterError,
)
from .rewrite import layer_bias, quantized_bias, quantized_weight

MIN_OPSET = 13  # per-axis DequantizeLinear


def _find_node(model: onnx.ModelProto, key: str):
    for i, node in enumerate(model.graph.node):
        if node.name == key or (not node.name and node.output and node.output[0] == key):
            return i, node
    raise ConverterError(NODE_NOT_FOUND, f"ONNX output: layer '{key}' is not a node of the source model", node=key)


def _opset(model: onnx.ModelProto) -> int:
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=1)


def _drop_folded(model: onnx.ModelProto, node, target: str) -> None:
    """Remove the chain of single-reader nodes from node.output[0] to the tensor ``target`` (folded into the
    conv by the quantizer) and make the conv produce ``target`` itself."""
    cur = node.output[0]
    while cur != target:
        readers = [n for n in model.graph.node if cur in n.input]
        if len(readers) != 1 or not readers[0].output:
            raise ConverterError(INTERNAL_ERROR, f"ONNX output: cannot follow the folded nodes after '{node.name}' "
                                 f"(tensor '{cur}')", node=node.name)
        cur = readers[0].output[0]
        model.graph.node.remove(readers[0])
    node.output[0] = target


def _replace_input(model, node, index: int, name: str) -> None:
    while len(node.input) <= index:
        node.input.append("")
    node.input[index] = name


def _set_bias(model: onnx.ModelProto, node, key: str, quantized: tuple, deploy: bool) -> None:
    """The layer's bias input: int32 + DequantizeLinear (deploy) or its dequantized float values (fake-quant)."""
    bq, scale = quantized
    scale = scale if scale.size > 1 else scale.reshape(())
    if deploy:
        b32, s_b, bdq = f"{key}/bias_int32", f"{key}/bias_scale", f"{key}/bias_dequant"
        model.graph.initializer.extend([numpy_helper.from_array(bq, b32), numpy_helper.from_array(scale, s_b)])
        model.graph.node.insert(list(model.graph.node).index(node),
                                helper.make_node("DequantizeLinear", [b32, s_b], [bdq], name=bdq, axis=0))
    else:
        bdq = f"{key}/bias_fake_quant"
        model.graph.initializer.append(numpy_helper.from_array((bq.astype(np.float32) * scale).astype(np.float32), bdq))
    _replace_input(model, node, 2, bdq)
    for attr in node.attribute:
        if attr.name == "beta":
            attr.f = 1.0


def _prune_initializers(model: onnx.ModelProto) -> None:
    used = {i for n in model.graph.node for i in n.input} | {o.name for o in model.graph.output}
    keep = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)


def quantized_onnx(source: str, graph, layers: list, records: dict, deploy: bool) -> onnx.ModelProto:
    """The fake-quant (deploy=False) or QDQ deploy (deploy=True) model of an ONNX source."""
    model = onnx.load(source)
    if _opset(model) < MIN_OPSET:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"ONNX output: the model's opset {_opset(model)} has no per-axis "
                             f"DequantizeLinear; it needs opset {MIN_OPSET} or later (convert the model first)")
    inits = {t.name for t in model.graph.initializer}
    by_name = {lay.name: lay for lay in layers}
    for key, rec in records.items():
        layer = by_name[key]
        index, node = _find_node(model, key)
        op = graph.op(layer.op)
        refs = graph.inputs_of(op.name)
        w = graph.const_value(refs[1])
        if len(node.input) < 2 or node.input[1] not in inits:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"ONNX output: layer '{key}' does not take its weight from an "
                                 "initializer; only the .om can be written for it", node=key)
        alpha = next((a.f for a in node.attribute if a.name == "alpha"), 1.0)
        if node.op_type == "Gemm" and alpha != 1.0:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"ONNX output: Gemm '{key}' has alpha={alpha}; only the .om can be "
                                 "written for it", node=key)
        src_w = next(t for t in model.graph.initializer if t.name == node.input[1])
        if tuple(src_w.dims) != tuple(w.shape):
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"ONNX output: layer '{key}' ({node.op_type}) has weight "
                                 f"{list(src_w.dims)} but the converted layer uses {list(w.shape)}", node=key)
        if op.outputs[0].name and op.outputs[0].name != node.output[0]:
            _drop_folded(model, node, op.outputs[0].name)
        wq, scale, axis = quantized_weight(w, rec.scale_w, layer)
        b = layer_bias(graph, layer, w)
        if b is not None:       # the converted bias: BatchNorm folded in, Gemm's beta applied
            _set_bias(model, node, key, quantized_bias(b, rec.scale_d, rec.scale_w, layer), deploy)
        new = []
        s_d, z_d = f"{key}/input_scale", f"{key}/input_zero_point"
        model.graph.initializer.extend([numpy_helper.from_array(np.array(rec.scale_d, np.float32), s_d),
                                        numpy_helper.from_array(np.array(rec.offset_d, np.int8), z_d)])
        q, dq = f"{key}/input_quant", f"{key}/input_dequant"
        new += [helper.make_node("QuantizeLinear", [node.input[0], s_d, z_d], [q], name=q),
                helper.make_node("DequantizeLinear", [q, s_d, z_d], [dq], name=dq)]
        _replace_input(model, node, 0, dq)
        if deploy:
            w8, s_w, z_w = f"{key}/weight_int8", f"{key}/weight_scale", f"{key}/weight_zero_point"
            model.graph.initializer.extend([numpy_helper.from_array(wq, w8),
                                            numpy_helper.from_array(np.asarray(scale, np.float32), s_w),
                                            numpy_helper.from_array(np.zeros(np.shape(scale), np.int8), z_w)])
            wdq = f"{key}/weight_dequant"
            new.append(helper.make_node("DequantizeLinear", [w8, s_w, z_w], [wdq], name=wdq, axis=axis))
            _replace_input(model, node, 1, wdq)
        else:
            shaped = np.reshape(scale, (-1,) + (1,) * (wq.ndim - 1)) if np.ndim(scale) else scale
            wf = f"{key}/weight_fake_quant"
            model.graph.initializer.append(numpy_helper.from_array((wq.astype(np.float32) * shaped)
                                                                   .astype(np.float32), wf))
            _replace_input(model, node, 1, wf)
        index = list(model.graph.node).index(node)
        for k, n in enumerate(new):
            model.graph.node.insert(index + k, n)
    _prune_initializers(model)
    return model
