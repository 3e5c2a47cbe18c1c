"""Padding ops: PadV3 (pad, or crop with negative pads, by [begins..., ends...] with constant/reflect/edge/wrap
modes) and CenterCropPad."""
from __future__ import annotations

import numpy as np

from ...errors import INVALID_ARGUMENT_VALUE, GraphError
from ..registry import Attr, InferContext, desc, flat_ints, register

NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap",
               "symmetric": "symmetric"}


def full_rank_pads(paddings, rank: int, axes) -> tuple[list, list]:
    """(begins, ends) for every axis from [begins..., ends...] given for ``axes`` (all axes if empty)."""
    pads = [int(p) for p in np.asarray(paddings).reshape(-1)]
    axes = [int(a) % rank for a in axes] if axes else list(range(rank))
    if len(pads) != 2 * len(axes):
        raise GraphError(INVALID_ARGUMENT_VALUE, f"PadV3: {len(pads)} pad values for {len(axes)} axes; expected "
                         "[begins..., ends...] with 2 values per axis")
    begins, ends = [0] * rank, [0] * rank
    for i, axis in enumerate(axes):
        begins[axis], ends[axis] = pads[i], pads[len(axes) + i]
    return begins, ends


@register("PadV3", attrs={"mode": Attr("str", "constant", "constant | reflect | edge | wrap | symmetric"),
                          "axes": Attr("ints", [], "axes the paddings refer to; [] = all")},
          infer=lambda ctx: _pad_infer(ctx), category="nn", traits={"movement"}, const_inputs={3})
def pad_v3(inputs, attrs):
    """PadV3: (x, paddings [begins..., ends...], constant_value?, axes?) -> padded x (axes: the attribute, or
    constant input 3)."""
    x, paddings = inputs[0], inputs[1]
    value = inputs[2] if len(inputs) > 2 and inputs[2] is not None else None
    axes = flat_ints(inputs[3]) if len(inputs) > 3 and inputs[3] is not None else attrs["axes"]
    mode = NUMPY_MODES.get(attrs["mode"].lower())
    if mode is None:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"PadV3: mode '{attrs['mode']}' is not one of {sorted(NUMPY_MODES)}")
    begins, ends = full_rank_pads(paddings, x.ndim, axes)
    crop = tuple(slice(-b if b < 0 else 0, x.shape[i] + e if e < 0 else None)
                 for i, (b, e) in enumerate(zip(begins, ends)))
    x = x[crop]
    widths = [(max(b, 0), max(e, 0)) for b, e in zip(begins, ends)]
    if mode == "constant":
        fill = 0 if value is None or np.asarray(value).size == 0 else np.asarray(value).reshape(-1)[0]
        return np.pad(x, widths, mode="constant", constant_values=fill)
    return np.pad(x, widths, mode=mode)


def _pad_infer(ctx: InferContext):
    shape, paddings = ctx.shape(0), ctx.value(1)
    axes = ctx.attrs["axes"] if not ctx.has(3) else ctx.value(3)
    if shape is None:
        return [desc(ctx.dtype(0), None)]
    if paddings is None or axes is None:
        return [desc(ctx.dtype(0), (-1,) * len(shape))]
    begins, ends = full_rank_pads(paddings, len(shape), flat_ints(axes))
    return [desc(ctx.dtype(0), [d + b + e if d >= 0 else -1 for d, b, e in zip(shape, begins, ends)])]


def _crop_pad_shape(shape, target, axes) -> list:
    out = list(shape)
    for a, t in zip(axes or range(len(shape)), target):
        out[a % len(shape)] = int(t)
    return out


def _center_crop_pad_infer(ctx: InferContext):
    s, t = ctx.shape(0), ctx.value(1)
    if s is None:
        return [desc(ctx.dtype(0), None)]
    if t is None:
        axes = ctx.attrs["axes"] or range(len(s))
        return [desc(ctx.dtype(0), [-1 if (a % len(s)) in [b % len(s) for b in axes] else d
                                    for a, d in enumerate(s)])]
    return [desc(ctx.dtype(0), _crop_pad_shape(s, flat_ints(t), ctx.attrs["axes"]))]


@register("CenterCropPad", attrs={"axes": Attr("ints", [], "empty = all axes")}, infer=_center_crop_pad_infer,
          category="tensor")
def center_crop_pad(inputs, attrs):
    """CenterCropPad: (x, shape) -> x centre-cropped or zero-padded (extra on the end) to shape on axes."""
    x, target = np.asarray(inputs[0]), flat_ints(inputs[1])
    axes = [a % x.ndim for a in (attrs["axes"] or range(x.ndim))]
    crop, place = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for a, t in zip(axes, target):
        d = x.shape[a]
        if t < d:
            crop[a] = slice((d - t) // 2, (d - t) // 2 + t)
        elif t > d:
            place[a] = slice((t - d) // 2, (t - d) // 2 + d)
    out = np.zeros(_crop_pad_shape(x.shape, target, axes), x.dtype)
    out[tuple(place)] = x[tuple(crop)]
    return out
