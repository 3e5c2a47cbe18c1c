"""TF StridedSlice with every mask, lowered to Slice + Squeeze + Unsqueeze with constant inputs.

Each entry of begin/end/strides is one of: an ellipsis (ellipsis_mask), a new axis
(new_axis_mask), a single index that drops its dim (shrink_axis_mask) or a range. Entries before
the ellipsis address input dims from the front; entries after it from the back (negative axes),
so the input rank need not be known. Without an ellipsis there is an implicit one at the end.
"""
from __future__ import annotations

import numpy as np

from ..registry import NodeContext, tf_op
from ._util import INT64_MAX, INT64_MIN, int64


def _bits(mask: int, n: int) -> list:
    return [bool(mask >> i & 1) for i in range(n)]


class StridedSliceSpec:
    """The Slice/Squeeze/Unsqueeze plan for one StridedSlice."""

    def __init__(self, begin, end, strides, masks: dict):
        n = len(begin)
        begin_m, end_m, ellipsis_m, new_m, shrink_m = (_bits(masks[k], n) for k in
                                                       ("begin_mask", "end_mask", "ellipsis_mask",
                                                        "new_axis_mask", "shrink_axis_mask"))
        ellipsis = ellipsis_m.index(True) if any(ellipsis_m) else n
        self.starts, self.ends, self.axes, self.steps = [], [], [], []
        self.squeeze, self.unsqueeze = [], []
        # front part: input dims and output dims counted from 0
        in_dim = out_dim = 0
        for i in range(min(ellipsis, n)):
            in_dim, out_dim = self._entry(i, in_dim, out_dim, 1, begin, end, strides, begin_m, end_m,
                                          new_m[i], shrink_m[i])
        # back part: counted from the end (-1 is the last dim)
        in_dim = out_dim = -1
        for i in range(n - 1, ellipsis, -1):
            in_dim, out_dim = self._entry(i, in_dim, out_dim, -1, begin, end, strides, begin_m, end_m,
                                          new_m[i], shrink_m[i])

    def _entry(self, i, in_dim, out_dim, step, begin, end, strides, begin_m, end_m, new_axis, shrink):
        if new_axis:
            self.unsqueeze.append(out_dim)
            return in_dim, out_dim + step
        b, e, s = int(begin[i]), int(end[i]), int(strides[i])
        if shrink:
            if begin_m[i]:
                b = 0 if s > 0 else -1
            self._add(in_dim, b, INT64_MAX if b == -1 else b + 1, 1)
            self.squeeze.append(in_dim)
            return in_dim + step, out_dim
        if s == 0:
            raise ValueError("StridedSlice stride must not be 0")
        if begin_m[i]:
            b = 0 if s > 0 else INT64_MAX
        if end_m[i]:
            e = INT64_MAX if s > 0 else INT64_MIN
        if not (begin_m[i] and end_m[i] and s == 1):
            self._add(in_dim, b, e, s)
        return in_dim + step, out_dim + step

    def _add(self, axis, start, end, step):
        self.axes.append(axis)
        self.starts.append(start)
        self.ends.append(end)
        self.steps.append(step)


@tf_op("StridedSlice", inputs=4)
def strided_slice(ctx: NodeContext):
    """Constant bounds become Slice + Squeeze + Unsqueeze; run-time bounds keep the TF-semantics op."""
    masks = {k: int(ctx.attr(k, 0)) for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                              "shrink_axis_mask")}
    if any(ctx.value(i) is None for i in (1, 2, 3)):
        return ctx.op("StridedSlice", ctx.inputs[:4], masks)
    begin, end, strides = (np.asarray(ctx.value(i)).reshape(-1) for i in (1, 2, 3))
    if not len(begin) == len(end) == len(strides):
        raise ctx.fail(f"begin, end and strides hold {len(begin)}, {len(end)} and {len(strides)} values; they must "
                       "hold one per entry")
    try:
        spec = StridedSliceSpec(begin, end, strides, masks)
    except ValueError as exc:
        raise ctx.fail(str(exc)) from None
    stages = []
    if spec.axes:
        stages.append(("Slice", lambda ref, sfx: ctx.op(
            "Slice", [ref, ctx.const(int64(spec.starts), "starts"), ctx.const(int64(spec.ends), "ends"),
                      ctx.const(int64(spec.axes), "axes"), ctx.const(int64(spec.steps), "steps")], suffix=sfx)[0]))
    if spec.squeeze:
        stages.append(("Squeeze", lambda ref, sfx: ctx.op("Squeeze", [ref], {"axes": spec.squeeze}, suffix=sfx)[0]))
    if spec.unsqueeze:
        stages.append(("Unsqueeze", lambda ref, sfx: ctx.op("Unsqueeze", [ref], {"axes": spec.unsqueeze},
                                                            suffix=sfx)[0]))
    if not stages:
        return ctx.op("Identity", ctx.inputs[:1])
    ref = ctx.input(0)
    for i, (kind, build) in enumerate(stages):
        ref = build(ref, "" if i == len(stages) - 1 else kind.lower())
    return [ref]
