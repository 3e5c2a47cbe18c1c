"""How an .om file becomes a runnable graph: our own files as stored, compiled ATC/GE files lowered from
GE op types to canonical ops (with the source model, when given, for what compilation did not keep)."""
from __future__ import annotations

import os

from ..ir import Graph


def load_om_graph(path: str, source=None) -> Graph:
    """The graph of model 0 of an .om file, ready for the runtime. ``source``: path of the framework model
    the file was compiled from (or an already loaded source), used only for compiled models."""
    from ..om.external_weights import resolve_file_constants
    from ..om.graph_check import check_graph
    from ..om.reader import read_om
    from .lower import is_compiled_model, lower_model_def
    om = read_om(path)
    if is_compiled_model(om.model_def):
        if isinstance(source, (str, os.PathLike)):
            from .source import load_source
            source = load_source(os.fspath(source))
        graph = lower_model_def(om.model_def, om.weights, source)
    else:
        graph = om.to_graph()
    check_graph(graph)
    graph.meta.setdefault("model_attrs", {}).update(om.attrs)
    resolve_file_constants(graph, os.path.dirname(os.path.abspath(path)))
    return graph
