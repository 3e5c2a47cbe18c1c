"""Signal processing ops: Window (Hann, Hamming and Blackman windows), DFT (forward, inverse, one-sided), STFT
and MelWeightMatrix, with ONNX semantics: complex tensors are real tensors whose last dim holds (real, imag)
(or only real, size 1).

DFT and STFT compute in complex64 (complex128 for fp64 signals) and keep fp32 in every precision mode: each
output sums over the whole signal, which fp16 would round to about three digits. Their lengths, axis and
step may be run-time inputs (then the output dims they set are unknown until run time)."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType, to_numpy
from .registry import Attr, InferContext, desc, flat_ints, register

_WINDOWS = {
    "hann": lambda t: 0.5 - 0.5 * np.cos(t),
    "hamming": lambda t: 25.0 / 46.0 - 21.0 / 46.0 * np.cos(t),
    "blackman": lambda t: 0.42 - 0.5 * np.cos(t) + 0.08 * np.cos(2 * t),
}


def _window_infer(ctx: InferContext):
    v = ctx.value(0)
    return [desc(ctx.attrs["dtype"], (-1,) if v is None else (int(np.asarray(v).reshape(-1)[0]),))]


@register("Window", attrs={"window": Attr("str", "hann", "hann | hamming | blackman"),
                           "periodic": Attr("bool", True), "dtype": Attr("dtype", int(DataType.DT_FLOAT))},
          infer=_window_infer, category="signal")
def window(inputs, attrs):
    """Window: (size) -> a Hann/Hamming/Blackman window of that length (periodic: denominator size)."""
    size = int(np.asarray(inputs[0]).reshape(-1)[0])
    denom = size if attrs["periodic"] else size - 1
    t = 2 * np.pi * np.arange(size, dtype=np.float64) / max(denom, 1)
    return _WINDOWS[attrs["window"]](t).astype(to_numpy(attrs["dtype"]))


def _complex(x: np.ndarray) -> np.ndarray:
    """[..., 1] (real) or [..., 2] (real, imag) -> complex128 [...]."""
    if x.shape[-1] not in (1, 2):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"DFT/STFT: the last dim of the signal is {x.shape[-1]}; it must be 1 (real) "
                         "or 2 (real, imaginary)")
    ctype = np.complex128 if x.dtype == np.float64 else np.complex64
    if x.shape[-1] == 1:
        return x[..., 0].astype(ctype)
    z = np.empty(x.shape[:-1], ctype)
    z.real, z.imag = x[..., 0], x[..., 1]
    return z


def _pairs(z: np.ndarray) -> np.ndarray:
    return np.stack([z.real, z.imag], axis=-1)


def _scalar(value, what: str) -> int:
    values = flat_ints(value)
    if len(values) != 1:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{what} must hold one value, it holds {len(values)}")
    return values[0]


def _dft_length(attrs: dict, n, length_value):
    """The transform length: the dft_length input, else the signal's (2 (n - 1) for the inverse one-sided)."""
    if length_value is not None:
        return _scalar(length_value, "DFT: dft_length")
    if n is None or n < 0:
        return -1
    return 2 * (n - 1) if attrs["inverse"] and attrs["onesided"] else n


def _dft_axis(axis_value, attrs: dict, rank: int) -> int:
    axis = attrs["axis"] if axis_value is None else _scalar(axis_value, "DFT: axis")
    if not -rank <= axis < rank - 1:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"DFT: axis {axis} is not a signal axis of a {rank}-D input (the last dim holds "
                         "the real and imaginary parts)")
    return axis % rank


