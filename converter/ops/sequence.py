"""Canonical ops: recurrent layers (LSTM, GRU, RNN) with ONNX semantics, computed in fp32 with a Python
loop over time steps; per-batch sequence_lens mask steps as onnxruntime does."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from . import blas
from .registry import Attr, InferContext, desc, register

UNKNOWN = -1


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(0.0, x).astype(x.dtype)


# name (lower case) -> (alpha default or None, beta default or None, fn(x, alpha, beta))
ACTIVATIONS = {
    "sigmoid": (None, None, lambda x, a, b: _sigmoid(x)),
    "tanh": (None, None, lambda x, a, b: np.tanh(x)),
    "relu": (None, None, lambda x, a, b: np.maximum(x, 0)),
    "affine": (1.0, 0.0, lambda x, a, b: a * x + b),
    "leakyrelu": (0.01, None, lambda x, a, b: np.where(x >= 0, x, a * x)),
    "thresholdedrelu": (1.0, None, lambda x, a, b: np.where(x > a, x, 0)),
    "scaledtanh": (1.0, 1.0, lambda x, a, b: a * np.tanh(b * x)),
    "hardsigmoid": (0.2, 0.5, lambda x, a, b: np.clip(a * x + b, 0, 1)),
    "elu": (1.0, None, lambda x, a, b: np.where(x >= 0, x, a * (np.exp(np.minimum(x, 0)) - 1))),
    "softsign": (None, None, lambda x, a, b: x / (1 + np.abs(x))),
    "softplus": (None, None, lambda x, a, b: _softplus(x)),
}

DIRECTIONS = {"forward": 1, "reverse": 1, "bidirectional": 2}


def activation_functions(attrs: dict, defaults: list, num_directions: int) -> list:
    """Per direction, the list of activation callables; alphas/betas are consumed in order by the
    functions that take them (onnxruntime's rule)."""
    names = attrs["activations"] or defaults * num_directions
    if len(names) == len(defaults) and num_directions == 2:
        names = names * 2
    alphas, betas = iter(attrs["activation_alpha"] or []), iter(attrs["activation_beta"] or [])
    funcs = []
    for name in names:
        key = name.lower()
        if key not in ACTIVATIONS:
            raise GraphError(INVALID_ARGUMENT_VALUE, f"recurrent activation '{name}' is not supported; use one of "
                             + ", ".join(sorted(ACTIVATIONS)))
        alpha_default, beta_default, fn = ACTIVATIONS[key]
        alpha = next(alphas, alpha_default) if alpha_default is not None else None
        beta = next(betas, beta_default) if beta_default is not None else None
        funcs.append(lambda x, fn=fn, a=alpha, b=beta: fn(x, a, b))
    n = len(defaults)
    return [funcs[d * n:(d + 1) * n] for d in range(num_directions)]


def _clipper(clip):
    if clip is None:
        return lambda x: x
    return lambda x: np.clip(x, -clip, clip)


def scan(xw, states: tuple, step, lens, reverse: bool):
    """Runs step over time: xw [T, N, G] input projections, states tuple of [N, H] arrays.

    Returns (Y [T, N, H] from states[0], final states). A batch entry b only advances for
    t < lens[b] (reverse direction: from lens[b]-1 down to 0); its later outputs are zero."""
    steps = xw.shape[0]
    ys = np.zeros((steps,) + states[0].shape, np.float32)
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        new = step(xw[t], states)
        if lens is None:
            states = new
            ys[t] = states[0]
            continue
        active = (t < lens)[:, None]
        states = tuple(np.where(active, n, s) for n, s in zip(new, states))
        ys[t] = np.where(active, states[0], 0)
    return ys, states


class _Inputs:
    """The optional inputs of a recurrent op, fp32, in time-major layout."""

    def __init__(self, inputs: list, attrs: dict, n_gates: int, n_states: int):
        full = list(inputs) + [None] * (8 - len(inputs))
        self.layout = attrs["layout"]
        x = np.asarray(full[0], np.float32)
        self.x = np.swapaxes(x, 0, 1) if self.layout else x
        self.w = np.asarray(full[1], np.float32)
        self.r = np.asarray(full[2], np.float32)
        self.dirs = self.w.shape[0]
        self.hidden = attrs["hidden_size"] or self.w.shape[1] // n_gates
        h = self.hidden
        self.b = (np.zeros((self.dirs, 2 * n_gates * h), np.float32) if full[3] is None
                  else np.asarray(full[3], np.float32))
        self.lens = None if full[4] is None else np.asarray(full[4]).astype(np.int64)
        batch = self.x.shape[1]
        self.initial = [self._state(full[5 + k], batch) for k in range(n_states)]
        self.p = None if full[7] is None else np.asarray(full[7], np.float32)

    def _state(self, value, batch):
        if value is None:
            return np.zeros((self.dirs, batch, self.hidden), np.float32)
        v = np.asarray(value, np.float32)
        return np.swapaxes(v, 0, 1) if self.layout else v

    def outputs(self, ys: list, finals: list, dtype) -> list:
        """Y [T, D, N, H] and final states [D, N, H] (layout 1: [N, T, D, H] and [N, D, H])."""
        y = np.stack(ys, axis=1)
        states = [np.stack(f, axis=0) for f in finals]
        if self.layout:
            y = y.transpose(2, 0, 1, 3)
            states = [np.swapaxes(s, 0, 1) for s in states]
        return [a.astype(dtype) for a in [y] + states]


def _is_reverse(attrs, d: int) -> bool:
    return attrs["direction"] == "reverse" or (attrs["direction"] == "bidirectional" and d == 1)


def _projection(x: np.ndarray, wt: np.ndarray) -> np.ndarray:
    """x (seq, batch, in) @ wt (in, gates) for all steps at once: one product (split over the kernel threads)."""
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty((rows.shape[0], wt.shape[1]), np.result_type(x, wt))
    return blas.matmul(rows, wt, out).reshape(*x.shape[:-1], wt.shape[1])


def _run(inputs, attrs, n_gates: int, n_states: int, defaults: list, make_step):
    """Shared driver: per direction, project X, build the step function and scan over time."""
    io = _Inputs(inputs, attrs, n_gates, n_states)
    acts = activation_functions(attrs, defaults, io.dirs)
    ys, finals = [], [[] for _ in range(n_states)]
    for d in range(io.dirs):
        wb, rb = np.split(io.b[d], 2)
        xw = _projection(io.x, io.w[d].T) + wb
        step = make_step(io, d, rb, acts[d], _clipper(attrs["clip"]), attrs)
        y, states = scan(xw, tuple(s[d] for s in io.initial), step, io.lens, _is_reverse(attrs, d))
        ys.append(y)
        for k in range(n_states):
            finals[k].append(states[k])
    return io.outputs(ys, finals, np.asarray(inputs[0]).dtype)


def _lstm_step(io, d, rb, acts, clip, attrs):
    f, g, h_act = acts
    r = io.r[d]
    pi, po, pf = np.split(io.p[d], 3) if io.p is not None else (0.0, 0.0, 0.0)
    coupled = attrs["input_forget"]

    def step(xw_t, states):
        h, c = states
        gi, go, gf, gc = np.split(xw_t + h @ r.T + rb, 4, axis=-1)
        i = f(clip(gi + pi * c))
        forget = 1.0 - i if coupled else f(clip(gf + pf * c))
        c_new = forget * c + i * g(clip(gc))
        o = f(clip(go + po * c_new))
        return o * h_act(c_new), c_new

    return step


def _gru_step(io, d, rb, acts, clip, attrs):
    f, g = acts
    h_size = io.hidden
    r_zr, r_h = io.r[d][:2 * h_size], io.r[d][2 * h_size:]
    rb_zr, rb_h = rb[:2 * h_size], rb[2 * h_size:]
    linear_before_reset = attrs["linear_before_reset"]

    def step(xw_t, states):
        (h,) = states
        xz, xr, xh = np.split(xw_t, 3, axis=-1)
        hz, hr = np.split(h @ r_zr.T + rb_zr, 2, axis=-1)
        z = f(clip(xz + hz))
        reset = f(clip(xr + hr))
        if linear_before_reset:
            cand = g(clip(xh + reset * (h @ r_h.T + rb_h)))
        else:
            cand = g(clip(xh + (reset * h) @ r_h.T + rb_h))
        return ((1.0 - z) * cand + z * h,)

    return step


def _rnn_step(io, d, rb, acts, clip, attrs):
    (f,) = acts
    r = io.r[d]

    def step(xw_t, states):
        return (f(clip(xw_t + states[0] @ r.T + rb)),)

    return step


def _recurrent_infer(n_gates: int, n_states: int):
    def infer(ctx: InferContext):
        x, w = ctx.shape(0), ctx.shape(1)
        dirs = DIRECTIONS.get(ctx.attrs["direction"], UNKNOWN)
        hidden = ctx.attrs["hidden_size"] or (w[1] // n_gates if w is not None and w[1] >= 0 else UNKNOWN)
        dt = ctx.dtype(0)
        if x is None:
            return [desc(dt, None)] * (1 + n_states)
        seq, batch = (x[1], x[0]) if ctx.attrs["layout"] else (x[0], x[1])
        if ctx.attrs["layout"]:
            return [desc(dt, (batch, seq, dirs, hidden))] + [desc(dt, (batch, dirs, hidden))] * n_states
        return [desc(dt, (seq, dirs, batch, hidden))] + [desc(dt, (dirs, batch, hidden))] * n_states

    return infer


def _attrs(**extra) -> dict:
    base = {
        "direction": Attr("str", "forward"), "hidden_size": Attr("int", 0),
        "activations": Attr("strs", []), "activation_alpha": Attr("floats", []),
        "activation_beta": Attr("floats", []), "clip": Attr("float", None), "layout": Attr("int", 0),
    }
    base.update(extra)
    return base


@register("LSTM", attrs=_attrs(input_forget=Attr("int", 0)), infer=_recurrent_infer(4, 2), category="sequence")
def lstm(inputs, attrs):
    """ONNX LSTM (X, W, R, B?, sequence_lens?, initial_h?, initial_c?, P?) -> Y, Y_h, Y_c; gates i,o,f,c."""
    return _run(inputs, attrs, 4, 2, ["Sigmoid", "Tanh", "Tanh"], _lstm_step)


@register("GRU", attrs=_attrs(linear_before_reset=Attr("int", 0)), infer=_recurrent_infer(3, 1),
          category="sequence")
def gru(inputs, attrs):
    """ONNX GRU (X, W, R, B?, sequence_lens?, initial_h?) -> Y, Y_h; gates z,r,h."""
    return _run(inputs, attrs, 3, 1, ["Sigmoid", "Tanh"], _gru_step)


@register("RNN", attrs=_attrs(), infer=_recurrent_infer(1, 1), category="sequence")
def rnn(inputs, attrs):
    """ONNX RNN (X, W, R, B?, sequence_lens?, initial_h?) -> Y, Y_h; H = f(X W^T + H R^T + b)."""
    return _run(inputs, attrs, 1, 1, ["Tanh"], _rnn_step)
