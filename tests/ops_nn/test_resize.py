"""Resize (nearest modes, linear with every coordinate mode, cubic, sizes vs scales), Upsample, against onnxruntime."""
import numpy as np
import pytest

from converter.ops import get
from tests.helpers import one_node_model

from ._eval import check_against_ort, op_types, run_both

rng = np.random.default_rng(5)
EMPTY = np.zeros(0, np.float32)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def scales(*values):
    return np.asarray(values, np.float32)


def sizes(*values):
    return np.asarray(values, np.int64)


def resize_inputs(x, roi=None, scale=None, size=None):
    inputs = [("x", x, False), ("roi", roi if roi is not None else EMPTY, True)]
    inputs.append(("scales", scale, True) if scale is not None else ("", None, False))
    if size is not None:
        inputs.append(("sizes", size, True))
    return inputs


def _oracle(coord: str) -> str:
    """align_corners from scales divides by in * scale - 1 (ONNX's reference and node tests; the ONNX
    maintainers confirmed it in onnx/onnx#2462), where onnxruntime takes floor(in * scale) - 1: the two differ
    when in * scale is not whole, and we follow ONNX."""
    return "reference" if coord == "align_corners" else "onnxruntime"


NEAREST_COORDS = ["half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nn", "pytorch_half_pixel"]
NEAREST_MODES = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]


@pytest.mark.parametrize("coord", NEAREST_COORDS)
@pytest.mark.parametrize("nearest_mode", NEAREST_MODES)
@pytest.mark.parametrize("scale", [(2.0, 3.0), (0.5, 0.75), (1.5, 0.6)])
def test_nearest(tmp_path, coord, nearest_mode, scale):
    attrs = {"mode": "nearest", "coordinate_transformation_mode": coord, "nearest_mode": nearest_mode}
    graph = check_against_ort(tmp_path, "Resize", resize_inputs(rand(1, 2, 5, 7), scale=scales(1, 1, *scale)),
                              attrs, opset=13, oracle=_oracle(coord))
    assert op_types(graph) == ["Resize"]


LINEAR_COORDS = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"]


@pytest.mark.parametrize("coord", LINEAR_COORDS)
@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("scale", [(2.0, 1.5), (0.5, 0.8), (3.0, 0.4)])
def test_linear_and_cubic_by_scales(tmp_path, coord, mode, scale):
    attrs = {"mode": mode, "coordinate_transformation_mode": coord, "extrapolation_value": -3.0}
    roi = scales(0, 0, 0.2, 0.1, 1, 1, 0.9, 1.2) if coord == "tf_crop_and_resize" else None
    inputs = resize_inputs(rand(2, 3, 6, 5), roi=roi, scale=scales(1, 1, *scale))
    check_against_ort(tmp_path, "Resize", inputs, attrs, opset=13, oracle=_oracle(coord))


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize("size", [(12, 7), (3, 4), (1, 9)])
def test_by_sizes(tmp_path, mode, size):
    attrs = {"mode": mode, "coordinate_transformation_mode": "pytorch_half_pixel"}
    check_against_ort(tmp_path, "Resize", resize_inputs(rand(1, 2, 6, 5), size=sizes(1, 2, *size)), attrs, opset=13)


@pytest.mark.parametrize("a,exclude", [(-0.75, 0), (-0.5, 1), (-0.75, 1)])
def test_cubic_coefficients(tmp_path, a, exclude):
    attrs = {"mode": "cubic", "cubic_coeff_a": a, "exclude_outside": exclude}
    check_against_ort(tmp_path, "Resize", resize_inputs(rand(1, 1, 5, 6), scale=scales(1, 1, 1.7, 0.6)),
                      attrs, opset=13)


def test_half_pixel_symmetric_opset19(tmp_path):
    attrs = {"mode": "linear", "coordinate_transformation_mode": "half_pixel_symmetric"}
    check_against_ort(tmp_path, "Resize", resize_inputs(rand(1, 2, 5, 7), scale=scales(1, 1, 1.7, 0.6)),
                      attrs, opset=19)


@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
def test_axes_and_keep_aspect_ratio_opset18(tmp_path, policy):
    attrs = {"mode": "linear", "axes": [2, 3], "keep_aspect_ratio_policy": policy}
    check_against_ort(tmp_path, "Resize", resize_inputs(rand(1, 2, 6, 4), size=sizes(9, 9)), attrs, opset=18)


