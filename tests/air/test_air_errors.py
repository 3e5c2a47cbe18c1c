""".air files that are not what --framework=1 takes, or that do not fit the options, are refused with E-codes and
nothing is written; Data inputs are numbered as ATC numbers them."""
from __future__ import annotations

import numpy as np
import pytest

from converter.cli import main as atc
from converter.ir import Graph, Op, TensorDesc
from converter.runtime import Session
from tools.make_air_models import graph_to_air


def small_air(names=("a", "b")):
    """Data inputs (1, 4) summed, then a Relu: a .air ModelDef."""
    g = Graph("small")
    for k, n in enumerate(names):
        g.add_data(n, TensorDesc(shape=(1, 4)), k)
    g.add(Op("sum", "Add", outputs=[TensorDesc(shape=(1, 4))]), [(names[0], 0), (names[-1], 0)])
    g.add(Op("relu", "Relu", outputs=[TensorDesc(shape=(1, 4))]), [("sum", 0)])
    g.add(Op("output", "NetOutput"), [("relu", 0)])
    return graph_to_air(g)


def run(tmp_path, capsys, air_bytes, *extra) -> tuple:
    path = tmp_path / "m.air"
    path.write_bytes(air_bytes)
    out = tmp_path / "out" / "m"
    rc = atc(["--framework=1", f"--model={path}", f"--output={out}", "--soc_version=Ascend310", *extra])
    captured = capsys.readouterr()
    return rc, captured.out + captured.err, out


def op_named(model, name):
    return next(op for op in model.graph[0].op if op.name == name)


def refused(tmp_path, capsys, air_bytes, code, *extra) -> str:
    rc, text, out = run(tmp_path, capsys, air_bytes, *extra)
    assert rc == 1 and f"{code}: " in text, text
    assert "Traceback" not in text and "E19999" not in text
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    return text


def test_small_air_converts(tmp_path, capsys):
    rc, text, out = run(tmp_path, capsys, small_air().SerializeToString())
    assert rc == 0, text
    x = np.array([[-1, 2, -3, 4]], np.float32)
    np.testing.assert_array_equal(Session(f"{out}.om").run_outputs({"a": x, "b": x})[0], np.maximum(2 * x, 0))


@pytest.mark.parametrize("raw", [b"\x00\x01garbage\xff" * 10, b"", b"ATC\x00" + bytes(300)])
def test_not_a_model(tmp_path, capsys, raw):
    refused(tmp_path, capsys, raw, "E10041")


def test_an_om_file_is_not_an_air_model(tmp_path, capsys):
    rc, _, out = run(tmp_path, capsys, small_air().SerializeToString())
    assert rc == 0
    again = tmp_path / "again"
    again.mkdir()
    refused(again, capsys, open(f"{out}.om", "rb").read(), "E10041")


def test_model_without_net_output(tmp_path, capsys):
    model = small_air()
    model.graph[0].op.remove(op_named(model, "output"))
    refused(tmp_path, capsys, model.SerializeToString(), "E10041")


def test_unknown_op_types_are_listed(tmp_path, capsys):
    model = small_air()
    op_named(model, "relu").type = "MyCustomOp"
    op_named(model, "sum").type = "OtherCustomOp"
    text = refused(tmp_path, capsys, model.SerializeToString(), "E11009")
    assert "MyCustomOp" in text and "OtherCustomOp" in text


def test_declared_shape_that_the_op_does_not_give(tmp_path, capsys):
    model = small_air()
    op_named(model, "relu").output_desc[0].shape.dim[:] = [1, 5]
    text = refused(tmp_path, capsys, model.SerializeToString(), "E13014")
    assert "'relu' (Relu): output 0 is declared with shape [1, 5]" in text


def test_declared_type_that_the_op_does_not_give(tmp_path, capsys):
    model = small_air()
    op_named(model, "relu").output_desc[0].dtype = 7         # DT_INT32
    refused(tmp_path, capsys, model.SerializeToString(), "E13014")


@pytest.mark.parametrize("option,code", [("--input_shape=nope:1,4", "E10016"), ("--input_shape=sum:1,4", "E10017"),
                                         ("--input_shape=a:1,4,1", "E10049"), ("--out_nodes=nope:0", "E11016"),
                                         ("--out_nodes=relu:3", "E11017"), ("--input_fp16_nodes=relu", "E10017")])
def test_options_that_do_not_fit_the_model(tmp_path, capsys, option, code):
    refused(tmp_path, capsys, small_air().SerializeToString(), code, option)


def test_mode_1_and_3_take_no_air(tmp_path, capsys):
    (tmp_path / "m.air").write_bytes(small_air().SerializeToString())
    assert atc(["--mode=1", "--framework=1", f"--om={tmp_path / 'm.air'}", f"--json={tmp_path / 'm.json'}"]) == 1
    assert "E10001: --framework" in capsys.readouterr().out
    assert atc(["--mode=3", "--framework=1", f"--model={tmp_path / 'm.air'}"]) == 1
    assert "E10001: --framework" in capsys.readouterr().out


def test_inputs_are_numbered_as_atc_numbers_them(tmp_path, capsys):
    """Valid Data indexes (0..n-1, each once) are kept; otherwise the inputs are numbered in graph order."""
    from converter.om.attrs import to_attr
    for indexes, order in (((1, 0), ["b", "a"]), ((3, 3), ["a", "b"]), ((0, 5), ["a", "b"])):
        model = small_air()
        for name, index in zip(("a", "b"), indexes):
            to_attr(index, op_named(model, name).attr["index"])
        rc, text, out = run(tmp_path, capsys, model.SerializeToString())
        assert rc == 0, text
        data = sorted(Session(f"{out}.om").graph.data_ops(), key=lambda op: op.attrs["index"])
        assert [op.name for op in data] == order
