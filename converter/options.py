"""ConvertOptions: every ATC option parsed and validated into one frozen object (the CLI's product,
the API's input). Parsing of argv lives in converter/cli_args.py; value rules live here."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConvertOptions:
    mode: int = 0
    framework: int | None = None          # 0 Caffe, 1 MindSpore, 3 TensorFlow, 5 ONNX
    model: str | None = None
    weight: str | None = None
    output: str | None = None             # without .om; the writer appends it
    om: str | None = None
    json: str | None = None
    dump_mode: int = 0
    check_report: str = "check_result.json"
    # shapes: ordered (name, dims) pairs; dims are ints (-1 dynamic); ranges as (lo, hi) in input_shape_range
    input_shape: tuple = ()
    input_shape_range: tuple = ()
    input_format: str | None = None
    dynamic_batch_size: tuple = ()
    dynamic_image_size: tuple = ()
    dynamic_dims: tuple = ()
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
