"""Per-layer golden tests: one-layer Caffe nets converted and run, against independent numpy references."""
from __future__ import annotations

import math

import numpy as np
import pytest

from converter.proto import caffe_pb2

from . import _reference as ref
from ._nets import one_layer, rand

RTOL, ATOL = 1e-4, 1e-5


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=RTOL, atol=ATOL)


# ---- convolution family -------------------------------------------------------------------------

CONV_CASES = [  # (params, C_in, H, W, group)
    ({"num_output": 4, "kernel_size": [3], "stride": [1], "pad": [1]}, 3, 7, 6, 1),
    ({"num_output": 6, "kernel_h": 3, "kernel_w": 2, "stride_h": 2, "stride_w": 1, "pad_h": 1, "pad_w": 0}, 4, 9, 8, 2),
    ({"num_output": 4, "kernel_size": [3], "dilation": [2], "pad": [2], "bias_term": False}, 4, 8, 8, 1),
    ({"num_output": 4, "kernel_size": [3, 1], "stride": [2, 1], "pad": [1, 0], "group": 4}, 4, 7, 5, 4),
]


@pytest.mark.parametrize("params,cin,h,w,group", CONV_CASES)
def test_convolution(tmp_path, params, cin, h, w, group):
    p = caffe_pb2.ConvolutionParameter()
    for k, v in params.items():
        getattr(p, k).extend(v) if isinstance(v, list) else setattr(p, k, v)
    from converter.frontends.caffe.layers.nn import conv_geometry
    geo = conv_geometry(p, 2)
    x = rand(2, cin, h, w)
    wt = rand(params["num_output"], cin // group, *geo["kernel"], seed=1)
    bias = rand(params["num_output"], seed=2)
    blobs = [wt] + ([bias] if params.get("bias_term", True) else [])
    params = dict(params, group=group)
    (y,) = one_layer(tmp_path, "Convolution", x, blobs, convolution_param=params)
    expect = ref.conv(x, wt, bias if params.get("bias_term", True) else None, geo["strides"], geo["pads"][:2],
                      geo["dilations"], group)
    close(y, expect)


@pytest.mark.parametrize("stride,pad,group", [(2, 0, 1), (2, 1, 1), (1, 1, 2)])
def test_deconvolution(tmp_path, stride, pad, group):
    x = rand(1, 4, 5, 4)
    w = rand(4, 6 // group, 3, 3, seed=1)
    b = rand(6, seed=2)
    (y,) = one_layer(tmp_path, "Deconvolution", x, [w, b], convolution_param={
        "num_output": 6, "kernel_size": [3], "stride": [stride], "pad": [pad], "group": group})
    close(y, ref.deconv(x, w, b, (stride, stride), (pad, pad), group))


@pytest.mark.parametrize("shape,axis,transpose", [((2, 3, 4, 5), 1, False), ((2, 12), 1, True),
                                                   ((2, 3, 4, 5), 2, False)])
def test_inner_product(tmp_path, shape, axis, transpose):
    x = rand(*shape)
    k = int(np.prod(shape[axis:]))
    w = rand(*((k, 7) if transpose else (7, k)), seed=1)
    b = rand(7, seed=2)
    (y,) = one_layer(tmp_path, "InnerProduct", x, [w, b],
                     inner_product_param={"num_output": 7, "axis": axis, "transpose": transpose})
    flat = x.reshape(int(np.prod(shape[:axis])), k).astype(np.float64)
    expect = flat @ (w if transpose else w.T) + b
    close(y, expect.reshape(*shape[:axis], 7))


POOL_CASES = [  # (H, W, kernel, stride, pad, mode) -- includes ceil overhang and the dropped last window
    (6, 6, 3, 2, 1, "AVE"), (6, 6, 3, 2, 1, "MAX"), (5, 5, 2, 2, 1, "AVE"), (5, 5, 2, 2, 1, "MAX"),
    (7, 9, 3, 2, 0, "MAX"), (7, 9, 3, 2, 0, "AVE"), (8, 8, 3, 3, 2, "AVE"), (13, 13, 3, 2, 0, "MAX"),
]


@pytest.mark.parametrize("h,w,k,s,p,mode", POOL_CASES)
def test_pooling(tmp_path, h, w, k, s, p, mode):
    x = rand(2, 3, h, w)
    (y,) = one_layer(tmp_path, "Pooling", x, pooling_param={
        "pool": getattr(caffe_pb2.PoolingParameter, mode), "kernel_size": k, "stride": s, "pad": p})
    close(y, ref.pool(x, (k, k), (s, s), (p, p), mode))


def test_pooling_floor_round_mode_and_hw_spelling(tmp_path):
    x = rand(1, 2, 7, 8)
    (y,) = one_layer(tmp_path, "Pooling", x, pooling_param={
        "pool": caffe_pb2.PoolingParameter.MAX, "kernel_h": 2, "kernel_w": 3, "stride_h": 2, "stride_w": 2,
        "round_mode": caffe_pb2.PoolingParameter.FLOOR})
    close(y, ref.pool(x, (2, 3), (2, 2), (0, 0), "MAX", ceil=False))


@pytest.mark.parametrize("h,w,k,s,p", [(6, 6, 3, 2, 1), (5, 5, 2, 2, 1), (7, 9, 3, 2, 0), (13, 13, 3, 2, 0)])
def test_max_pooling_with_mask_top(tmp_path, h, w, k, s, p):
    """A second top on MAX pooling is Caffe's mask: the index h * W + w of each max in its plane, as float."""
    x = rand(2, 3, h, w)
    y, mask = one_layer(tmp_path, "Pooling", x, n_tops=2, pooling_param={
        "pool": caffe_pb2.PoolingParameter.MAX, "kernel_size": k, "stride": s, "pad": p})
    ref_y, ref_mask = ref.max_pool_mask(x, (k, k), (s, s), (p, p))
    close(y, ref_y)
    assert mask.dtype == np.float32
    np.testing.assert_array_equal(mask, ref_mask)


def test_max_pooling_mask_stays_exact_in_default_precision(tmp_path):
    """Through every pass in force_fp16: the mask keeps fp32 (its indices pass 2048, which fp16 cannot hold)."""
    from converter.api import build_graph
    from converter.options import ConvertOptions
    from converter.runtime import Session

    from ._nets import CaffeNetBuilder
    x = rand(1, 2, 64, 64)
    b = CaffeNetBuilder("mask")
    b.input("x", list(x.shape))
    b.layer("Pooling", "pool", ["x"], ["y", "mask"], pooling_param={"pool": caffe_pb2.PoolingParameter.MAX,
                                                                    "kernel_size": 2, "stride": 2})
    proto, model = b.save(str(tmp_path))
    out = Session(build_graph(ConvertOptions(framework=0, model=proto, weight=model))).run({"x": x})
    ref_y, ref_mask = ref.max_pool_mask(x.astype(np.float16).astype(np.float32), (2, 2), (2, 2), (0, 0))
    assert out["mask"].dtype == np.float32 and ref_mask.max() > 2048
    np.testing.assert_array_equal(out["mask"], ref_mask)
    np.testing.assert_allclose(out["y"], ref_y, rtol=1e-3)


@pytest.mark.parametrize("mode", ["MAX", "AVE"])
def test_global_pooling(tmp_path, mode):
    x = rand(2, 3, 5, 4)
    (y,) = one_layer(tmp_path, "Pooling", x, pooling_param={
        "pool": getattr(caffe_pb2.PoolingParameter, mode), "global_pooling": True})
    close(y, (x.max if mode == "MAX" else x.mean)(axis=(2, 3), keepdims=True))


def test_lrn_across_channels(tmp_path):
    x = rand(2, 7, 4, 3)
    (y,) = one_layer(tmp_path, "LRN", x, lrn_param={"local_size": 5, "alpha": 0.3, "beta": 0.75, "k": 2.0})
    close(y, ref.lrn_across(x, 5, 0.3, 0.75, 2.0))


def test_lrn_within_channel(tmp_path):
    x = rand(1, 3, 6, 5)
    (y,) = one_layer(tmp_path, "LRN", x, lrn_param={"local_size": 3, "alpha": 0.5, "beta": 0.6, "k": 5.0,
                                                     "norm_region": caffe_pb2.LRNParameter.WITHIN_CHANNEL})
    close(y, ref.lrn_within(x, 3, 0.5, 0.6))


# ---- normalisation and affine -------------------------------------------------------------------

def _bn_ref(x, mean, var, factor, eps):
    inv = 0 if factor == 0 else 1 / factor
    m, v = (mean * inv).reshape(1, -1, 1, 1), (var * inv).reshape(1, -1, 1, 1)
    return (x - m) / np.sqrt(v + eps)


@pytest.mark.parametrize("factor", [1.0, 999.982, 0.0])
def test_batch_norm_scale_factor(tmp_path, factor):
    x = rand(2, 3, 4, 4)
    mean, var = rand(3, seed=1), rand(3, seed=2, low=0.5)
    (y,) = one_layer(tmp_path, "BatchNorm", x, [mean, var, np.array([factor], np.float32)],
                     batch_norm_param={"eps": 1e-3})
    close(y, _bn_ref(x, mean, var, factor, 1e-3))


def test_batch_norm_then_scale_fused(tmp_path):
    from ._nets import CaffeNetBuilder, convert, run
    b = CaffeNetBuilder("bn")
    b.input("x", [1, 4, 3, 3])
    mean, var = rand(4, seed=1), rand(4, seed=2, low=0.5)
    gamma, beta = rand(4, seed=3), rand(4, seed=4)
    b.layer("BatchNorm", "bn", "x", "x", [mean, var, np.array([2.0], np.float32)])
    b.layer("Scale", "sc", "x", "x", [gamma, beta], scale_param={"bias_term": True})
    x = rand(1, 4, 3, 3)
    out = run(b, tmp_path, {"x": x})
    expect = _bn_ref(x, mean, var, 2.0, 1e-5) * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)
    close(out["x"], expect)
    types = [op.type for op in convert(b, tmp_path).ops()]
    assert types.count("BatchNorm") == 1 and "Mul" not in types


@pytest.mark.parametrize("axis,num_axes,bias", [(1, 1, True), (1, 2, False), (2, -1, True), (0, 0, False)])
def test_scale_with_blob(tmp_path, axis, num_axes, bias):
    x = rand(2, 3, 4, 5)
    shape = x.shape[axis:] if num_axes == -1 else x.shape[axis:axis + num_axes]
    gamma, beta = rand(*shape, seed=1), rand(*shape, seed=2)
    (y,) = one_layer(tmp_path, "Scale", x, [gamma, beta] if bias else [gamma],
                     scale_param={"axis": axis, "num_axes": num_axes, "bias_term": bias})
    bshape = tuple(shape) + (1,) * (4 - axis - len(shape))
    expect = x * gamma.reshape(bshape) + (beta.reshape(bshape) if bias else 0)
    close(y, expect)


def test_scale_with_second_bottom(tmp_path):
    x, s = rand(2, 3, 4, 5), rand(3, 4, seed=1)
    (y,) = one_layer(tmp_path, "Scale", x, extra_bottoms=[s], scale_param={"axis": 1})
    close(y, x * s.reshape(1, 3, 4, 1))


def test_bias_layer(tmp_path):
    x, bias = rand(2, 3, 4), rand(3, seed=1)
    (y,) = one_layer(tmp_path, "Bias", x, [bias])
    close(y, x + bias.reshape(1, 3, 1))


@pytest.mark.parametrize("across,shared", [(True, True), (False, False), (False, True)])
def test_normalize(tmp_path, across, shared):
    x = rand(2, 4, 3, 5)
    scale = rand(1 if shared else 4, seed=1, low=1.0)
    (y,) = one_layer(tmp_path, "Normalize", x, [scale],
                     norm_param={"across_spatial": across, "channel_shared": shared, "eps": 1e-6})
    close(y, ref.normalize(x, scale, across, shared, 1e-6))


# ---- activations --------------------------------------------------------------------------------

def _softplus(x):
    return np.where(x > 0, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(x)))


