"""The converter's graph IR: Graph, Op, TensorDesc and GE-numbered data types."""
from .dtypes import DataType, from_name, from_numpy, to_numpy
from .graph import Graph, Op
from .tensor import TensorDesc

__all__ = ["DataType", "Graph", "Op", "TensorDesc", "from_name", "from_numpy", "to_numpy"]
