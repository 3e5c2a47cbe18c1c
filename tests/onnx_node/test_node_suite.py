"""The ONNX backend node suite (every case of onnx.backend.test.case.node.collect_testcases() of the installed
wheel): converted with force_fp32 and the test inputs' shapes, run by our runtime, compared at the backend's
tolerance (tools/onnx_node_suite.py). A mismatch or a crash fails; a refusal must be an E-coded one listed in
expected_refusals.py."""
from __future__ import annotations

import fnmatch

import pytest

from tools.onnx_node_suite import run_ours

from .conftest import node_cases
from .expected_refusals import EXPECTED_REFUSALS, REFERENCE_ROUNDING

_USED: dict = {}  # entry index -> a case that used it
_RAN: set = set()


def _entry_for(result):
    for k, (pattern, code, text, _why) in enumerate(EXPECTED_REFUSALS):
        if fnmatch.fnmatchcase(result.name, pattern) and result.code == code and text in result.detail:
            return k
    return None


def test_node_case(node_case_name, node_workdir):
    case = node_cases()[node_case_name]
    result = run_ours(case, node_workdir)
    _RAN.add(node_case_name)
    where = f"{result.code} {result.stage}: {result.detail}"
    assert result.status != "crash", f"crash: {where}"
    if node_case_name in REFERENCE_ROUNDING:
        assert result.status == "pass" or (result.status == "mismatch" and result.ulps is not None
                                           and result.ulps <= 2), f"more than rounding: {where} ({result.ulps} ulps)"
        return
    assert result.status != "mismatch", f"wrong output: {where}"
    if result.status == "refused":
        entry = _entry_for(result)
        assert entry is not None, f"refused without an entry in expected_refusals.py: {where}"
        _USED.setdefault(entry, node_case_name)


def test_no_stale_expected_refusal():
    """Every entry is used by a refused case (checked when the whole suite ran in this session)."""
    if len(_RAN) < len(node_cases()):
        pytest.skip("not every node case ran in this session")
    stale = [EXPECTED_REFUSALS[k][:3] for k in range(len(EXPECTED_REFUSALS)) if k not in _USED]
    assert not stale, f"entries no refused case uses any more (remove them): {stale}"


def test_entries_are_well_formed():
    for pattern, code, text, why in EXPECTED_REFUSALS:
        assert pattern.startswith("test_") and code.startswith("E") and text and why, (pattern, code)
