"""Helpers for tests: save ONNX models, convert them through the API, compare with onnxruntime."""
from __future__ import annotations

import os

import numpy as np
import onnx

from converter.api import build_graph
from converter.options import ConvertOptions
from converter.runtime import Session


def save(model: onnx.ModelProto, folder, name: str = "m.onnx") -> str:
    path = os.path.join(str(folder), name)
    onnx.save(model, path)
    return path


def options(path: str, **kw) -> ConvertOptions:
    kw.setdefault("framework", 5)
    return ConvertOptions(model=path, **kw)


def ort_run(path: str, feeds: dict) -> list:
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def assert_close_rel(ours: np.ndarray, ref: np.ndarray, max_rel: float = 1e-4, atol: float = 1e-6) -> None:
    """Max relative error (|a-b| / max(|b|, atol)) below max_rel, shapes equal."""
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    err = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
    rel = err / np.maximum(np.abs(ref.astype(np.float64)), atol)
    assert float(rel.max(initial=0)) <= max_rel, f"max rel err {rel.max():.3g}, max abs err {err.max():.3g}"


def convert_and_run(path: str, feeds: dict, **kw) -> dict:
    graph = build_graph(options(path, **kw))
    return Session(graph).run(feeds)
