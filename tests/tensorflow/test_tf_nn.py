"""TF nn ops through the frontend and the reference runtime, against numpy references."""
from __future__ import annotations

import numpy as np
import pytest
from tests.tensorflow.tf_builder import DType, GraphDefBuilder, run_graphdef
from tests.tensorflow.tf_reference import conv_nhwc, conv_transpose_nhwc, depthwise_nhwc, pool_nhwc, same_pads

from converter.frontends.tensorflow import load_tf_graph

F32 = DType(np.float32)
rng = np.random.default_rng(0)


def rand(*shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def close(ours, ref, tol=1e-5):
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("padding,strides,dilations", [
    ("SAME", (1, 1), (1, 1)), ("VALID", (2, 1), (1, 1)), ("SAME", (2, 2), (1, 1)), ("SAME", (1, 1), (2, 3)),
    ("EXPLICIT", (1, 2), (1, 1))])
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_conv2d(tmp_path, padding, strides, dilations, fmt):
    x, w = rand(1, 7, 8, 3), rand(3, 2, 3, 4)
    full = lambda v: [1, *v, 1] if fmt == "NHWC" else [1, 1, *v]  # noqa: E731
    attrs = dict(T=F32, strides=full(strides), dilations=full(dilations), padding=padding, data_format=fmt)
    explicit = ((1, 2), (0, 3))
    if padding == "EXPLICIT":
        pairs = [(0, 0), *explicit, (0, 0)] if fmt == "NHWC" else [(0, 0), (0, 0), *explicit]
        attrs["explicit_paddings"] = [p for pair in pairs for p in pair]
    g = GraphDefBuilder()
    g.placeholder("x", x.shape if fmt == "NHWC" else (1, 3, 7, 8))
    g.const("w", w)
    g.node("conv", "Conv2D", ["x", "w"], **attrs)
    feed = x if fmt == "NHWC" else x.transpose(0, 3, 1, 2)
    (y,) = run_graphdef(g, tmp_path, {"x": feed})
    if padding == "SAME":
        pads = tuple(same_pads(s, k, st, d) for s, k, st, d in zip((7, 8), (3, 2), strides, dilations))
    else:
        pads = explicit if padding == "EXPLICIT" else ((0, 0), (0, 0))
    ref = conv_nhwc(x, w, strides, dilations, pads)
    close(y if fmt == "NHWC" else y.transpose(0, 2, 3, 1), ref)


def test_conv2d_keeps_layout_and_makes_oihw_filter(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (1, 5, 5, 3))
    g.const("w", rand(3, 3, 3, 8))
    g.node("conv", "Conv2D", ["x", "w"], T=F32, strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC")
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    types = [op.type for op in graph.ops()]
    assert "Transpose" not in types
    conv = graph.op("conv")
    assert conv.attrs["data_format"] == "NHWC" and conv.attrs["auto_pad"] == "SAME_UPPER"
    assert graph.const_value(graph.inputs_of("conv")[1]).shape == (8, 3, 3, 3)


def test_depthwise_conv(tmp_path):
    x, w = rand(1, 6, 6, 3), rand(3, 3, 3, 2)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("w", w)
    g.node("dw", "DepthwiseConv2dNative", ["x", "w"], T=F32, strides=[1, 2, 2, 1], padding="SAME",
           data_format="NHWC")
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, depthwise_nhwc(x, w, (2, 2), (same_pads(6, 3, 2), same_pads(6, 3, 2))))


def test_conv3d(tmp_path):
    x, w = rand(1, 4, 5, 5, 2), rand(2, 3, 3, 2, 3)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("w", w)
    g.node("c3", "Conv3D", ["x", "w"], T=F32, strides=[1, 1, 1, 1, 1], padding="VALID", data_format="NDHWC")
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    ref = np.zeros((1, 3, 3, 3, 3))
    for d in range(3):
        for i in range(3):
            for j in range(3):
                ref[0, d, i, j] = np.einsum("dhwc,dhwco->o", x[0, d:d + 2, i:i + 3, j:j + 3], w)
    close(y, ref)


@pytest.mark.parametrize("padding,out_hw", [("SAME", (8, 10)), ("VALID", (9, 11)), ("SAME", (7, 9))])
def test_conv2d_backprop_input(tmp_path, padding, out_hw):
    x, w = rand(1, 4, 5, 3), rand(3, 3, 2, 3)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("w", w)
    g.const("sizes", [1, *out_hw, 2], np.int32)
    g.node("deconv", "Conv2DBackpropInput", ["sizes", "w", "x"], T=F32, strides=[1, 2, 2, 1], padding=padding,
           data_format="NHWC")
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    begins = [same_pads(s, 3, 2)[0] if padding == "SAME" else 0 for s in out_hw]
    close(y, conv_transpose_nhwc(x, w, out_hw, (2, 2), begins))


def test_conv2d_backprop_input_with_packed_sizes(tmp_path):
    """Keras builds input_sizes with tf.stack([batch, h, w, c]); only the spatial entries need be constant."""
    x, w = rand(1, 4, 5, 3), rand(3, 3, 2, 3)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("w", w)
    g.node("shape", "Shape", ["x"], T=F32, out_type=DType(np.int32))
    for name, v in (("begin", [0]), ("end", [1]), ("stride", [1])):
        g.const(name, v, np.int32)
    g.node("batch", "StridedSlice", ["shape", "begin", "end", "stride"], T=DType(np.int32), shrink_axis_mask=1)
    for name, v in (("h", 8), ("w_", 10), ("c", 2)):
        g.const(name, v, np.int32)
    g.node("sizes", "Pack", ["batch", "h", "w_", "c"], T=DType(np.int32), N=4, axis=0)
    g.node("deconv", "Conv2DBackpropInput", ["sizes", "w", "x"], T=F32, strides=[1, 2, 2, 1], padding="SAME")
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, conv_transpose_nhwc(x, w, (8, 10), (2, 2), (same_pads(8, 3, 2)[0], same_pads(10, 3, 2)[0])))


