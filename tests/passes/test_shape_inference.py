"""The shape-inference pass: it tells the user when it stops at its round limit instead of settling; passes
always get a ConvertOptions."""
import logging
import warnings

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph, load_source_graph
from converter.errors import ConversionWarning
from converter.ops import inference
from converter.options import ConvertOptions
from converter.passes.base import PassContext
from converter.passes.shape_inference import infer_shapes
from tests.helpers import save


def _shape_chain(tmp_path) -> ConvertOptions:
    """Shape -> Gather -> Concat -> Reshape: folds in the first round once x's shape is fixed."""
    inits = [numpy_helper.from_array(np.array([0], np.int64), "i0"),
             numpy_helper.from_array(np.array([-1], np.int64), "m1")]
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "i0"], ["b"], axis=0),
             helper.make_node("Concat", ["b", "m1"], ["shp"], axis=0),
             helper.make_node("Reshape", ["x", "shp"], ["y"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path)
    return ConvertOptions(framework=5, model=path)


def test_no_warning_when_inference_settles(tmp_path):
    options = _shape_chain(tmp_path)
    ctx = PassContext(options=options)
    assert infer_shapes(load_source_graph(options), ctx)
    assert ctx.warnings == []


def test_warns_when_stopped_at_the_round_limit(tmp_path, monkeypatch):
    options = _shape_chain(tmp_path)
    monkeypatch.setattr(inference, "MAX_ROUNDS", 1)
    ctx = PassContext(options=options)
    infer_shapes(load_source_graph(options), ctx)
    infer_shapes(load_source_graph(options), ctx)
    assert len(ctx.warnings) == 1 and "stopped after 1 rounds" in ctx.warnings[0]


def test_the_round_limit_warning_reaches_the_user(tmp_path, monkeypatch):
    options = _shape_chain(tmp_path)
    monkeypatch.setattr(inference, "MAX_ROUNDS", 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_graph(options)
    assert any(issubclass(w.category, ConversionWarning) and "rounds" in str(w.message) for w in caught)


def test_without_a_context_the_warning_is_logged(tmp_path, monkeypatch, caplog):
    options = _shape_chain(tmp_path)
    monkeypatch.setattr(inference, "MAX_ROUNDS", 1)
    with caplog.at_level(logging.WARNING, logger="converter.passes"):
        infer_shapes(load_source_graph(options))
    assert "stopped after 1 rounds" in caplog.text


def test_pass_context_always_holds_options():
    assert PassContext().options.precision_mode == "force_fp16"
    assert PassContext(options=None).options == ConvertOptions()
    assert PassContext(options=ConvertOptions(framework=3)).framework == 3
    assert PassContext().framework == 5
