"""Parsing the files ATC options point to, on the real examples of docs/atc-config-examples.md."""
from pathlib import Path

import pytest

from converter.configs import parse_aipp_config, parse_customize_dtypes, parse_keep_dtype, parse_op_name_map
from converter.configs.aipp import parse_aipp_text
from converter.errors import ConverterError
from converter.options import options_from_argv

AIPP_DIR = Path(__file__).parent / "data" / "aipp"
AIPP_EXAMPLES = sorted(p.name for p in AIPP_DIR.glob("aipp_*.cfg") if "partial" not in p.name)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name", AIPP_EXAMPLES)
def test_real_aipp_examples_parse(name):
    blocks = parse_aipp_config(str(AIPP_DIR / name))
    assert len(blocks) == 1
    block = blocks[0]
    assert block["aipp_mode"] in ("static", "dynamic")
    assert block.get("input_format", "RGB888_U8") in ("RGB888_U8", "YUV420SP_U8")


def test_aipp_values_typed():
    block = parse_aipp_config(str(AIPP_DIR / "aipp_02.cfg"))[0]
    assert block["matrix_r1c1"] == [-88] and block["input_bias_1"] == [128]
    assert block["csc_switch"] is True and block["crop"] is False
    assert block["var_reci_chn_0"] == pytest.approx(0.00390625)
    assert block["src_image_size_w"] == 560
    six = parse_aipp_config(str(AIPP_DIR / "aipp_06.cfg"))[0]         # inline comments, h before w
    assert (six["src_image_size_h"], six["src_image_size_w"]) == (1200, 1200)
    five = parse_aipp_config(str(AIPP_DIR / "aipp_05.cfg"))[0]        # 'aipp_op{', 'aipp_mode:static'
    assert five["crop"] is True and five["crop_size_h"] == 224 and five["load_start_pos_w"] == 16
    assert parse_aipp_config(str(AIPP_DIR / "aipp_10_dynamic.cfg"))[0]["max_src_image_size"] == 752640


def test_aipp_cut_off_example_is_rejected_with_line():
    with pytest.raises(ConverterError) as info:
        parse_aipp_config(str(AIPP_DIR / "aipp_11_partial.cfg"))
    assert info.value.code == "E10003"
    assert "line 13" in info.value.message and "aipp_11_partial.cfg" in info.value.message


@pytest.mark.parametrize("text,where", [
    ("aipp_op {\n aipp_mode: fast\n}", "line 2"),
    ("aipp_op {\n input_format: BGR_U8\n}", "line 2"),
    ("aipp_op {\n matrix_r0c0: 1.5\n}", "line 2"),
    ("aipp_op {\n csc_switch: maybe\n}", "line 2"),
    ("aipp_op {\n mean_chn_0: 300\n}", "line 2"),
    ("aipp_op {\n\n colour: 1\n}", "line 3"),
    ("aipp_op {\n src_image_size_w 100\n}", "line 2"),
    ("aipp_op {\n aipp_mode: static\n", "never closed"),
    ("aipp {\n}", "line 1"),
    ("", "no 'aipp_op"),
    ("aipp_op {\n aipp_mode: dynamic\n}", "max_src_image_size"),
    ("aipp_op {\n crop: true\n src_image_size_w: 100\n load_start_pos_w: 50\n crop_size_w: 60\n}", "exceeds"),
])
def test_bad_aipp_files(text, where):
    with pytest.raises(ConverterError) as info:
        parse_aipp_text(text, "bad.cfg")
    assert info.value.code == "E10003" and where in info.value.message and "bad.cfg" in info.value.message


def test_static_aipp_converts_and_dynamic_aipp_fails_conversion_only(tmp_path):
    cfg = str(AIPP_DIR / "aipp_09.cfg")
    opts = options_from_argv(["--framework=5", "--model=m.onnx", "--output=o", f"--insert_op_conf={cfg}"])
    assert opts.aipp[0]["input_format"] == "YUV420SP_U8" and opts.insert_op_conf == cfg
    dynamic = str(AIPP_DIR / "aipp_10_dynamic.cfg")
    with pytest.raises(ConverterError) as info:
        options_from_argv(["--framework=5", "--model=m.onnx", "--output=o", f"--insert_op_conf={dynamic}"])
    assert info.value.code == "E10001" and "dynamic AIPP" in info.value.message
    opts = options_from_argv(["--mode=3", "--framework=5", "--model=m.onnx", f"--insert_op_conf={dynamic}"])
    assert opts.aipp[0]["aipp_mode"] == "dynamic"


def test_invalid_aipp_gets_its_own_parse_error(tmp_path):
    cfg = write(tmp_path, "a.cfg", "aipp_op {\n related_input_rank: -1\n}\n")
    with pytest.raises(ConverterError) as info:
        options_from_argv(["--framework=5", "--model=m.onnx", "--output=o", f"--insert_op_conf={cfg}"])
    assert info.value.code == "E10003" and "line 2" in info.value.message


