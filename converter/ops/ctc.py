"""CTCGreedyDecoder: the best path through per-step class scores (speech and OCR models end in it), as
TensorFlow's kernel decodes it, with its sparse-tensor outputs."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, GraphError
from ..ir import DataType
from .registry import Attr, InferContext, desc, register


def _ctc_infer(ctx: InferContext):
    shape = ctx.shape(0)
    batch = shape[1] if shape is not None and len(shape) == 3 else -1
    return [desc(DataType.DT_INT64, (-1, 2)), desc(DataType.DT_INT64, (-1,)), desc(DataType.DT_INT64, (2,)),
            desc(ctx.dtype(0), (batch, 1))]


@register("CTCGreedyDecoder", attrs={"merge_repeated": Attr("bool", False), "blank_index": Attr("int", -1)},
          infer=_ctc_infer, category="sequence", traits={"no_fp16"})
def ctc_greedy_decoder(inputs, attrs):
    """CTCGreedyDecoder: (logits [time, batch, classes], sequence_length [batch]) -> the best path's labels as a
    sparse tensor (indices [n, 2], values [n], dense shape [batch, longest]) and -sum(max logit) per batch entry
    [batch, 1]: per step the first best class; blanks dropped, repeats merged when merge_repeated (TF's kernel)."""
    logits = np.asarray(inputs[0])
    lengths = np.asarray(inputs[1]).reshape(-1).astype(np.int64)
    if logits.ndim != 3 or lengths.shape[0] != logits.shape[1] or np.any(lengths < 0) \
            or np.any(lengths > logits.shape[0]):
        raise GraphError(INVALID_ARGUMENT_VALUE, "CTCGreedyDecoder: logits must be [time, batch, classes] and "
                         "each sequence_length within [0, time]")
    classes = logits.shape[2]
    blank = attrs["blank_index"] if attrs["blank_index"] >= 0 else classes - 1
    best = np.argmax(logits, axis=2)                                   # first maximum, as Eigen's maxCoeff
    peak = np.max(logits, axis=2)
    scores = np.zeros((logits.shape[1], 1), logits.dtype)
    indices, values, longest = [], [], 0
    for b, length in enumerate(lengths):
        previous, decoded = -1, []
        for t in range(int(length)):
            scores[b, 0] += -peak[t, b]
            label = int(best[t, b])
            if label != blank and not (attrs["merge_repeated"] and label == previous):
                decoded.append(label)
            previous = label
        indices += [(b, i) for i in range(len(decoded))]
        values += decoded
        longest = max(longest, len(decoded))
    return [np.array(indices, np.int64).reshape(-1, 2), np.array(values, np.int64),
            np.array([logits.shape[1], longest], np.int64), scores]
