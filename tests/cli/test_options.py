"""Option validation into ConvertOptions: the values produced, and one test per E-code rule."""
import pytest

from converter.errors import ConverterError
from converter.options import options_from_argv

from .conftest import outcome

ONNX = ["--model=m.onnx", "--framework=5", "--output=out/m"]
TF = ["--model=m.pb", "--framework=3", "--output=out/m"]
CAFFE = ["--model=m.prototxt", "--framework=0", "--output=out/m"]


def test_input_shape_split_at_last_colon_scalar_and_spaces():
    opts = options_from_argv(TF + ['--input_shape= input:0:1, 224,224,3;step:;ids:8,512;'])
    assert opts.input_shape == (("input:0", (1, 224, 224, 3)), ("step", ()), ("ids", (8, 512)))
    assert opts.input_shape_range == ()


def test_dynamic_input_shape_becomes_ranges():
    opts = options_from_argv(ONNX + ["--input_shape=kpts:1,1~2048,2;x:-1,3;s:;y:2,2"])
    assert opts.input_shape == (("kpts", (1, -1, 2)), ("x", (-1, 3)), ("s", ()), ("y", (2, 2)))
    assert opts.input_shape_range == (("kpts", ((1, 1), (1, 2048), (2, 2))), ("x", ((1, -1), (3, 3))))


def test_input_shape_range_overrides_input_shape():
    opts = options_from_argv(ONNX + ["--input_shape=x:1,3", "--input_shape_range=a:[1~196,5];b:[]"])
    assert opts.input_shape == (("a", (-1, 5)), ("b", ()))
    assert opts.input_shape_range == (("a", ((1, 196), (5, 5))), ("b", ()))
    assert any("deprecated" in w for w in opts.warnings)
    assert any("overridden" in w for w in opts.warnings)


def test_dynamic_profiles_parsed():
    assert options_from_argv(ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=1,2,4,"]
                             ).dynamic_batch_size == (1, 2, 4)
    assert options_from_argv(TF + ["--input_shape=x:1,-1,-1,3", "--dynamic_image_size=32,32;32,64;"]
                             ).dynamic_image_size == ((32, 32), (32, 64))
    opts = options_from_argv(ONNX + ["--input_shape=a:1,-1;b:-1", "--dynamic_dims=1, 2;3,4"])
    assert opts.dynamic_dims == ((1, 2), (3, 4))
    assert opts.input_shape == (("a", (1, -1)), ("b", (-1,)))
    assert opts.input_shape_range == ()


def test_outputs_and_boundaries():
    assert options_from_argv(ONNX + ["--out_nodes=onnx::Sigmoid_12;/m/Add_output_0"]).out_nodes == (
        ("onnx::Sigmoid_12", None), ("/m/Add_output_0", None))
    opts = options_from_argv(ONNX + ["--out_nodes=Conv_0:0;probs;", "--output_type=Conv_0:0:FP16",
                                     "--is_output_adjust_hw_layout=true,false", "--input_fp16_nodes=a;b",
                                     "--is_input_adjust_hw_layout=false,true"])
    assert opts.out_nodes == (("Conv_0", 0), ("probs", None))
    assert opts.output_type is None and opts.output_type_per_node == (("Conv_0", 0, "FP16"),)
    assert opts.is_output_adjust_hw_layout == (True, False)
    assert opts.input_fp16_nodes == ("a", "b") and opts.is_input_adjust_hw_layout == (False, True)
    opts = options_from_argv(TF + ["--out_nodes=a/b:1", "--output_type=FP16"])
    assert opts.out_nodes == (("a/b", 1),) and opts.output_type == "FP16"
    assert options_from_argv(ONNX + ["--is_output_fp16=true,false"]).is_output_fp16 == (True, False)


def test_precision_and_recorded_things():
    opts = options_from_argv(ONNX + ["--precision_mode_v2=mixed_float16", "--soc_version='Ascend310P3'",
                                     "--enable_small_channel=1", "--log=info"])
    assert opts.precision_mode == "allow_mix_precision" and opts.precision_mode_v2 == "mixed_float16"
    assert opts.soc_version == "Ascend310P3"
    assert opts.ignored == (("--soc_version", "Ascend310P3"), ("--enable_small_channel", "1"))
    assert [w.split("=")[0] for w in opts.warnings] == ["--soc_version", "--enable_small_channel"]
    assert opts.cmdline == ("atc --model=m.onnx --framework=5 --output=out/m --precision_mode_v2=mixed_float16 "
                            "--soc_version='Ascend310P3' --enable_small_channel=1 --log=info")
    assert opts.log == "info" and opts.precision_mode == "allow_mix_precision"
    assert options_from_argv(ONNX).precision_mode == "force_fp16"


