"""Damaged model files (truncated, bytes flipped) never give a traceback: the API raises an E-coded
ConverterError (or converts, when the damage is harmless), and never E19999 (which would be a bug of ours
found by the damage). Seeded, so failures are reproducible."""
import random
from pathlib import Path

import pytest

from converter.api import build_graph
from converter.errors import ConverterError
from converter.om.reader import read_om
from converter.options import ConvertOptions

REPO = Path(__file__).resolve().parent.parent.parent
SOURCES = {5: ["samples/tiny_cnn.onnx", "samples/dynamic_seg.onnx", "tests/data/pytorch/vit_ts.onnx"],
           3: ["tests/tensorflow/golden/functional_if.pb", "tests/tensorflow/golden/keras_lstm_gru.pb"]}


def _damage(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    if rng.random() < 0.3:
        return bytes(b[:rng.randrange(len(b))])
    for _ in range(rng.randint(1, 6)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


@pytest.mark.parametrize("fw", [5, 3])
def test_damaged_source_models_give_e_codes(tmp_path, fw):
    rng = random.Random(fw)
    path = tmp_path / ("m.onnx" if fw == 5 else "m.pb")
    for _ in range(300):
        path.write_bytes(_damage((REPO / rng.choice(SOURCES[fw])).read_bytes(), rng))
        try:
            build_graph(ConvertOptions(framework=fw, model=str(path), precision_mode="force_fp32",
                                       input_shape=(("x", (1, 3, 16, 16)),) if fw == 5 else ()))
        except ConverterError as err:
            assert err.code != "E19999", err


def test_damaged_om_files_give_e_codes(tmp_path, shared):
    rng = random.Random(3)
    files = sorted((shared / "fixtures" / "om").glob("*.om"))
    path = tmp_path / "m.om"
    for _ in range(300):
        path.write_bytes(_damage(rng.choice(files).read_bytes(), rng))
        try:
            read_om(str(path)).to_graph()
        except ConverterError as err:
            assert err.code != "E19999", err


def test_damaged_caffe_models_give_e_codes(tmp_path):
    import warnings

    from tools.make_caffe_models import googlenet, mobilenet_ssd
    pairs = [builder.save(str(tmp_path), name) for name, (builder, _) in
             (("ssd", mobilenet_ssd()), ("googlenet", googlenet()))]
    rng = random.Random(4)
    proto_path, model_path = tmp_path / "x.prototxt", tmp_path / "x.caffemodel"
    for _ in range(200):
        proto, model = rng.choice(pairs)
        text, blob = Path(proto).read_bytes(), Path(model).read_bytes()
        if rng.random() < 0.5:
            b = bytearray(text)
            for _ in range(rng.randint(1, 6)):
                b[rng.randrange(len(b))] = rng.randrange(32, 127)  # printable damage to the text
            text = bytes(b)
        else:
            blob = _damage(blob, rng)
        proto_path.write_bytes(text)
        model_path.write_bytes(blob)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                build_graph(ConvertOptions(framework=0, model=str(proto_path), weight=str(model_path),
                                           precision_mode="force_fp32"))
            except ConverterError as err:
                assert err.code != "E19999", err
