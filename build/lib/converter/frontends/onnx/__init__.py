"""ONNX frontend: ModelProto -> ir.Graph (opsets 7 to 21)."""
from .convert import load_onnx_graph  # noqa: F401
