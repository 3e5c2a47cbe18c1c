"""More ONNX models of the test suite through ONNX -> .om -> ONNX (tools/export_roundtrip.roundtrip): a
transformer encoder and an LSTM/GRU tagger (int64 token ids), NonMaxSuppression, RoiAlign, and a detection
head whose shapes are only known at run time (dims left dynamic with -1)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import save
from tests.models.test_dynamic_onnx import _yolo_like_head
from tests.models.test_nms import _nms_model
from tools.export_roundtrip import ort_run, roundtrip, scaled_error
from tools.make_seq_models import lstm_tagger, transformer_encoder

pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(11)


def _boxes():
    xy = RNG.uniform(0, 10, (1, 40, 2)).astype(np.float32)
    return {"boxes": np.concatenate([xy, xy + RNG.uniform(0.5, 4, (1, 40, 2)).astype(np.float32)], axis=2),
            "scores": RNG.random((1, 3, 40)).astype(np.float32)}


CASES = {
    "encoder": (transformer_encoder, lambda: {"ids": RNG.integers(0, 50, (2, 12)).astype(np.int64)}),
    "lstm_tagger": (lstm_tagger, lambda: {"ids": RNG.integers(0, 30, (7, 3)).astype(np.int64)}),
    "nms": (lambda: _nms_model(0, True, 10, 0.5), _boxes),
    "yolo_head": (_yolo_like_head, lambda: {"x": RNG.standard_normal((2, 8, 5, 7)).astype(np.float32)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("precision", ["force_fp32", "force_fp16"])
def test_model_roundtrip(tmp_path, name, precision):
    build, feeds = CASES[name]
    path = save(build(), tmp_path, f"{name}.onnx")
    r = roundtrip(path, feeds(), str(tmp_path), precision)
    assert r["outputs"] == r["expected"]
    assert r["error"] <= (1e-5 if precision == "force_fp32" else 2e-3), r


def test_dynamic_dims_stay_dynamic(tmp_path):
    """-1 dims in --input_shape stay dynamic in the .om and in the export: one export runs several sizes."""
    from converter import api
    from converter.export import export_onnx
    from converter.options import ConvertOptions
    import onnx
    src = save(_yolo_like_head(), tmp_path)
    om = api.convert(ConvertOptions(framework=5, model=src, output=str(tmp_path / "m"), precision_mode="force_fp32",
                                    input_shape=(("x", (-1, 8, -1, -1)),)))
    out = export_onnx(om, str(tmp_path / "m.onnx"))
    dims = onnx.load(out).graph.input[0].type.tensor_type.shape.dim
    assert [d.HasField("dim_value") for d in dims] == [False, True, False, False]
    for shape in [(1, 8, 3, 4), (2, 8, 5, 7)]:
        x = RNG.standard_normal(shape).astype(np.float32)
        for got, want in zip(ort_run(out, {"x": x}), ort_run(src, {"x": x})):
            assert scaled_error(got, want) <= 1e-5


CAFFE = ["resnet50", "mobilenet", "googlenet"]


@pytest.mark.parametrize("name", CAFFE)
@pytest.mark.parametrize("precision", ["force_fp32", "force_fp16"])
def test_caffe_net_roundtrip(tmp_path, name, precision):
    """Caffe nets (tools/make_caffe_models.py, small): the export in onnxruntime gives our runtime's outputs."""
    from tools.export_roundtrip import compared, convert, export_in_memory, runtime_outputs
    from tools.make_caffe_models import MODELS
    builder, shapes = MODELS[name]()
    proto, weights = builder.save(str(tmp_path), name)
    om = convert(str(tmp_path), name, framework=0, model=proto, weight=weights, precision_mode=precision)
    feeds = {k: RNG.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    r = compared(ort_run(export_in_memory(om), feeds), runtime_outputs(om, feeds))
    assert r["outputs"] == r["expected"] and r["error"] <= (1e-5 if precision == "force_fp32" else 2e-3), r


def test_caffe_ssd_detection_output_is_refused_by_name(tmp_path):
    from converter.errors import ConverterError
    from tools.export_roundtrip import convert, export_in_memory
    from tools.make_caffe_models import mobilenet_ssd
    builder, _ = mobilenet_ssd()
    proto, weights = builder.save(str(tmp_path), "ssd")
    om = convert(str(tmp_path), "ssd", framework=0, model=proto, weight=weights)
    with pytest.raises(ConverterError) as info:
        export_in_memory(om)
    assert info.value.code == "E11009" and "DetectionOutput (1)" in info.value.message
