"""`atc --mode=1 --framework=3 --om=graph.pb`: the GraphDef as JSON, without the weight bytes."""
from __future__ import annotations

import json

from google.protobuf import json_format

from .reader import load_graphdef


def _drop_tensor_content(attr_value) -> None:
    if attr_value.HasField("tensor"):
        attr_value.tensor.ClearField("tensor_content")
    if attr_value.HasField("list"):
        for t in attr_value.list.tensor:
            t.ClearField("tensor_content")


def dump_graphdef_json(path: str) -> str:
    """JSON text of the GraphDef (proto field names, sorted keys, indent 2) with tensor_content removed."""
    graph = load_graphdef(path)
    bodies = [f.node_def for f in graph.library.function]
    for nodes in [graph.node, *bodies]:
        for node in nodes:
            for value in node.attr.values():
                _drop_tensor_content(value)
    data = json_format.MessageToDict(graph, preserving_proto_field_name=True)
    return json.dumps(data, sort_keys=True, indent=2)
