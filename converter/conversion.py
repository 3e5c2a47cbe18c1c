"""The conversion pipeline below the API: source model -> IR (frontend) -> passes -> the graph to write.

The api (and precheck, which checks a model by converting it) build on these functions, so both import
this module and neither imports the other. Named `conversion`, not `pipeline`: passes/pipeline.py is the
ordered pass list and runtime/pipeline.py runs chained models.
"""
from __future__ import annotations

import warnings

from .errors import CAFFE_WEIGHT_OPTION_MISSING, INVALID_FRAMEWORK, ConversionWarning, ConverterError
from .fileio import require_file
from .framework import Framework
from .ir import Graph
from .ir.collector import fewer_collections
from .options import ConvertOptions
from .passes.base import PassContext
from .passes.pipeline import SHAPE_PASSES, SINGLE_OP_PASSES, run_passes


def _shape_dict(options: ConvertOptions) -> dict:
    return {name: tuple(dims) for name, dims in options.input_shape or ()}


def load_source_graph(options: ConvertOptions) -> Graph:
    """Parse the source model into the IR (no passes yet). The names of the source graph's outputs are
    recorded as ``graph.meta["source_outputs"]``: the .om writer refuses a model whose outputs differ."""
    graph = _load_frontend_graph(options)
    net = graph.net_output()
    given = list(net.attrs.get("output_names") or []) if net is not None else []
    graph.meta["source_outputs"] = given if len(given) >= len(graph.output_refs()) else graph.output_names()
    return graph


def _load_frontend_graph(options: ConvertOptions) -> Graph:
    fw = options.framework
    model = require_file(options.model, "--model")
    if fw == Framework.ONNX:
        from .frontends.onnx import load_onnx_graph
        return load_onnx_graph(model, input_names_with_shape=list(_shape_dict(options)))
    if fw == Framework.CAFFE:
        from .frontends.caffe import load_caffe_graph
        weight = require_file(options.weight, "--weight") if options.weight else None
        if weight is None:
            raise ConverterError(CAFFE_WEIGHT_OPTION_MISSING,
                                 "--weight is required for a Caffe model (the .caffemodel file)",
                                 option="--weight")
        return load_caffe_graph(model, weight, _shape_dict(options), op_name_map=options.op_name_map)
    if fw == Framework.TENSORFLOW:
        from .frontends.tensorflow import load_tf_graph
        return load_tf_graph(model, _shape_dict(options), list(options.out_nodes or ()))
    if fw == Framework.MINDSPORE:
        from .ascend.air import load_air_graph
        return load_air_graph(model, options.input_shape)
    raise ConverterError(INVALID_FRAMEWORK, f"--framework={fw} is not valid; use 0 (Caffe), 1 (MindSpore .air), "
                         "3 (TensorFlow) or 5 (ONNX)", option="--framework")


def build_graph(options: ConvertOptions) -> Graph:
    """Frontend + every pass: the graph that would be written to the .om."""
    with fewer_collections():
        graph = load_source_graph(options)
        ctx = PassContext(options=options,
                          framework=options.framework if options.framework is not None else Framework.ONNX)
        run_passes(graph, ctx)
    graph.meta["warnings"] = list(graph.meta.get("frontend_warnings", ())) + list(ctx.warnings)
    for message in graph.meta["warnings"]:
        warnings.warn(message, ConversionWarning, stacklevel=2)
    return graph


def build_single_op_graphs(options: ConvertOptions) -> list:
    """--singleop: (.om file name, graph) per compiled entry of the description file, every pass applied
    except --input_shape (the description declares its inputs, dynamic dims and ranges included)."""
    from .ascend.single_op import description_graphs
    built = []
    for entry, graph in description_graphs(options.singleop):
        ctx = PassContext(options=options, framework=Framework.MINDSPORE)
        run_passes(graph, ctx, SINGLE_OP_PASSES)
        for message in ctx.warnings:
            warnings.warn(f"{entry.file_name}: {message}", ConversionWarning, stacklevel=2)
        built.append((entry.file_name, graph))
    return built


def build_shaped_graph(options: ConvertOptions) -> Graph:
    """What `--mode=1 --dump_mode=1` shows: the source model parsed, with shapes inferred and formats
    assigned, before precision."""
    graph = load_source_graph(options)
    run_passes(graph, PassContext(options=options, framework=options.framework), SHAPE_PASSES)
    return graph
