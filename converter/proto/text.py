"""Protobuf text format read from untrusted files (Caffe .prototxt, TensorFlow text GraphDef, `--mode=5`
ModelDef text): the nesting depth is checked before parsing. text_format's parser (and every walk over the
parsed message: dumps, conversion) recurses once per level, so a few kilobytes of `layer { layer { ...`
would end in a RecursionError; the binary parser refuses such messages itself (its limit is 100 levels),
and so do we, with a ParseError that says where.
"""
from __future__ import annotations

import re
from itertools import accumulate

from google.protobuf import text_format

MAX_NESTING = 100   # message levels, as protobuf's binary parser allows

# what to step over (quoted strings, escapes included, and # comments), and what changes the depth
_SKIPPED = re.compile(r'"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?|#[^\n]*')
_NOT_BRACES = re.compile(r"[^{}<>]+")
_STEP = {"{": 1, "<": 1, "}": -1, ">": -1}


class NestingTooDeep(text_format.ParseError):
    """The text nests messages deeper than MAX_NESTING levels (a ParseError, so callers that report parse
    errors report this one too)."""


def check_nesting(text: str, limit: int = MAX_NESTING) -> None:
    """Raise NestingTooDeep when ``text`` opens more than ``limit`` messages (`{` or `<`) inside each other.
    About 0.1 s per MB of text (parsing it takes ten times that)."""
    if text.count("{") + text.count("<") <= limit:
        return
    braces = _NOT_BRACES.sub("", _SKIPPED.sub("", text))
    if max(accumulate(map(_STEP.__getitem__, braces)), default=0) <= limit:
        return
    skeleton = _SKIPPED.sub(lambda m: "\n" * m.group().count("\n"), text)  # same lines, for the message
    depth = 0
    for line, content in enumerate(skeleton.split("\n"), 1):
        for brace in _NOT_BRACES.sub("", content):
            depth += _STEP[brace]
            if depth > limit:
                raise NestingTooDeep(f"messages are nested more than {limit} levels deep (line {line})")


def parse_text(text: str, message, **kwargs):
    """``text_format.Parse`` after check_nesting; returns ``message``."""
    check_nesting(text)
    return text_format.Parse(text, message, **kwargs)
