"""Canonical ops: tensor family."""
from __future__ import annotations

import numpy as np

from .registry import Attr, InferContext, broadcast, by_kernel_on_shapes, desc, register, same_as_input  # noqa: F401