@pytest.mark.parametrize("op,kind", [("MaxPool", "max"), ("AvgPool", "avg")])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_pool(tmp_path, op, kind, padding):
    x = rand(2, 7, 6, 3)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.node("pool", op, ["x"], T=F32, ksize=[1, 3, 2, 1], strides=[1, 2, 2, 1], padding=padding, data_format="NHWC")
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    pads = (same_pads(7, 3, 2), same_pads(6, 2, 2)) if padding == "SAME" else ((0, 0), (0, 0))
    close(y, pool_nhwc(x, (3, 2), (2, 2), pads, kind))


def test_max_pool_v2_nchw(tmp_path):
    x = rand(1, 2, 6, 6)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("k", [1, 1, 2, 2], np.int32)
    g.const("s", [1, 1, 2, 2], np.int32)
    g.node("pool", "MaxPoolV2", ["x", "k", "s"], T=F32, padding="VALID", data_format="NCHW")
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, x.reshape(1, 2, 3, 2, 3, 2).max(axis=(3, 5)))


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
@pytest.mark.parametrize("op", ["FusedBatchNorm", "FusedBatchNormV3"])
def test_fused_batch_norm(tmp_path, fmt, op):
    x = rand(2, 4, 5, 3) if fmt == "NHWC" else rand(2, 3, 4, 5)
    scale, offset, mean = rand(3), rand(3), rand(3)
    var = rng.uniform(0.5, 2, 3).astype(np.float32)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    for name, v in (("scale", scale), ("offset", offset), ("mean", mean), ("var", var)):
        g.const(name, v)
    g.node("bn", op, ["x", "scale", "offset", "mean", "var"], T=F32, epsilon=0.001, is_training=False,
           data_format=fmt)
    (y,) = run_graphdef(g, tmp_path, {"x": x}, out_nodes=["bn:0"])
    shape = (1, 1, 1, 3) if fmt == "NHWC" else (1, 3, 1, 1)
    ref = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 0.001) * scale.reshape(shape) + offset.reshape(shape)
    close(y, ref)


def test_fused_batch_norm_training_is_refused(tmp_path):
    g = GraphDefBuilder()
    g.placeholder("x", (1, 2, 2, 3))
    for name in ("scale", "offset", "mean", "var"):
        g.const(name, np.ones(3, np.float32))
    g.node("bn", "FusedBatchNormV3", ["x", "scale", "offset", "mean", "var"], T=F32, is_training=True)
    with pytest.raises(Exception) as err:
        load_tf_graph(g.save(tmp_path), {}, ["bn:0"])
    assert getattr(err.value, "code", None) == "E10001" and "is_training" in str(err.value)


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_bias_add(tmp_path, fmt):
    x, b = rand(2, 3, 4, 5), rand(3 if fmt == "NCHW" else 5)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("b", b)
    g.node("ba", "BiasAdd", ["x", "b"], T=F32, data_format=fmt)
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, x + (b.reshape(3, 1, 1) if fmt == "NCHW" else b))


def _bilinear_ref(x, out_hw, mode):
    """TF ResizeBilinear source coordinates for each mode, by hand."""
    n, h, w, c = x.shape
    ys = _coords(h, out_hw[0], mode)
    xs = _coords(w, out_hw[1], mode)
    out = np.zeros((n, out_hw[0], out_hw[1], c))
    for i, sy in enumerate(ys):
        y0 = int(np.floor(sy)); y1 = min(y0 + 1, h - 1); fy = sy - y0  # noqa: E702
        for j, sx in enumerate(xs):
            x0 = int(np.floor(sx)); x1 = min(x0 + 1, w - 1); fx = sx - x0  # noqa: E702
            top = x[:, y0, x0] * (1 - fx) + x[:, y0, x1] * fx
            bottom = x[:, y1, x0] * (1 - fx) + x[:, y1, x1] * fx
            out[:, i, j] = top * (1 - fy) + bottom * fy
    return out


def _coords(size, out, mode):
    if mode == "align_corners":
        return [i * (size - 1) / (out - 1) for i in range(out)]
    if mode == "half_pixel":
        return [max((i + 0.5) * size / out - 0.5, 0.0) for i in range(out)]
    return [i * size / out for i in range(out)]


