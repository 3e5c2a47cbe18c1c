"""YUV420SP_U8 (NV12) AIPP with the public CSC matrices (AIPP-2: BT.601 full range to RGB, AIPP-8: BT.601
video range to BGR), NV21 via rbuv_swap, RGB->YUV CSC and XRGB with ax_swap.

The CSC is integer arithmetic (documented formula, '>> 8' = floor division by 256, clipped to 8 bits), so the
reference gives the same pixels bit for bit; the tolerance (rtol 1e-4) only covers the float normalisation and
the conv that follows."""
import numpy as np
import pytest

from ._models import conv_model
from ._reference import csc_rgb_to_yuv, csc_yuv_to_rgb, normalise, nv12_to_yuv444
from .conftest import assert_rel, example, ort_run

RNG = np.random.default_rng(1)
GE_YUV_DEFAULT = [[298, 516, 0], [298, -100, -208], [298, 0, 409]]   # ge_aipp_op.cc, csc_switch without matrix


def _block_matrix(block):
    return [[block[f"matrix_r{r}c{c}"][0] for c in range(3)] for r in range(3)]


@pytest.mark.parametrize("name,size", [("aipp_02.cfg", 560), ("aipp_08.cfg", 640)])
def test_yuv420sp_csc_examples(aipp_convert, name, size):
    blocks = example(name)
    block = blocks[0]
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, size, size))], channels_out=2), blocks)
    assert graph.op("x").outputs[0].shape == (1, size * 3 // 2, size, 1)
    image = RNG.integers(0, 256, size=(1, size * 3 // 2, size, 1), dtype=np.uint8)
    yuv = nv12_to_yuv444(image, size, size)
    rgb = csc_yuv_to_rgb(yuv, _block_matrix(block), [block[f"input_bias_{i}"][0] for i in range(3)])
    model_input = normalise(rgb, [block[f"mean_chn_{i}"] for i in range(3)],
                            [block[f"min_chn_{i}"] for i in range(3)], [block[f"var_reci_chn_{i}"] for i in range(3)])
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0])


def test_csc_clips_to_eight_bits(aipp_convert):
    """Saturated chroma drives R/B beyond [0, 255]: the CSC output is clipped like an 8-bit pixel."""
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, 2, 4))]), example("aipp_09.cfg"))  # GE defaults
    y_plane = [255, 255, 16, 16] * 2
    uv_plane = [255, 0, 0, 255]           # left block U=255 V=0 (B above 255), right block U=0 V=255 (B below 0)
    image = np.array(y_plane + uv_plane, np.uint8).reshape(1, 3, 4, 1)
    yuv = nv12_to_yuv444(image, 2, 4)
    rgb = csc_yuv_to_rgb(yuv, GE_YUV_DEFAULT, [16, 128, 128])
    assert rgb[0, 0, 0, 0] == 255 and rgb[0, 0, 3, 0] == 0
    model_input = normalise(rgb, var=(0.00392157, 0.00392157, 0.00392157))
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0])


def test_nv21_via_rbuv_swap_and_ge_default_matrix(aipp_convert):
    cfg = """aipp_op {
        aipp_mode: static
        input_format: YUV420SP_U8
        csc_switch: true
        rbuv_swap_switch: true
        src_image_size_w: 8
        src_image_size_h: 6
        crop: true
        load_start_pos_w: 2
        load_start_pos_h: 2
        crop_size_w: 4
        crop_size_h: 4
    }"""
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, 4, 4))]), cfg)
    image = RNG.integers(0, 256, size=(1, 9, 8, 1), dtype=np.uint8)
    yuv = nv12_to_yuv444(image, 6, 8)[..., [0, 2, 1]]                # NV21: V before U
    bgr = csc_yuv_to_rgb(yuv, GE_YUV_DEFAULT, [16, 128, 128])[:, 2:6, 2:6]
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": normalise(bgr)})[0])


def test_rgb_to_yuv_and_gray_model(aipp_convert):
    """RGB888 with CSC (GE's RGB->YUV default) into a 1-channel model: the model reads Y."""
    cfg = "aipp_op {\n aipp_mode: static\n input_format: RGB888_U8\n csc_switch: true\n}"
    graph, sess, path = aipp_convert(conv_model([("x", (1, 1, 5, 5))]), cfg)
    image = RNG.integers(0, 256, size=(1, 5, 5, 3), dtype=np.uint8)
    yuv = csc_rgb_to_yuv(image.astype(np.int64), [[66, 129, 25], [-38, -74, 112], [112, -94, -18]], [16, 128, 128])
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": normalise(yuv[..., :1])})[0])


def test_xrgb_with_ax_swap_and_padding(aipp_convert):
    cfg = """aipp_op {
        aipp_mode: static
        input_format: XRGB8888_U8
        ax_swap_switch: true
        src_image_size_w: 4
        src_image_size_h: 3
        padding: true
        left_padding_size: 1
        right_padding_size: 2
        top_padding_size: 2
        bottom_padding_size: 1
        padding_value: 0.5
        mean_chn_0: 128
        mean_chn_1: 128
        mean_chn_2: 128
    }"""
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, 6, 7))]), cfg)
    assert graph.op("x").outputs[0].shape == (1, 3, 4, 4)
    image = RNG.integers(0, 256, size=(1, 3, 4, 4), dtype=np.uint8)
    rgb = image[..., 1:]                                             # X first, then R, G, B
    inner = normalise(rgb, (128, 128, 128))
    model_input = np.pad(inner, ((0, 0), (0, 0), (2, 1), (1, 2)), constant_values=0.5)
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0])
