"""`atc --mode=1 --framework=5 --om=model.onnx`: the model's GraphProto as JSON."""
from __future__ import annotations

from ...protojson import message_to_json
from .reader import load_model


def onnx_graph_to_json(model) -> str:
    """ATC's dump of an ONNX source model: the GraphProto only, initializer raw_data included as C-escaped
    text like any singular bytes field (converter/protojson.py conventions, as every other dump)."""
    return message_to_json(model.graph)


def dump_onnx_json(path: str) -> str:
    """JSON text of the GraphProto of the ONNX file at ``path``."""
    return onnx_graph_to_json(load_model(path))
