"""Canonical ops: detection family (SSD PriorBox, DetectionOutput, Normalize) and the Caffe-born ops
with GE names that have no ONNX twin (Power, Crop, Interp, Upsample). Semantics follow Caffe's layers."""
from __future__ import annotations

import math

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from .registry import FLOAT, Attr, InferContext, desc, register, same_as_input


def _f32(x) -> np.ndarray:
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype != np.float64 else x


# ---- elementwise-like ---------------------------------------------------------------------------

@register("Power", attrs={"power": Attr("float", 1.0), "scale": Attr("float", 1.0), "shift": Attr("float", 0.0)},
          infer=same_as_input(), category="detection")
def power(inputs, attrs):
    """Power: (x) -> (shift + scale * x) ^ power (Caffe Power layer)."""
    x = np.asarray(inputs[0])
    with np.errstate(all="ignore"):
        y = _f32(x) * np.float32(attrs["scale"]) + np.float32(attrs["shift"])
        if attrs["power"] != 1.0:
            y = np.power(y, np.float32(attrs["power"]))
    return y.astype(x.dtype, copy=False)


def _crop_infer(ctx: InferContext):
    s, ref = ctx.shape(0), ctx.shape(1)
    if s is None or ref is None:
        return [desc(ctx.dtype(0), None)]
    axis = ctx.attrs["axis"] % len(s)
    return [desc(ctx.dtype(0), tuple(s[:axis]) + tuple(ref[axis:]))]


@register("Crop", attrs={"axis": Attr("int", 2), "offsets": Attr("ints", [])}, infer=_crop_infer,
          category="detection")
def crop(inputs, attrs):
    """Crop: (x, reference) -> x cut to reference's dims from axis on, starting at offsets (one for all
    cropped axes or one each; default 0) -- Caffe Crop layer."""
    x, ref = np.asarray(inputs[0]), inputs[1]
    axis = attrs["axis"] % x.ndim
    offsets = list(attrs["offsets"]) or [0]
    index = [slice(None)] * x.ndim
    for i, a in enumerate(range(axis, x.ndim)):
        off = offsets[i] if len(offsets) > 1 else offsets[0]
        index[a] = slice(off, off + ref.shape[a])
    return x[tuple(index)]


# ---- Normalize (SSD L2 normalisation with a learned scale) --------------------------------------

@register("Normalize", attrs={"across_spatial": Attr("bool", True), "channel_shared": Attr("bool", True),
                              "eps": Attr("float", 1e-10)}, infer=same_as_input(), category="detection",
          traits={"keep_fp32_mix"})
def normalize(inputs, attrs):
    """Normalize: (x NCHW, scale) -> x / sqrt(sum x^2 + eps) * scale; the sum runs over C,H,W per image
    (across_spatial) or over C per position; scale is one value (channel_shared) or one per channel."""
    x = np.asarray(inputs[0])
    xf = _f32(x)
    axes = tuple(range(1, x.ndim)) if attrs["across_spatial"] else (1,)
    norm = np.sqrt(np.sum(xf * xf, axis=axes, keepdims=True) + np.float32(attrs["eps"]))
    scale = _f32(inputs[1]).reshape(-1)
    if not attrs["channel_shared"] and scale.size > 1:
        scale = scale.reshape((1, -1) + (1,) * (x.ndim - 2))
    else:
        scale = scale[0]
    return (xf / norm * scale).astype(x.dtype, copy=False)


# ---- resizing -----------------------------------------------------------------------------------

def _nchw_shape(ctx: InferContext):
    """The input's shape, which must be 4-D (NCHW) when known (E10001 otherwise)."""
    s = ctx.shape(0)
    if s is not None and len(s) != 4:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"{ctx.op.type} needs a 4-D (NCHW) input; it has rank {len(s)}")
    return s


def _interp_infer(ctx: InferContext):
    s = _nchw_shape(ctx)
    if s is None:
        return [desc(ctx.dtype(0), None)]
    return [desc(ctx.dtype(0), tuple(s[:2]) + (ctx.attrs["height"], ctx.attrs["width"]))]


