"""`atc --mode=1 --framework=3 --om=graph.pb`: the GraphDef as JSON, without the weight bytes."""
from __future__ import annotations

from .reader import load_graphdef


def dump_graphdef_json(path: str) -> str:
    """JSON text of the GraphDef with tensor_content removed at every depth (function bodies included), with
    the same conventions as every other dump (converter.om.json_dump)."""
    from ...om.json_dump import tf_graph_to_json
    return tf_graph_to_json(load_graphdef(path))
