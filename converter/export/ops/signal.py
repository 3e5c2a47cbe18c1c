"""ONNX emitters: signal processing (DFT, STFT, MelWeightMatrix), one to one; DFT's axis is an input (DFT-20)."""
from __future__ import annotations

import numpy as np

from ..builder import onnx_type
from ..registry import Emit, emits


@emits("DFT")
def dft(e: Emit):
    axis = e.int64(2) if e.has(2) else e.const(np.asarray(int(e.attrs["axis"]), np.int64), hint="axis")
    e.out("DFT", [e.input(0), e.int64(1), axis], inverse=int(bool(e.attrs["inverse"])),
          onesided=int(bool(e.attrs["onesided"])))


@emits("STFT")
def stft(e: Emit):
    e.out("STFT", [e.input(0), e.int64(1), e.as_dtype(2, e.dtype(0)), e.int64(3)],
          onesided=int(bool(e.attrs["onesided"])))


@emits("MelWeightMatrix")
def mel_weight_matrix(e: Emit):
    ints = [e.int64(i) for i in range(3)]
    edges = [e.as_dtype(i, e.dtype(3)) for i in (3, 4)]
    e.out("MelWeightMatrix", ints + edges, output_datatype=onnx_type(e.attrs["dtype"]))
