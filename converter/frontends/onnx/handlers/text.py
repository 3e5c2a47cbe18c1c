"""ONNX handlers: text ops (StringConcat, StringSplit, RegexFullMatch, TfIdfVectorizer); StringNormalizer is
with the sequence ops in control."""
from __future__ import annotations

from ....ops.text import MODES, check_regex
from ..registry import NodeContext, onnx_op


@onnx_op("StringConcat", since=20)
def string_concat(ctx: NodeContext):
    return ctx.op("StringConcat", ctx.inputs[:2])


@onnx_op("StringSplit", since=20)
def string_split(ctx: NodeContext):
    maxsplit = ctx.attr("maxsplit")
    if maxsplit is not None and int(maxsplit) < 0:
        raise ctx.fail(f"maxsplit={maxsplit} is negative")
    attrs = {"delimiter": str(ctx.attr("delimiter", "")), "maxsplit": None if maxsplit is None else int(maxsplit)}
    return ctx.op_all_outputs("StringSplit", ctx.inputs[:1], attrs, 2)


@onnx_op("RegexFullMatch", since=20)
def regex_full_match(ctx: NodeContext):
    """Patterns Python's re could match in exponential time, or that RE2 does not accept, are refused."""
    pattern = str(ctx.require_attr("pattern"))
    why = check_regex(pattern)
    if why:
        raise ctx.unsupported(f"pattern {pattern!r} is refused: {why}")
    return ctx.op("RegexFullMatch", ctx.inputs[:1], {"pattern": pattern})


@onnx_op("TfIdfVectorizer", since=9)
def tfidf_vectorizer(ctx: NodeContext):
    ints, strings = list(ctx.attr("pool_int64s", [])), list(ctx.attr("pool_strings", []))
    if bool(ints) == bool(strings):
        raise ctx.fail("exactly one of pool_int64s and pool_strings must be given")
    attrs = {k: int(ctx.require_attr(k)) for k in ("max_gram_length", "min_gram_length", "max_skip_count")}
    counts, indexes = ([int(v) for v in ctx.require_attr(k)] for k in ("ngram_counts", "ngram_indexes"))
    weights = [float(v) for v in ctx.attr("weights", [])]
    pool = len(ints or strings)
    ngrams = sum((end - begin) // size for size, (begin, end) in enumerate(zip(counts, counts[1:] + [pool]), 1))
    bounds = zip(counts, counts[1:] + [pool])
    if not 1 <= attrs["min_gram_length"] <= attrs["max_gram_length"] or attrs["max_skip_count"] < 0 or \
            any(b < a for a, b in bounds) or len(indexes) != ngrams or min(indexes, default=0) < 0:
        raise ctx.fail(f"the n-gram attributes do not fit: {ngrams} pool n-grams, {len(indexes)} ngram_indexes, "
                       f"ngram_counts {counts}, gram lengths {attrs['min_gram_length']}..{attrs['max_gram_length']}")
    if weights and len(weights) != max(indexes) + 1:
        raise ctx.fail(f"{len(weights)} weights for {max(indexes) + 1} outputs")
    attrs.update(mode=ctx.choice("mode", {m: m for m in MODES}), ngram_counts=counts, ngram_indexes=indexes,
                 pool_int64s=[int(v) for v in ints], pool_strings=[s.decode() if isinstance(s, bytes) else str(s)
                                                                   for s in strings], weights=weights)
    return ctx.op("TfIdfVectorizer", ctx.inputs[:1], attrs)
