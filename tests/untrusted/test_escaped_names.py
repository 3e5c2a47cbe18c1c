"""Names from model files are printed escaped: ESC sequences, other control characters, line breaks and bidi
overrides in op, node, tensor and graph names never reach the terminal raw, whatever prints them (E-coded
errors of each frontend, warnings, atc --mode=6, omtool info/run/chain). Runs the commands in process and
looks at everything they print."""
from __future__ import annotations

import os

import numpy as np
import pytest
from onnx import TensorProto, helper

from converter.cli import main as atc
from converter.errors import ConversionWarning, ConverterError, shown
from converter.omtool import main as omtool
from converter.proto import tf_graph_pb2 as tfpb
from tests.helpers import save_graph_model

# a colour change, a window-title OSC, a screen clear, a line break followed by a fake ATC line, a bidi override
EVIL = ["a\x1b[31mred", "t\x1b]0;pwned\x07", "c\x1b[2J", "n\nATC run success, welcome to the next use.",
        "r\u202eevil", "b\x08\x7f"]
FAKE_LINE = "ATC run success, welcome to the next use."


def _raw_controls(text: str) -> list:
    return sorted({repr(c) for c in text if not c.isprintable() and c != "\n"})


def _check_output(capsys, expect_in_output=()) -> str:
    out, err = capsys.readouterr()
    text = out + err
    assert _raw_controls(text) == [], text
    assert sum(line.startswith(FAKE_LINE) for line in text.splitlines()) <= 1, text
    for name in expect_in_output:  # the names are there, escaped as repr would write them
        assert shown(name) in text, (shown(name), text)
    return text


def test_shown_escapes_like_repr_and_keeps_printable_text():
    assert shown("a\x1b[31mb") == r"a\x1b[31mb"
    assert shown("x\ny\u202ez\x00") == r"x\ny\u202ez\x00"
    assert shown("conv_1/Relu:0 é 中文") == "conv_1/Relu:0 é 中文"
    assert shown("a\nb", keep_lines=True) == "a\nb"
    assert str(ConverterError("E10001", "node 'a\x1b[2J'")) == r"[E10001] node 'a\x1b[2J'"
    assert str(ConversionWarning("layer '\x1b]0;t\x07'")) == r"layer '\x1b]0;t\x07'"


# ---- ONNX ----------------------------------------------------------------------------------------------

def _onnx(folder, nodes, inputs, outputs, inits=(), name="g\x1b[1m") -> str:
    return save_graph_model(folder, nodes, inputs, inits, outputs, graph_name=name)


def _vi(name, shape=(1, 2)):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


@pytest.mark.parametrize("case", ["unsupported", "unknown_input", "handler", "output_missing"])
def test_onnx_errors_escape_names(tmp_path, capsys, case):
    x, y = EVIL[0], EVIL[3]
    nodes = {
        "unsupported": [helper.make_node("Evil\x1b[5mOp", [x], [y], name=EVIL[1])],
        "unknown_input": [helper.make_node("Relu", [EVIL[2]], [y], name=EVIL[1])],
        "handler": [helper.make_node("Conv", [x, "w"], [y], name=EVIL[1])],
        "output_missing": [helper.make_node("Relu", [x], ["z"], name=EVIL[1])],
    }[case]
    inits = [helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])]
    path = _onnx(tmp_path, nodes, [_vi(x)], [_vi(y)], inits)
    assert atc(["--framework=5", f"--model={path}", f"--output={tmp_path / 'out'}"]) == 1
    text = _check_output(capsys)
    assert "\\x1b" in text or "\\n" in text


def test_converted_model_names_in_mode6_info_run_chain(tmp_path, capsys):
    x, y = EVIL[0], EVIL[3]
    path = _onnx(tmp_path, [helper.make_node("Relu", [x], [y], name=EVIL[4])], [_vi(x)], [_vi(y)])
    out = tmp_path / "m"
    assert atc(["--framework=5", f"--model={path}", f"--output={out}", "--display_model_info=1",
                "--soc_version=Ascend310\x1b[41m"]) == 0
    _check_output(capsys, [x, y, "g\x1b[1m"])
    assert atc(["--mode=6", f"--om={out}.om"]) == 0
    _check_output(capsys, [x, y])
    assert omtool(["info", f"{out}.om"]) == 0
    _check_output(capsys, [x, y, "g\x1b[1m"])
    assert omtool(["run", f"{out}.om", "--seed", "0", "-o", str(tmp_path / "res")]) == 0
    _check_output(capsys, [y])
    assert omtool(["chain", f"{out}.om", f"{out}.om", "--map", f"{y}={x}"]) == 0
    _check_output(capsys, [y])
    np.save(tmp_path / "x.npy", np.ones((1, 2), np.float32))
    assert omtool(["run", f"{out}.om", "-i", f"{EVIL[2]}={tmp_path / 'x.npy'}", "-o", str(tmp_path)]) == 1
    _check_output(capsys, [EVIL[2]])


