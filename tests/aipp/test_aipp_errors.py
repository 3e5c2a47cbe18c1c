"""AIPP configs that cannot apply to the model fail with E10001 naming the problem (and dynamic AIPP is refused
when the options are validated)."""
import pytest

from converter.errors import ConverterError
from converter.options import options_from_argv

from ._models import conv_model

RGB = "aipp_op {{\n aipp_mode: static\n input_format: RGB888_U8\n{}\n}}"


@pytest.mark.parametrize("body,shape,words", [
    (" related_input_rank: 1", (1, 3, 8, 8), "related_input_rank 1 is out of range"),
    # no src_image_size: the image is the model's 8x8, so the crop window runs out of it
    (" crop: true\n load_start_pos_w: 4\n crop_size_w: 8\n crop_size_h: 8", (1, 3, 8, 8),
     "crop is larger than the image"),
    (" src_image_size_w: 16\n src_image_size_h: 8", (1, 3, 8, 8), "make the src_image_size give the model's size"),
    (" crop: true\n crop_size_w: 4\n crop_size_h: 4", (1, 3, 8, 8), "make the crop/padding give the model's size"),
    ("", (1, 4, 8, 8), "has 4 channels but RGB888_U8 images give 3"),
    ("", (1, 3, 8), "needs a 4-D image input"),
    (" src_image_size_w: 8\n src_image_size_h: 8\n resize: true\n resize_output_w: 16\n resize_output_h: 16",
     (1, 3, 16, 16), "resize (scaling) is not"),
])
def test_config_that_does_not_fit_the_model(aipp_convert, body, shape, words):
    with pytest.raises(ConverterError) as info:
        aipp_convert(conv_model([("x", shape)]) if len(shape) == 4 else _rank3(shape), RGB.format(body))
    assert info.value.code == "E10001" and words in info.value.message, info.value.message


def _rank3(shape):
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["x_out"])], "r3",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                          [helper.make_tensor_value_info("x_out", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def test_two_blocks_for_one_input(aipp_convert):
    cfg = RGB.format("") + "\n" + RGB.format("")
    with pytest.raises(ConverterError) as info:
        aipp_convert(conv_model([("x", (1, 3, 4, 4))]), cfg)
    assert info.value.code == "E10001" and "two aipp_op blocks" in info.value.message


def test_odd_yuv420sp_size(aipp_convert):
    cfg = "aipp_op {\n aipp_mode: static\n input_format: YUV420SP_U8\n}"
    with pytest.raises(ConverterError) as info:
        aipp_convert(conv_model([("x", (1, 3, 5, 4))]), cfg)
    assert info.value.code == "E10001" and "even src_image_size" in info.value.message


def test_dynamic_aipp_is_refused_at_option_validation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dyn.cfg").write_text("aipp_op {\n aipp_mode: dynamic\n max_src_image_size: 752640\n}\n")
    (tmp_path / "m.onnx").write_bytes(b"")
    with pytest.raises(ConverterError) as info:
        options_from_argv(["--framework=5", "--model=m.onnx", "--output=o", "--insert_op_conf=dyn.cfg",
                           "--soc_version=Ascend310"])
    assert info.value.code == "E10001" and "dynamic AIPP" in info.value.message


def test_static_aipp_passes_option_validation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.cfg").write_text("aipp_op {\n aipp_mode: static\n input_format: RGB888_U8\n}\n")
    opts = options_from_argv(["--framework=5", "--model=m.onnx", "--output=o", "--insert_op_conf=s.cfg",
                              "--soc_version=Ascend310"])
    assert opts.aipp[0]["input_format"] == "RGB888_U8"
