"""Winograd convolution F(2x2, 3x3) and F(4x4, 3x3): 3x3 stride-1 convs with 2.25x / 4x fewer multiplications.

The output is cut into m x m tiles (m = 2 or 4); each reads an (m+2) x (m+2) input tile (tiles overlap by 2).
With the transforms of Lavin & Gray (2015), a tile's output is A^T [(G g G^T) * (B^T d B)] A: the weights g
are transformed once per session (G g G^T in fp64, rounded once: (m+2)^2 matrices of (O, C)), the input tiles
by B^T d B, and the (m+2)^2 elementwise products over all tiles and channels are as many matrix products
(O, C) x (C, tiles) through BLAS. The transforms are done as small products too (the Kronecker forms of B^T.B
and A^T.A), which on numpy beats separate additions over strided views.

F(2x2, 3x3)'s B and A hold only 0 and +-1: its error is of the im2col path's size (~3e-7 of the peak in fp32
on ResNet-50's layers). F(4x4, 3x3) (points 0, +-1, +-2) multiplies by up to 8 in its transforms: a few
times that error, still ~1e-6 of the peak. Channels-first layout, one group, 2-D only (conv_nd picks the
path and the tile size); bias and a fused Relu are applied to the transformed output before it is written.
"""
from __future__ import annotations

import numpy as np

from ..threads import in_parallel, sharing, thread_count, thread_slot
from ..workspace import empty, prepared, scratch
from ._spatial import padded, strided_view

# (B^T, G, A^T) per output tile size m: 1-D correlation y[k] = sum_j d[k + j] g[j] = A^T[(G g) * (B^T d)]
TRANSFORMS = {
    2: (np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float64),
        np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]], np.float64),
        np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float64)),
    4: (np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
                  [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], np.float64),
        np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
                  [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], np.float64),
        np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]], np.float64)),
}
PARTS = 8                   # parts the tiles are cut into (each a job item for the kernel threads)
MIN_PART_CHANNELS = 32      # output channels per part at least, when the products are cut by channels
MIN_PART_TILES = 16         # tiles per part at least (fewer: the threads' hand-off outweighs the work)
_KRON: dict = {}            # (m, dtype) -> (input transform (n*n, n*n), output transform (m*m, n*n))


MIN_TILES = 32              # tiles per image from which a tile size pays (fewer: im2col, measured on ResNet-50)


