"""Running one GE op through the lowering and the runtime (tests of the GE op table)."""
from __future__ import annotations

import numpy as np

from converter.ascend import lower_model_def
from converter.ascend.single_op import TensorSpec, feeds_of, single_op_model
from converter.runtime import Session


def run_ge(op_type: str, inputs: list, outputs: list, attrs: dict | None = None, fetch=None) -> list:
    """Outputs (as arrays, in order) of a one-op GE model run on the CPU (``fetch``: which outputs)."""
    model, weights = single_op_model(op_type, inputs, outputs, attrs, fetch=fetch)
    return Session(lower_model_def(model, weights)).run_outputs(feeds_of(inputs))


def spec(value, fmt: str = "ND", origin: str | None = None, const: bool = False, **kw) -> TensorSpec:
    value = np.asarray(value)
    return TensorSpec(dtype=value.dtype, shape=value.shape, format=fmt, origin_format=origin or fmt, value=value,
                      const=const, **kw)


def out(shape, dtype=np.float32, fmt: str = "ND", origin: str | None = None) -> TensorSpec:
    return TensorSpec(dtype=dtype, shape=tuple(shape), format=fmt, origin_format=origin or fmt)