def test_modes_accept_their_inputs():
    assert options_from_argv(["--mode=1", "--om=a.om", "--json=a.json"]).framework is None
    assert options_from_argv(["--mode=1", "--om=a.om", "--json=a.json", "--framework=-1"]).framework is None
    opts = options_from_argv(["--mode=3", "--framework=5", "--model=m.onnx"])
    assert opts.mode == 3 and opts.check_report == "check_result.json"
    assert options_from_argv(["--mode=6", "--om=a.om"]).om == "a.om"
    assert options_from_argv(["--mode=5", "--om=a.txt", "--json=a.json"]).json == "a.json"


def test_weight_ignored_for_onnx_with_warning(tmp_path):
    weight = tmp_path / "w.bin"
    weight.write_bytes(b"")
    opts = options_from_argv(ONNX + [f"--weight={weight}"])
    assert any("--weight is ignored" in w for w in opts.warnings)


def test_framework_is_the_enum_named_in_messages(tmp_path):
    from converter.framework import Framework
    weight = tmp_path / "w.bin"
    weight.write_bytes(b"")
    opts = options_from_argv(TF + [f"--weight={weight}"])
    assert opts.framework is Framework.TENSORFLOW and opts.warnings == ("--weight is ignored for TensorFlow models",)
    assert [(f.name, int(f)) for f in Framework] == [("CAFFE", 0), ("MINDSPORE", 1), ("TENSORFLOW", 3), ("ONNX", 5)]
    assert f"--framework={Framework.ONNX}" == "--framework=5" and Framework(0).label == "Caffe"