def _linear_taps(n_in: int, n_out: int):
    """Source indices and weights of align-corners linear interpolation along one axis."""
    ratio = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    pos = np.arange(n_out, dtype=np.float64) * ratio
    lo = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (pos - lo).astype(np.float32)


@register("Interp", attrs={"height": Attr("int"), "width": Attr("int"), "pad_beg": Attr("int", 0),
                           "pad_end": Attr("int", 0)}, infer=_interp_infer, category="detection")
def interp(inputs, attrs):
    """Interp: (x NCHW) -> bilinear resize to (height, width) with aligned corners, after cropping
    pad_beg/-pad_end from the input edges (Caffe Interp layer of DeepLab/PSPNet)."""
    x = np.asarray(inputs[0])
    xf = _f32(x)
    b, e = attrs["pad_beg"], attrs["pad_end"]
    if b or e:
        xf = xf[:, :, -b if b < 0 else 0: xf.shape[2] + e if e < 0 else None,
                -b if b < 0 else 0: xf.shape[3] + e if e < 0 else None]
    h0, h1, wh = _linear_taps(xf.shape[2], attrs["height"])
    w0, w1, ww = _linear_taps(xf.shape[3], attrs["width"])
    rows = xf[:, :, h0, :] * (1 - wh)[:, None] + xf[:, :, h1, :] * wh[:, None]
    y = rows[:, :, :, w0] * (1 - ww) + rows[:, :, :, w1] * ww
    return y.astype(x.dtype, copy=False)


def _upsample_infer(ctx: InferContext):
    s = _nchw_shape(ctx)
    if s is None:
        return [desc(ctx.dtype(0), None)]
    return [desc(ctx.dtype(0), (s[0], s[1], s[2] * ctx.attrs["stride_h"], s[3] * ctx.attrs["stride_w"]))]


@register("Upsample", attrs={"stride_h": Attr("int", 2), "stride_w": Attr("int", 2), "scale": Attr("float", 1.0)},
          infer=_upsample_infer, category="detection")
def upsample(inputs, attrs):
    """Upsample: (x NCHW) -> nearest-neighbour repeat by stride_h x stride_w, times scale (GE Upsample)."""
    x = np.asarray(inputs[0])
    y = np.repeat(np.repeat(x, attrs["stride_h"], axis=2), attrs["stride_w"], axis=3)
    if attrs["scale"] != 1.0:
        y = (_f32(y) * np.float32(attrs["scale"])).astype(x.dtype, copy=False)
    return y


# ---- PriorBox -----------------------------------------------------------------------------------

def expand_aspect_ratios(ratios, flip: bool) -> list:
    """Caffe's list: 1 first, then each new ratio (and 1/ratio when flip), duplicates dropped."""
    out = [1.0]
    for r in ratios:
        if any(abs(r - o) < 1e-6 for o in out):
            continue
        out.append(float(r))
        if flip:
            out.append(1.0 / float(r))
    return out


def num_priors(attrs: dict) -> int:
    return len(attrs["aspect_ratios"]) * len(attrs["min_sizes"]) + len(attrs["max_sizes"])


def _prior_box_infer(ctx: InferContext):
    s = ctx.shape(0)
    if s is None:
        return [desc(FLOAT, None)]
    return [desc(FLOAT, (1, 2, s[2] * s[3] * num_priors(ctx.attrs) * 4))]


PRIOR_BOX_ATTRS = {
    "min_sizes": Attr("floats"), "max_sizes": Attr("floats", []),
    "aspect_ratios": Attr("floats", [1.0], "already expanded: 1 first, flipped ratios included"),
    "clip": Attr("bool", False), "variance": Attr("floats", [0.1]),
    "img_h": Attr("int", 0, "0 = the height of input 1"), "img_w": Attr("int", 0),
    "step_h": Attr("float", 0.0, "0 = img_h / feature height"), "step_w": Attr("float", 0.0),
    "offset": Attr("float", 0.5),
}


