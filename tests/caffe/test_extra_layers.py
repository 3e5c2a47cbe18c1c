"""Fork and less common Caffe layers: depthwise-convolution aliases, ReLU6, ShuffleChannel, Axpy,
Reduction, MVN, Embed -- against numpy references of the Caffe layer code."""
from __future__ import annotations

import numpy as np
import pytest

from converter.proto import caffe_pb2

from . import _reference as ref
from ._nets import one_layer, rand

R = caffe_pb2.ReductionParameter


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("type_", ["ConvolutionDepthwise", "DepthwiseConvolution"])
def test_depthwise_aliases(tmp_path, type_):
    x, w, b = rand(1, 4, 6, 5), rand(4, 1, 3, 3, seed=1), rand(4, seed=2)
    (y,) = one_layer(tmp_path, type_, x, [w, b], convolution_param={"num_output": 4, "kernel_size": [3],
                                                                    "pad": [1], "stride": [2]})
    close(y, ref.conv(x, w, b, (2, 2), (1, 1), (1, 1), 4))


def test_relu6(tmp_path):
    x = rand(2, 3, 4) * 5
    (y,) = one_layer(tmp_path, "ReLU6", x)
    close(y, np.clip(x, 0, 6))


def test_shuffle_channel(tmp_path):
    x = rand(2, 6, 3, 2)
    (y,) = one_layer(tmp_path, "ShuffleChannel", x, shuffle_channel_param={"group": 3})
    order = [g * 2 + i for i in range(2) for g in range(3)]   # output channel i*3+g takes input g*2+i
    close(y, x[:, order])


def test_axpy(tmp_path):
    a, x, y0 = rand(2, 3, 1, 1), rand(2, 3, 4, 4, seed=1), rand(2, 3, 4, 4, seed=2)
    (y,) = one_layer(tmp_path, "Axpy", a, extra_bottoms=[x, y0])
    close(y, a * x + y0)


@pytest.mark.parametrize("op,axis,coeff", [(R.SUM, 1, 1.0), (R.ASUM, 2, 0.5), (R.SUMSQ, 0, 1.0),
                                           (R.MEAN, -1, 2.0)])
def test_reduction(tmp_path, op, axis, coeff):
    x = rand(2, 3, 4)
    (y,) = one_layer(tmp_path, "Reduction", x, reduction_param={"operation": op, "axis": axis, "coeff": coeff})
    a = axis % 3
    flat = x.reshape(x.shape[:a] + (-1,)).astype(np.float64)
    fn = {R.SUM: lambda v: v.sum(-1), R.ASUM: lambda v: np.abs(v).sum(-1), R.SUMSQ: lambda v: (v * v).sum(-1),
          R.MEAN: lambda v: v.mean(-1)}[op]
    close(y, coeff * fn(flat))


@pytest.mark.parametrize("across,variance", [(False, True), (True, True), (False, False)])
def test_mvn(tmp_path, across, variance):
    x = rand(2, 3, 4, 5)
    (y,) = one_layer(tmp_path, "MVN", x, mvn_param={"across_channels": across, "normalize_variance": variance,
                                                    "eps": 1e-3})
    expect = np.zeros_like(x, dtype=np.float64)
    for n in range(2):
        groups = [x[n]] if across else [x[n, c] for c in range(3)]
        outs = []
        for g in groups:
            centered = g - g.mean()
            outs.append(centered / (np.sqrt((centered ** 2).mean()) + 1e-3) if variance else centered)
        expect[n] = outs[0] if across else np.stack(outs)
    close(y, expect)


def test_embed(tmp_path):
    idx = np.array([[0, 3], [2, 2]], np.float32)
    w, b = rand(4, 5, seed=1), rand(5, seed=2)
    (y,) = one_layer(tmp_path, "Embed", idx, [w, b], embed_param={"num_output": 5, "input_dim": 4})
    close(y, w[idx.astype(int)] + b)
