"""The table of every `atc` command-line option we know: name, kind, allowed values, group, help, status.

Data, not code: cli_args.py parses argv against it, options.py checks values with it, cli.py prints help
from it. Status "implemented" options drive conversion; "ignored" ones are accepted, value-checked where
ATC checks them, warned about by name and recorded; "unsupported" ones are ATC options whose feature we
do not have (an E-coded error when used); "retired" ones ATC itself no longer accepts.
"""
from __future__ import annotations

from dataclasses import dataclass

# kinds: how the raw text is read and checked
#   str      any text (may be empty)
#   path     an input file that must exist when given (E13001)
#   int      an integer (code on failure)
#   enum     one of `choices` (code on failure)
#   01       "0" or "1" (E10006)
#   bool     exactly "true" or "false" (E10005)
#   flag     the flag-parser boolean: true/t/y/yes/1, false/f/n/no/0, any case; bare --name means true
GROUPS = ("general", "input", "output", "shapes", "precision", "modes", "accepted-but-ignored")


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: str
    group: str
    help: str
    status: str = "implemented"       # implemented | ignored | unsupported | retired
    choices: tuple = ()
    code: str = "E10001"              # E-code when the value is rejected

    @property
    def flag(self) -> str:
        return "--" + self.name


def _o(name, kind, group, help_, status="implemented", choices=(), code="E10001"):
    return OptionSpec(name, kind, group, help_, status, tuple(choices), code)


PRECISION_MODES = ("force_fp16", "force_fp32", "allow_fp32_to_fp16", "must_keep_origin_dtype",
                   "allow_mix_precision", "cube_fp16in_fp32out", "allow_mix_precision_fp16",
                   "allow_mix_precision_bf16", "allow_fp32_to_bf16")
PRECISION_MODES_V2 = ("fp16", "origin", "cube_fp16in_fp32out", "mixed_float16", "mixed_bfloat16",
                      "cube_hif8", "mixed_hif8")
OP_SELECT_IMPLMODES = ("high_performance", "high_precision", "high_precision_for_all",
                       "high_performance_for_all", "enable_float_32_execution", "enable_hi_float_32_execution")
LOG_LEVELS = ("debug", "info", "warning", "error", "null", "default")

