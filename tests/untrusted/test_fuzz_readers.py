"""The reader fuzzer in CI: a few hundred seeded cases over every target (ONNX, Caffe, TF pb and text, .om,
.air, option files) give only E-codes and leave no file behind; and the fuzzer itself reports what it must
(a traceback, an E19999, a file left behind) with the command that reproduces it.
The full run (10,000 cases and more) is `python tools/fuzz_readers.py --seed S --count N`."""
from __future__ import annotations

import pytest

from converter.errors import INTERNAL_ERROR, INVALID_ARGUMENT_VALUE, ConverterError
from tools.fuzz import targets
from tools.fuzz_readers import TARGET_NAMES, Fuzzer, summary

CI_SEED, CI_CASES = 7, 300


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory):
    f = Fuzzer(CI_SEED, work=str(tmp_path_factory.mktemp("fuzz")))
    yield f
    f.close()


def test_a_few_hundred_mutated_inputs_give_only_e_codes(fuzzer):
    report = fuzzer.run(CI_CASES)
    assert len(report.outcomes) == CI_CASES
    assert {o.target for o in report.outcomes} == set(TARGET_NAMES)
    assert report.failures == [], summary(report)


def test_cases_are_reproducible(fuzzer):
    first = [fuzzer.case(i) for i in (3, 10, 11)]
    again = [fuzzer.case(i) for i in (3, 10, 11)]
    assert [(o.seed_name, o.result, o.detail) for o in first] == [(o.seed_name, o.result, o.detail) for o in again]


def _broken_action(kind):
    def action(seed, rng, inp, out):
        def run():
            if kind == "traceback":
                raise KeyError("a bug")
            if kind == "E19999":
                raise ConverterError(INTERNAL_ERROR, "a bug")
            with open(f"{out}/partial.om", "wb") as f:  # a failure that leaves a file behind
                f.write(b"x")
            raise ConverterError(INVALID_ARGUMENT_VALUE, "refused")
        return run
    return action


@pytest.mark.parametrize("kind,expected,counted", [("traceback", "KeyError", "traceback: 1"),
                                                   ("E19999", "E19999", "E19999: 1"),
                                                   ("leftover", "files left behind", "files left behind: 1")])
def test_the_fuzzer_reports_what_it_must(fuzzer, monkeypatch, kind, expected, counted):
    target = fuzzer.targets[0]
    monkeypatch.setattr(target, "action", _broken_action(kind))
    outcome = fuzzer.case(0)
    assert outcome.result == "FAIL" and expected in outcome.detail
    report = fuzzer.run(1)
    text = summary(report)
    assert f"--seed {CI_SEED} --case 0 --verbose" in text and counted in text


def test_mutators_change_their_input():
    import random
    rng = random.Random(0)
    seed = b'layer { name: "a" type: "ReLU" bottom: "x" top: "y" }\n'
    assert {targets.mutate_file("n.prototxt", seed, rng) for _ in range(20)} - {seed}
