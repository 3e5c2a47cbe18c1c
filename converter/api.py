"""The Python API (the CLI is a thin shell over it): convert, dump, inspect and check models."""
from __future__ import annotations

import os

# build_graph and load_source_graph are part of the Python API (the frontend alone, or every pass too)
from .conversion import build_graph, build_shaped_graph, load_source_graph  # noqa: F401
from .errors import (EMPTY_REQUIRED_OPTION, FILE_PARSE_FAILED, FILE_WRITE_FAILED, INVALID_FRAMEWORK,
                     PATH_WITHOUT_FILE_NAME, ConverterError, shown)
from .fileio import require_file
from .framework import Framework
from .ir.collector import fewer_collections
from .options import ConvertOptions


def output_path(options: ConvertOptions) -> str:
    out = options.output
    if not out:
        raise ConverterError(EMPTY_REQUIRED_OPTION, "--output is required (the path of the .om to write, without .om)",
                             option="--output")
    if out.endswith(os.sep) or os.path.isdir(out) or not os.path.basename(out):
        raise ConverterError(PATH_WITHOUT_FILE_NAME,
                             f"--output='{out}' has no file name; give a path such as out/model",
                             option="--output")
    path = out if out.endswith(".om") else out + ".om"
    if os.path.isdir(path):
        raise ConverterError(FILE_WRITE_FAILED, f"--output: cannot write '{path}': it is a folder; name another file",
                             option="--output", path=path)
    return path


def model_attrs(options: ConvertOptions) -> dict:
    from . import __version__
    attrs = {
        "atc_cmdline": options.cmdline or "",
        "atc_version": f"om-converter {__version__}",
        "framework_type": int(options.framework if options.framework is not None else Framework.ONNX),
    }
    if options.soc_version:
        attrs["soc_version"] = options.soc_version.strip('"\'')
    return attrs


def convert(options: ConvertOptions) -> str:
    """Convert the source model to an .om file; returns its path. Nothing is written on failure."""
    path = output_path(options)
    with fewer_collections():
        graph = build_graph(options)
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise ConverterError(FILE_WRITE_FAILED, f"--output: cannot create folder '{folder}': {exc.strerror}",
                                 option="--output") from None
        from .om.publish import publish_om
        publish_om(graph, path, {**model_attrs(options), **graph.meta.get("model_attrs", {})},
                   external_weight=options.external_weight == 1)
    return path


def convert_single_ops(options: ConvertOptions) -> list:
    """atc --singleop: one .om per compiled entry of the description file, in the --output folder, named as
    ATC names them; returns their paths. Every entry is built before anything is written (a bad file writes
    nothing), each .om is written atomically, and a failure while writing removes the ones this run wrote.
    ``options.precision_mode`` applies as given (the CLI sets must_keep_origin_dtype when no precision option
    is on the command line, so the declared dtypes are kept)."""
    import warnings

    from .conversion import build_single_op_graphs
    from .errors import ConversionWarning
    from .fileio import output_folder
    from .om.publish import publish_om
    by_name: dict = {}
    for name, graph in build_single_op_graphs(options):
        if name in by_name:
            warnings.warn(f"--singleop: two entries are written to {name}; the later one is kept, as ATC does",
                          ConversionWarning, stacklevel=2)
        by_name[name] = graph
    folder = output_folder(options.output, "--output")
    attrs = {k: v for k, v in model_attrs(options).items() if k != "framework_type"}
    written = []
    try:
        for name, graph in by_name.items():
            path = os.path.join(folder, name)
            publish_om(graph, path, {**attrs, **graph.meta.get("model_attrs", {})})
            written.append(path)
    except BaseException:
        for path in written:
            try:
                os.unlink(path)
            except OSError:
                pass
        raise
    return written


# ---- mode 1: JSON dumps ------------------------------------------------------------------------

def source_json(options: ConvertOptions) -> str:
    """--mode=1 --framework=0|3|5 --om=<source model>: the source model's own protobuf as JSON, or with
    --dump_mode=1 the parsed and shape-inferred graph as a ModelDef."""
    fw = options.framework
    src = require_file(options.om, "--om")
    if options.dump_mode == 1:
        from dataclasses import replace

        from .om.json_dump import model_def_to_json
        from .om.model_def import graph_to_model_def
        opts = replace(options, model=src)
        graph = build_shaped_graph(opts)
        return model_def_to_json(graph_to_model_def(graph, model_attrs(opts)).model_def, dump_mode=1)
    if fw == Framework.ONNX:
        from .frontends.onnx import dump_onnx_json
        return dump_onnx_json(src)
    if fw == Framework.CAFFE:
        from .frontends.caffe import dump_prototxt_json
        return dump_prototxt_json(src)
    if fw == Framework.TENSORFLOW:
        from .frontends.tensorflow import dump_graphdef_json
        return dump_graphdef_json(src)
    raise ConverterError(INVALID_FRAMEWORK,
                         f"--framework={fw} cannot be dumped; use 0, 3 or 5, or no --framework for an "
                         ".om file", option="--framework")