OPTIONS: tuple[OptionSpec, ...] = (
    # general
    _o("help", "flag", "general", "print this help and exit (also -h)"),
    _o("mode", "int", "modes", "0 convert (default), 1 dump to JSON, 3 pre-check, 5 GE text graph to JSON, "
       "6 show .om info"),
    _o("log", "enum", "general", "log level: debug, info, warning, error, null (default null)",
       choices=LOG_LEVELS, code="E10010"),
    # input
    _o("framework", "int", "input", "source framework: 0 Caffe, 1 MindSpore (not supported), 3 TensorFlow, "
       "5 ONNX", code="E10007"),
    _o("model", "str", "input", "source model file (.prototxt, .pb, .onnx)"),
    _o("weight", "str", "input", "Caffe weights (.caffemodel); ignored with a warning for TF/ONNX"),
    _o("om", "str", "input", "modes 1/5/6: the .om (or source model / text ModelDef) to read"),
    _o("input_format", "str", "input", "layout of the model inputs: NCHW, NHWC, ND, NCDHW, NDHWC "
       "(default NHWC for TensorFlow, NCHW otherwise)"),
    _o("insert_op_conf", "str", "input", "AIPP preprocessing config file (parsed and checked; applying AIPP "
       "is not supported yet)"),
    _o("op_name_map", "str", "input", "Caffe only: file of 'SourceType:TargetType' lines"),
    _o("input_fp16_nodes", "str", "input", "inputs that receive fp16 data: \"in1;in2\""),
    _o("is_input_adjust_hw_layout", "str", "input", "per --input_fp16_nodes entry, true if it arrives in "
       "NC1HWC0: \"true,false\""),
    # output
    _o("output", "str", "output", "mode 0: output path without .om (the .om suffix is added)"),
    _o("json", "str", "output", "modes 1/5: the JSON file to write"),
    _o("check_report", "str", "output", "mode 3: the pre-check report file (default check_result.json)"),
    _o("out_nodes", "str", "output", "model outputs: \"node:0;node2:1\" (Caffe/ONNX also accept tensor names)"),
    _o("output_type", "str", "output", "FP32, FP16, UINT8 or INT8 for all outputs, or \"node:0:FP16;...\" "
       "for outputs listed in --out_nodes"),
    _o("is_output_adjust_hw_layout", "str", "output", "per --out_nodes entry, true to leave in fp16 NC1HWC0"),
    _o("is_output_fp16", "str", "output", "per model output, true to leave as fp16 (not with --output_type)"),
    _o("external_weight", "enum", "output", "0 weights inside the .om (default), 1 weights in separate files",
       choices=("0", "1", "2"), code="E10006"),
    _o("dump_mode", "01", "modes", "mode 1 with --framework: 1 dumps the parsed, shape-inferred graph",
       code="E10006"),
    _o("display_model_info", "01", "modes", "1: print the model info after conversion", code="E10006"),
    # shapes
    _o("input_shape", "str", "shapes", "input shapes: \"name1:n,c,h,w;name2:d0,d1\" (-1 dynamic, a~b range, "
       "empty = scalar)"),
    _o("input_shape_range", "str", "shapes", "deprecated: \"name:[1~8,3,224,224];...\" shape ranges"),
    _o("dynamic_batch_size", "str", "shapes", "batch profiles: \"1,2,4,8\" (needs N=-1 in --input_shape)"),
    _o("dynamic_image_size", "str", "shapes", "image size profiles: \"224,224;448,448\" (H,W = -1)"),
    _o("dynamic_dims", "str", "shapes", "dims profiles: \"1,224;2,448\" (one value per -1, in input order)"),
    # precision
    _o("precision_mode", "enum", "precision", "force_fp16 (default), force_fp32, allow_fp32_to_fp16, "
       "must_keep_origin_dtype, allow_mix_precision", choices=PRECISION_MODES),
    _o("precision_mode_v2", "enum", "precision", "fp16, origin, mixed_float16 (not with --precision_mode)",
       choices=PRECISION_MODES_V2),
    _o("keep_dtype", "str", "precision", "file of node names / OpType::X lines that keep their dtype"),
    _o("modify_mixlist", "path", "precision", "JSON changes to the allow_mix_precision lists "
       "(white-list: fp16, black-list: fp32, gray-list: follow inputs; to-add / to-remove op types)"),
    _o("customize_dtypes", "str", "precision", "file of 'name::InputDtype:..,OutputDtype:..' / "
       "'OpType::T:...' lines"),
    # target (recorded only)
    _o("soc_version", "str", "accepted-but-ignored", "target chip; recorded in the .om, no other effect",
       status="ignored"),
    # accepted but ignored, value-checked as ATC does
    _o("host_env_os", "enum", "accepted-but-ignored", "host OS of the target", "ignored", choices=("linux",)),
    _o("host_env_cpu", "enum", "accepted-but-ignored", "host CPU of the target", "ignored",
       choices=("x86_64", "aarch64")),
    _o("status_check", "01", "accepted-but-ignored", "0/1: check the build status", "ignored", code="E10006"),
    _o("virtual_type", "int", "accepted-but-ignored", "0/1: virtualised device", "ignored", choices=("0", "1"),
       code="E10006"),
    _o("op_select_implmode", "enum", "accepted-but-ignored", "high_precision or high_performance kernels",
       "ignored", choices=OP_SELECT_IMPLMODES),
    _o("optypelist_for_implmode", "str", "accepted-but-ignored", "op types for --op_select_implmode "
       "(needs it)", "ignored"),
    _o("enable_small_channel", "01", "accepted-but-ignored", "0/1: small-channel optimisation", "ignored",
       code="E10006"),
    _o("disable_reuse_memory", "01", "accepted-but-ignored", "0/1: memory reuse", "ignored", code="E10006"),
    _o("buffer_optimize", "enum", "accepted-but-ignored", "l2_optimize, l1_optimize, off_optimize, "
       "l1_and_l2_optimize", "ignored",
       choices=("l2_optimize", "l1_optimize", "off_optimize", "l1_and_l2_optimize")),
    _o("fusion_switch_file", "path", "accepted-but-ignored", "fusion pass switch file", "ignored"),
    _o("enable_scope_fusion_passes", "str", "accepted-but-ignored", "TF scope fusion passes", "ignored"),
    _o("op_precision_mode", "path", "accepted-but-ignored", "per-op precision ini file", "ignored"),
    _o("allow_hf32", "bool", "accepted-but-ignored", "true/false: HF32 compute", "ignored", code="E10005"),
    _o("save_original_model", "bool", "accepted-but-ignored", "true/false: keep the original model",
       "ignored", code="E10005"),
    _o("enable_compress_weight", "bool", "accepted-but-ignored", "true/false: weight compression "
       "(not with --compress_weight_conf)", "ignored", code="E10005"),
    _o("compress_weight_conf", "path", "accepted-but-ignored", "weight compression node list", "ignored"),
    _o("compression_optimize_conf", "str", "accepted-but-ignored", "compression optimisation config",
       "ignored"),
    _o("sparsity", "01", "accepted-but-ignored", "0/1: structured sparsity", "ignored", code="E10006"),
    _o("deterministic", "01", "accepted-but-ignored", "0/1: deterministic computation", "ignored",
       code="E10006"),
    _o("deterministic_level", "enum", "accepted-but-ignored", "0, 1 or 2", "ignored", choices=("0", "1", "2")),
    _o("enable_single_stream", "bool", "accepted-but-ignored", "true/false: single stream", "ignored",
       code="E10005"),
    _o("ac_parallel_enable", "01", "accepted-but-ignored", "0/1", "ignored", code="E10006"),
    _o("tiling_schedule_optimize", "01", "accepted-but-ignored", "0/1", "ignored", code="E10006"),
    _o("quant_dumpable", "01", "accepted-but-ignored", "0/1", "ignored", code="E10006"),
    _o("is_weight_clip", "01", "accepted-but-ignored", "0/1", "ignored", code="E10006"),
    _o("jit_compile", "enum", "accepted-but-ignored", "0, 1 or 2 (auto)", "ignored",
       choices=("0", "1", "2", "auto")),
    _o("optimization_switch", "str", "accepted-but-ignored", "\"PassA:on;PassB:off\"", "ignored"),
    _o("static_model_ops_lower_limit", "int", "accepted-but-ignored", "integer (-1 default)", "ignored"),
    _o("raw_ge_options", "str", "accepted-but-ignored", "raw GE options JSON file", "ignored"),
    _o("input_hint_shape", "str", "accepted-but-ignored", "\"0:[2];1:[3]\" shape hints (not with dynamic "
       "profiles)", "ignored"),
    _o("op_debug_level", "enum", "accepted-but-ignored", "0..4", "ignored", choices=("0", "1", "2", "3", "4")),
    _o("op_compiler_cache_mode", "enum", "accepted-but-ignored", "enable, disable, force", "ignored",
       choices=("enable", "disable", "force")),
    _o("op_compiler_cache_dir", "str", "accepted-but-ignored", "kernel cache folder", "ignored"),
    _o("debug_dir", "str", "accepted-but-ignored", "debug output folder", "ignored"),
    _o("op_bank_path", "str", "accepted-but-ignored", "tuning bank folder", "ignored"),
    _o("mdl_bank_path", "str", "accepted-but-ignored", "model tuning bank folder", "ignored"),
    _o("core_type", "enum", "accepted-but-ignored", "AiCore or VectorCore", "ignored",
       choices=("AiCore", "VectorCore")),
    _o("aicore_num", "str", "accepted-but-ignored", "number of AI cores", "ignored"),
    _o("oo_level", "str", "accepted-but-ignored", "optimisation level", "ignored"),
    _o("atomic_clean_policy", "01", "accepted-but-ignored", "0/1", "ignored", code="E10006"),
    _o("shape_generalized_build_mode", "str", "accepted-but-ignored", "shape generalisation", "ignored"),
    _o("op_debug_config", "str", "accepted-but-ignored", "op debug config file", "ignored"),
    _o("device", "int", "accepted-but-ignored", "device id seen in scripts (not an ATC setting we use)",
       "ignored"),
    # ATC features we do not have
    _o("singleop", "str", "modes", "single-operator JSON: not supported by this converter", "unsupported"),
    # retired in ATC itself
    _o("auto_tune_mode", "str", "accepted-but-ignored", "retired in ATC (use the AOE tool)", "retired"),
)

OPTION_BY_NAME: dict[str, OptionSpec] = {spec.name: spec for spec in OPTIONS}
