"""ConvertOptions: every ATC option parsed and validated into one frozen object (the CLI's product,
the API's input). Parsing of argv lives in converter/cli_args.py; value rules live here (and the
list/file parsers they use in converter/configs/). Rules that need the model are the passes' job."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .cli_args import parse_argv
from .configs import parse_aipp_config, parse_customize_dtypes, parse_keep_dtype, parse_mixlist, parse_op_name_map
from .configs import output_values as ov
from .configs.shape_options import build_shapes
from .configs.option_table import OPTION_BY_NAME
from .errors import (CAFFE_WEIGHT_OPTION_MISSING, EMPTY_REQUIRED_OPTION, EXCLUSIVE_OPTIONS, FILE_OPEN_FAILED,
                     INVALID_ARGUMENT_VALUE, INVALID_FRAMEWORK, PATH_WITHOUT_FILE_NAME, OptionError)
from .framework import ALL_INPUT_FORMATS, INPUT_FORMATS, Framework


@dataclass(frozen=True)
class ConvertOptions:
    mode: int = 0
    framework: int | None = None          # a Framework (0 Caffe, 1 MindSpore .air, 3 TensorFlow, 5 ONNX)
    model: str | None = None
    singleop: str | None = None           # single-operator description file; output is then a folder
    weight: str | None = None
    output: str | None = None             # without .om; the writer appends it
    om: str | None = None
    json: str | None = None
    dump_mode: int = 0
    check_report: str = "check_result.json"
    # shapes: ordered (name, dims) pairs; dims are ints (-1 dynamic); ranges as (lo, hi) in input_shape_range
    # input_shape_range: ordered (name, ((lo, hi), ...)) pairs, hi = -1 unbounded. Filled from the --input_shape
    # entries that have -1 or a~b when no dynamic option is given (ATC turns such shapes into ranges), or from the
    # deprecated --input_shape_range (then input_shape is derived from it: lo if lo == hi else -1).
    input_shape: tuple = ()
    input_shape_range: tuple = ()
    input_format: str | None = None        # as given; None = framework default (NHWC for TF, NCHW otherwise)
    dynamic_batch_size: tuple = ()         # (1, 2, 4, 8)
    dynamic_image_size: tuple = ()         # ((h, w), ...)
    dynamic_dims: tuple = ()               # ((d0, d1, ...), ...) one value per -1 of --input_shape, in order
    # outputs: (name, index or None) pairs
    out_nodes: tuple = ()
    # precision and boundaries
    precision_mode: str = "force_fp16"
    input_fp16_nodes: tuple = ()
    is_input_adjust_hw_layout: tuple = ()
    is_output_adjust_hw_layout: tuple = ()
    output_type: str | None = None         # "FP16" for all outputs, or None
    output_type_per_node: tuple = ()       # (name, index, TYPE) triples
    is_output_fp16: tuple = ()
    keep_dtype: tuple = ()                 # op names, or "OpType::X" entries
    op_name_map: tuple = ()                # (source type, canonical/custom type) pairs
    insert_op_conf: str | None = None
    log: str = "null"
    soc_version: str | None = None
    external_weight: int = 0
    display_model_info: int = 0
    cmdline: str = ""                      # the command line as given, recorded as atc_cmdline
    ignored: tuple = ()                    # (option, value) accepted but without effect for us
    extra: dict = field(default_factory=dict, hash=False, compare=False)
    # added by the CLI layer
    precision_mode_v2: str | None = None   # as given; precision_mode holds its equivalent
    customize_dtypes: tuple = ()           # configs.customize_dtypes.CustomDtype entries
    modify_mixlist: tuple = ()             # (list, action, op type) from --modify_mixlist
    aipp: tuple = field(default=(), hash=False, compare=False)   # parsed aipp_op blocks (dicts)
    warnings: tuple = ()                   # messages for the user (ignored options, deprecations)


SUPPORTED_MODES = {0: "convert", 1: "dump to JSON", 3: "pre-check", 5: "GE text graph to JSON",
                   6: "show .om info"}
PRECISION_V2_EQUIVALENT = {"fp16": "force_fp16", "origin": "must_keep_origin_dtype",
                           "mixed_float16": "allow_mix_precision"}
PRECISION_ALIASES = {"allow_mix_precision_fp16": "allow_mix_precision"}
SUPPORTED_PRECISION = ("force_fp16", "force_fp32", "allow_fp32_to_fp16", "must_keep_origin_dtype",
                       "allow_mix_precision")
MIXLIST_PRECISION = {"allow_mix_precision", "allow_mix_precision_fp16", "allow_mix_precision_bf16",
                     "mixed_float16", "mixed_bfloat16", "mixed_hif8"}
MAX_PATH = 4096


def _err(code: str, option: str, message: str) -> OptionError:
    return OptionError(code, f"{option}: {message}", option=option)


# ---- generic per-option checks (driven by the option table) ---------------------------------------------

def check_table_values(values: dict) -> None:
    """Kind/choice checks every option gets, whether we implement it or not."""
    for name, value in values.items():
        spec = OPTION_BY_NAME[name]
        if spec.status == "retired":
            raise _err(INVALID_ARGUMENT_VALUE, spec.flag, "this option is retired in ATC (auto tuning moved to the AOE "
                       "tool); remove it")
        if spec.status == "unsupported":
            raise _err(INVALID_ARGUMENT_VALUE, spec.flag, "not supported by this converter")
        text = str(value)
        if spec.kind == "enum" and text not in spec.choices:
            raise _err(spec.code, spec.flag, f"value '{text}' is invalid; allowed: {', '.join(spec.choices)}")
        if spec.kind == "int" and spec.choices and text not in spec.choices:
            raise _err(spec.code, spec.flag, f"value '{text}' is invalid; allowed: {', '.join(spec.choices)}")
        if spec.kind == "01" and text not in ("0", "1"):
            raise _err(spec.code, spec.flag, f"value '{text}' must be 0 or 1")
        if spec.kind == "bool" and text not in ("true", "false"):
            raise _err(spec.code, spec.flag, f"value '{text}' must be true or false")
        if spec.kind == "path" and value != "" and not os.path.isfile(text):
            raise OptionError(FILE_OPEN_FAILED, f"{spec.flag}: cannot open file '{text}' (no such file)",
                              option=spec.flag, path=text)


def check_ignored_option_rules(values: dict) -> None:
    """ATC's cross-option rules among options we accept but ignore."""
    if values.get("optypelist_for_implmode") and not values.get("op_select_implmode"):
        raise _err(INVALID_ARGUMENT_VALUE, "--op_select_implmode", "must be set when --optypelist_for_implmode is set")
    if values.get("enable_compress_weight") == "true" and values.get("compress_weight_conf"):
        raise OptionError(EXCLUSIVE_OPTIONS, "--enable_compress_weight and --compress_weight_conf cannot both be set",
                          option="--enable_compress_weight")
    if "modify_mixlist" in values:
        mode = values.get("precision_mode_v2") or values.get("precision_mode", "")
        if mode not in MIXLIST_PRECISION:
            raise _err(INVALID_ARGUMENT_VALUE, "--modify_mixlist", "needs --precision_mode=allow_mix_precision or "
                       "--precision_mode_v2=mixed_float16")
    if values.get("input_hint_shape") and any(values.get(n) for n in
                                              ("dynamic_batch_size", "dynamic_image_size", "dynamic_dims")):
        raise _err(INVALID_ARGUMENT_VALUE, "--input_hint_shape", "cannot be used with --dynamic_batch_size, "
                   "--dynamic_image_size or --dynamic_dims")


