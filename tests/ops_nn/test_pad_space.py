"""Pad (every mode, opset 7/11/18 forms, negative pads) and DepthToSpace/SpaceToDepth against onnxruntime."""
import numpy as np
import pytest

from converter.ops import get

from ._eval import check_against_ort, op_types

rng = np.random.default_rng(4)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def i64(*values):
    return np.asarray(values, np.int64)


PAD_CASES = {
    "constant": ("constant", i64(0, 1, 2, 1, 0, 0, 1, 3), 1.5),
    "constant_default_value": ("constant", i64(1, 0, 0, 2, 0, 1, 1, 0), None),
    "reflect": ("reflect", i64(0, 0, 2, 1, 0, 0, 1, 3), None),
    "edge": ("edge", i64(0, 1, 2, 3, 0, 2, 1, 0), None),
    "crop": ("constant", i64(0, 0, -1, 2, 0, 0, 1, -2), None),
}


@pytest.mark.parametrize("case", sorted(PAD_CASES))
def test_pad_inputs_form(tmp_path, case):
    mode, pads, value = PAD_CASES[case]
    inputs = [("x", rand(2, 3, 4, 5), False), ("pads", pads, True)]
    if value is not None:
        inputs.append(("v", np.asarray(value, np.float32), True))
    graph = check_against_ort(tmp_path, "Pad", inputs, {"mode": mode}, opset=13)
    assert op_types(graph) == ["PadV3"]


def test_pad_wrap_with_axes_opset19(tmp_path):
    inputs = [("x", rand(2, 3, 4, 5), False), ("pads", i64(1, 2, 3, 1), True), ("", None, False),
              ("axes", i64(-2, 3), True)]
    graph = check_against_ort(tmp_path, "Pad", inputs, {"mode": "wrap"}, opset=19)
    pad = next(op for op in graph.ops() if op.type == "PadV3")
    assert pad.attrs["axes"] == [2, 3]


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
def test_pad_attrs_form_opset7(tmp_path, mode):
    attrs = {"mode": mode, "pads": [0, 0, 1, 2, 0, 0, 2, 1], "value": 2.5}
    check_against_ort(tmp_path, "Pad", [("x", rand(1, 2, 4, 5), False)], attrs, opset=7)


def test_pad_runtime_pads(tmp_path):
    inputs = [("x", rand(2, 3), False), ("pads", i64(1, 0, 2, 3), False)]
    check_against_ort(tmp_path, "Pad", inputs, {"mode": "constant"}, opset=13)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(tmp_path, mode):
    graph = check_against_ort(tmp_path, "DepthToSpace", [("x", rand(2, 12, 3, 4), False)],
                              {"blocksize": 2, "mode": mode}, opset=13)
    assert op_types(graph) == ["DepthToSpace"]


def test_space_to_depth(tmp_path):
    check_against_ort(tmp_path, "SpaceToDepth", [("x", rand(2, 3, 6, 4), False)], {"blocksize": 2}, opset=13)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_space_round_trip(mode):
    x = rand(1, 8, 3, 5)
    attrs = {"blocksize": 2, "mode": mode}
    y = get("DepthToSpace").kernel([x], get("DepthToSpace").normalize(attrs))
    back = get("SpaceToDepth").kernel([y], get("SpaceToDepth").normalize(attrs))
    np.testing.assert_array_equal(back, x)


@pytest.mark.parametrize("op_type,shape", [("DepthToSpace", (1, 8, 3, 5)), ("SpaceToDepth", (1, 2, 4, 6))])
def test_nhwc_is_transposed_nchw(op_type, shape):
    spec = get(op_type)
    x = rand(*shape)
    nchw = spec.kernel([x], spec.normalize({"blocksize": 2}))
    nhwc = spec.kernel([x.transpose(0, 2, 3, 1)], spec.normalize({"blocksize": 2, "data_format": "NHWC"}))
    np.testing.assert_array_equal(nhwc, nchw.transpose(0, 2, 3, 1))


def test_pad_keeps_fp16():
    spec = get("PadV3")
    y = spec.kernel([rand(2, 2, dtype=np.float16), i64(1, 1, 1, 1)], spec.normalize({"mode": "reflect"}))
    assert y.dtype == np.float16 and y.shape == (4, 4)
