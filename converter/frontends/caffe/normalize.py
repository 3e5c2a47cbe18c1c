"""Caffe net normalisation before conversion: V1 ``layers`` upgraded, TEST-phase filtering.

In-place layers (top == bottom) are handled while converting: each write of a blob gets its own
tensor, named after the layer that produced it.
"""
from __future__ import annotations

from ...errors import CAFFE_LEGACY_LAYERS, ModelLoadError
from ...proto import caffe_pb2

V1 = caffe_pb2.V1LayerParameter
V1_TYPE_NAMES = {
    V1.ABSVAL: "AbsVal", V1.ACCURACY: "Accuracy", V1.ARGMAX: "ArgMax", V1.BNLL: "BNLL", V1.CONCAT: "Concat",
    V1.CONTRASTIVE_LOSS: "ContrastiveLoss", V1.CONVOLUTION: "Convolution", V1.DATA: "Data",
    V1.DECONVOLUTION: "Deconvolution", V1.DROPOUT: "Dropout", V1.DUMMY_DATA: "DummyData",
    V1.EUCLIDEAN_LOSS: "EuclideanLoss", V1.ELTWISE: "Eltwise", V1.EXP: "Exp", V1.FLATTEN: "Flatten",
    V1.HDF5_DATA: "HDF5Data", V1.HDF5_OUTPUT: "HDF5Output", V1.HINGE_LOSS: "HingeLoss", V1.IM2COL: "Im2col",
    V1.IMAGE_DATA: "ImageData", V1.INFOGAIN_LOSS: "InfogainLoss", V1.INNER_PRODUCT: "InnerProduct",
    V1.LRN: "LRN", V1.MEMORY_DATA: "MemoryData", V1.MULTINOMIAL_LOGISTIC_LOSS: "MultinomialLogisticLoss",
    V1.MVN: "MVN", V1.POOLING: "Pooling", V1.POWER: "Power", V1.RELU: "ReLU", V1.SIGMOID: "Sigmoid",
    V1.SIGMOID_CROSS_ENTROPY_LOSS: "SigmoidCrossEntropyLoss", V1.SILENCE: "Silence", V1.SOFTMAX: "Softmax",
    V1.SOFTMAX_LOSS: "SoftmaxWithLoss", V1.SPLIT: "Split", V1.SLICE: "Slice", V1.TANH: "TanH",
    V1.WINDOW_DATA: "WindowData", V1.THRESHOLD: "Threshold",
}
_LAYER_FIELDS = caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name


def upgrade_v1_layer(v1: caffe_pb2.V1LayerParameter) -> caffe_pb2.LayerParameter:
    """A V1 layer as a LayerParameter: same name/bottoms/tops/rules/blobs/params, type as a string."""
    if v1.type not in V1_TYPE_NAMES:
        raise ModelLoadError(CAFFE_LEGACY_LAYERS, f"legacy (V1) layer '{v1.name}' has type {v1.type}, which cannot be "
                             "upgraded; upgrade the net with Caffe's upgrade_net_proto_text tool first")
    layer = caffe_pb2.LayerParameter(name=v1.name, type=V1_TYPE_NAMES[v1.type])
    for field, value in v1.ListFields():
        target = _LAYER_FIELDS.get(field.name)
        if field.name == "type" or target is None:
            continue
        if target.message_type is not None and target.message_type is not field.message_type:
            continue
        if field.is_repeated:
            getattr(layer, field.name).extend(value)
        elif field.message_type is not None:
            getattr(layer, field.name).CopyFrom(value)
        else:
            setattr(layer, field.name, value)
    return layer


def layer_list(net: caffe_pb2.NetParameter) -> list:
    """The net's layers as LayerParameters (V1 ``layers`` upgraded; mixing both is E11021)."""
    if net.layers and net.layer:
        raise ModelLoadError(CAFFE_LEGACY_LAYERS,
                             "the prototxt mixes legacy 'layers' (V1) and 'layer' entries; upgrade it "
                             "with Caffe's upgrade_net_proto_text tool")
    if net.layers:
        return [upgrade_v1_layer(v1) for v1 in net.layers]
    return list(net.layer)


def _rule_met(rule: caffe_pb2.NetStateRule, phase: int, level: int = 0, stages=()) -> bool:
    if rule.HasField("phase") and rule.phase != phase:
        return False
    if rule.HasField("min_level") and level < rule.min_level:
        return False
    if rule.HasField("max_level") and level > rule.max_level:
        return False
    if any(s not in stages for s in rule.stage):
        return False
    return not any(s in stages for s in rule.not_stage)


def in_phase(layer, phase: int = caffe_pb2.TEST) -> bool:
    """Caffe's include/exclude rule for a net in ``phase`` (level 0, no stages)."""
    if layer.include:
        return any(_rule_met(r, phase) for r in layer.include)
    if layer.exclude:
        return not any(_rule_met(r, phase) for r in layer.exclude)
    return True
