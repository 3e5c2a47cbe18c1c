"""Canonical nn ops: convolution (also deformable), pooling, normalisation, matmul, pad, resize, grid sampling
and affine grids, attention, linear attention and stateful causal convolution, losses, col2im and depth/space
moves."""
from . import attention, col2im, conv, grid_sample, loss, matmul, norm, pad, pool, resize, space  # noqa: F401
from . import affine_grid, deform_conv, recurrent_state  # noqa: F401
