"""Source models and option values that used to crash (E19999, a RecursionError) or were accepted silently get
a specific E-code: ONNX external-data offsets/lengths, dims that overflow or go negative, string constants,
duplicate tensor definitions, unknown opsets, deep nesting in text formats, --input_shape digits and
duplicates."""
from __future__ import annotations


import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph, convert, dump_text_modeldef
from converter.cli import main as atc
from converter.configs.mixlist import parse_mixlist
from converter.configs.shape_values import parse_input_shape, parse_input_shape_range
from converter.errors import ConverterError
from converter.frontends.onnx.schemas import newest_opset
from converter.options import ConvertOptions
from converter.proto.text import MAX_NESTING, check_nesting
from tests.helpers import save_graph_model


def _model(folder, inits=(), nodes=None, inputs=(), opset=17, outputs=("y",)) -> str:
    nodes = nodes or [helper.make_node("Identity", ["w"], ["y"])]
    return save_graph_model(folder, nodes, inputs, inits, outputs, opset=opset)


def _code(path, **kw) -> str:
    with pytest.raises(ConverterError) as exc:
        build_graph(ConvertOptions(framework=5, model=path, **kw))
    assert exc.value.code != "E19999", exc.value
    return exc.value.code


def _external(offset=None, length=None, dims=(4,)) -> TensorProto:
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=list(dims), data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "w.bin"), ("offset", offset), ("length", length)):
        if value is not None:
            t.external_data.add(key=key, value=value)
    return t


# ---- ONNX external data and dims -------------------------------------------------------------------------

@pytest.mark.parametrize("key,value", [("offset", "-4"), ("offset", "-400"), ("offset", "1.5"), ("offset", "abc"),
                                       ("offset", ""), ("offset", " 4"), ("offset", "٣"), ("length", "-4"),
                                       ("length", "1e3")])
def test_external_data_offset_and_length_must_be_non_negative_integers(tmp_path, key, value):
    (tmp_path / "w.bin").write_bytes(np.arange(64, dtype=np.float32).tobytes())
    path = _model(tmp_path, [_external(**{key: value})])
    assert _code(path) == "E10041"


def test_external_data_with_valid_offset_still_loads(tmp_path):
    (tmp_path / "w.bin").write_bytes(np.arange(64, dtype=np.float32).tobytes())
    path = _model(tmp_path, [_external(offset="8", length="16")])
    graph = build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))
    (const,) = [op for op in graph.ops() if op.type == "Const"]
    np.testing.assert_array_equal(const.value, [2, 3, 4, 5])


def test_nul_in_external_location_is_refused(tmp_path):
    t = _external()
    t.external_data[0].value = "w\0.bin"
    assert _code(_model(tmp_path, [t])) == "E10041"


def _raw(dims, data=b"\0" * 16) -> TensorProto:
    t = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    t.raw_data = data
    del t.dims[:]
    t.dims.extend(dims)
    return t


def _typed(dims) -> TensorProto:
    t = helper.make_tensor("w", TensorProto.FLOAT, [0], [])
    del t.dims[:]
    t.dims.extend(dims)
    return t


@pytest.mark.parametrize("tensor", [
    _external(dims=(2**32, 2**32, 4)), _raw((2**32, 2**32, 4)), _raw((-1, -4)), _raw((2**33, 2**31)),
    _typed((2**31, 2**31)), _typed((-2,)),
], ids=["external_overflow", "raw_overflow", "raw_negative", "raw_wraps_to_zero", "typed_no_data", "typed_negative"])
def test_dims_that_overflow_or_are_negative_give_E10041(tmp_path, tensor):
    (tmp_path / "w.bin").write_bytes(b"\0" * 64)
    assert _code(_model(tmp_path, [tensor])) == "E10041"


def test_string_initializer_is_refused_by_name_unless_folded_away(tmp_path):
    strings = helper.make_tensor("w", TensorProto.STRING, [2], [b"a", b"b"])
    path = _model(tmp_path, [strings])
    with pytest.raises(ConverterError) as exc:
        convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "s")))
    assert exc.value.code == "E11009" and "'w'" in exc.value.message and "string" in exc.value.message
    assert not (tmp_path / "s.om").exists()
    shape_of = _model(tmp_path, [strings], [helper.make_node("Shape", ["w"], ["y"])])
    convert(ConvertOptions(framework=5, model=shape_of, output=str(tmp_path / "shape")))  # folds to [2]


# ---- invalid ONNX graphs ---------------------------------------------------------------------------------

X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])


@pytest.mark.parametrize("nodes,inits", [
    ([helper.make_node("Relu", ["x"], ["y"], name="a"), helper.make_node("Neg", ["x"], ["y"], name="b")], []),
    ([helper.make_node("Relu", ["x"], ["x"], name="a"), helper.make_node("Neg", ["x"], ["y"], name="b")], []),
    ([helper.make_node("Relu", ["x"], ["w"], name="a"), helper.make_node("Add", ["x", "w"], ["y"], name="b")],
     [numpy_helper.from_array(np.ones(2, np.float32), "w")]),
], ids=["two_nodes", "node_and_input", "node_and_initializer"])
def test_a_tensor_defined_twice_is_refused(tmp_path, nodes, inits):
    path = _model(tmp_path, inits, nodes, [X])
    with pytest.raises(onnx.checker.ValidationError):
        onnx.checker.check_model(onnx.load(path))
    assert _code(path) == "E13009"