@pytest.mark.parametrize("mode", ["align_corners", "half_pixel", "asymmetric"])
def test_resize_bilinear(tmp_path, mode):
    x = rand(1, 4, 5, 2)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("size", [7, 9], np.int32)
    g.node("r", "ResizeBilinear", ["x", "size"], T=F32, align_corners=mode == "align_corners",
           half_pixel_centers=mode == "half_pixel")
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, _bilinear_ref(x, (7, 9), mode))


@pytest.mark.parametrize("mode", ["align_corners", "half_pixel", "asymmetric"])
def test_resize_nearest(tmp_path, mode):
    x = rand(1, 4, 5, 2)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("size", [9, 7], np.int32)
    g.node("r", "ResizeNearestNeighbor", ["x", "size"], T=F32, align_corners=mode == "align_corners",
           half_pixel_centers=mode == "half_pixel")
    (y,) = run_graphdef(g, tmp_path, {"x": x})

    def index(size, out):
        scale = (size - 1) / (out - 1) if mode == "align_corners" else size / out
        if mode == "align_corners":
            return [min(int(np.floor(i * scale + 0.5)), size - 1) for i in range(out)]
        if mode == "half_pixel":
            return [min(int(np.floor((i + 0.5) * scale)), size - 1) for i in range(out)]
        return [min(int(np.floor(i * scale)), size - 1) for i in range(out)]

    close(y, x[:, index(4, 9)][:, :, index(5, 7)])


def test_depth_to_space_and_back(tmp_path):
    x = rand(1, 2, 3, 8)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.node("d2s", "DepthToSpace", ["x"], T=F32, block_size=2, data_format="NHWC")
    g.node("s2d", "SpaceToDepth", ["d2s"], T=F32, block_size=2, data_format="NHWC")
    y, back = run_graphdef(g, tmp_path, {"x": x}, out_nodes=["d2s", "s2d"])
    ref = x.reshape(1, 2, 3, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(1, 4, 6, 2)
    close(y, ref)
    close(back, x)


def _s2b_graph(block, paddings, crops, conv: bool):
    g = GraphDefBuilder()
    g.placeholder("x", (1, 9, 10, 2))
    g.const("block", block, np.int32)
    g.const("pads", paddings, np.int32)
    g.const("crops", crops, np.int32)
    g.node("s2b", "SpaceToBatchND", ["x", "block", "pads"], T=F32)
    inner = "s2b"
    if conv:
        g.const("w", rand(3, 3, 2, 4))
        g.node("conv", "Conv2D", ["s2b", "w"], T=F32, strides=[1, 1, 1, 1], padding="VALID")
        inner = "conv"
    g.node("b2s", "BatchToSpaceND", [inner, "block", "crops"], T=F32)
    return g


def test_space_to_batch_round_trip(tmp_path):
    x = rand(1, 9, 10, 2)
    g = _s2b_graph([2, 3], [[1, 2], [1, 1]], [[1, 2], [1, 1]], conv=False)
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, x)


def test_space_to_batch_layout(tmp_path):
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    g = GraphDefBuilder()
    g.placeholder("x", x.shape)
    g.const("block", [2, 2], np.int32)
    g.const("pads", [[0, 0], [0, 0]], np.int32)
    g.node("s2b", "SpaceToBatchND", ["x", "block", "pads"], T=F32)
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, np.stack([x[0, i::2, j::2] for i in range(2) for j in range(2)]))


def test_dilated_conv_pattern_is_folded(tmp_path):
    """SpaceToBatchND -> VALID Conv2D -> BatchToSpaceND == one conv with dilations = block."""
    x = rand(1, 9, 10, 2)
    g = _s2b_graph([2, 2], [[2, 3], [2, 2]], [[0, 1], [0, 0]], conv=True)
    graph = load_tf_graph(g.save(tmp_path), {}, [])
    types = [op.type for op in graph.ops()]
    assert "SpaceToBatchND" not in types and "BatchToSpaceND" not in types
    assert graph.op("conv").attrs["dilations"] == [2, 2]
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    w = graph.const_value(graph.inputs_of("conv")[1]).transpose(2, 3, 1, 0)
    close(y, conv_nhwc(x, w, dilations=(2, 2), pads=((2, 2), (2, 2))), 1e-4)


def test_grouped_conv2d(tmp_path):
    """TF convolves in groups when the input has a multiple of the filter's input channels."""
    x, w = rand(1, 5, 5, 6), rand(3, 3, 2, 9)
    g = GraphDefBuilder()
    g.placeholder("x", (-1, 5, 5, 6))
    g.const("w", w)
    g.node("conv", "Conv2D", ["x", "w"], T=F32, strides=[1, 1, 1, 1], padding="VALID")
    graph = load_tf_graph(g.save(tmp_path), {"x": (1, 5, 5, 6)}, [])
    assert graph.op("conv").attrs["groups"] == 3
    (y,) = run_graphdef(g, tmp_path, {"x": x})
    close(y, conv_nhwc(x, w, groups=3))