UNARY = [
    ("ReLU", {}, lambda x: np.maximum(x, 0)),
    ("ReLU", {"relu_param": {"negative_slope": 0.1}}, lambda x: np.where(x > 0, x, 0.1 * x)),
    ("Sigmoid", {}, lambda x: 1 / (1 + np.exp(-x.astype(np.float64)))),
    ("TanH", {}, np.tanh),
    ("AbsVal", {}, np.abs),
    ("BNLL", {}, _softplus),
    ("ELU", {"elu_param": {"alpha": 0.7}}, lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    ("Power", {"power_param": {"power": 2.0, "scale": 0.5, "shift": 1.5}}, lambda x: (1.5 + 0.5 * x) ** 2),
    ("Exp", {}, np.exp),
    ("Exp", {"exp_param": {"base": 2.0, "scale": 0.5, "shift": 0.25}}, lambda x: 2.0 ** (0.25 + 0.5 * x)),
    ("Threshold", {"threshold_param": {"threshold": 0.2}}, lambda x: (x > 0.2).astype(np.float32)),
    ("Dropout", {"dropout_param": {"dropout_ratio": 0.3}}, lambda x: x),
]


@pytest.mark.parametrize("type_,params,fn", UNARY, ids=[f"{t}{i}" for i, (t, _, _) in enumerate(UNARY)])
def test_unary(tmp_path, type_, params, fn):
    x = rand(2, 3, 4, 5)
    (y,) = one_layer(tmp_path, type_, x, **params)
    close(y, fn(x))


@pytest.mark.parametrize("params,fn", [
    ({}, np.log),
    ({"log_param": {"base": 10.0, "scale": 2.0, "shift": 0.5}}, lambda x: np.log10(0.5 + 2.0 * x)),
])
def test_log(tmp_path, params, fn):
    x = rand(2, 3, 4, low=0.5)
    (y,) = one_layer(tmp_path, "Log", x, **params)
    close(y, fn(x))


@pytest.mark.parametrize("shared", [False, True])
def test_prelu(tmp_path, shared):
    x = rand(2, 3, 4, 5)
    slope = rand(1 if shared else 3, seed=1)
    (y,) = one_layer(tmp_path, "PReLU", x, [slope], prelu_param={"channel_shared": shared})
    s = slope.reshape(1, -1, 1, 1) if not shared else slope[0]
    close(y, np.where(x > 0, x, s * x))


@pytest.mark.parametrize("axis", [1, 2, -1])
def test_softmax(tmp_path, axis):
    x = rand(2, 3, 4, 5)
    (y,) = one_layer(tmp_path, "Softmax", x, softmax_param={"axis": axis})
    e = np.exp(x.astype(np.float64) - x.max(axis=axis, keepdims=True))
    close(y, e / e.sum(axis=axis, keepdims=True))


# ---- tensor layers ------------------------------------------------------------------------------

def test_eltwise(tmp_path):
    x, a, b = rand(2, 3, 4), rand(2, 3, 4, seed=1), rand(2, 3, 4, seed=2)
    E = caffe_pb2.EltwiseParameter
    (y,) = one_layer(tmp_path, "Eltwise", x, extra_bottoms=[a, b],
                     eltwise_param={"operation": E.SUM, "coeff": [1.0, -0.5, 2.0]})
    close(y, x - 0.5 * a + 2.0 * b)
    (y,) = one_layer(tmp_path, "Eltwise", x, extra_bottoms=[a, b], eltwise_param={"operation": E.PROD})
    close(y, x * a * b)
    (y,) = one_layer(tmp_path, "Eltwise", x, extra_bottoms=[a], eltwise_param={"operation": E.MAX})
    close(y, np.maximum(x, a))
    (y,) = one_layer(tmp_path, "Eltwise", x, extra_bottoms=[a])
    close(y, x + a)


def test_concat_axis_and_concat_dim(tmp_path):
    x, a = rand(2, 3, 4), rand(2, 5, 4, seed=1)
    (y,) = one_layer(tmp_path, "Concat", x, extra_bottoms=[a])
    close(y, np.concatenate([x, a], axis=1))
    x2 = rand(2, 3, 6, seed=3)
    (y,) = one_layer(tmp_path, "Concat", x, extra_bottoms=[x2], concat_param={"axis": -1})
    close(y, np.concatenate([x, x2], axis=2))


def test_slice_points_and_equal(tmp_path):
    x = rand(2, 7, 3)
    ys = one_layer(tmp_path, "Slice", x, n_tops=3, slice_param={"axis": 1, "slice_point": [2, 3]})
    for y, e in zip(ys, np.split(x, [2, 3], axis=1)):
        close(y, e)
    x = rand(2, 3, 6)
    ys = one_layer(tmp_path, "Slice", x, n_tops=2, slice_param={"slice_dim": 2})
    for y, e in zip(ys, np.split(x, 2, axis=2)):
        close(y, e)


def test_split(tmp_path):
    x = rand(2, 3)
    ys = one_layer(tmp_path, "Split", x, n_tops=2)
    close(ys[0], x)
    close(ys[1], x)


@pytest.mark.parametrize("axis,end_axis", [(1, -1), (2, 3), (1, 2), (0, 1)])
def test_flatten(tmp_path, axis, end_axis):
    x = rand(2, 3, 4, 5)
    (y,) = one_layer(tmp_path, "Flatten", x, flatten_param={"axis": axis, "end_axis": end_axis})
    e = end_axis % 4
    close(y, x.reshape(x.shape[:axis] + (-1,) + x.shape[e + 1:]))


@pytest.mark.parametrize("dims,axis,num_axes,expect", [
    ([0, -1], 0, -1, (2, 60)), ([0, 2, -1, 5], 0, -1, (2, 2, 6, 5)), ([-1], 1, 2, (2, 12, 5)),
    ([2, 2], 2, 1, (2, 3, 2, 2, 5)), ([1], 1, 0, (2, 1, 3, 4, 5)),
    ([1], -1, 0, (2, 3, 4, 5, 1)),   # Caffe axis -1 inserts after the last axis
])
def test_reshape(tmp_path, dims, axis, num_axes, expect):
    x = rand(2, 3, 4, 5)
    (y,) = one_layer(tmp_path, "Reshape", x, reshape_param={"shape": {"dim": dims}, "axis": axis,
                                                             "num_axes": num_axes})
    close(y, x.reshape(expect))


def test_permute(tmp_path):
    x = rand(2, 3, 4, 5)
    (y,) = one_layer(tmp_path, "Permute", x, permute_param={"order": [0, 2, 3, 1]})
    close(y, x.transpose(0, 2, 3, 1))
    (y,) = one_layer(tmp_path, "Permute", x, permute_param={"order": [0, 3]})
    close(y, x.transpose(0, 3, 1, 2))


@pytest.mark.parametrize("axis,offset", [(2, [1]), (1, [0, 2, 1]), (3, [])])
def test_crop(tmp_path, axis, offset):
    x, r = rand(2, 4, 7, 6), rand(2, 2, 4, 3, seed=1)
    (y,) = one_layer(tmp_path, "Crop", x, extra_bottoms=[r], crop_param={"axis": axis, "offset": offset})
    idx = [slice(None)] * 4
    for i, a in enumerate(range(axis, 4)):
        o = offset[i] if len(offset) > 1 else (offset[0] if offset else 0)
        idx[a] = slice(o, o + r.shape[a])
    close(y, x[tuple(idx)])


def test_argmax(tmp_path):
    x = rand(2, 3, 4)
    (y,) = one_layer(tmp_path, "ArgMax", x)
    close(y, np.argmax(x.reshape(2, -1), axis=1).reshape(2, 1, 1))
    (y,) = one_layer(tmp_path, "ArgMax", x, argmax_param={"out_max_val": True, "top_k": 2})
    flat = x.reshape(2, -1)
    idx = np.argsort(-flat, axis=1)[:, :2]
    close(y, np.stack([idx, np.take_along_axis(flat, idx, 1)], axis=1))
    (y,) = one_layer(tmp_path, "ArgMax", x, argmax_param={"axis": 1})
    close(y, np.argmax(x, axis=1)[:, None, :])


def test_interp_and_upsample(tmp_path):
    x = rand(1, 2, 3, 4)
    (y,) = one_layer(tmp_path, "Interp", x, interp_param={"zoom_factor": 2})
    oh, ow = 5, 7
    expect = np.zeros((1, 2, oh, ow))
    for i in range(oh):
        for j in range(ow):
            fy, fx = i * (3 - 1) / (oh - 1), j * (4 - 1) / (ow - 1)
            y0, x0 = int(fy), int(fx)
            y1, x1 = min(y0 + 1, 2), min(x0 + 1, 3)
            ly, lx = fy - y0, fx - x0
            expect[:, :, i, j] = ((1 - ly) * ((1 - lx) * x[:, :, y0, x0] + lx * x[:, :, y0, x1])
                                  + ly * ((1 - lx) * x[:, :, y1, x0] + lx * x[:, :, y1, x1]))
    close(y, expect)
    (y,) = one_layer(tmp_path, "Upsample", x, upsample_param={"scale": 2})
    close(y, x.repeat(2, axis=2).repeat(2, axis=3))


def test_tile(tmp_path):
    x = rand(2, 3, 4)
    (y,) = one_layer(tmp_path, "Tile", x, tile_param={"axis": 1, "tiles": 3})
    close(y, np.tile(x, (1, 3, 1)))


# ---- SSD ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [
    dict(min_size=[30.0], max_size=[60.0], aspect_ratio=[2.0], flip=True, clip=False,
         variance=[0.1, 0.1, 0.2, 0.2]),
    dict(min_size=[20.5, 41.0], aspect_ratio=[2.0, 3.0, 2.0], flip=False, clip=True, variance=[0.1], step=8.0),
    dict(min_size=[33.0], max_size=[64.5], aspect_ratio=[], flip=True, clip=True, variance=[]),
])
def test_prior_box(tmp_path, case):
    feat, img = rand(1, 2, 4, 5), rand(1, 3, 40, 48, seed=1)
    (y,) = one_layer(tmp_path, "PriorBox", feat, extra_bottoms=[img], prior_box_param=case)
    expect = ref.prior_box((4, 5), (40, 48), case["min_size"], case.get("max_size", []), case["aspect_ratio"],
                           case["flip"], case["clip"], case["variance"] or [0.1], case.get("step"))
    close(y, expect)


