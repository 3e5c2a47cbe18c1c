"""Models exported by PyTorch 2.13 with both torch.onnx exporters (TorchScript, and dynamo with external
data): a MobileNetV3-like CNN (SE, hardswish), a small UNet (ConvTranspose, bilinear resize to a runtime size),
a ViT block (nn.TransformerEncoderLayer), an embedding + biLSTM text model, and a LLaMA-style decoder (RMSNorm,
rotary embeddings, causal mask, SiLU-gated MLP). Each converts and matches
PyTorch's own outputs (stored beside the model; tools/export_torch_models.py made them)."""
import os
from pathlib import Path

import numpy as np
import onnx
import pytest

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session
from converter.verify import Tolerance, compare_arrays

DATA = Path(__file__).resolve().parent.parent / "data" / "pytorch"
MODELS = sorted(p.name for p in DATA.glob("*.onnx"))


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("precision,tol", [("force_fp32", Tolerance(1e-5, 1e-3, 0.99999)),
                                           ("force_fp16", Tolerance(2e-2, 5e-2, 0.9999))])
def test_pytorch_export_matches_pytorch(tmp_path, name, precision, tol):
    path = DATA / name
    x, y = np.load(f"{path}.x.npy"), np.load(f"{path}.y.npy")
    model = onnx.load(str(path), load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    input_name = next(i.name for i in model.graph.input if i.name not in inits)
    om = api.convert(ConvertOptions(framework=5, model=str(path), output=str(tmp_path / "m"), precision_mode=precision,
                                    input_shape=((input_name, x.shape),)))
    got = list(Session(om).run({input_name: x}).values())[0]
    result = compare_arrays(got, y, tol)
    assert result["passed"], result


def test_all_ten_exports_are_here():
    assert len(MODELS) == 10 and all(os.path.exists(DATA / f"{m}.y.npy") for m in MODELS)
