"""The Python API (the CLI is a thin shell over it): convert, dump, inspect and check models."""
from __future__ import annotations

import os

from .errors import ConverterError
from .ir import Graph
from .options import ConvertOptions
from .passes.base import PassContext
from .passes.pipeline import run_passes

FRAMEWORK_NAMES = {0: "Caffe", 1: "MindSpore", 3: "TensorFlow", 5: "ONNX"}


def _require_file(path: str | None, option: str) -> str:
    if not path:
        raise ConverterError("E10004", f"{option} is required", option=option)
    if not os.path.isfile(path):
        raise ConverterError("E13001", f"{option}: cannot open '{path}' (no such file)", option=option, path=path)
    return path


def _shape_dict(options: ConvertOptions) -> dict:
    return {name: tuple(dims) for name, dims in options.input_shape or ()}


def load_source_graph(options: ConvertOptions) -> Graph:
    """Parse the source model into the IR (no passes yet)."""
    fw = options.framework
    model = _require_file(options.model, "--model")
    if fw == 5:
        from .frontends.onnx import load_onnx_graph
        return load_onnx_graph(model, input_names_with_shape=list(_shape_dict(options)))
    if fw == 0:
        from .frontends.caffe import load_caffe_graph
        weight = _require_file(options.weight, "--weight") if options.weight else None
        if weight is None:
            raise ConverterError("E10008", "--weight is required for a Caffe model (the .caffemodel file)",
                                 option="--weight")
        return load_caffe_graph(model, weight, _shape_dict(options))
    if fw == 3:
        from .frontends.tensorflow import load_tf_graph
        return load_tf_graph(model, _shape_dict(options), list(options.out_nodes or ()))
    if fw == 1:
        raise ConverterError("E10001", "--framework=1 (MindSpore .air) is not supported by this converter; "
                             "export the model to ONNX and use --framework=5", option="--framework")
    raise ConverterError("E10007", f"--framework={fw} is not valid; use 0 (Caffe), 3 (TensorFlow) or 5 (ONNX)",
                         option="--framework")


def build_graph(options: ConvertOptions) -> Graph:
    """Frontend + every pass: the graph that would be written to the .om."""
    graph = load_source_graph(options)
    ctx = PassContext(options=options, framework=options.framework if options.framework is not None else 5)
    run_passes(graph, ctx)
    graph.attrs["warnings"] = ctx.warnings
    return graph


def output_path(options: ConvertOptions) -> str:
    out = options.output
    if not out:
        raise ConverterError("E10004", "--output is required (the path of the .om to write, without .om)",
                             option="--output")
    if out.endswith(os.sep) or os.path.isdir(out) or not os.path.basename(out):
        raise ConverterError("E10022", f"--output='{out}' has no file name; give a path such as out/model",
                             option="--output")
    return out if out.endswith(".om") else out + ".om"


def model_attrs(options: ConvertOptions) -> dict:
    from . import __version__
    attrs = {
        "atc_cmdline": options.cmdline or "",
        "atc_version": f"om-converter {__version__}",
        "framework_type": int(options.framework if options.framework is not None else 5),
    }
    if options.soc_version:
        attrs["soc_version"] = options.soc_version.strip('"\'')
    return attrs


def convert(options: ConvertOptions) -> str:
    """Convert the source model to an .om file; returns its path. Nothing is written on failure."""
    path = output_path(options)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ConverterError("E13004", f"--output: folder '{folder}' does not exist", option="--output")
    graph = build_graph(options)
    from .om.writer import write_om
    write_om(graph, path, model_attrs(options))
    return path
