"""Small initializers stay in the parsed skeleton: locating a tensor's raw_data in Python costs more than
letting the protobuf parser copy a small one, so only TensorProtos of lazy_load.INLINE_BYTES or more become
views into the mapped file (test_lazy_load.py checks those, with every tensor located)."""
import numpy as np
from onnx import numpy_helper

from converter.frontends.onnx import lazy_load
from converter.frontends.onnx.reader import load_lazy_model, tensor_to_array
from tests.helpers import save

from .test_lazy_load import _model

VALUES = {"tiny": np.arange(6, dtype=np.float32).reshape(2, 3), "scalar": np.array(7, np.int64),
          "big": np.linspace(0, 1, lazy_load.INLINE_BYTES // 4 + 10, dtype=np.float32)}


def test_small_tensors_stay_in_the_skeleton(tmp_path):
    path = save(_model([numpy_helper.from_array(v, k) for k, v in VALUES.items()]), tmp_path)
    lazy = load_lazy_model(path)
    spans = dict(zip((t.name for t in lazy.model.graph.initializer), lazy.initializer_raw))
    assert spans["tiny"] is None and spans["scalar"] is None and spans["big"] is not None
    for t, span in zip(lazy.model.graph.initializer, lazy.initializer_raw):
        assert bool(t.raw_data) == (span is None), t.name   # parsed with the model, or left out of it
        np.testing.assert_array_equal(tensor_to_array(t, None, span), VALUES[t.name])
