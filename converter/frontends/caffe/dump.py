"""`atc --mode=1 --framework=0 --om=net.prototxt`: the NetParameter as JSON."""
from __future__ import annotations

from ...protojson import message_to_json
from .reader import load_net_parameter


def dump_prototxt_json(path: str) -> str:
    """The NetParameter of a .prototxt (or a .caffemodel, blob values dropped) as JSON, for
    ``atc --mode=1 --framework=0 --om=<file>``, with the conventions of every other dump
    (converter/protojson.py: field names as in the .proto, sorted keys, int64 as numbers, enums by name)."""
    return message_to_json(load_net_parameter(path))
