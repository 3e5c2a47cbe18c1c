"""ONNX emitters, one module per op family; imported explicitly so none is silently missing."""
from . import (  # noqa: F401
    activation,
    control,
    detection,
    device,
    elementwise,
    loss,
    nn,
    quant,
    recurrent_state,
    reduce,
    sequence,
    signal,
    tensor,
    text,
)
