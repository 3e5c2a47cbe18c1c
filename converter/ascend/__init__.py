"""Ascend IR -> canonical IR: graphs of GE op types as ATC/GE compile them (real .om files; later .air
models and --singleop descriptions) become graphs of our canonical ops that the CPU runtime runs and the
ONNX export writes.

- ``ge_graph``: a ge.proto GraphDef read into plain records (types, attrs, descriptors, wiring).
- ``registry``: the table "GE op type -> canonical op(s)" and the context its mappers use.
- ``ge_ops`` and its siblings (``ge_nn``, ``ge_tensor``): the mappers, by family.
- ``fusion``: compiled fusion ops (one device kernel for several ops) expanded back into their parts.
- ``framework_op``: FrameworkOp / AI CPU ops that embed the original TensorFlow NodeDef.
- ``lower``: a whole compiled graph: weights out of device formats, the scheduling ops dropped, implicit
  reshapes between descriptors made explicit, every unsupported op listed at once.

Tensors are kept in their origin layout (the descriptors' origin_format/origin_shape): device formats
(NC1HWC0, FRACTAL_Z, FRACTAL_NZ, ...) matter only where data crosses into or out of the graph (weights,
model inputs and outputs), so TransData ops become no-ops and every canonical kernel sees plain tensors.
"""
from .lower import is_compiled_model, lower_model_def

__all__ = ["lower_model_def", "is_compiled_model"]