def _dft_infer(ctx: InferContext):
    shape = ctx.shape(0)
    if shape is None:
        return [desc(ctx.dtype(0), None)]
    out = list(shape)
    out[-1] = 1 if ctx.attrs["onesided"] and ctx.attrs["inverse"] else 2
    if ctx.has(2) and ctx.value(2) is None:   # the axis is known at run time only: only a full-length,
        if ctx.has(1) or ctx.attrs["onesided"]:   # two-sided transform keeps every dim, whatever the axis
            out[:-1] = [-1] * (len(shape) - 1)
        return [desc(ctx.dtype(0), out)]
    axis = _dft_axis(ctx.value(2) if ctx.has(2) else None, ctx.attrs, len(shape))
    n = -1 if ctx.has(1) and ctx.value(1) is None else _dft_length(ctx.attrs, shape[axis], ctx.value(1))
    out[axis] = -1 if n < 0 else n // 2 + 1 if ctx.attrs["onesided"] and not ctx.attrs["inverse"] else n
    return [desc(ctx.dtype(0), out)]


@register("DFT", attrs={"axis": Attr("int", -2, "the signal axis when no axis input is given (not the last "
                                                "dim, which holds real/imag)"),
                        "inverse": Attr("bool", False), "onesided": Attr("bool", False)},
          infer=_dft_infer, category="signal", traits={"no_fp16"}, param_inputs={1, 2})
