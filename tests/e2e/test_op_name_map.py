"""--op_name_map (Caffe): a fork's custom layer type mapped to a type we convert; a mapping to a name we do
not know leaves the layer as it is, with a warning."""
import numpy as np

from converter.cli import main as atc
from converter.proto import caffe_pb2
from converter.runtime import Session

PROTOTXT = '''name: "m"
input: "data"
input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }
layer { name: "act" type: "MyFancyReLU" bottom: "data" top: "act" }
layer { name: "prob" type: "Sigmoid" bottom: "act" top: "prob" }
'''


def _files(tmp_path):
    (tmp_path / "m.prototxt").write_text(PROTOTXT)
    net = caffe_pb2.NetParameter(name="m")
    net.layer.add(name="act", type="MyFancyReLU")
    (tmp_path / "m.caffemodel").write_bytes(net.SerializeToString())
    return str(tmp_path / "m.prototxt"), str(tmp_path / "m.caffemodel")


def test_custom_type_mapped_to_a_known_layer(tmp_path, capsys):
    proto, weights = _files(tmp_path)
    (tmp_path / "map.cfg").write_text("MyFancyReLU:ReLU\nSigmoid:SomeAscendSigmoid\n")
    out = tmp_path / "m"
    assert atc(["--framework=0", f"--model={proto}", f"--weight={weights}", f"--output={out}",
                f"--op_name_map={tmp_path / 'map.cfg'}", "--precision_mode=force_fp32"]) == 0
    assert "SomeAscendSigmoid" in capsys.readouterr().err  # the unused mapping is reported
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(Session(str(out) + ".om").run({"data": x})["prob"],
                               1 / (1 + np.exp(-np.maximum(x, 0))), rtol=1e-6)


def test_without_the_map_the_custom_type_is_unsupported(tmp_path, capsys):
    proto, weights = _files(tmp_path)
    assert atc(["--framework=0", f"--model={proto}", f"--weight={weights}", f"--output={tmp_path / 'm'}"]) == 1
    assert "E11009" in capsys.readouterr().out and not (tmp_path / "m.om").exists()
