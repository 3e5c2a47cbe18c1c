"""RGB888_U8 AIPP: normalisation, crop, R/B swap and several inputs, against numpy + onnxruntime."""
import numpy as np

from converter.ir import DataType

from ._models import conv_model
from ._reference import normalise
from .conftest import assert_rel, example, ort_run

RNG = np.random.default_rng(0)


def _image(n, h, w, c=3):
    return RNG.integers(0, 256, size=(n, h, w, c), dtype=np.uint8)


def test_rgb_mean_min_var(aipp_convert):
    cfg = """aipp_op {
        aipp_mode: static
        input_format: RGB888_U8
        src_image_size_w: 12
        src_image_size_h: 10
        mean_chn_0: 10
        mean_chn_1: 20
        mean_chn_2: 30
        min_chn_0: 1.5
        min_chn_1: 2.5
        min_chn_2: 3.5
        var_reci_chn_0: 0.5
        var_reci_chn_1: 0.25
        var_reci_chn_2: 0.125
    }"""
    graph, sess, path = aipp_convert(conv_model([("x", (2, 3, 10, 12))]), cfg)
    data = graph.op("x").outputs[0]
    assert (data.dtype, data.shape, data.format) == (DataType.DT_UINT8, (2, 10, 12, 3), "NHWC")
    assert (data.origin_dtype, data.origin_shape, data.origin_format) == (DataType.DT_FLOAT, (2, 3, 10, 12), "NCHW")
    image = _image(2, 10, 12)
    model_input = normalise(image, (10, 20, 30), (1.5, 2.5, 3.5), (0.5, 0.25, 0.125))
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0])


def test_rgb_crop_from_a_larger_image(aipp_convert):
    blocks = example("aipp_05.cfg")            # 256x256 image, crop 224x224 from (16, 16), ImageNet normalisation
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, 224, 224))]), blocks)
    assert graph.op("x").outputs[0].shape == (1, 256, 256, 3)
    image = _image(1, 256, 256)
    crop = image[:, 16:240, 16:240]
    model_input = normalise(crop, (0, 0, 0), (123.675, 116.28, 103.53),
                            (0.0171247538316637, 0.0175070028011204, 0.0174291938997821))
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0])


def test_rbuv_swap_and_default_image_size(aipp_convert):
    blocks = example("aipp_03.cfg")            # no src_image_size: the model's H/W; rbuv_swap_switch: true
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, 8, 6))]), blocks)
    assert graph.op("x").outputs[0].shape == (1, 8, 6, 3)
    image = _image(1, 8, 6)
    bgr = image[..., ::-1]
    model_input = normalise(bgr, (0, 0, 0), (123.675, 116.28, 103.53),
                            (0.0171247538316636, 0.0175070028011204, 0.0174291938997821))
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0])


def test_two_inputs_two_blocks(aipp_convert):
    cfg = """aipp_op {
        aipp_mode: static
        related_input_rank: 1
        input_format: RGB888_U8
        mean_chn_0: 100
        mean_chn_1: 100
        mean_chn_2: 100
    }
    aipp_op {
        aipp_mode: static
        related_input_rank: 0
        input_format: YUV400_U8
        var_reci_chn_0: 0.5
    }"""
    model = conv_model([("gray", (1, 1, 6, 6)), ("rgb", (1, 3, 6, 6))])
    graph, sess, path = aipp_convert(model, cfg)
    assert graph.op("gray").outputs[0].shape == (1, 6, 6, 1)
    assert graph.op("rgb").outputs[0].shape == (1, 6, 6, 3)
    gray, rgb = _image(1, 6, 6, 1), _image(1, 6, 6)
    ours = sess.run({"gray": gray, "rgb": rgb})
    ref = ort_run(path, {"gray": normalise(gray, (0,), (0.0,), (0.5,)), "rgb": normalise(rgb, (100, 100, 100))})
    assert_rel(ours["gray_out"], ref[0])
    assert_rel(ours["rgb_out"], ref[1])


def test_fp16_precision_casts_after_aipp_not_before(aipp_convert):
    """Under force_fp16 the uint8 image input stays uint8: no Cast between Data and Aipp."""
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, 4, 4))]), example("aipp_04.cfg"),
                                     precision_mode="force_fp16")
    (aipp_name, _), = [(c, i) for c, i in graph.consumers("x", 0)]
    assert graph.op(aipp_name).type == "Aipp"
    image = _image(1, 4, 4)
    model_input = normalise(image, (124, 117, 104), (0.0, 0.0, 0.0),
                            (0.0171247538316637, 0.0175070028011204, 0.0174291938997821))
    assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0], rtol=2e-2, atol=2e-2)


def test_dynamic_image_size_takes_each_profile(aipp_convert):
    """With --dynamic_image_size the image has the size of the profile it is fed at (no src_image_size)."""
    cfg = "aipp_op {\n aipp_mode: static\n input_format: RGB888_U8\n mean_chn_0: 50\n var_reci_chn_2: 2.0\n}"
    graph, sess, path = aipp_convert(conv_model([("x", (1, 3, -1, -1))]), cfg, input_shape=(("x", (1, 3, -1, -1)),),
                                     dynamic_image_size=((4, 4), (6, 8)))
    assert graph.op("x").outputs[0].shape == (1, -1, -1, 3)
    for h, w in ((4, 4), (6, 8)):
        image = _image(1, h, w)
        model_input = normalise(image, (50, 0, 0), var=(1.0, 1.0, 2.0))
        assert_rel(sess.run({"x": image})["x_out"], ort_run(path, {"x": model_input})[0])
