"""The onnx wheel's test corpora (pytorch-converted, pytorch-operator, simple) through convert + runtime
with their stored inputs and outputs. Every model passes except the ones listed as unsupported, which
must fail cleanly (E-coded, no traceback). The light zoo has its own test (test_onnx_light_zoo.py)."""
import pytest

from tools.onnx_corpus import cases, run_case

EXPECTED_UNSUPPORTED = {
    "test_gradient_of_add": "training-only Gradient op (ai.onnx.preview.training)",
    "test_gradient_of_add_and_mul": "training-only Gradient op (ai.onnx.preview.training)",
    "test_sequence_model8": "a zero-size input dim, which ATC refuses (E10011)",
}

ALL = [(folder, name, path, sets) for folder in ("pytorch-converted", "pytorch-operator", "simple")
       for name, path, sets in cases(folder)]


@pytest.mark.parametrize("folder,name,path,sets", ALL, ids=[f"{f}/{n}" for f, n, _, _ in ALL])
def test_corpus_model(folder, name, path, sets, tmp_path):
    status, detail = run_case(name, path, sets, str(tmp_path))
    if name in EXPECTED_UNSUPPORTED:
        assert status == "unsupported", detail
    else:
        assert status == "pass", detail


def test_corpus_pass_rate_at_least_90_percent():
    assert len(ALL) >= 130
    assert 1 - len(EXPECTED_UNSUPPORTED) / len(ALL) >= 0.9
