"""Canonical nn ops: convolution, pooling, normalisation, matmul, pad, resize, grid sampling, attention,
col2im and depth/space moves."""
from . import attention, col2im, conv, grid_sample, matmul, norm, pad, pool, resize, space  # noqa: F401