def dump_json(options: ConvertOptions) -> str:
    """atc --mode=1: write the JSON dump to --json; returns its path."""
    from .fileio import write_text_atomic
    if not options.json:
        raise ConverterError(EMPTY_REQUIRED_OPTION,
                             "--json is required with --mode=1 (the JSON file to write)", option="--json")
    if options.framework in (None, -1):
        from .om.json_dump import om_to_json
        text = om_to_json(require_file(options.om, "--om"), options.dump_mode)
    else:
        text = source_json(options)
    return write_text_atomic(options.json, text, option="--json")


def dump_text_modeldef(options: ConvertOptions) -> str:
    """atc --mode=5: a GE text-format ModelDef (--om) to JSON (--json)."""
    from google.protobuf import text_format

    from .fileio import write_text_atomic
    from .om.json_dump import model_def_to_json
    from .proto import ge_ir_pb2 as ge
    from .proto.text import parse_text
    src = require_file(options.om, "--om")
    if not options.json:
        raise ConverterError(EMPTY_REQUIRED_OPTION, "--json is required with --mode=5", option="--json")
    model = ge.ModelDef()
    try:
        with open(src, encoding="utf-8") as f:
            parse_text(f.read(), model)
    except (text_format.ParseError, UnicodeDecodeError) as exc:
        raise ConverterError(FILE_PARSE_FAILED, f"--om: '{src}' is not a text-format ge.proto.ModelDef: {exc}",
                             option="--om", path=src) from None
    return write_text_atomic(options.json, model_def_to_json(model), option="--json")


# ---- mode 6 / omtool info ----------------------------------------------------------------------

def model_info_text(path: str) -> str:
    """What `atc --mode=6` and `omtool info` print about an offline model. Every string read from the file
    (names, command line, versions, formats) is escaped (errors.shown): one line each, no control characters."""
    from .om.reader import om_info
    info = om_info(require_file(path, "--om"))
    a = {key: shown(value) for key, value in info["attrs"].items()}
    lines = ["============ Display Model Info start ============",
             f"Model name: {shown(info['name'])}",
             f"Original Atc command line: {a.get('atc_cmdline', '')}",
             f"system   info: atc_version[{a.get('atc_version', '')}], soc_version[{a.get('soc_version', '')}], "
             f"framework_type[{a.get('framework_type', '')}].",
             f"resource info: memory_size[{a.get('memory_size', 0)} B], weight_size[{a.get('weight_size', 0)} B], "
             f"stream_num[{a.get('stream_num', 0)}], event_num[{a.get('event_num', 0)}].",
             "om       info: " + ", ".join(f"{p['type'].lower()}[{p['size']} B]" for p in info["partitions"]
                                          if p["model"] == 0) + f", file_size[{info['file_size']} B].",
             f"graphs[{info['graphs']}], ops[{info['ops']}]"]
    for kind in ("inputs", "outputs"):
        lines.append(f"{kind}:")
        for t in info[kind]:
            shape = "?" if t["shape"] is None else ",".join(str(d) for d in t["shape"])
            lines.append(f"  {shown(t['name'])}: {shown(t['dtype'])} [{shape}] {shown(t['format'])}")
    lines.append("============ Display Model Info end   ============")
    return "\n".join(lines)


def export_onnx(om_path: str, onnx_path: str, source=None) -> str:
    """`omtool export`: the .om as an ONNX model (plain layouts, fp16 rounding kept); returns onnx_path.
    ``source``: the framework model a compiled ATC file was built from (see ``omtool run --source``)."""
    from .export import export_onnx as write_onnx
    return write_onnx(om_path, onnx_path, source)


def print_model_info(options: ConvertOptions) -> str:
    return model_info_text(options.om)


def precheck(options: ConvertOptions) -> dict:
    """atc --mode=3: check every op, write --check_report; raises when an op fails."""
    from .precheck import precheck as run_precheck
    require_file(options.model, "--model")
    return run_precheck(options)