@register("PriorBox", attrs=PRIOR_BOX_ATTRS, infer=_prior_box_infer, category="detection", traits={"no_fp16"})
def prior_box(inputs, attrs):
    """PriorBox: (feature NCHW, image NCHW) -> [1, 2, H*W*num_priors*4]: normalised corner boxes per
    feature cell (min size, sqrt(min*max) size, then the other aspect ratios), then their variances.
    Sizes are truncated to integers as the SSD Caffe layer does."""
    feat, img = inputs[0], inputs[1]
    layer_h, layer_w = feat.shape[2], feat.shape[3]
    img_h = attrs["img_h"] or img.shape[2]
    img_w = attrs["img_w"] or img.shape[3]
    step_h = attrs["step_h"] or img_h / layer_h
    step_w = attrs["step_w"] or img_w / layer_w
    sizes = []   # (box width, box height) per prior, in Caffe's order
    for s, min_size in enumerate(attrs["min_sizes"]):
        m = float(int(min_size))
        sizes.append((m, m))
        if attrs["max_sizes"]:
            side = math.sqrt(m * float(int(attrs["max_sizes"][s])))
            sizes.append((side, side))
        for ar in attrs["aspect_ratios"]:
            if abs(ar - 1.0) < 1e-6:
                continue
            sizes.append((m * math.sqrt(ar), m / math.sqrt(ar)))
    wh = np.asarray(sizes, np.float64)                                           # [P, 2]
    cy, cx = np.meshgrid((np.arange(layer_h) + attrs["offset"]) * step_h,
                         (np.arange(layer_w) + attrs["offset"]) * step_w, indexing="ij")
    cx, cy = cx.reshape(-1, 1), cy.reshape(-1, 1)                               # [H*W, 1]
    boxes = np.stack([(cx - wh[:, 0] / 2) / img_w, (cy - wh[:, 1] / 2) / img_h,
                      (cx + wh[:, 0] / 2) / img_w, (cy + wh[:, 1] / 2) / img_h], axis=-1)
    boxes = boxes.astype(np.float32).reshape(-1)
    if attrs["clip"]:
        boxes = np.clip(boxes, 0.0, 1.0)
    variance = list(attrs["variance"]) or [0.1]
    var = np.resize(np.asarray(variance if len(variance) == 4 else variance[:1] * 4, np.float32), boxes.size)
    return np.stack([boxes, var]).reshape(1, 2, -1)


# ---- DetectionOutput ----------------------------------------------------------------------------

CODE_TYPES = {"CORNER": 1, "CENTER_SIZE": 2, "CORNER_SIZE": 3}


def decode_boxes(prior: np.ndarray, var: np.ndarray, loc: np.ndarray, code_type: str,
                 variance_in_target: bool) -> np.ndarray:
    """Decode loc offsets [P, 4] against priors [P, 4] (xmin, ymin, xmax, ymax) as Caffe's DecodeBBox."""
    v = np.ones_like(var) if variance_in_target else var
    pw, ph = prior[:, 2] - prior[:, 0], prior[:, 3] - prior[:, 1]
    if code_type == "CORNER":
        return prior + v * loc
    if code_type == "CORNER_SIZE":
        size = np.stack([pw, ph, pw, ph], axis=1)
        return prior + v * loc * size
    pcx, pcy = (prior[:, 0] + prior[:, 2]) / 2, (prior[:, 1] + prior[:, 3]) / 2
    cx = v[:, 0] * loc[:, 0] * pw + pcx
    cy = v[:, 1] * loc[:, 1] * ph + pcy
    w = np.exp(v[:, 2] * loc[:, 2]) * pw
    h = np.exp(v[:, 3] * loc[:, 3]) * ph
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


def _area(b: np.ndarray) -> np.ndarray:
    w, h = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]
    return np.where((w < 0) | (h < 0), 0.0, w * h)


