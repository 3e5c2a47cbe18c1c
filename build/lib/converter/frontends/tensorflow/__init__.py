"""TensorFlow frontend: frozen GraphDef (.pb) -> ir.Graph, and the GraphDef JSON dump."""
from .convert import load_tf_graph
from .dump import dump_graphdef_json
from .names import split_tensor_name
from .registry import supported_ops as supported_op_types

__all__ = ["dump_graphdef_json", "load_tf_graph", "split_tensor_name", "supported_op_types"]