def ignored_options(values: dict):
    """(option, value) pairs and one warning per accepted-but-ignored option."""
    pairs, warnings = [], []
    for name, value in values.items():
        spec = OPTION_BY_NAME[name]
        if spec.status == "ignored":
            pairs.append((spec.flag, str(value)))
            warnings.append(f"{spec.flag}={value} is accepted but has no effect in this converter "
                            "(recorded in atc_cmdline)")
    return tuple(pairs), warnings


# ---- modes, framework, files ----------------------------------------------------------------------------

def check_mode(mode: int) -> None:
    if mode not in SUPPORTED_MODES:
        allowed = ", ".join(f"{m} ({what})" for m, what in SUPPORTED_MODES.items())
        raise _err(INVALID_ARGUMENT_VALUE, "--mode", f"value {mode} is not supported; use one of {allowed}")


def check_framework(mode: int, framework) -> Framework | None:
    """The Framework, or None; E10007 when missing (modes 0/3) or not 0, 1, 3, 5."""
    if framework is None or (mode == 1 and framework == -1):
        if mode in (0, 3):
            raise _err(INVALID_FRAMEWORK, "--framework", "is required: 0 (Caffe), 3 (TensorFlow) or 5 (ONNX)")
        return None
    if framework not in tuple(Framework):
        raise _err(INVALID_FRAMEWORK, "--framework", f"value {framework} is invalid; use 0 (Caffe), "
                   "1 (MindSpore .air), 3 (TensorFlow) or 5 (ONNX)")
    if framework == Framework.MINDSPORE and mode in (1, 3):
        what = "dumped to JSON (--mode=1 takes 0, 3 or 5; dump the converted .om instead)" if mode == 1 else \
            "pre-checked (--mode=3 takes 0, 3 or 5; convert it with --mode=0, which checks every op)"
        raise _err(INVALID_ARGUMENT_VALUE, "--framework", f"a MindSpore .air model (1) cannot be {what}")
    return Framework(framework)