def test_negative_axes_are_normalised(tmp_path):
    """onnxruntime mishandles negative Resize axes: compare with the same model using positive ones."""
    x = rand(1, 2, 6, 4)
    negative = one_node_model("Resize", resize_inputs(x, size=sizes(9, 9)), {"mode": "linear", "axes": [-2, -1]},
                              opset=18)
    positive = one_node_model("Resize", resize_inputs(x, size=sizes(9, 9)), {"mode": "linear", "axes": [2, 3]},
                              opset=18)
    ours, _, graph = run_both(tmp_path, negative, {"x": x})
    _, theirs, _ = run_both(tmp_path, positive, {"x": x})
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4, atol=1e-5)
    assert next(op for op in graph.ops() if op.type == "Resize").attrs["axes"] == [2, 3]


def test_nearest_resizes_outer_axes(tmp_path):
    check_against_ort(tmp_path, "Resize", resize_inputs(rand(2, 3, 4), scale=scales(2, 0.5, 1.5)),
                      {"mode": "nearest"}, opset=13)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scale", [(2, 1.5), (0.5, 0.6), (1.7, 0.4)])
def test_resize_opset10(tmp_path, mode, scale):
    """Resize-10 nearest floors on growing axes and ceils on shrinking ones (onnxruntime's 'simple')."""
    inputs = [("x", rand(1, 2, 6, 7), False), ("scales", scales(1, 1, *scale), True)]
    check_against_ort(tmp_path, "Resize", inputs, {"mode": mode}, opset=10)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_upsample_opset9(tmp_path, mode):
    inputs = [("x", rand(1, 2, 4, 5), False), ("scales", scales(1, 1, 2, 3), True)]
    graph = check_against_ort(tmp_path, "Upsample", inputs, {"mode": mode}, opset=9)
    assert op_types(graph) == ["Resize"]


def test_upsample_opset7_attr_scales(tmp_path):
    check_against_ort(tmp_path, "Upsample", [("x", rand(1, 2, 3, 4), False)],
                      {"mode": "nearest", "scales": [1.0, 1.0, 2.0, 2.0]}, opset=7)


@pytest.mark.parametrize("mode,coord", [("linear", "align_corners"), ("linear", "half_pixel"),
                                        ("nearest", "tf_half_pixel_for_nn")])
def test_nhwc_with_spatial_sizes_is_transposed_nchw(mode, coord):
    spec = get("Resize")
    x = rand(2, 3, 5, 4)
    attrs = {"mode": mode, "coordinate_transformation_mode": coord, "nearest_mode": "floor"}
    nchw = spec.kernel([x, None, None, sizes(2, 3, 8, 7)], spec.normalize(attrs))
    nhwc = spec.kernel([x.transpose(0, 2, 3, 1), None, None, sizes(8, 7)],
                       spec.normalize({**attrs, "data_format": "NHWC"}))
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-6)


def test_fp16_in_fp16_out():
    spec = get("Resize")
    x = rand(1, 2, 3, 3).astype(np.float16)
    y = spec.kernel([x, None, scales(1, 1, 2, 2)], spec.normalize({"mode": "linear"}))
    assert y.dtype == np.float16 and y.shape == (1, 2, 6, 6)


@pytest.mark.parametrize("attrs,sizes_shape,expected", [
    ({"axes": [2, 3], "data_format": "NHWC"}, (2,), (1, -1, -1, 5)),
    ({"data_format": "NHWC"}, (2,), (1, -1, -1, 5)),
    ({}, (4,), (-1, -1, -1, -1)),
    ({"axes": [1]}, (1,), (1, -1, 4, 3)),
])
def test_infer_with_unknown_sizes_marks_resized_axes(attrs, sizes_shape, expected):
    from converter.ir import TensorDesc
    from converter.ops.registry import InferContext
    spec = get("Resize")
    x_shape = (1, 4, 3, 5) if attrs.get("data_format") == "NHWC" else (1, 5, 4, 3)
    op = type("FakeOp", (), {"name": "r", "type": "Resize"})()
    ctx = InferContext(op, [TensorDesc(shape=x_shape), None, None, TensorDesc(dtype=7, shape=sizes_shape)],
                       [None, None, None, None], spec.normalize(attrs))
    assert spec.infer(ctx)[0].shape == expected
