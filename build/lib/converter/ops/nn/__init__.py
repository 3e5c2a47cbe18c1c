"""Canonical nn ops: convolution, pooling, normalisation, matmul, pad, resize and depth/space moves."""
from . import conv, matmul, norm, pad, pool, resize, space  # noqa: F401
