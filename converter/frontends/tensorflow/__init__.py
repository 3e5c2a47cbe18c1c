"""TensorFlow frontend: frozen GraphDef (.pb) -> ir.Graph, and the GraphDef JSON dump."""
from .convert import load_tf_graph, supported_op_types
from .dump import dump_graphdef_json
from .names import split_tensor_name

__all__ = ["dump_graphdef_json", "load_tf_graph", "split_tensor_name", "supported_op_types"]
