"""ONNX emitters: text ops (StringConcat, StringSplit, RegexFullMatch, TfIdfVectorizer), one to one."""
from __future__ import annotations

from ..registry import Emit, emits


@emits("StringConcat")
def string_concat(e: Emit):
    e.out("StringConcat", e.inputs[:2])


@emits("StringSplit")
def string_split(e: Emit):
    maxsplit = e.attrs["maxsplit"]
    e.out("StringSplit", e.inputs[:1], delimiter=str(e.attrs["delimiter"]) or None,
          maxsplit=None if maxsplit is None else int(maxsplit))


@emits("RegexFullMatch")
def regex_full_match(e: Emit):
    e.out("RegexFullMatch", e.inputs[:1], pattern=str(e.attrs["pattern"]))


@emits("TfIdfVectorizer")
def tfidf_vectorizer(e: Emit):
    a = e.attrs
    e.out("TfIdfVectorizer", e.inputs[:1], max_gram_length=int(a["max_gram_length"]),
          min_gram_length=int(a["min_gram_length"]), max_skip_count=int(a["max_skip_count"]), mode=str(a["mode"]),
          ngram_counts=list(a["ngram_counts"]), ngram_indexes=list(a["ngram_indexes"]),
          pool_int64s=list(a["pool_int64s"]) or None, pool_strings=list(a["pool_strings"]) or None,
          weights=list(a["weights"]) or None)
