"""ONNX op handlers, one module per op family; imported explicitly so none is silently missing."""
from . import activation, control, detection, elementwise, extra, loss, nn, quant, reduce, sequence, tensor  # noqa: F401
from . import optional, random, recurrent_state, signal, spatial, text, transformer  # noqa: F401
