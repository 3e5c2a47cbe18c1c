"""The ONNX "light" model zoo shipped in the onnx wheel: convert to .om, run, match the stored outputs.

Inputs are made the way onnx's backend test runner makes them for these models (arange / n), and the
expected outputs are the `_output_0.pb` files stored beside each model.
"""
import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session

LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
MODELS = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet",
          "squeezenet", "vgg19", "zfnet512"]


def light_inputs(model: onnx.ModelProto) -> dict:
    inits = {t.name for t in model.graph.initializer}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim)
        n = int(np.prod(shape))
        feeds[vi.name] = (np.arange(n).reshape(shape) / n).astype(np.float32)
    return feeds


@pytest.mark.parametrize("name", MODELS)
def test_light_model_matches_stored_output(name, tmp_path):
    path = os.path.join(LIGHT, f"light_{name}.onnx")
    if not os.path.isfile(path):
        pytest.skip(f"{path} not shipped in this onnx wheel")
    model = onnx.load(path)
    feeds = light_inputs(model)
    expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(LIGHT, f"light_{name}_output_0.pb")))
    out = api.convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / name),
                                     precision_mode="force_fp32"))
    result = Session(out).run(feeds)
    got = list(result.values())[0]
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-5)