def require(values: dict, name: str) -> str:
    value = values.get(name)
    if not value:
        raise _err(EMPTY_REQUIRED_OPTION, f"--{name}", "is required and cannot be empty")
    return value


def check_output_path(path: str, option: str) -> None:
    if len(path) > MAX_PATH:
        raise _err(INVALID_ARGUMENT_VALUE,
                   option, f"the path is {len(path)} characters long; at most {MAX_PATH} are allowed")
    if path.endswith(("/", os.sep)) or os.path.isdir(path) or not os.path.basename(path):
        raise OptionError(PATH_WITHOUT_FILE_NAME,
                          f"{option}='{path}' has no file name (it is a folder); give a path such "
                          "as out/model", option=option)


def mode_requirements(mode: int, framework, values: dict) -> None:
    if mode == 0:
        require(values, "model")
        if framework == Framework.CAFFE and not values.get("weight"):
            raise _err(CAFFE_WEIGHT_OPTION_MISSING, "--weight", "is required for a Caffe model (the .caffemodel file)")
        check_output_path(require(values, "output"), "--output")
    elif mode == 1:
        require(values, "om")
        check_output_path(require(values, "json"), "--json")
        if values.get("dump_mode") == "1" and framework is None:
            raise _err(INVALID_ARGUMENT_VALUE,
                       "--dump_mode", "1 needs --framework (0, 3 or 5) and the source model in --om")
    elif mode == 3:
        require(values, "model")
    elif mode == 5:
        require(values, "om")
        check_output_path(require(values, "json"), "--json")
    elif mode == 6:
        require(values, "om")
    if values.get("dump_mode") == "1" and mode != 1:
        raise _err(INVALID_ARGUMENT_VALUE, "--dump_mode", "1 only applies to --mode=1")


def check_weight(framework, values: dict, warnings: list) -> None:
    weight = values.get("weight")
    if not weight or framework in (Framework.CAFFE, None):
        return
    if not os.path.isfile(weight):
        raise OptionError(FILE_OPEN_FAILED, f"--weight: cannot open file '{weight}' (no such file)", option="--weight",
                          path=weight)
    warnings.append(f"--weight is ignored for {Framework(framework).label} models")


def check_input_format(framework, fmt: str | None) -> None:
    if fmt is None:
        return
    allowed = INPUT_FORMATS.get(framework, ALL_INPUT_FORMATS)
    if fmt not in allowed:
        where = f"for {Framework(framework).label}" if framework in INPUT_FORMATS else ""
        raise _err(INVALID_ARGUMENT_VALUE,
                   "--input_format", f"value '{fmt}' is invalid {where}; allowed: {', '.join(allowed)}")


# ---- precision ---------------------------------------------------------------------------------------

def build_precision(values: dict) -> dict:
    v1, v2 = values.get("precision_mode"), values.get("precision_mode_v2")
    if v1 and v2:
        raise _err(INVALID_ARGUMENT_VALUE, "--precision_mode_v2", "cannot be used together with --precision_mode")
    if v2:
        if v2 not in PRECISION_V2_EQUIVALENT:
            raise _err(INVALID_ARGUMENT_VALUE,
                       "--precision_mode_v2", f"'{v2}' is not supported by this converter; use one of "
                       f"{', '.join(PRECISION_V2_EQUIVALENT)}")
        return {"precision_mode": PRECISION_V2_EQUIVALENT[v2], "precision_mode_v2": v2}
    if not v1:
        return {}
    mode = PRECISION_ALIASES.get(v1, v1)
    if mode not in SUPPORTED_PRECISION:
        raise _err(INVALID_ARGUMENT_VALUE, "--precision_mode", f"'{v1}' is not supported by this converter; use one of "
                   f"{', '.join(SUPPORTED_PRECISION)}")
    return {"precision_mode": mode}


