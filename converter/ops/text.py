"""Text ops, ONNX semantics: StringConcat, StringSplit, RegexFullMatch and TfIdfVectorizer (n-gram counts of
int or string sequences). String tensors are numpy object arrays of str (DT_STRING)."""
from __future__ import annotations

import re

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, UNSUPPORTED_OP, GraphError
from ..ir import DataType
from .registry import Attr, InferContext, broadcast, desc, register


def _strings(x) -> np.ndarray:
    return np.asarray(x, dtype=object)


@register("StringConcat", infer=broadcast(out_dtype=DataType.DT_STRING), category="string")
def string_concat(inputs, attrs):
    """StringConcat: (x, y) -> x + y element by element (numpy broadcasting)."""
    x, y = np.broadcast_arrays(_strings(inputs[0]), _strings(inputs[1]))
    out = np.empty(x.shape, object)
    out.reshape(-1)[:] = [str(a) + str(b) for a, b in zip(x.reshape(-1), y.reshape(-1))]
    return out


def _split_infer(ctx: InferContext):
    shape = ctx.shape(0)
    return [desc(DataType.DT_STRING, None if shape is None else (*shape, -1)), desc(DataType.DT_INT64, shape)]


@register("StringSplit", attrs={"delimiter": Attr("str", "", "empty: runs of whitespace"),
                                "maxsplit": Attr("any", None, "int; at most this many splits (None: no limit)")},
          infer=_split_infer, category="string")
def string_split(inputs, attrs):
    """StringSplit: (x) -> (the substrings of each element along a new last axis, padded with "" to the
    longest, [..., n]; how many each has, int64): split at delimiter (empty: at runs of whitespace, leading
    and trailing whitespace dropped), at most maxsplit times."""
    x = _strings(inputs[0])
    sep = attrs["delimiter"] or None
    limit = -1 if attrs["maxsplit"] is None else int(attrs["maxsplit"])
    parts = [str(s).split(sep, limit) for s in x.reshape(-1)]
    counts = np.array([len(p) for p in parts], np.int64).reshape(x.shape)
    width = max((len(p) for p in parts), default=0)
    out = np.full((len(parts), width), "", object)
    for i, p in enumerate(parts):
        out[i, :len(p)] = p
    return [out.reshape(*x.shape, width), counts]


# Python's re backtracks: a repeated group that itself repeats or alternates can take exponential time on a
# crafted string. RE2 (the syntax ONNX specifies) runs in linear time and has no back-references or lookaround.
_NOT_RE2 = re.compile(r"\\[1-9]|\(\?(?:=|!|<=|<!|P=|\()")


def _nested_repeat(pattern: str) -> bool:
    """True when a group holding a quantifier or an alternation is itself repeated (``(a+)+``, ``(a|ab)*``)."""
    groups: list = []      # per open group: does it hold a quantifier or '|'?
    closed_risky = False   # the atom just closed is such a group
    i = 0
    while i < len(pattern):
        c = pattern[i]
        repeat = c in "*+" or (c == "{" and re.match(r"\{\d*,?\d*\}", pattern[i:]) is not None)
        if repeat and closed_risky:
            return True
        closed_risky = False
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1 + (pattern[i + 1:i + 2] == "^")
            j += pattern[j:j + 1] == "]"
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            groups.append(False)
        elif c == ")" and groups:
            closed_risky = groups.pop()
            if groups and closed_risky:
                groups[-1] = True
        elif (repeat or c == "|") and groups:
            groups[-1] = True
        i += 1
    return False


def check_regex(pattern: str) -> str | None:
    """Why ``pattern`` is refused (None when it is accepted): not RE2, invalid, or exponential to match."""
    if _NOT_RE2.search(pattern):
        return "back-references and lookaround are not RE2 syntax"
    if _nested_repeat(pattern):
        return "a repeated group that itself repeats or alternates can take exponential time to match here"
    try:
        re.compile(pattern, re.ASCII)
    except re.error as exc:
        return f"it is not a valid regular expression ({exc})"
    return None


@register("RegexFullMatch", attrs={"pattern": Attr("str")},
          infer=lambda ctx: [desc(DataType.DT_BOOL, ctx.shape(0))], category="string")
