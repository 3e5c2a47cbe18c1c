"""The argv parser against ATC's flag-parser behaviour (hicann/ge GeFlags_* tests and wild syntax)."""
import pytest

from converter.cli_args import UsageError, parse_argv, strip_quotes
from converter.configs.option_table import GROUPS, OPTIONS
from converter.errors import ConverterError

# (argv, expected): "ok" = parses; an E-code = rejected with it; "usage" = UsageError
FLAG_VECTORS = [
    (["--help=true"], "help"), (["--help=True"], "help"), (["--help=T"], "help"), (["--help=y"], "help"),
    (["--help=yes"], "help"), (["--help=1"], "help"), (["--help"], "help"), (["-h"], "help"),
    (["--help=false"], "ok"), (["--help=f"], "ok"), (["--help=n"], "ok"), (["--help=no"], "ok"),
    (["--help=0"], "ok"),
    (["--help=invalid_bool"], "E10005"),
    (["--virtual-type=0"], "ok"),              # dashes in the name
    (["-virtual_type=0"], "ok"),               # single minus
    (["--virtual_type="], "E10006"),           # empty int
    (["--model="], "ok"),                      # empty string
    (["--virtual_type"], "E10004"),            # int flag without a value
    (["--model", "model_value"], "ok"),        # space form
    (["--virtual_type=string_value"], "E10006"),
    (["--virtual_type_err=0"], "usage"), (["--virtual_type_err"], "usage"),
    (["virtual_type=0"], "usage"), (["virtual_type=0", "--mode=0", "--framework=5"], "usage"),
    (["--virtual_type=0"], "ok"), (["--virtual_type=1"], "ok"), (["--model=model_value"], "ok"),
    (["--jit_compile=2"], "ok"), (["--optimization_switch=PassA:on;PassB:off"], "ok"),
    (["--static_model_ops_lower_limit=-1"], "ok"), (["--raw_ge_options=/tmp/options.json"], "ok"),
    (["--static_model_ops_lower_limit", "-1"], "ok"),
    (["--mode=1_0"], "E10001"), (["--mode=+1"], "E10001"), (["--framework=0x5"], "E10007"),
]


@pytest.mark.parametrize("argv,expected", FLAG_VECTORS)
def test_flag_parser_vectors(argv, expected):
    try:
        parsed = parse_argv(argv)
    except UsageError as error:
        assert expected == "usage", error
        assert error.code == "E10001"
        return
    except ConverterError as error:
        assert error.code == expected, error
        return
    assert expected in ("ok", "help"), argv
    assert parsed.help == (expected == "help")


def test_values_and_spellings():
    parsed = parse_argv(["-soc_version=\"Ascend310\"", "--input-shape", "'x:1,3'", "--model=a", "--model=b",
                         "--framework", "5", "--static_model_ops_lower_limit", "-1"])
    assert parsed.get("soc_version") == "Ascend310"           # one pair of quotes stripped
    assert parsed.get("input_shape") == "x:1,3"
    assert parsed.get("model") == "b"                         # last occurrence wins
    assert parsed.get("framework") == 5
    assert parsed.get("static_model_ops_lower_limit") == -1


def test_strip_quotes_only_one_matching_pair():
    assert strip_quotes('"a"') == "a"
    assert strip_quotes("'a'") == "a"
    assert strip_quotes('""a""') == '"a"'
    assert strip_quotes('"a\'') == '"a\''
    assert strip_quotes('"') == '"'


def test_space_form_value_missing_before_next_option():
    with pytest.raises(ConverterError) as info:
        parse_argv(["--model", "--framework=5"])
    assert info.value.code == "E10004"


def test_unknown_option_suggests_near_miss():
    with pytest.raises(UsageError) as info:
        parse_argv(["--ouput_type=FP32"])
    assert "did you mean --output_type?" in info.value.message
    with pytest.raises(UsageError) as info:
        parse_argv(["--zzzz=1"])
    assert "did you mean" not in info.value.message


def test_stray_positional_suggests_quoting():
    with pytest.raises(UsageError) as info:
        parse_argv(["--input_shape=a:1,3", "b:1,2"])
    assert "quote" in info.value.message


def test_option_table_is_consistent():
    names = [spec.name for spec in OPTIONS]
    assert len(names) == len(set(names))
    for spec in OPTIONS:
        assert spec.kind in ("str", "path", "int", "enum", "01", "bool", "flag"), spec
        assert spec.status in ("implemented", "ignored", "unsupported", "retired"), spec
        assert spec.group in GROUPS, spec  # help prints by group: an unknown one would hide the option
        assert spec.help and "\n" not in spec.help
        assert spec.kind != "enum" or spec.choices, spec
    documented = {"mode", "framework", "model", "weight", "output", "om", "json", "dump_mode", "check_report",
                  "input_shape", "dynamic_batch_size", "dynamic_image_size", "dynamic_dims", "input_format",
                  "precision_mode", "input_fp16_nodes", "is_input_adjust_hw_layout", "out_nodes",
                  "is_output_adjust_hw_layout", "output_type", "is_output_fp16", "log", "display_model_info",
                  "keep_dtype", "op_name_map", "insert_op_conf", "soc_version", "external_weight"}
    assert documented <= set(names)
    in_st_vectors = {"save_original_model", "deterministic", "host_env_os", "host_env_cpu", "precision_mode_v2",
                     "deterministic_level", "sparsity", "allow_hf32", "auto_tune_mode", "status_check",
                     "compression_optimize_conf", "enable_compress_weight", "compress_weight_conf",
                     "input_shape_range", "input_hint_shape", "op_precision_mode", "modify_mixlist",
                     "op_select_implmode", "optypelist_for_implmode", "singleop", "virtual_type", "jit_compile",
                     "optimization_switch", "static_model_ops_lower_limit", "raw_ge_options", "help"}
    assert in_st_vectors <= set(names)
