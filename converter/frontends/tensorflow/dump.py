"""`atc --mode=1 --framework=3 --om=graph.pb`: the GraphDef as JSON, without the weight bytes."""
from __future__ import annotations

from ...protojson import message_to_json
from .reader import load_graphdef

DROPPED_FIELDS = frozenset({"tensor_content"})


def graphdef_to_json(graph_def) -> str:
    """ATC's dump of a TensorFlow GraphDef: tensor_content is dropped at every depth (function bodies
    included); otherwise the conventions of every other dump (converter/protojson.py)."""
    return message_to_json(graph_def, drop=DROPPED_FIELDS)


def dump_graphdef_json(path: str) -> str:
    """JSON text of the GraphDef in the file at ``path``."""
    return graphdef_to_json(load_graphdef(path))