def tile_size(w: np.ndarray, geo, groups: int) -> int:
    """The output tile size m (4 or 2) for the convs this path computes (2-D, 3x3 kernel, stride 1, no
    dilation, one group), the largest giving MIN_TILES tiles per image; 0 for any other conv. Measured on
    ResNet-50's layers (1 thread, ms per call, im2col / F2 / F4): 56x56x64 2.6 / 2.3 / 1.5, 28x28x128
    1.8 / 1.5 / 1.2, 14x14x256 1.8 / 1.4 / 1.3, 7x7x512 2.1 / 2.0 / 3.3 (the transformed weights, 16/9 or
    4x the weights, outweigh the saving when there are few tiles)."""
    if not (groups == 1 and w.ndim == 4 and tuple(w.shape[2:]) == (3, 3)
            and all(s == 1 for s in geo.strides) and all(d == 1 for d in geo.dilations)):
        return 0
    for m in (4, 2):
        if -(-geo.out_sizes[0] // m) * -(-geo.out_sizes[1] // m) >= MIN_TILES:
            return m
    return 0


def transformed_weights(w: np.ndarray, m: int, dtype) -> np.ndarray:
    """G g G^T of OIHW 3x3 weights as (m+2)^2 matrices (n*n, O, C), computed in fp64 and rounded once."""
    g = TRANSFORMS[m][1]
    u = np.einsum("ai,ocij,bj->aboc", g, w.astype(np.float64), g)
    return np.ascontiguousarray(u.reshape(-1, w.shape[0], w.shape[1]), dtype=dtype)


def _kron(m: int, dtype) -> tuple:
    key = (m, np.dtype(dtype))
    if key not in _KRON:
        bt, _, at = TRANSFORMS[m]
        _KRON[key] = (np.kron(bt, bt).astype(dtype), np.kron(at, at).astype(dtype))
    return _KRON[key]


def _tile_view(image: np.ndarray, size: int, m: int, rows: int, cols: int) -> np.ndarray:
    """Read-only (size, size, C, rows, cols) view of a (C, H, W) image: [a, b, c, r, t] = image[c, m*r + a,
    m*t + b], the size x size tiles m apart (the image must hold them all). One copy of it gathers every
    tile (faster than one copy per (a, b), measured on ResNet-50's layers)."""
    sc, sh, sw = image.strides
    return strided_view(image, (size, size, image.shape[0], rows, cols), (sh, sw, sc, m * sh, m * sw))


def _row_parts(rows: int, tiles_per_row: int) -> list:
    """Ranges of tile rows: one part per kernel thread while kernels share their work (fewer when a part
    would have under MIN_PART_TILES tiles), else the whole range. (A part's products are of other sizes
    than the whole's, so results may differ between thread counts in the last bits, as BLAS results do.)"""
    parts = thread_count() if sharing() else 1
    parts = max(1, min(parts, rows, rows * tiles_per_row // MIN_PART_TILES))
    bounds = [rows * p // parts for p in range(parts + 1)]
    return [(bounds[p], bounds[p + 1]) for p in range(parts)]


def conv2d(x: np.ndarray, w: np.ndarray, finish, geo, m: int = 2) -> np.ndarray:
    """Conv of channels-first x (N, C, H, W) with 3x3 weights (O, C, 3, 3), stride 1, pads geo.pads, by
    F(m x m, 3x3); finish(block, index) applies bias/activation to a (m*m, O', tiles) block of output channels
    index[1] of the (m*m, O, tiles) result.
    Returns (N, O, *geo.out_sizes).

    While kernels share their work, the tiles are cut into parts by tile rows, one per kernel thread; each
    part does all the steps on its tiles (gather, input transform, products, output transform, finish,
    scatter) in scratch buffers of its own: the threads meet once per image. With fewer tiles than output
    channels the tiles are transformed once and the rest is cut by output channels instead, so that each
    thread reads only its share of the transformed weights (16/9 or 4x the weights)."""
    batch, channels, h, wd = x.shape
    out_ch = w.shape[0]
    ho, wo = geo.out_sizes
    n = m + 2
    ty, tx = -(-ho // m), -(-wo // m)
    dtype = x.dtype
    u = prepared(f"conv.winograd{m}", w, lambda a: transformed_weights(a, m, dtype))
    kin, kout = _kron(m, dtype)
    # pad to whole tiles: m * tiles + 2 rows and columns, the extra ones at the end
    ends = [m * ty + 2 - h - geo.pads[0], m * tx + 2 - wd - geo.pads[1]]
    xp = padded(x, geo.pads[:2], ends, 0, 2)
    y = empty((batch, out_ch, ho, wo), dtype)
    tiles = ty * tx

    def transformed(i: int, r0: int, r1: int, slot: int) -> np.ndarray:
        """B^T d B of the tiles in tile rows r0..r1 of image i: (n*n, C, tiles)."""
        rows = r1 - r0
        d = scratch(f"winograd.tiles{slot}", (n, n, channels, rows, tx), dtype)
        np.copyto(d, _tile_view(xp[i, :, m * r0:], n, m, rows, tx))
        v = np.matmul(kin, d.reshape(n * n, -1), out=scratch(f"winograd.v{slot}", (n * n, channels * rows * tx),
                                                              dtype))
        return v.reshape(n * n, channels, rows * tx)

    def finished(i: int, v: np.ndarray, o0: int, o1: int, r0: int, r1: int, slot: int) -> None:
        """Output channels o0..o1 of the tiles v holds (tile rows r0..r1): products, A^T M A, finish, scatter."""
        count, rows = o1 - o0, r1 - r0
        prods = scratch(f"winograd.m{slot}", (n * n, count, v.shape[2]), dtype)
        np.matmul(u[:, o0:o1], v, out=prods)
        out = np.matmul(kout, prods.reshape(n * n, -1), out=scratch(f"winograd.out{slot}",
                                                                    (m * m, count * v.shape[2]), dtype))
        out = out.reshape(m * m, count, v.shape[2])
        finish(out, (slice(None), slice(o0, o1), slice(None)))
        out = out.reshape(m, m, count, rows, tx)
        for p in range(m):
            for q in range(m):
                target = y[i, o0:o1, p + m * r0:min(ho, p + m * r1):m, q::m]
                target[...] = out[p, q, :, :target.shape[1], :target.shape[2]]

    threads = thread_count()
    bounds = [out_ch * p // threads for p in range(threads + 1)]
    for i in range(batch):
        if sharing() and tiles < out_ch and out_ch >= MIN_PART_CHANNELS * threads:
            # few tiles, many channels: the tiles transformed once, the products cut by output channels
            v = transformed(i, 0, ty, 0)
            in_parallel(lambda ps, i=i, v=v: [finished(i, v, bounds[p], bounds[p + 1], 0, ty, thread_slot())
                                              for p in ps], list(range(threads)))
            continue
        in_parallel(lambda ranges, i=i: [finished(i, transformed(i, r0, r1, thread_slot()), 0, out_ch, r0, r1,
                                                  thread_slot()) for r0, r1 in ranges], _row_parts(ty, tx))
    return y
