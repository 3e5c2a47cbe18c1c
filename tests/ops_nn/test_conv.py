"""Conv and ConvTranspose against onnxruntime: groups, dilations, auto_pad, 1-D/3-D, output_shape."""
import numpy as np
import pytest

from converter.ops import get

from ._eval import check_against_ort, op_types

rng = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


CONV_CASES = {
    "basic": ((1, 3, 9, 9), (4, 3, 3, 3), {}),
    "pads_strides": ((2, 3, 10, 11), (5, 3, 3, 2), {"pads": [1, 0, 2, 1], "strides": [2, 3]}),
    "dilations": ((1, 2, 12, 12), (3, 2, 3, 3), {"dilations": [2, 3], "pads": [1, 1, 1, 1]}),
    "groups": ((1, 6, 8, 8), (9, 2, 3, 3), {"group": 3, "pads": [1, 1, 1, 1]}),
    "depthwise": ((1, 4, 7, 7), (4, 1, 3, 3), {"group": 4, "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    "depthwise_multiplier": ((2, 3, 6, 6), (6, 1, 3, 3), {"group": 3, "pads": [0, 1, 2, 1]}),
    "same_upper": ((1, 2, 7, 8), (3, 2, 4, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    "same_lower": ((1, 2, 7, 8), (3, 2, 4, 3), {"auto_pad": "SAME_LOWER", "strides": [2, 2]}),
    "valid": ((1, 2, 7, 8), (3, 2, 3, 3), {"auto_pad": "VALID", "strides": [2, 1]}),
    "conv1d": ((2, 3, 15), (4, 3, 5), {"pads": [2, 1], "strides": [2], "dilations": [2]}),
    "conv3d": ((1, 2, 5, 6, 7), (3, 2, 3, 2, 3), {"pads": [1, 0, 1, 1, 1, 0], "strides": [1, 2, 2]}),
    "no_bias": ((1, 3, 6, 6), (2, 3, 1, 1), {}),
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_matches_onnxruntime(tmp_path, case):
    xs, ws, attrs = CONV_CASES[case]
    inputs = [("x", rand(*xs), False), ("w", rand(*ws), True)]
    if case != "no_bias":
        inputs.append(("b", rand(ws[0]), True))
    graph = check_against_ort(tmp_path, "Conv", inputs, attrs)
    assert op_types(graph) == [{3: "Conv1D", 4: "Conv2D", 5: "Conv3D"}[len(ws)]]


TRANSPOSE_CASES = {
    "basic": ((1, 3, 5, 5), (3, 2, 3, 3), {}),
    "strides_pads": ((1, 2, 4, 5), (2, 3, 3, 3), {"strides": [2, 2], "pads": [1, 0, 1, 2]}),
    "output_padding": ((1, 2, 4, 4), (2, 3, 3, 3), {"strides": [2, 3], "output_padding": [1, 2]}),
    "output_shape": ((1, 2, 4, 4), (2, 3, 3, 3), {"strides": [2, 2], "output_shape": [10, 9]}),
    "output_shape_same_upper": ((1, 2, 4, 4), (2, 3, 3, 3),
                                {"strides": [2, 2], "output_shape": [8, 9], "auto_pad": "SAME_UPPER"}),
    "same_upper": ((1, 2, 4, 5), (2, 3, 4, 3), {"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    "same_lower": ((1, 2, 4, 5), (2, 3, 4, 3), {"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    "same_kernel_below_stride": ((1, 2, 4, 5), (2, 3, 1, 2), {"strides": [2, 3], "auto_pad": "SAME_LOWER"}),
    "groups_dilations": ((1, 4, 5, 5), (4, 3, 3, 3), {"group": 2, "dilations": [2, 1], "strides": [2, 1]}),
    "transpose1d": ((2, 3, 6), (3, 2, 4), {"strides": [3], "pads": [1, 2]}),
    "transpose3d": ((1, 2, 3, 4, 3), (2, 2, 2, 3, 2), {"strides": [2, 1, 2], "pads": [0, 1, 0, 1, 0, 1]}),
}


@pytest.mark.parametrize("case", sorted(TRANSPOSE_CASES))
def test_conv_transpose_matches_onnxruntime(tmp_path, case):
    xs, ws, attrs = TRANSPOSE_CASES[case]
    out_ch = ws[1] * attrs.get("group", 1)
    inputs = [("x", rand(*xs), False), ("w", rand(*ws), True), ("b", rand(out_ch), True)]
    graph = check_against_ort(tmp_path, "ConvTranspose", inputs, attrs)
    assert op_types(graph) == [{3: "Conv1DTranspose", 4: "Conv2DTranspose", 5: "Conv3DTranspose"}[len(ws)]]


@pytest.mark.parametrize("op_type,w_shape", [("Conv2D", (5, 3, 3, 3)), ("Conv2DTranspose", (3, 5, 3, 3))])
def test_nhwc_is_transposed_nchw(op_type, w_shape):
    spec = get(op_type)
    x, w, b = rand(2, 3, 6, 7), rand(*w_shape), rand(5)
    attrs = {"strides": [2, 1], "pads": [1, 0, 0, 1]}
    nchw = spec.kernel([x, w, b], spec.normalize(attrs))
    nhwc = spec.kernel([x.transpose(0, 2, 3, 1), w, b], spec.normalize({**attrs, "data_format": "NHWC"}))
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op_type", ["Conv2D", "Conv2DTranspose"])
def test_fp16_in_fp16_out(op_type):
    spec = get(op_type)
    x, w = rand(1, 3, 5, 5, dtype=np.float16), rand(3, 3, 3, 3, dtype=np.float16)
    y = spec.kernel([x, w, None], spec.normalize({}))
    assert y.dtype == np.float16
    ref = spec.kernel([x.astype(np.float32), w.astype(np.float32), None], spec.normalize({}))
    np.testing.assert_allclose(y.astype(np.float32), ref, rtol=5e-3, atol=5e-3)


def test_conv_with_runtime_weights(tmp_path):
    """Weights fed at run time: the conv rank comes from the weight input's declared shape."""
    inputs = [("x", rand(1, 2, 6, 6), False), ("w", rand(3, 2, 3, 3), False)]
    graph = check_against_ort(tmp_path, "Conv", inputs, {"pads": [1, 1, 1, 1]})
    assert op_types(graph) == ["Conv2D"]


def test_conv_channel_mismatch_is_a_clear_error():
    from converter.errors import ConverterError
    spec = get("Conv2D")
    with pytest.raises(ConverterError, match="channels"):
        spec.kernel([rand(1, 3, 4, 4), rand(2, 4, 3, 3), None], spec.normalize({}))

