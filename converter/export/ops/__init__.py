"""ONNX emitters, one module per op family; imported explicitly so none is silently missing."""
from . import (  # noqa: F401
    activation,
    control,
    detection,
    device,
    elementwise,
    nn,
    quant,
    reduce,
    sequence,
    tensor,
)
