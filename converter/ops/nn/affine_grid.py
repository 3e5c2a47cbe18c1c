"""AffineGrid (ONNX opset 20): the sampling grid of an affine transform, for GridSample."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..elementwise import like, widen
from ..registry import Attr, InferContext, desc, flat_ints, register


def _base_coords(n: int, align_corners: bool) -> np.ndarray:
    """Normalised positions of n samples in [-1, 1]: the end pixels' centres (align_corners) or edges."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (2 * np.arange(n) + 1) / n - 1


def _affine_grid_infer(ctx: InferContext):
    size = ctx.value(1)
    if size is None:
        rank = ctx.shape(1)[0] if ctx.shape(1) is not None and len(ctx.shape(1)) == 1 else -1
        shape = None if rank < 0 else (-1,) * (rank - 1) + (rank - 2,)
        theta = ctx.shape(0)
        if shape is not None and theta is not None:
            shape = (theta[0],) + shape[1:]
        return [desc(ctx.dtype(0), shape)]
    n, _, *spatial = flat_ints(size)
    return [desc(ctx.dtype(0), (n, *spatial, len(spatial)))]


@register("AffineGrid", attrs={"align_corners": Attr("bool", False)}, infer=_affine_grid_infer, category="nn")
def affine_grid(inputs, attrs):
    """AffineGrid: (theta [N, 2, 3] or [N, 3, 4], size (N, C, H, W) or (N, C, D, H, W)) -> grid [N, H, W, 2]
    or [N, D, H, W, 3]: theta times the homogeneous normalised position (x, y[, z], 1) of every output pixel."""
    theta = np.asarray(inputs[0])
    n, _, *spatial = flat_ints(inputs[1])
    k = len(spatial)
    if k not in (2, 3) or theta.shape != (n, k, k + 1):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"AffineGrid: theta {list(theta.shape)} does not fit size "
                         f"{[n, '_', *spatial]} (theta [N, 2, 3] for 2-D, [N, 3, 4] for 3-D)")
    axes = [_base_coords(d, attrs["align_corners"]) for d in spatial]      # per spatial dim, outermost first
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack(list(mesh[::-1]) + [np.ones(spatial)], axis=-1).reshape(-1, k + 1)  # (x, y[, z], 1) per pixel
    t = widen(theta).astype(np.float64 if theta.dtype == np.float64 else np.float32)
    grid = np.einsum("pk,nik->npi", base.astype(t.dtype), t)
    return like(grid.reshape(n, *spatial, k), theta.dtype)
