"""ONNX frontend: ModelProto -> ir.Graph (opsets 7 to 21)."""
from .convert import load_onnx_graph
from .dump import dump_onnx_json

__all__ = ["dump_onnx_json", "load_onnx_graph"]