def test_an_input_with_an_initializer_default_is_still_valid(tmp_path):
    w = helper.make_tensor_value_info("w", TensorProto.FLOAT, [2])
    path = _model(tmp_path, [numpy_helper.from_array(np.ones(2, np.float32), "w")],
                  [helper.make_node("Add", ["x", "w"], ["y"])], [X, w])
    build_graph(ConvertOptions(framework=5, model=path))


def test_an_opset_newer_than_we_know_is_refused_by_number(tmp_path):
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    with pytest.raises(ConverterError) as exc:
        build_graph(ConvertOptions(framework=5, model=_model(tmp_path, (), relu, [X], opset=99)))
    assert exc.value.code == "E11009" and "opset 99" in exc.value.message
    assert f"{newest_opset()} or lower" in exc.value.message
    build_graph(ConvertOptions(framework=5, model=_model(tmp_path, (), relu, [X], opset=newest_opset())))


# ---- deep nesting in text formats ------------------------------------------------------------------------

def _nested(open_text: str, close_text: str, depth: int) -> str:
    return open_text * depth + close_text * depth


def test_nesting_check_counts_messages_not_braces_in_strings_or_comments():
    check_nesting('layer { name: "{{{{" # {{{{\n param { lr_mult: 1 } }' + "{}" * 500)
    check_nesting(_nested("a { ", "} ", MAX_NESTING))
    with pytest.raises(Exception, match=f"more than {MAX_NESTING} levels deep \\(line 3\\)"):
        check_nesting("a {\n b <\n" + _nested("c { ", "} ", MAX_NESTING) + ">}")


def test_deep_prototxt_gives_E10041(tmp_path):
    proto, weights = tmp_path / "n.prototxt", tmp_path / "n.caffemodel"
    proto.write_text("name: 'x' " + _nested("layer { ", "} ", 100_000))
    weights.write_bytes(b"")
    with pytest.raises(ConverterError) as exc:
        build_graph(ConvertOptions(framework=0, model=str(proto), weight=str(weights)))
    assert exc.value.code == "E10041" and "nested" in exc.value.message


def test_deep_text_graphdef_gives_E10041(tmp_path):
    body = _nested("{ list { func { name: 'f' attr { key: 'k' value ", "} } } } ", 5000)
    path = tmp_path / "g.pbtxt"
    path.write_text("node { name: 'a' op: 'Const' attr { key: 'value' value " + body.replace("value {", "value {", 1)
                    + "} }")
    with pytest.raises(ConverterError) as exc:
        build_graph(ConvertOptions(framework=3, model=str(path)))
    assert exc.value.code == "E10041" and "nested" in exc.value.message


def test_deep_mode5_text_gives_E13005(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("graph { op { attr { key: 'a' value { g " + _nested("{ op { attr { key: 'a' value { g ",
                                                                        "} } } } ", 20_000) + " } } } }")
    with pytest.raises(ConverterError) as exc:
        dump_text_modeldef(ConvertOptions(mode=5, om=str(path), json=str(tmp_path / "m.json")))
    assert exc.value.code == "E13005" and "nested" in exc.value.message
    assert not (tmp_path / "m.json").exists()


def test_deep_mixlist_json_gives_E10003(tmp_path):
    path = tmp_path / "mix.json"
    path.write_text('{"white-list": {"to-add": ' + _nested("[", "]", 100_000) + "}}")
    with pytest.raises(ConverterError) as exc:
        parse_mixlist(str(path))
    assert exc.value.code == "E10003"


# ---- --input_shape -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["x:٣,3,224,224", "x:1,３", "x:1~٣", "x:²"])
def test_input_shape_takes_ascii_digits_only(text):
    with pytest.raises(ConverterError) as exc:
        parse_input_shape(text)
    assert exc.value.code == "E10002"


@pytest.mark.parametrize("text", ["x:1,3;x:2,3", "x:1,3;y:2;x:1,3"])
def test_input_shape_names_an_input_once(text):
    with pytest.raises(ConverterError) as exc:
        parse_input_shape(text)
    assert exc.value.code == "E10002" and "'x' is given twice" in exc.value.message


def test_input_shape_range_names_an_input_once():
    with pytest.raises(ConverterError) as exc:
        parse_input_shape_range("x:[1~3,2];x:[2,2]")
    assert exc.value.code == "E10048"


@pytest.mark.parametrize("text,parsed", [
    ("x:1,3,224,224", (("x", (1, 3, 224, 224)),)),
    ("input:0:1,-1;y:", (("input:0", (1, -1)), ("y", ()))),
    ("a:1~8,3;b:2147483648,3;", (("a", ((1, 8), 3)), ("b", (2147483648, 3)))),
])
def test_valid_input_shapes_still_parse(text, parsed):
    assert parse_input_shape(text) == parsed


@pytest.mark.parametrize("option", ["--input_shape=x:1,2;x:1,2", "--input_shape=x:٢", "--dynamic_batch_size=1,٣",
                                    "--out_nodes=y:٠"])
def test_cli_refuses_non_ascii_digits_and_duplicates(tmp_path, capsys, option):
    path = _model(tmp_path, (), [helper.make_node("Relu", ["x"], ["y"])], [X])
    assert atc(["--framework=5", f"--model={path}", f"--output={tmp_path / 'o'}", option]) == 1
    out = capsys.readouterr().out
    assert "E1" in out and "E19999" not in out
    assert not (tmp_path / "o.om").exists()