def dft(inputs, attrs):
    """DFT: (x [..., n, ..., 1 or 2], dft_length?, axis?) -> its discrete Fourier transform along axis
    (zero-padded or cut to dft_length): complex [..., 2]; one-sided forward (real input): the first
    dft_length // 2 + 1 bins; inverse: divided by dft_length; inverse one-sided: the real signal of a
    one-sided spectrum [..., 1]."""
    x = np.asarray(inputs[0])
    length_value, axis_value = (list(inputs[1:3]) + [None] * 2)[:2]
    axis = _dft_axis(axis_value, attrs, x.ndim)
    n = _dft_length(attrs, x.shape[axis], length_value)
    if n <= 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"DFT: dft_length {n} is not positive")
    z = _complex(x)
    if attrs["inverse"] and attrs["onesided"]:
        out = np.fft.irfft(z, n=n, axis=axis)[..., None]
    elif attrs["inverse"]:
        out = _pairs(np.fft.ifft(z, n=n, axis=axis))
    else:
        if attrs["onesided"] and x.shape[-1] == 2:
            raise GraphError(INVALID_ARGUMENT_VALUE, "DFT: onesided=1 needs a real signal (last dim 1), not a complex one")
        spectrum = np.fft.fft(z, n=n, axis=axis)
        if attrs["onesided"]:
            spectrum = np.take(spectrum, np.arange(n // 2 + 1), axis=axis)
        out = _pairs(spectrum)
    return out.astype(x.dtype)


def _stft_sizes(signal_length: int, frame_step, window_length, frame_length) -> tuple:
    """(frame length, number of frames) from the STFT inputs."""
    step = _scalar(frame_step, "STFT: frame_step")
    if frame_length is not None:
        length = _scalar(frame_length, "STFT: frame_length")
    else:
        length = window_length if window_length is not None else signal_length
    if step <= 0 or length <= 0 or (window_length is not None and window_length != length):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"STFT: frame_step {step}, frame_length {length} and a window of "
                         f"{window_length} samples do not fit (positive sizes, the window frame_length long)")
    return length, max(0, (signal_length - length) // step + 1)


def _stft_infer(ctx: InferContext):
    shape = ctx.shape(0)
    window = ctx.shape(2) if ctx.has(2) else None
    if shape is None or len(shape) != 3 or ctx.value(1) is None or (ctx.has(3) and ctx.value(3) is None) or (
            shape[1] < 0) or (ctx.has(2) and (window is None or len(window) != 1 or window[0] < 0)):
        return [desc(ctx.dtype(0), None if shape is None else (shape[0], -1, -1, 2))]
    length, frames = _stft_sizes(shape[1], ctx.value(1), None if window is None else window[0],
                                 ctx.value(3) if ctx.has(3) else None)
    bins = length // 2 + 1 if ctx.attrs["onesided"] else length
    return [desc(ctx.dtype(0), (shape[0], frames, bins, 2))]


@register("STFT", attrs={"onesided": Attr("bool", True)}, infer=_stft_infer, category="signal",
          traits={"no_fp16"}, param_inputs={1, 3})
def stft(inputs, attrs):
    """STFT: (signal [batch, length, 1 or 2], frame_step, window [frame_length]?, frame_length?) -> [batch,
    frames, bins, 2]: the DFT of each frame (frame_length samples every frame_step, times the window);
    one-sided (real signal and window): frame_length // 2 + 1 bins."""
    x = np.asarray(inputs[0])
    window, frame_length = (list(inputs[2:4]) + [None] * 2)[:2]
    if x.ndim != 3:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"STFT: the signal is {x.ndim}-D; it must be [batch, length, 1 or 2]")
    length, frames = _stft_sizes(x.shape[1], inputs[1], None if window is None else np.shape(window)[0],
                                 frame_length)
    z = _complex(x)
    step = _scalar(inputs[1], "STFT: frame_step")
    starts = np.arange(frames) * step
    framed = z[:, starts[:, None] + np.arange(length)[None, :]]          # [batch, frames, length]
    if window is not None:
        framed = framed * np.asarray(window).astype(np.float64)
    if attrs["onesided"] and x.shape[-1] == 2:
        raise GraphError(INVALID_ARGUMENT_VALUE, "STFT: onesided=1 needs a real signal (last dim 1), not a complex one")
    spectrum = np.fft.fft(framed, axis=-1)
    if attrs["onesided"]:
        spectrum = spectrum[..., :length // 2 + 1]
    return _pairs(spectrum).astype(x.dtype)


def _mel_infer(ctx: InferContext):
    bins, length = ctx.value(0), ctx.value(1)
    shape = (-1 if length is None else _scalar(length, "MelWeightMatrix: dft_length") // 2 + 1,
             -1 if bins is None else _scalar(bins, "MelWeightMatrix: num_mel_bins"))
    return [desc(ctx.attrs["dtype"], shape)]


@register("MelWeightMatrix", attrs={"dtype": Attr("dtype", int(DataType.DT_FLOAT))}, infer=_mel_infer,
          category="signal")
def mel_weight_matrix(inputs, attrs):
    """MelWeightMatrix: (num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz) ->
    [dft_length // 2 + 1, num_mel_bins] triangular filters of peak 1, evenly spaced on the mel scale
    mel(f) = 2595 log10(1 + f / 700) (the bins of the band edges rounded down, as ONNX's reference)."""
    bins, length, rate = (_scalar(v, "MelWeightMatrix: " + what) for v, what in
                          zip(inputs[:3], ("num_mel_bins", "dft_length", "sample_rate")))
    lower, upper = (float(np.asarray(v).reshape(-1)[0]) for v in inputs[3:5])
    if bins <= 0 or length <= 0 or rate <= 0 or not 0 <= lower < upper:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"MelWeightMatrix: num_mel_bins {bins}, dft_length {length}, sample_rate "
                         f"{rate} and edges {lower}..{upper} Hz are not valid")
    mel = [2595 * np.log1p(f / 700) / np.log(10) for f in (lower, upper)]
    points = np.arange(bins + 2) * ((mel[1] - mel[0]) / (bins + 2)) + mel[0]
    edges = (((length + 1) * (700 * np.expm1(points / 2595 * np.log(10)))) // rate).astype(np.int64)
    rows = length // 2 + 1
    if edges[-1] > rows or np.max(edges[:-1]) >= rows or np.min(edges) < 0:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"MelWeightMatrix: the bands ({lower}..{upper} Hz at {rate} Hz) reach past the "
                         f"{rows} bins of a {length}-point DFT")
    out = np.zeros((rows, bins))
    for i in range(bins):
        low, center, high = edges[i:i + 3]
        if center == low:
            out[center, i] = 1
        else:
            out[low:center + 1, i] = (np.arange(low, center + 1) - low) / (center - low)
        if high > center:
            out[center:high, i] = (high - np.arange(center, high)) / (high - center)
    return out.astype(to_numpy(attrs["dtype"]))