def _ssd_inputs(n_img, n_prior, n_cls, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0.1, 0.9, (n_prior, 2))
    sizes = rng.uniform(0.05, 0.4, (n_prior, 2))
    boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], axis=1)
    var = np.tile([0.1, 0.1, 0.2, 0.2], (n_prior, 1))
    priors = np.stack([boxes.reshape(-1), var.reshape(-1)]).reshape(1, 2, -1).astype(np.float32)
    loc = rng.normal(0, 1, (n_img, n_prior * 4)).astype(np.float32)
    logits = rng.normal(0, 2, (n_img, n_prior, n_cls))
    conf = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).reshape(n_img, -1).astype(np.float32)
    return loc, conf, priors


@pytest.mark.parametrize("code,keep_top_k,thr", [("CENTER_SIZE", 7, 0.1), ("CORNER", -1, 0.2),
                                                  ("CENTER_SIZE", 50, 0.05)])
def test_detection_output(tmp_path, code, keep_top_k, thr):
    loc, conf, priors = _ssd_inputs(2, 40, 4)
    params = {"num_classes": 4, "share_location": True, "background_label_id": 0,
              "nms_param": {"nms_threshold": 0.45, "top_k": 20},
              "code_type": getattr(caffe_pb2.PriorBoxParameter, code), "keep_top_k": keep_top_k,
              "confidence_threshold": thr}
    (y,) = one_layer(tmp_path, "DetectionOutput", loc, extra_bottoms=[conf, priors],
                     detection_output_param=params)
    expect = ref.detection_output(loc, conf, priors, 4, 0.45, 20, keep_top_k, thr, code)
    assert y.shape == expect.shape
    close(y, expect)


def test_detection_output_nothing_found_gives_minus_one_rows(tmp_path):
    loc, conf, priors = _ssd_inputs(2, 10, 3)
    (y,) = one_layer(tmp_path, "DetectionOutput", loc, extra_bottoms=[conf, priors], detection_output_param={
        "num_classes": 3, "confidence_threshold": 0.999, "nms_param": {"nms_threshold": 0.5}})
    close(y, [[[[0, -1, -1, -1, -1, -1, -1], [1, -1, -1, -1, -1, -1, -1]]]])


def test_priorbox_count_matches_caffe_formula():
    from converter.ops.detection import expand_aspect_ratios
    assert expand_aspect_ratios([2.0, 3.0], True) == [1.0, 2.0, 0.5, 3.0, 1.0 / 3.0]
    assert expand_aspect_ratios([1.0, 2.0, 2.0], False) == [1.0, 2.0]
    assert math.isclose(expand_aspect_ratios([4.0], True)[2], 0.25)