def test_verify_report_escapes_names(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    x, y = EVIL[0], EVIL[3]
    path = _onnx(tmp_path, [helper.make_node("Relu", [x], [y], name=EVIL[4])], [_vi(x)], [_vi(y)])
    assert atc(["--framework=5", f"--model={path}", f"--output={tmp_path / 'm'}"]) == 0
    capsys.readouterr()
    assert omtool(["verify", path, str(tmp_path / "m.om")]) == 0
    _check_output(capsys, [y[:20]])  # the table cuts names at 32 characters


# ---- Caffe ---------------------------------------------------------------------------------------------

def _c(text: str) -> str:
    """A prototxt string literal (octal escapes for every non-printable byte)."""
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else "".join(f"\\{b:03o}" for b in c.encode())
                         for c in text) + '"'


CAFFE = {
    "unknown_bottom": f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ dim: 1 dim: 2 }} }} }}\n'
                      f'layer {{ name: {_c(EVIL[1])} type: "ReLU" bottom: {_c(EVIL[0])} top: "r" }}\n',
    "unsupported": f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ dim: 1 dim: 2 }} }} }}\n'
                   f'layer {{ name: {_c(EVIL[1])} type: {_c("Evil" + EVIL[2])} bottom: "data" top: "r" }}\n',
    "warning": f'layer {{ name: {_c(EVIL[3])} type: "Data" top: "data" top: {_c(EVIL[2])} }}\n'
               f'layer {{ name: {_c(EVIL[1])} type: "ReLU" bottom: "data" top: "r" }}\n',
}


@pytest.mark.parametrize("case", sorted(CAFFE))
def test_caffe_errors_and_warnings_escape_names(tmp_path, capsys, case):
    proto, weights = tmp_path / "n.prototxt", tmp_path / "n.caffemodel"
    proto.write_text(CAFFE[case])
    weights.write_bytes(b"")
    extra = ["--input_shape=data:1,2"] if case == "warning" else []
    status = atc(["--framework=0", f"--model={proto}", f"--weight={weights}", f"--output={tmp_path / 'o'}", *extra])
    text = _check_output(capsys, [EVIL[3]] if case == "warning" else [])
    assert "\\x1b" in text
    assert status == (0 if case == "warning" else 1), text
    if case == "warning":
        assert "ATC warning:" in text


# ---- TensorFlow ----------------------------------------------------------------------------------------

def _tf(folder, op="Relu", reads=None) -> str:
    g = tfpb.GraphDef()
    p = g.node.add(name=EVIL[0], op="Placeholder")
    p.attr["dtype"].type = 1
    for d in (1, 2):
        p.attr["shape"].shape.dim.add(size=d)
    g.node.add(name=EVIL[3], op=op, input=[reads or EVIL[0]]).attr["T"].type = 1
    path = os.path.join(str(folder), "g.pb")
    with open(path, "wb") as f:
        f.write(g.SerializeToString())
    return path


@pytest.mark.parametrize("case", ["unsupported", "unknown_input", "out_nodes"])
def test_tensorflow_errors_escape_names(tmp_path, capsys, case):
    path = _tf(tmp_path, op="Evil\x1b[5m" if case == "unsupported" else "Relu",
               reads=EVIL[2] if case == "unknown_input" else None)
    extra = ["--out_nodes=nope\x1b[8m:0"] if case == "out_nodes" else []
    assert atc(["--framework=3", f"--model={path}", f"--output={tmp_path / 'o'}", *extra]) == 1
    text = _check_output(capsys)
    assert "\\x1b" in text


def test_tensorflow_success_and_debug_log_escape_names(tmp_path, capsys):
    path = _tf(tmp_path)
    assert atc(["--framework=3", f"--model={path}", f"--output={tmp_path / 'o'}", "--log=debug",
                "--display_model_info=1"]) == 0
    _check_output(capsys, [EVIL[0], EVIL[3]])
