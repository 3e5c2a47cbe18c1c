"""Fixtures for the AIPP tests: convert an ONNX model with an AIPP config and run it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from converter.api import build_graph
from converter.configs.aipp import parse_aipp_config, parse_aipp_text
from converter.options import ConvertOptions
from converter.runtime import Session

EXAMPLES = Path(__file__).resolve().parent.parent / "cli" / "data" / "aipp"   # verbatim public configs


def example(name: str) -> tuple:
    return parse_aipp_config(str(EXAMPLES / name))


def ort_run(path: str, feeds: dict) -> list:
    import onnxruntime as ort
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)


@pytest.fixture
def aipp_convert(tmp_path):
    """(model, aipp blocks or config text) -> (graph, session, model path), converted in fp32."""
    def run(model, aipp, **kw):
        path = str(tmp_path / "m.onnx")
        onnx.save(model, path)
        blocks = parse_aipp_text(aipp) if isinstance(aipp, str) else aipp
        kw.setdefault("precision_mode", "force_fp32")
        graph = build_graph(ConvertOptions(framework=5, model=path, aipp=blocks, insert_op_conf="aipp.cfg", **kw))
        return graph, Session(graph), path
    return run


def assert_rel(ours, ref, rtol=1e-4, atol=1e-5):
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol)
