"""An independent numpy reference of static AIPP (written from the CANN formulas, not from the kernel):
per-pixel NV12 lookup, channel loops, the fixed-point CSC with floor division, then (x - mean - min) * var."""
from __future__ import annotations

import numpy as np


def nv12_to_yuv444(image: np.ndarray, h: int, w: int) -> np.ndarray:
    """[N, H*3/2, W, 1] NV12 -> [N, H, W, 3] (Y, U, V); each 2x2 block shares its U,V pair."""
    plane = image[..., 0].astype(np.int64)
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    y = plane[:, rows, cols]
    u = plane[:, h + rows // 2, (cols // 2) * 2]
    v = plane[:, h + rows // 2, (cols // 2) * 2 + 1]
    return np.stack([y, u, v], axis=-1)


def csc_yuv_to_rgb(yuv: np.ndarray, matrix, input_bias) -> np.ndarray:
    """out_i = (sum_j m_ij * (in_j - bias_j)) >> 8, clipped to 8 bits."""
    out = np.zeros(yuv.shape, dtype=np.int64)
    for i in range(3):
        acc = sum(int(matrix[i][j]) * (yuv[..., j] - int(input_bias[j])) for j in range(3))
        out[..., i] = np.clip(acc // 256, 0, 255)
    return out


def csc_rgb_to_yuv(rgb: np.ndarray, matrix, output_bias) -> np.ndarray:
    out = np.zeros(rgb.shape, dtype=np.int64)
    for i in range(3):
        acc = sum(int(matrix[i][j]) * rgb[..., j] for j in range(3))
        out[..., i] = np.clip(acc // 256 + int(output_bias[i]), 0, 255)
    return out


def normalise(pixels: np.ndarray, mean=(0, 0, 0), minimum=(0.0, 0.0, 0.0), var=(1.0, 1.0, 1.0)) -> np.ndarray:
    """[N, H, W, C] pixels -> [N, C, H, W] float32: (x - mean_c - min_c) * var_c."""
    chans = [(pixels[..., c].astype(np.float64) - mean[c] - minimum[c]) * var[c] for c in range(pixels.shape[-1])]
    return np.stack(chans, axis=1).astype(np.float32)