# ---- outputs and boundary options --------------------------------------------------------------------------

def build_boundaries(values: dict, framework) -> dict:
    out = {}
    out_nodes = ov.parse_out_nodes(values["out_nodes"], framework) if values.get("out_nodes") else ()
    out["out_nodes"] = out_nodes
    if values.get("output_type"):
        out["output_type"], out["output_type_per_node"] = ov.parse_output_type(values["output_type"], out_nodes)
    if values.get("is_output_fp16"):
        if values.get("output_type"):
            raise _err(INVALID_ARGUMENT_VALUE, "--is_output_fp16", "cannot be combined with --output_type")
        out["is_output_fp16"] = ov.parse_bool_list(values["is_output_fp16"], "--is_output_fp16")
        _check_count(out["is_output_fp16"], out_nodes, "--is_output_fp16", "--out_nodes", required=False)
    fp16_nodes = ov.parse_name_list(values.get("input_fp16_nodes") or "")
    out["input_fp16_nodes"] = fp16_nodes
    if values.get("is_input_adjust_hw_layout"):
        flags = ov.parse_bool_list(values["is_input_adjust_hw_layout"], "--is_input_adjust_hw_layout")
        _check_count(flags, fp16_nodes, "--is_input_adjust_hw_layout", "--input_fp16_nodes")
        out["is_input_adjust_hw_layout"] = flags
    if values.get("is_output_adjust_hw_layout"):
        flags = ov.parse_bool_list(values["is_output_adjust_hw_layout"], "--is_output_adjust_hw_layout")
        _check_count(flags, out_nodes, "--is_output_adjust_hw_layout", "--out_nodes")
        out["is_output_adjust_hw_layout"] = flags
    return out


def _check_count(flags: tuple, partner: tuple, option: str, partner_option: str, required: bool = True) -> None:
    if not partner and not required:
        return
    if len(flags) != len(partner):
        raise _err(INVALID_ARGUMENT_VALUE, option, f"has {len(flags)} value(s) but {partner_option} has {len(partner)} "
                   "entries; give one true/false per entry")


# ---- option files ------------------------------------------------------------------------------------------

def build_files(values: dict, framework) -> dict:
    out = {}
    if values.get("keep_dtype"):
        out["keep_dtype"] = parse_keep_dtype(values["keep_dtype"])
    if values.get("customize_dtypes"):
        out["customize_dtypes"] = parse_customize_dtypes(values["customize_dtypes"])
    if values.get("modify_mixlist"):
        out["modify_mixlist"] = parse_mixlist(values["modify_mixlist"])
    if values.get("op_name_map"):
        if framework not in (Framework.CAFFE, None):
            raise _err(INVALID_ARGUMENT_VALUE, "--op_name_map", f"only applies to Caffe models (--framework=0), not "
                       f"{Framework(framework).label}")
        out["op_name_map"] = parse_op_name_map(values["op_name_map"])
    if values.get("insert_op_conf"):
        out["insert_op_conf"] = values["insert_op_conf"]
        out["aipp"] = parse_aipp_config(values["insert_op_conf"])
    return out


def reject_unimplemented_features(mode: int, fields: dict) -> None:
    """Features parsed and checked but not applied yet fail loudly instead of being skipped."""
    if mode == 0 and any(block.get("aipp_mode") == "dynamic" for block in fields.get("aipp", ())):
        raise _err(INVALID_ARGUMENT_VALUE,
                   "--insert_op_conf", "dynamic AIPP (aipp_mode: dynamic) is not supported by this "
                   "converter; the parameters would arrive at run time through an extra input we do not "
                   "build. Use aipp_mode: static, or do the preprocessing before inference")
    if fields.get("external_weight") == 2:
        raise _err(INVALID_ARGUMENT_VALUE,
                   "--external_weight", "2 (all weights in one combined file) is not supported; "
                   "use 0 or 1")


# ---- --singleop ---------------------------------------------------------------------------------------------

