"""Checks shared by the conformance tests of whole models."""
from __future__ import annotations

from tests.helpers import save
from tools.export_roundtrip import roundtrip


def assert_round_trips(model, feeds: dict, tmp_path) -> None:
    """ONNX -> .om -> ONNX: onnxruntime's run of the export equals its run of the original (1e-5)."""
    result = roundtrip(save(model, tmp_path), feeds, str(tmp_path))
    assert result["outputs"] == result["expected"] and result["error"] <= 1e-5, result
