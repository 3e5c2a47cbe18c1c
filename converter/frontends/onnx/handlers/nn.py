"""ONNX handlers: nn ops."""
from __future__ import annotations

import numpy as np

from ..registry import NodeContext, onnx_op  # noqa: F401
