"""BatchNormalization, Instance/Layer/Group normalisation, LRN, MVN and LpNormalization against onnxruntime."""
import numpy as np
import pytest

from converter.errors import ConverterError
from converter.ops import get
from tests.helpers import one_node_model

from ._eval import check_against_ort, op_types, run_both

rng = np.random.default_rng(2)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def bn_inputs(x_shape, channels):
    return [("x", rand(*x_shape), False), ("scale", rand(channels), True), ("bias", rand(channels), True),
            ("mean", rand(channels), True), ("var", rng.uniform(0.5, 2, channels).astype(np.float32), True)]


@pytest.mark.parametrize("x_shape", [(2, 3, 4, 5), (2, 3), (1, 3, 2, 3, 4)])
def test_batch_normalization(tmp_path, x_shape):
    graph = check_against_ort(tmp_path, "BatchNormalization", bn_inputs(x_shape, 3), {"epsilon": 1e-3})
    assert op_types(graph) == ["BatchNorm"]


def test_batch_normalization_training_mode_uses_batch_statistics(tmp_path):
    """Values against onnxruntime: tests/ops_onnx_conformance."""
    model = one_node_model("BatchNormalization", bn_inputs((2, 3, 2, 2), 3), {"training_mode": 1}, n_out=3, opset=15)
    ours, theirs, graph = run_both(tmp_path, model, {"x": rand(2, 3, 2, 2)})
    assert op_types(graph) == ["BatchNormTraining"]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_batch_normalization_extra_outputs_are_refused(tmp_path):
    model = one_node_model("BatchNormalization", bn_inputs((1, 3, 2, 2), 3), {}, n_out=3, opset=9)
    with pytest.raises(ConverterError, match="output 0"):
        run_both(tmp_path, model, {"x": rand(1, 3, 2, 2)})


@pytest.mark.parametrize("x_shape", [(2, 3, 4, 5), (1, 4, 6), (1, 2, 3, 4, 5)])
def test_instance_normalization(tmp_path, x_shape):
    c = x_shape[1]
    inputs = [("x", rand(*x_shape), False), ("s", rand(c), True), ("b", rand(c), True)]
    graph = check_against_ort(tmp_path, "InstanceNormalization", inputs, {"epsilon": 1e-4})
    assert op_types(graph) == ["InstanceNorm"]


@pytest.mark.parametrize("axis,with_bias", [(-1, True), (1, True), (-2, False), (2, True)])
def test_layer_normalization(tmp_path, axis, with_bias):
    x = rand(2, 3, 4, 5)
    norm_shape = x.shape[axis:]
    inputs = [("x", x, False), ("g", rand(*norm_shape), True)]
    if with_bias:
        inputs.append(("b", rand(*norm_shape), True))
    graph = check_against_ort(tmp_path, "LayerNormalization", inputs, {"axis": axis, "epsilon": 1e-5})
    assert graph.op(next(o.name for o in graph.ops() if o.type == "LayerNorm")).attrs["axis"] == axis % 4


@pytest.mark.parametrize("opset,per_group", [(18, True), (21, False)])
def test_group_normalization(tmp_path, opset, per_group):
    x = rand(2, 6, 3, 4)
    n = 3 if per_group else 6
    inputs = [("x", x, False), ("s", rand(n), True), ("b", rand(n), True)]
    graph = check_against_ort(tmp_path, "GroupNormalization", inputs, {"num_groups": 3, "epsilon": 1e-5},
                              opset=opset)
    assert op_types(graph) == ["GroupNorm"]


@pytest.mark.parametrize("size", [1, 3, 5])
def test_lrn(tmp_path, size):
    attrs = {"size": size, "alpha": 0.02, "beta": 0.6, "bias": 1.5}
    check_against_ort(tmp_path, "LRN", [("x", rand(2, 7, 4, 5), False)], attrs)


def test_lrn_even_size_follows_onnx_spec():
    """onnxruntime refuses even sizes (and onnx.reference loops over the batch axis): check the spec's
    window [c - floor((size-1)/2), c + ceil((size-1)/2)] with a direct loop."""
    spec = get("LRN")
    x, size = rand(2, 7, 3, 3), 4
    y = spec.kernel([x], spec.normalize({"size": size, "alpha": 0.02, "beta": 0.6, "bias": 1.5}))
    expected = np.empty_like(x)
    for c in range(7):
        lo, hi = max(0, c - (size - 1) // 2), min(7, c + -(-(size - 1) // 2) + 1)
        square_sum = (x[:, lo:hi] ** 2).sum(axis=1)
        expected[:, c] = x[:, c] / (1.5 + 0.02 / size * square_sum) ** 0.6
    np.testing.assert_allclose(y, expected, rtol=1e-5)


def test_lrn_within_channel_is_caffe():
    """Caffe: x / (1 + alpha / size^2 * sum of x^2 over a zero-padded size x size window)^beta."""
    spec = get("LRN")
    x = rand(1, 2, 5, 6)
    attrs = spec.normalize({"size": 3, "alpha": 0.1, "beta": 0.75, "norm_region": "WITHIN_CHANNEL"})
    y = spec.kernel([x], attrs)
    padded = np.pad(x * x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    expected = np.empty_like(x)
    for h in range(5):
        for w in range(6):
            window = padded[:, :, h:h + 3, w:w + 3].sum(axis=(2, 3))
            expected[:, :, h, w] = x[:, :, h, w] / (1 + 0.1 / 9 * window) ** 0.75
    np.testing.assert_allclose(y, expected, rtol=1e-5)


@pytest.mark.parametrize("axes", [None, [0, 1, 2, 3], [2, 3]])
def test_mean_variance_normalization(tmp_path, axes):
    attrs = {} if axes is None else {"axes": axes}
    check_against_ort(tmp_path, "MeanVarianceNormalization", [("x", rand(2, 3, 4, 5), False)], attrs)


@pytest.mark.parametrize("axis,p", [(-1, 2), (1, 1), (0, 2)])
def test_lp_normalization(tmp_path, axis, p):
    check_against_ort(tmp_path, "LpNormalization", [("x", rand(3, 4, 5), False)], {"axis": axis, "p": p})


@pytest.mark.parametrize("op_type,extra", [("BatchNorm", 4), ("InstanceNorm", 2), ("GroupNorm", 2), ("LRN", 0)])
def test_nhwc_is_transposed_nchw(op_type, extra):
    spec = get(op_type)
    attrs = {"BatchNorm": {}, "InstanceNorm": {}, "GroupNorm": {"num_groups": 2}, "LRN": {"size": 3}}[op_type]
    x = rand(2, 4, 3, 5)
    params = [rand(4) if k < 3 else rng.uniform(0.5, 1, 4).astype(np.float32) for k in range(extra)]
    nchw = spec.kernel([x] + params, spec.normalize(attrs))
    nhwc = spec.kernel([x.transpose(0, 2, 3, 1)] + params, spec.normalize({**attrs, "data_format": "NHWC"}))
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op_type", ["BatchNorm", "LayerNorm", "LRN"])
def test_fp16_in_fp16_out(op_type):
    spec = get(op_type)
    x = rand(1, 4, 3, 3, dtype=np.float16)
    params = {"BatchNorm": [np.ones(4, np.float16)] * 4, "LayerNorm": [np.ones(3, np.float16)], "LRN": []}[op_type]
    attrs = {"LRN": {"size": 3}}.get(op_type, {})
    assert spec.kernel([x] + params, spec.normalize(attrs)).dtype == np.float16