def jaccard(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one normalised box with many (0 when they do not overlap)."""
    ix0, iy0 = np.maximum(box[0], others[:, 0]), np.maximum(box[1], others[:, 1])
    ix1, iy1 = np.minimum(box[2], others[:, 2]), np.minimum(box[3], others[:, 3])
    inter = np.where((ix1 < ix0) | (iy1 < iy0), 0.0, (ix1 - ix0) * (iy1 - iy0))
    union = _area(box) + _area(others) - inter
    return np.where(inter > 0, inter / np.where(union > 0, union, 1), 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, nms_threshold: float, top_k: int,
        eta: float = 1.0) -> list:
    """Caffe's ApplyNMSFast: indices kept, highest score first."""
    order = [i for i in np.argsort(-scores, kind="stable") if scores[i] > threshold]
    if top_k > -1:
        order = order[:top_k]
    kept: list = []
    adaptive = nms_threshold
    for i in order:
        if kept and np.any(jaccard(boxes[i], boxes[kept]) > adaptive):
            continue
        kept.append(i)
        if eta < 1 and adaptive > 0.5:
            adaptive *= eta
    return kept


DETECTION_OUTPUT_ATTRS = {
    "num_classes": Attr("int"), "share_location": Attr("bool", True), "background_label_id": Attr("int", 0),
    "nms_threshold": Attr("float", 0.3), "top_k": Attr("int", -1), "eta": Attr("float", 1.0),
    "code_type": Attr("str", "CORNER", "CORNER | CENTER_SIZE | CORNER_SIZE"),
    "variance_encoded_in_target": Attr("bool", False), "keep_top_k": Attr("int", -1),
    "confidence_threshold": Attr("float", -math.inf),
}


def _detect_one(loc, conf, prior, var, attrs) -> list:
    """Rows (label, score, box) for one image, in Caffe's order (label ascending, score descending)."""
    n_cls = attrs["num_classes"]
    n_prior = prior.shape[0]
    loc_classes = 1 if attrs["share_location"] else n_cls
    loc = loc.reshape(n_prior, loc_classes, 4)
    conf = conf.reshape(n_prior, n_cls)
    decoded = {}
    for c in range(loc_classes):
        if not attrs["share_location"] and c == attrs["background_label_id"]:
            continue
        decoded[c] = decode_boxes(prior, var, loc[:, c, :], attrs["code_type"],
                                  attrs["variance_encoded_in_target"])
    picks = []   # (score, label, prior index)
    for c in range(n_cls):
        if c == attrs["background_label_id"]:
            continue
        boxes = decoded[0 if attrs["share_location"] else c]
        for i in nms(boxes, conf[:, c], attrs["confidence_threshold"], attrs["nms_threshold"],
                     attrs["top_k"], attrs["eta"]):
            picks.append((float(conf[i, c]), c, i))
    if attrs["keep_top_k"] > -1 and len(picks) > attrs["keep_top_k"]:
        order = sorted(range(len(picks)), key=lambda k: -picks[k][0])[:attrs["keep_top_k"]]
        picks = [picks[k] for k in order]
    picks.sort(key=lambda p: (p[1], -p[0]))
    return [(c, s, decoded[0 if attrs["share_location"] else c][i]) for s, c, i in picks]


@register("DetectionOutput", attrs=DETECTION_OUTPUT_ATTRS, category="detection", traits={"no_fp16"},
          infer=lambda ctx: [desc(FLOAT, (1, 1, -1, 7))])
def detection_output(inputs, attrs):
    """DetectionOutput: (loc [N, P*4*L], conf [N, P*C], priors [1|N, 2, P*4]) -> [1, 1, K, 7] rows of
    (image, label, score, xmin, ymin, xmax, ymax): decoded boxes, per-class NMS, keep_top_k per image
    (SSD Caffe layer). With no detection at all, one row of -1 per image (image id kept)."""
    loc, conf, priors = _f32(inputs[0]), _f32(inputs[1]), _f32(inputs[2])
    n = loc.shape[0]
    prior_boxes = priors.reshape(priors.shape[0], 2, -1, 4)
    rows = []
    for img in range(n):
        p = prior_boxes[img if prior_boxes.shape[0] > 1 else 0]
        for label, score, box in _detect_one(loc[img].reshape(-1), conf[img].reshape(-1), p[0], p[1], attrs):
            rows.append([img, label, score, *box])
    if not rows:
        out = np.full((n, 7), -1.0, np.float32)
        out[:, 0] = np.arange(n)
        return out.reshape(1, 1, n, 7)
    return np.asarray(rows, np.float32).reshape(1, 1, len(rows), 7)