# (argv, code): every value-level rule this layer owns
ERRORS = [
    (["--mode=2"] + ONNX, "E10001"),
    (["--model=m.onnx", "--output=o"], "E10007"),
    (["--model=m.onnx", "--output=o", "--framework=2"], "E10007"),
    (["--mode=3", "--model=m.onnx"], "E10007"),
    (["--framework=5", "--output=o"], "E10004"),
    (["--framework=5", "--model=m.onnx"], "E10004"),
    (["--framework=5", "--model=m.onnx", "--output="], "E10004"),
    (CAFFE, "E10008"),
    (["--framework=5", "--model=m.onnx", "--output=out/"], "E10022"),
    (["--framework=5", "--model=m.onnx", "--output=."], "E10022"),
    (["--mode=1", "--json=a.json"], "E10004"),
    (["--mode=1", "--om=a.om"], "E10004"),
    (["--mode=1", "--om=a.om", "--json=a.json", "--dump_mode=2"], "E10006"),
    (["--mode=1", "--om=a.om", "--json=a.json", "--dump_mode=1"], "E10001"),
    (["--mode=6"], "E10004"),
    (ONNX + ["--log=verbose"], "E10010"),
    (ONNX + ["--input_format=NHWC"], "E10001"),
    (CAFFE + ["--weight=w", "--input_format=NCDHW"], "E10001"),
    (ONNX + ["--input_shape=x"], "E10002"),
    (ONNX + ["--input_shape=x:1,3.0"], "E10002"),
    (ONNX + ["--input_shape=x:1,,3"], "E10002"),
    (ONNX + ["--input_shape=x:1,3a"], "E10002"),
    (ONNX + ["--input_shape=x:9223372036854775808"], "E10013"),
    (ONNX + ["--input_shape=x:1,-2"], "E10011"),
    (ONNX + ["--input_shape=x:1,5~2"], "E10002"),
    (ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=1,2", "--dynamic_dims=1;2"], "E10009"),
    (ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=1,2", "--input_shape_range=x:[1~2,3]"], "E10009"),
    (ONNX + ["--dynamic_batch_size=1,2"], "E10004"),
    (ONNX + ["--input_shape=x:-1,3~4", "--dynamic_batch_size=1,2"], "E10040"),
    (ONNX + ["--input_shape=x:-1,-1", "--dynamic_batch_size=1,2"], "E10018"),
    (ONNX + ["--input_shape=x:1,3", "--dynamic_batch_size=1,2"], "E10031"),
    (ONNX + ["--input_shape=x:-1,3;s:", "--dynamic_batch_size=1,2"], "E10012"),
    (ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=1"], "E10035"),
    (ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=" + ",".join(map(str, range(1, 102)))], "E10036"),
    (ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=0,2"], "E10038"),
    (ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=2,2"], "E10039"),
    (ONNX + ["--input_shape=x:-1,3", "--dynamic_batch_size=1;a"], "E10003"),
    (ONNX + ["--input_shape=x:1,3,-1,224", "--dynamic_image_size=1,2;3,4"], "E10019"),
    (ONNX + ["--input_shape=x:1,-1,-1", "--dynamic_image_size=1,2;3,4"], "E10019"),
    (ONNX + ["--input_shape=x:1,3,224,224", "--dynamic_image_size=1,2;3,4"], "E10019"),
    (ONNX + ["--input_format=ND", "--input_shape=x:1,3,-1,-1", "--dynamic_image_size=1,2;3,4"], "E10019"),
    (ONNX + ["--input_shape=x:1,3,-1,-1", "--dynamic_image_size=1,2,3;3,4,5"], "E10020"),
    (ONNX + ["--input_shape=x:1,3,-1,-1", "--dynamic_image_size=224,224"], "E10035"),
    (ONNX + ["--input_shape=x:1,3", "--dynamic_dims=1;2"], "E10001"),
    (ONNX + ["--input_shape=x:-1,-1", "--dynamic_dims=1;2"], "E10003"),
    (ONNX + ["--input_shape=x:-1,-1", "--dynamic_dims=1,2;1,x"], "E10001"),
    (ONNX + ["--input_shape=x:-1", "--dynamic_dims=1;2;1"], "E10039"),
    (ONNX + ["--input_shape=x:-1", "--dynamic_dims=1;0"], "E10038"),
    (ONNX + ["--input_shape_range=x:1~2"], "E10048"),
    (ONNX + ["--input_shape_range=x:[1~2~3]"], "E10048"),
    (ONNX + ["--input_shape_range=[1~2]"], "E10048"),
    (ONNX + ["--precision_mode=fp16"], "E10001"),
    (ONNX + ["--precision_mode=allow_fp32_to_bf16"], "E10001"),
    (ONNX + ["--precision_mode_v2=mixed_bfloat16"], "E10001"),
    (TF + ["--out_nodes=a:x"], "E10001"),
    (TF + ["--out_nodes=a"], "E10001"),
    (ONNX + ["--out_nodes=:0"], "E10001"),
    (ONNX + ["--out_nodes=Conv_0:"], "E10001"),
    (CAFFE + ["--weight=w", "--out_nodes=prob:x"], "OK"),
    (ONNX + ["--output_type=FP64"], "E10001"),
    (ONNX + ["--output_type=a:0:FP16"], "E10001"),
    (ONNX + ["--out_nodes=a:0", "--output_type=a:0:BF16"], "E10001"),
    (ONNX + ["--output_type=FP16", "--is_output_fp16=true"], "E10001"),
    (ONNX + ["--is_output_fp16=yes"], "E10005"),
    (ONNX + ["--out_nodes=a:0", "--is_output_fp16=true,false"], "E10001"),
    (ONNX + ["--input_fp16_nodes=a", "--is_input_adjust_hw_layout=True"], "E10005"),
    (ONNX + ["--input_fp16_nodes=a", "--is_input_adjust_hw_layout=true,true"], "E10001"),
    (ONNX + ["--is_input_adjust_hw_layout=true"], "E10001"),
    (ONNX + ["--out_nodes=a:0;b:0", "--is_output_adjust_hw_layout=true"], "E10001"),
    (ONNX + ["--keep_dtype=missing.cfg"], "E13001"),
    (ONNX + ["--customize_dtypes=missing.cfg"], "E13001"),
    (ONNX + ["--insert_op_conf=missing.cfg"], "E13001"),
    (CAFFE + ["--weight=w", "--op_name_map=missing.cfg"], "E13001"),
    (ONNX + ["--op_name_map=missing.cfg"], "E10001"),
    (ONNX + ["--external_weight=3"], "E10006"),
    (ONNX + ["--external_weight=2"], "E10001"),
    (ONNX + ["--display_model_info=2"], "E10006"),
    (ONNX + ["--status_check=2"], "E10006"),
    (ONNX + ["--allow_hf32=1"], "E10005"),
    (ONNX + ["--buffer_optimize=max"], "E10001"),
    (ONNX + ["--fusion_switch_file=missing.cfg"], "E13001"),
]


@pytest.mark.parametrize("argv,code", ERRORS, ids=[" ".join(a[3:] if len(a) > 3 else a) for a, _ in ERRORS])
def test_rule_violation_codes(tmp_path, monkeypatch, argv, code):
    monkeypatch.chdir(tmp_path)
    assert outcome(argv) == code
    assert list(tmp_path.iterdir()) == []          # validation never writes anything


def test_error_names_the_option():
    with pytest.raises(ConverterError) as info:
        options_from_argv(ONNX + ["--input_shape=x:1,3.5"])
    assert info.value.option == "--input_shape" and "x:1,3.5" in info.value.message


def test_profile_rules_directly():
    from converter.configs.shape_values import check_profiles
    check_profiles(((1, 2), (3, 4)), "--dynamic_dims")
    for profiles, code in [(((1, 2), (3,)), "E10037"), (((1,),), "E10035"), (((1,),) * 2, "E10039"),
                           (tuple((i,) for i in range(1, 102)), "E10036"), (((1,), (-1,)), "E10038")]:
        with pytest.raises(ConverterError) as info:
            check_profiles(profiles, "--dynamic_dims")
        assert info.value.code == code
