"""A tiny Caffe-semantics interpreter for whole test nets (the layers of the four structural nets),
built on the loop references in _reference.py and plain numpy -- independent of our frontend and kernels."""
from __future__ import annotations

import numpy as np

from converter.proto import caffe_pb2

from . import _reference as ref


def _conv(layer, x, blobs):
    p = layer.convolution_param
    s = p.stride[0] if p.stride else 1
    pad = p.pad[0] if p.pad else 0
    return ref.conv(x, blobs[0], blobs[1] if p.bias_term else None, (s, s), (pad, pad), (1, 1), p.group)


def _pool(layer, x, blobs):
    p = layer.pooling_param
    mode = "MAX" if p.pool == caffe_pb2.PoolingParameter.MAX else "AVE"
    if p.global_pooling:
        return x.max(axis=(2, 3), keepdims=True) if mode == "MAX" else x.mean(axis=(2, 3), keepdims=True)
    return ref.pool(x, (p.kernel_size,) * 2, (p.stride,) * 2, (p.pad,) * 2, mode)


def _bn(layer, x, blobs):
    f = blobs[2][0]
    inv = 0.0 if f == 0 else 1.0 / f
    mean, var = blobs[0] * inv, blobs[1] * inv
    return (x - mean.reshape(1, -1, 1, 1)) / np.sqrt(var.reshape(1, -1, 1, 1) + layer.batch_norm_param.eps)


def _scale(layer, x, blobs):
    y = x * blobs[0].reshape(1, -1, 1, 1)
    return y + blobs[1].reshape(1, -1, 1, 1) if layer.scale_param.bias_term else y


def _softmax(layer, x, blobs):
    axis = layer.softmax_param.axis
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _reshape(layer, x, blobs):
    dims = [x.shape[i] if d == 0 else d for i, d in enumerate(layer.reshape_param.shape.dim)]
    return x.reshape(dims)


def _flatten(layer, x, blobs):
    axis = layer.flatten_param.axis
    return x.reshape(x.shape[:axis] + (-1,))


def _prior(layer, feat, img):
    p = layer.prior_box_param
    return ref.prior_box(feat.shape[2:], img.shape[2:], list(p.min_size), list(p.max_size), list(p.aspect_ratio),
                         p.flip, p.clip, list(p.variance))


def _detect(layer, loc, conf, prior):
    p = layer.detection_output_param
    code = caffe_pb2.PriorBoxParameter.CodeType.Name(p.code_type)
    return ref.detection_output(loc, conf, prior, p.num_classes, p.nms_param.nms_threshold, p.nms_param.top_k,
                                p.keep_top_k, p.confidence_threshold, code)


UNARY = {
    "Convolution": _conv, "Pooling": _pool, "BatchNorm": _bn, "Scale": _scale, "Softmax": _softmax,
    "Reshape": _reshape, "Flatten": _flatten,
    "ReLU": lambda layer, x, b: np.maximum(x, 0),
    "Dropout": lambda layer, x, b: x,
    "InnerProduct": lambda layer, x, b: x.reshape(x.shape[0], -1) @ b[0].T + b[1],
    "LRN": lambda layer, x, b: ref.lrn_across(x, layer.lrn_param.local_size, layer.lrn_param.alpha,
                                              layer.lrn_param.beta, layer.lrn_param.k),
    "Permute": lambda layer, x, b: x.transpose(list(layer.permute_param.order)),
}


def run_net(builder, feeds: dict) -> dict:
    """Evaluate a CaffeNetBuilder's net in float64; returns every blob's final value."""
    blobs = {k: np.asarray(v, np.float64) for k, v in feeds.items()}
    for layer in builder.net.layer:
        if layer.type == "Input":
            continue
        xs = [blobs[b] for b in layer.bottom]
        w = builder.blobs.get(layer.name, [])
        if layer.type in UNARY:
            y = UNARY[layer.type](layer, xs[0], w)
        elif layer.type == "Eltwise":
            y = sum(xs)
        elif layer.type == "Concat":
            y = np.concatenate(xs, axis=layer.concat_param.axis)
        elif layer.type == "PriorBox":
            y = _prior(layer, *xs)
        elif layer.type == "DetectionOutput":
            y = _detect(layer, *xs)
        else:
            raise NotImplementedError(layer.type)
        blobs[layer.top[0]] = y
    return blobs