# options that take part in a single-op build (ATC passes these to it); every other option is accepted and ignored
SINGLEOP_OPTIONS = {"singleop", "output", "soc_version", "log", "precision_mode", "precision_mode_v2",
                    "modify_mixlist", "customize_dtypes"}
SINGLEOP_CONFLICTS = "--display_model_info=1, --framework, --insert_op_conf and --mode"


def build_singleop_options(values: dict, parsed) -> ConvertOptions:
    """atc --singleop=ops.json --output=DIR: ATC refuses it with --display_model_info=1, --framework,
    --insert_op_conf or a --mode (E10001), needs --output (a folder) and --soc_version (E10004), and ignores
    the options a single-op build does not read (warned here). Without a precision option the dtypes the
    description declares are kept."""
    if (values.get("display_model_info") == "1" or "framework" in values and values["framework"] != -1
            or values.get("insert_op_conf") or values.get("mode", 0) != 0):
        raise _err(INVALID_ARGUMENT_VALUE, "--singleop", f"cannot be used with {SINGLEOP_CONFLICTS}; a "
                   "description file is compiled on its own")
    output = require(values, "output")
    require(values, "soc_version")
    if len(output) > MAX_PATH:
        raise _err(INVALID_ARGUMENT_VALUE, "--output", f"the path is {len(output)} characters long; at most "
                   f"{MAX_PATH} are allowed")
    if os.path.isfile(output):
        raise _err(INVALID_ARGUMENT_VALUE, "--output", f"'{output}' is a file; with --singleop it names the "
                   "folder the .om files are written to")
    warnings = [f"--{name} has no effect with --singleop" for name in values
                if name not in SINGLEOP_OPTIONS and OPTION_BY_NAME[name].status == "implemented"]
    fields = {"mode": 0, "singleop": values["singleop"], "output": output, "log": values.get("log", "null"),
              "soc_version": values["soc_version"], "precision_mode": "must_keep_origin_dtype"}
    fields.update(build_precision(values))
    if values.get("customize_dtypes"):
        fields["customize_dtypes"] = parse_customize_dtypes(values["customize_dtypes"])
    if values.get("modify_mixlist"):
        fields["modify_mixlist"] = parse_mixlist(values["modify_mixlist"])
    ignored, ignored_warnings = ignored_options(values)
    fields.update(ignored=ignored, extra={flag.lstrip("-"): value for flag, value in ignored},
                  warnings=tuple(ignored_warnings + warnings), cmdline=" ".join(("atc",) + tuple(parsed.argv)))
    return ConvertOptions(**fields)


# ---- entry points --------------------------------------------------------------------------------------

def build_options(parsed) -> ConvertOptions:
    """Validate parsed argv (cli_args.ParsedArgs) into ConvertOptions; OptionError on the first bad value."""
    values = dict(parsed.values)
    check_table_values(values)
    check_ignored_option_rules(values)
    if values.get("singleop"):
        return build_singleop_options(values, parsed)
    mode = values.get("mode", 0)
    check_mode(mode)
    framework = check_framework(mode, values.get("framework"))
    mode_requirements(mode, framework, values)
    warnings: list = []
    check_weight(framework, values, warnings)
    check_input_format(framework, values.get("input_format"))

    fields = {"mode": mode, "framework": framework}
    for name in ("model", "weight", "output", "om", "json", "check_report", "input_format", "log",
                 "soc_version"):
        if values.get(name):
            fields[name] = values[name]
    for name in ("dump_mode", "display_model_info", "external_weight"):
        if name in values:
            fields[name] = int(values[name])
    fields.update(build_shapes(values, framework, warnings))
    fields.update(build_precision(values))
    fields.update(build_boundaries(values, framework))
    fields.update(build_files(values, framework))
    reject_unimplemented_features(mode, fields)

    ignored, ignored_warnings = ignored_options(values)
    fields["ignored"] = ignored
    fields["extra"] = {flag.lstrip("-"): value for flag, value in ignored}
    fields["warnings"] = tuple(ignored_warnings + warnings)
    fields["cmdline"] = " ".join(("atc",) + tuple(parsed.argv))
    return ConvertOptions(**fields)


def options_from_argv(argv) -> ConvertOptions:
    """parse_argv + build_options (help requests are the CLI's business: they raise nothing here)."""
    return build_options(parse_argv(argv))