def regex_full_match(inputs, attrs):
    """RegexFullMatch: (x) -> whether each string matches pattern as a whole (RE2 syntax; \\w, \\d, \\s and
    \\b are ASCII classes, as in RE2)."""
    why = check_regex(attrs["pattern"])
    if why:
        raise GraphError(UNSUPPORTED_OP, f"RegexFullMatch: pattern {attrs['pattern']!r} is refused: {why}")
    regex = re.compile(attrs["pattern"], re.ASCII)
    x = _strings(inputs[0])
    return np.array([regex.fullmatch(str(s)) is not None for s in x.reshape(-1)], bool).reshape(x.shape)


# ---- TfIdfVectorizer ---------------------------------------------------------------------------

MODES = ("TF", "IDF", "TFIDF")


def _pool_ngrams(attrs: dict) -> dict:
    """n-gram (tuple) -> its position in the pool, for the pool's n-grams of min..max_gram_length items."""
    pool = list(attrs["pool_strings"]) or [int(v) for v in attrs["pool_int64s"]]
    counts = list(attrs["ngram_counts"]) + [len(pool)]
    found, position = {}, 0
    for size, (begin, end) in enumerate(zip(counts, counts[1:]), start=1):
        for k in range(begin, end - size + 1, size):
            if attrs["min_gram_length"] <= size <= attrs["max_gram_length"]:
                found[tuple(pool[k:k + size])] = position
            position += 1
    return found


def _tfidf_infer(ctx: InferContext):
    width = max(ctx.attrs["ngram_indexes"]) + 1 if ctx.attrs["ngram_indexes"] else 0
    shape = ctx.shape(0)
    out = None if shape is None else ((width,) if len(shape) <= 1 else (shape[0], width))
    return [desc(DataType.DT_FLOAT, out)]


@register("TfIdfVectorizer", attrs={
    "max_gram_length": Attr("int"), "min_gram_length": Attr("int"), "max_skip_count": Attr("int"),
    "mode": Attr("str", doc=" | ".join(MODES)), "ngram_counts": Attr("ints"), "ngram_indexes": Attr("ints"),
    "pool_int64s": Attr("ints", []), "pool_strings": Attr("strs", []), "weights": Attr("floats", [])},
    infer=_tfidf_infer, category="string")
def tfidf_vectorizer(inputs, attrs):
    """TfIdfVectorizer: (x [C] or [N, C] of ints or strings) -> float32 [out] or [N, out]: for each pool
    n-gram (min..max_gram_length items, taken every 1..max_skip_count + 1 items; unigrams once), its count
    (TF), 1 or its weight when present (IDF) or weight * count (TFIDF), at the n-gram's ngram_indexes slot."""
    x = np.asarray(inputs[0])
    if x.ndim > 2 or attrs["mode"] not in MODES:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"TfIdfVectorizer: input {list(x.shape)} (it must be [C] or "
                         f"[N, C]) or mode {attrs['mode']!r} is not valid")
    grams, slots = _pool_ngrams(attrs), list(attrs["ngram_indexes"])
    rows = x.reshape(1, -1) if x.ndim < 2 else x
    width = max(slots) + 1 if slots else 0
    freq = np.zeros((rows.shape[0], width), np.int64)
    lo, hi = attrs["min_gram_length"], attrs["max_gram_length"]
    for r, row in enumerate(rows):
        items = [str(v) if x.dtype.kind in "OUS" else int(v) for v in row]
        for skip in range(1, attrs["max_skip_count"] + 2):
            for start in range(len(items)):
                for size in range(max(lo, 1 if skip == 1 else 2), hi + 1):
                    last = start + (size - 1) * skip
                    if last >= len(items):
                        break
                    position = grams.get(tuple(items[start:last + 1:skip]))
                    if position is not None:
                        freq[r, slots[position]] += 1
            if max(lo, 1) == 1 and hi < 2:
                break
    weights = np.asarray(attrs["weights"], np.float32)
    mode = attrs["mode"]
    if mode == "TF" or (mode == "TFIDF" and weights.size == 0):
        out = freq.astype(np.float32)
    elif mode == "IDF":
        out = np.where(freq > 0, weights if weights.size else np.float32(1), np.float32(0)).astype(np.float32)
    else:
        out = (weights * freq).astype(np.float32)
    return out if x.ndim == 2 else out.reshape(width)