KEEP_DTYPE_EXAMPLES = [
    ("/gnn_layers.0/Mul_2\n", ("/gnn_layers.0/Mul_2",)),
    ("NonMaxSuppression_683", ("NonMaxSuppression_683",)),
    ("Pow_462\nReduceMean_463\n", ("Pow_462", "ReduceMean_463")),
    ("Slice_499\nSlice_458\nSlice_449\nSlice_508\n", ("Slice_499", "Slice_458", "Slice_449", "Slice_508")),
    ("Split_59\nMul_60\n\nConstant_62   \nConstantOfShape_63\n", ("Split_59", "Mul_60", "Constant_62",
                                                              "ConstantOfShape_63")),
    ("fp32_vars/Relu\nOpType::Relu\n", ("fp32_vars/Relu", "OpType::Relu")),
    # the wrong format from an LLM-written guide: as in ATC it is a node name that matches nothing
    ("op_name:Softmax\nop_name:LayerNorm\n", ("op_name:Softmax", "op_name:LayerNorm")),
]


@pytest.mark.parametrize("text,expected", KEEP_DTYPE_EXAMPLES)
def test_keep_dtype_examples(tmp_path, text, expected):
    assert parse_keep_dtype(write(tmp_path, "keep.cfg", text)) == expected


def test_keep_dtype_bad_optype_line(tmp_path):
    with pytest.raises(ConverterError) as info:
        parse_keep_dtype(write(tmp_path, "keep.cfg", "Relu_1\nOpType::\n"))
    assert info.value.code == "E10003" and "line 2" in info.value.message and "keep.cfg" in info.value.message


def test_keep_dtype_reaches_options(tmp_path):
    cfg = write(tmp_path, "keep.cfg", "Relu_1\nOpType::Softmax\n")
    opts = options_from_argv(["--framework=5", "--model=m.onnx", "--output=o", f"--keep_dtype={cfg}"])
    assert opts.keep_dtype == ("Relu_1", "OpType::Softmax")


CUSTOMIZE_EXAMPLES = [
    ("Gemm_1732::InputDtype:float16,OutputDtype:float16", ("name", "Gemm_1732", ("float16",), ("float16",))),
    ("OpType::MatMulV2:InputDtype:float16,OutputDtype:float16",
     ("optype", "MatMulV2", ("float16",), ("float16",))),
    ("OpType::BatchMatMulV2:InputDtype:float16,float16,OutputDtype:float32",
     ("optype", "BatchMatMulV2", ("float16", "float16"), ("float32",))),
    ("fp32_vars/Relu::InputDtype:float16,OutputDtype:int8", ("name", "fp32_vars/Relu", ("float16",), ("int8",))),
    ("OpType::Relu:InputDtype:float16,OutputDtype:int8", ("optype", "Relu", ("float16",), ("int8",))),
]


@pytest.mark.parametrize("line,expected", CUSTOMIZE_EXAMPLES)
def test_customize_dtypes_examples(tmp_path, line, expected):
    entry, = parse_customize_dtypes(write(tmp_path, "c.cfg", line + "\n"))
    assert (entry.by, entry.target, entry.inputs, entry.outputs) == expected


@pytest.mark.parametrize("line", [
    "/up_blocks.2/resnets.0/norm2/Mul/GroupNorm:InputDtype:float32",   # another tool's single-':' syntax
    "Gemm_1::InputDtype:float17",
    "Gemm_1::float16",
    "Gemm_1::Dtype:float16",
    "::InputDtype:float16",
])
def test_customize_dtypes_bad_lines(tmp_path, line):
    with pytest.raises(ConverterError) as info:
        parse_customize_dtypes(write(tmp_path, "c.cfg", "Gemm_0::OutputDtype:float16\n" + line))
    assert info.value.code == "E10003" and "line 2" in info.value.message


def test_op_name_map(tmp_path):
    cfg = write(tmp_path, "opname_map.cfg", "DetectionOutput:SSDDetectionOutput\n\n Proposal : MyProposal \n")
    assert parse_op_name_map(cfg) == (("DetectionOutput", "SSDDetectionOutput"), ("Proposal", "MyProposal"))
    opts = options_from_argv(["--framework=0", "--model=m.prototxt", f"--weight={cfg}", "--output=o",
                              f"--op_name_map={cfg}"])
    assert opts.op_name_map[0] == ("DetectionOutput", "SSDDetectionOutput")
    for bad in ("DetectionOutput", "A:B:C", ":B"):
        with pytest.raises(ConverterError) as info:
            parse_op_name_map(write(tmp_path, "bad.cfg", bad))
        assert info.value.code == "E10003"


def test_missing_file_names_the_option():
    with pytest.raises(ConverterError) as info:
        parse_keep_dtype("no/such/file.cfg")
    assert info.value.code == "E13001" and info.value.option == "--keep_dtype"


def test_gear_text_round_trip():
    """The dynamic_gears attr text: TF names keep their ':', a scalar input has no dims."""
    from converter.configs.gears import format_gears, parse_gears
    gears = [{"input:0": (1, 3, 224, 224), "k": ()}, {"input:0": (8, 3, 224, 224), "k": ()}]
    text = format_gears(gears)
    assert text == ["input:0:1,3,224,224;k:", "input:0:8,3,224,224;k:"]
    assert parse_gears(text) == gears
