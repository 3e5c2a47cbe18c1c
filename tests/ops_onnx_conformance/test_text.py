"""RegexFullMatch patterns: RE2 syntax only, and none that Python's backtracking re could take exponential
time on (a model is untrusted input: a crafted pattern must not hang `omtool run`)."""
from __future__ import annotations

import numpy as np
import pytest

from converter.errors import ConverterError
from converter.ops.text import check_regex
from tests.helpers import convert_and_run, one_node_model, save


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)*b", r"(\w+\s?)*$", r"((ab)*)+", r"(x{1,3}){2,}",
                                     r"(a)\1", r"(?=a)a", r"(?<!b)a", r"(?P<x>a)(?P=x)", r"("])
def test_refused_patterns(pattern):
    assert check_regex(pattern) is not None


@pytest.mark.parametrize("pattern", [r"www\.[\w.-]+\.\bcom\b", r"(\W|^)[\w.\-]{0,25}@(yahoo|gmail)\.com(\W|$)",
                                     r"[(+*]+", r"\(a+\)+", r"(ab)+", r"(a|b)", r"(?:ab)?c*", r"[a-z]+(\d+)?"])
def test_accepted_patterns(pattern):
    assert check_regex(pattern) is None


def test_an_exponential_pattern_is_refused_at_conversion(tmp_path):
    x = np.array(["a" * 40 + "!"], object)
    path = save(one_node_model("RegexFullMatch", {"x": x}, {"pattern": "(a+)+$"}, opset=20), tmp_path)
    with pytest.raises(ConverterError) as info:
        convert_and_run(path, {"x": x})
    assert info.value.code == "E11009" and "exponential" in info.value.message
