"""The node-suite harness compares as ONNX's backend runner does (tools/onnx_node_suite.py)."""
from __future__ import annotations

import ml_dtypes
import numpy as np

from tools.onnx_node_suite import compare, max_ulps, matches


def test_values_dtypes_shapes_and_names():
    a = np.array([1.0, 2.0], np.float32)
    assert compare([a], [a.copy()]) == ""
    assert "values differ" in compare([a], [a * 1.01])
    assert compare([a], [a * (1 + 5e-4)]) == ""                     # rtol 1e-3
    assert "dtype" in compare([a], [a.astype(np.float64)])
    assert "shape" in compare([a], [a[:1]])
    assert "1 output(s), expected 2" in compare([a, a], [a])
    assert "output names" in compare([a], [a], ["y"], ["z"])
    assert compare([[a, a]], [[a, a]]) == "" and "sequence of 1" in compare([[a, a]], [[a]])


def test_bfloat16_at_two_ulps_as_the_runner():
    e = np.array([1.0, 100.0], np.float32).astype(ml_dtypes.bfloat16)
    g = (e.astype(np.float32) * np.float32(1.01)).astype(ml_dtypes.bfloat16)
    assert compare([e], [g]) == ""
    assert "values differ" in compare([e], [(e.astype(np.float32) * 1.1).astype(ml_dtypes.bfloat16)])


def test_random_cases_are_checked_for_shape_dtype_and_range():
    e = np.array([1.0, 0.0, 1.0], np.float32)
    assert compare([e], [np.array([0.0, 1.0, 1.0], np.float32)], case_name="test_bernoulli_seed") == ""
    assert "values differ" in compare([e], [np.array([0.0, 2.0, 1.0], np.float32)], case_name="test_bernoulli")
    assert "values differ" in compare([e], [np.array([0.0, 1.0, 1.0], np.float32)], case_name="test_abs")


def test_ulps_and_patterns():
    e = np.array([0.5, 1.0], np.float16)
    assert max_ulps([e], [np.array([0.5, 1.0 + 2 * 2 ** -10], np.float16)]) == 2
    assert matches("test_gru_defaults", "test_gru*") and matches("test_lstm_defaults", "xx,lstm")
    assert not matches("test_gru_defaults", "test_lstm*")
