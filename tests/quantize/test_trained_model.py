"""A real trained model: a CNN trained on scikit-learn's handwritten digits (tools/make_digits_cnn.py; 99% on
its 360 held-out images). Quantized with IFMR and with HFMG on 32 training images, the int8 .om agrees with
fp32 on held-out images (cosine >= 0.99 per image, top-1 agreement >= 95%) and keeps its accuracy. (The test
uses 120 of the 360 held-out images for speed; tools/quantize_report.py measures all of them.)"""
from pathlib import Path

import numpy as np
import pytest

from converter.options import ConvertOptions
from converter.quantize import quantize
from converter.quantize.check import compare
from converter.quantize.data import BatchSource
from converter.quantize.graphs import fp32_graph

DATA = Path(__file__).resolve().parent.parent / "data" / "quantize"


@pytest.mark.parametrize("algo", ["ifmr", "hfmg"])
def test_digits_cnn_int8_matches_fp32(tmp_path, algo):
    opts = ConvertOptions(framework=5, model=str(DATA / "digits_cnn.onnx"), output=str(tmp_path / "digits"))
    res = quantize(opts, [str(DATA / "digits_calib.npy")], batch_num=4, act_algo=algo)
    assert len(res.layers) == 4
    graph = fp32_graph(opts)
    held = BatchSource(graph, [str(DATA / "digits_test.npy")])
    batches = list(range(15))
    labels = np.load(DATA / "digits_test_labels.npy")[:120]
    report = compare(graph, res.om, held, batches, labels=labels)
    (out,) = report["outputs"]
    assert out["samples"] == 120 and out["distinct_top1"] == 10
    assert out["cosine_min"] >= 0.99 and out["top1_agreement"] >= 0.95, out
    assert out["accuracy"] >= 0.97 and out["reference_accuracy"] >= 0.97, out
    assert "accuracy" not in compare(graph, res.om, held, [0], labels=labels)["outputs"][0]   # 8 rows, 120 labels
