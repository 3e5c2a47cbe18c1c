"""The JSON dump (ATC --mode=1 rules) and its schema, on real fixtures and on files we write."""
from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.frontends.onnx.dump import onnx_graph_to_json
from converter.frontends.tensorflow.dump import DROPPED_FIELDS as TF_DROPPED_FIELDS
from converter.om.json_dump import (COMPRESS_BOOKKEEPING, OM_DROPPED_FIELDS, decode_attr_index, encode_attr_index,
                                    model_def_to_json, om_to_json)
from converter.protojson import message_to_json
from converter.om.model_def import graph_to_model_def
from converter.om.writer import write_om
from converter.proto import ge_ir_pb2 as ge

from .conftest import REPO, conv_graph, if_graph, weights_graph

SCHEMA = json.loads((REPO / "schemas" / "om-json.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _walk(node, path=()):
    """Yield (path, dict) for every object in a JSON tree."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, path + (i,))


def _attrs(entries) -> dict:
    return {e["key"]: e["value"] for e in entries}


def _op(tree, name, graph=0) -> dict:
    return next(op for op in tree["graph"][graph]["op"] if op["name"] == name)


def _keys_sorted(text: str) -> bool:
    ok = []
    json.loads(text, object_pairs_hook=lambda pairs: ok.append([k for k, _ in pairs] == sorted(k for k, _ in pairs)))
    return all(ok)


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_fixture_dump_validates(om_fixtures):
    for path in sorted(om_fixtures.glob("*.om")):
        text = om_to_json(path)
        tree = json.loads(text)
        errors = list(VALIDATOR.iter_errors(tree))
        assert not errors, (path.name, errors[0].message, list(errors[0].path))
        assert _keys_sorted(text), path.name
        assert not any(OM_DROPPED_FIELDS & set(obj) for _, obj in _walk(tree)), path.name


def test_our_dumps_validate_and_follow_each_rule(tmp_path):
    g, _ = weights_graph()
    path = write_om(g, tmp_path / "w.om", {"soc_version": "Ascend310"})
    text = om_to_json(path)
    assert text.startswith('{\n  "attr": [\n    {\n      "key"')       # 2-space indent, sorted keys
    assert _keys_sorted(text)
    tree = json.loads(text)
    assert not list(VALIDATOR.iter_errors(tree))
    assert not any(OM_DROPPED_FIELDS & set(obj) for _, obj in _walk(tree))
    mix = _attrs(_op(tree, "mix")["attr"])
    assert mix["f"] == {"f": "0.1"} and mix["small"] == {"f": "1e-05"}              # singular float: %g string
    assert mix["floats"]["list"] == {"f": [0.5, 1.5], "val_type": "VT_LIST_FLOAT"}  # repeated: numbers
    assert mix["bf"] == {"b": False} and mix["zero"] == {"i": 0} and mix["empty_s"] == {"s": ""}
    assert mix["none_list"] is None              # empty ListValue skipped: the AttrDef prints nothing -> null
    assert mix["raw"] is None                                                       # bt dropped -> null
    assert mix["uni"] == {"s": "h\\303\\251llo"}                                    # singular bytes C-escaped
    assert mix["strs"]["list"]["s"] == ["a", "b"]                                   # repeated bytes plain
    assert mix["lli"] == {"list_list_int": {"list_list_i": [{"list_i": [1, 2]}, {"list_i": [3, 4, 5]}]}}
    assert mix["tensor"]["t"] == {"desc": {"dtype": "DT_FLOAT", "layout": "ND", "shape": {"dim": [2, 2]}}}
    keys = [e["key"] for e in _op(tree, "mix")["attr"]]
    assert keys == sorted(keys)
    const = _attrs(_op(tree, "c_f16")["attr"])["value"]["t"]["desc"]
    assert const["dtype"] == "DT_FLOAT16" and "data_offset" not in const and "weight_size" not in const
    model_attrs = _attrs(tree["attr"])
    assert model_attrs["weight_size"]["i"] > 0                       # map keys are not field names: kept
    assert _op(tree, "x")["output_desc"][0]["shape"] == {"dim": [-1, 3]}


def test_dump_mode_1_keeps_everything_with_enum_numbers():
    g, values = weights_graph()
    tree = json.loads(model_def_to_json(graph_to_model_def(g).model_def, dump_mode=1))
    desc = _attrs(_op(tree, "c_i64")["attr"])["value"]["t"]["desc"]
    assert desc["dtype"] == 8 and desc["weight_size"] == values["c_i64"].nbytes and "data_offset" in desc
    assert _attrs(_op(tree, "mix")["attr"])["ints"]["list"]["val_type"] == 2
    assert _attrs(_op(tree, "mix")["attr"])["raw"] == {"bt": "\\000\\001\\377\\177"}


def test_subgraphs_and_conv_dump_validate(tmp_path):
    for graph in (if_graph(), conv_graph()):
        tree = json.loads(model_def_to_json(graph_to_model_def(graph).model_def))
        assert not list(VALIDATOR.iter_errors(tree))
    tree = json.loads(model_def_to_json(graph_to_model_def(if_graph()).model_def))
    assert [g["name"] for g in tree["graph"]] == ["cond", "then_g", "else_g"]
    assert _op(tree, "if")["subgraph_name"] == ["then_g", "else_g"]


@pytest.mark.parametrize("mutate", [
    lambda op: _attrs(op["attr"])["alpha"].update(f=True),                                    # float as bool
    lambda op: _attrs(op["attr"])["alpha"].update(f=None),                                    # null member
    lambda op: _attrs(op["attr"])["alpha"].update(i=1),                                       # two oneof members
    lambda op: op["output_desc"][0].update(dtype=1),                                            # enum as number
    lambda op: op["output_desc"][0].update(data_offset=0),                                      # dropped field
    lambda op: op.update(attr={"alpha": {"f": "0.1"}}),                                         # map as object
])
def test_schema_rejects_wrong_shapes(mutate):
    tree = json.loads(model_def_to_json(graph_to_model_def(conv_graph()).model_def))
    op = _op(tree, "act")
    assert not list(VALIDATOR.iter_errors(tree))
    mutate(op)
    assert list(VALIDATOR.iter_errors(tree))


def test_attr_index_coding():
    assert decode_attr_index("\x00\x01") == 0
    assert decode_attr_index("\x00\x05\x02") == 4 + 127
    for index in (0, 1, 126, 127, 130, 127 ** 2 + 5):
        encoded = encode_attr_index(index)
        assert encoded[0] == "\0" and "\0" not in encoded[1:] and decode_attr_index(encoded) == index


def _compressed_model() -> ge.ModelDef:
    names = [f"name_{i}" for i in range(131)] + ["alpha", "mode"]
    model = ge.ModelDef(name="c")
    model.attr["om_compress_version"].i = 1
    model.attr["attr_name_enum"].list.s.extend(n.encode() for n in names)
    model.attr["attr_value_enum"].list.s.extend([b"LINEAR", b"NEAREST"])
    model.attr["attrs_use_string_value"].list.b.extend([False] * 131 + [False, True])
    model.attr["attrs_use_string_value"].list.val_type = ge.AttrDef.ListValue.VT_LIST_BOOL
    model.attr["atc_version"].s = b"x"
    op = model.graph.add(name="g").op.add(name="resize", type="Resize")
    op.attr[encode_attr_index(131)].f = 0.25
    op.attr[encode_attr_index(132)].i = 1
    op.attr["plain"].b = True
    lst = op.output_desc.add().attr[encode_attr_index(132)].list
    lst.i.extend([0, 1])
    lst.val_type = ge.AttrDef.ListValue.VT_LIST_INT
    return model


def test_compressed_attr_names_are_decoded_and_bookkeeping_removed():
    tree = json.loads(model_def_to_json(_compressed_model()))
    assert [e["key"] for e in tree["attr"]] == ["atc_version"]
    op = tree["graph"][0]["op"][0]
    assert [e["key"] for e in op["attr"]] == ["alpha", "mode", "plain"]
    assert _attrs(op["attr"])["alpha"] == {"f": "0.25"}
    assert _attrs(op["attr"])["mode"] == {"s": "NEAREST"}
    assert _attrs(op["output_desc"][0]["attr"])["mode"]["list"] == {"s": ["LINEAR", "NEAREST"],
                                                                     "val_type": "VT_LIST_STRING"}
    assert not list(VALIDATOR.iter_errors(tree))


def _onnx_model():
    weight = numpy_helper.from_array(np.array([1.5, -2.0], np.float32), "w")
    node = helper.make_node("LeakyRelu", ["x"], ["y"], alpha=0.25, name="lrelu")
    node.attribute.append(helper.make_attribute("zero", 0))
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])], [weight])
    return helper.make_model(graph)


def test_onnx_source_dump_is_the_graph_with_the_same_conventions():
    text = onnx_graph_to_json(_onnx_model())
    assert _keys_sorted(text)
    tree = json.loads(text)
    assert tree["name"] == "g" and "ir_version" not in tree and "opset_import" not in tree
    attrs = {a["name"]: a for a in tree["node"][0]["attribute"]}
    assert attrs["alpha"]["f"] == "0.25" and attrs["alpha"]["type"] == "FLOAT"
    assert attrs["zero"]["i"] == 0                       # proto2 presence: set at default, still written
    init = tree["initializer"][0]
    assert init["raw_data"] == "\\000\\000\\300?\\000\\000\\000\\300" and init["dims"] == [2]


def test_generic_dump_drops_named_fields_at_every_depth():
    graph = _onnx_model().graph
    tree = json.loads(message_to_json(graph, drop={"raw_data", "dims"}))
    assert tree["initializer"][0] == {"data_type": 1, "name": "w"}
    assert "tensor_content" in TF_DROPPED_FIELDS
    tree = json.loads(message_to_json(graph.initializer[0], enums_as_names=False))
    assert tree["data_type"] == 1


# ---- the null rule (om-format.md section 5, GE's Pb2Json) ---------------------------------------

def _printed_nothing(attr: ge.AttrDef) -> bool:
    """An AttrDef that is non-empty but prints nothing in a dump_mode 0 dump: only bt, or a
    message member that is empty (an independent statement of the rule for the fixture test)."""
    member = attr.WhichOneof("value")
    if member == "bt":
        return True
    if member in ("list", "func", "td", "t", "g", "list_list_int", "list_list_float"):
        sub = getattr(attr, member)
        if sub.ByteSize() == 0:
            return True
        return member == "list" and set(f.name for f, _ in sub.ListFields()) == {"bt"}
    return False


def _attr_maps(model: ge.ModelDef):
    """Every map<string, AttrDef> in a ModelDef, at any depth, with its JSON-side location."""
    yield model.attr
    for graph in model.graph:
        yield graph.attr
        for op in graph.op:
            yield op.attr
            for desc in list(op.input_desc) + list(op.output_desc):
                yield desc.attr


def test_every_fixture_dump_follows_the_null_rule(om_fixtures):
    from converter.om.reader import read_om
    for path in sorted(om_fixtures.glob("*.om")):
        model = read_om(path).model_def
        tree = json.loads(om_to_json(path))
        # an object that prints nothing is null, an empty one has no key: no {} anywhere
        assert not [p for p, obj in _walk(tree) if obj == {}], path.name
        expected = sum(1 for attrs in _attr_maps(model) for key, a in attrs.items()
                       if key not in COMPRESS_BOOKKEEPING and a.ByteSize() and _printed_nothing(a))
        got = sum(1 for _, obj in _walk(tree) if "key" in obj and "value" in obj and obj["value"] is None)
        assert got == expected, path.name


def test_hh_om_tasks_and_empty_shape_ranges_are_null(om_fixtures):
    from converter.om.reader import read_om
    path = om_fixtures / "hh_om.om"
    model = read_om(path).model_def
    tree = json.loads(om_to_json(path))
    assert set(f.name for f, _ in model.attr["tasks"].ListFields()) == {"bt"}
    assert {"key": "tasks", "value": None} in tree["attr"]
    ranges = [(op.name, i, d.attr["origin_shape_range"]) for op in model.graph[0].op
              for i, d in enumerate(op.input_desc) if "origin_shape_range" in d.attr]
    empty = [(name, i) for name, i, a in ranges
             if a.WhichOneof("value") == "list_list_int" and a.list_list_int.ByteSize() == 0]
    assert len(empty) > 10
    for name, i in empty:
        assert _attrs(_op(tree, name)["input_desc"][i]["attr"])["origin_shape_range"] is None
    text = om_to_json(path)
    assert '"list_list_int": {}' not in text and '"value": {}' not in text


def _dump(model: ge.ModelDef, dump_mode: int = 0) -> dict:
    tree = json.loads(model_def_to_json(model, dump_mode))
    if dump_mode == 0:
        assert not list(VALIDATOR.iter_errors(tree)), list(VALIDATOR.iter_errors(tree))[0].message
    return tree


def _null_rule_model() -> ge.ModelDef:
    model = ge.ModelDef(name="n")
    model.attr["tasks"].bt = b"\x01\x02"                                    # only bt
    model.attr["empty_lli"].list_list_int.SetInParent()                    # empty oneof member
    model.attr["empty_list"].list.SetInParent()
    model.attr["bt_list"].list.bt.append(b"x")                             # ListValue of only bt
    model.attr["typed_list"].list.val_type = ge.AttrDef.ListValue.VT_LIST_INT
    model.attr["no_value"].SetInParent()                                   # empty AttrDef
    model.attr["data_only"].t.data = b"\0\0\0\0"                          # TensorDef of only data
    model.attr["sized_desc"].t.desc.weight_size = 4                        # desc of only dropped fields
    model.attr["empty_desc"].t.desc.SetInParent()                          # TensorDef holding an empty desc
    model.attr["lli"].list_list_int.list_list_i.add().list_i.extend([1, 2])
    model.attr["lli"].list_list_int.list_list_i.add()                      # empty ListInt element
    model.attr["long_f"].f = -1.2345678e-5                                 # %g longer than 9 characters
    model.attr["short_f"].f = -0.125
    model.attr["out_only"].g.output.append("x")                            # GraphDef of only output
    graph = model.graph.add(name="g")
    op = graph.op.add(name="a", type="Relu")
    op.input_desc.add()                                                    # empty element
    op.input_desc.add().size = 16                                          # prints nothing
    op.input_desc.add(dtype=ge.DT_FLOAT, layout="ND")
    op.output_desc.add(layout="ND").shape.SetInParent()                    # empty singular ShapeDef
    graph.op.add().workspace.append(8)                                     # an op of only dropped fields
    return model


def test_null_rule_synthetic_cases():
    tree = _dump(_null_rule_model())
    attrs = {e["key"]: e for e in tree["attr"]}
    assert attrs["tasks"] == {"key": "tasks", "value": None}
    assert attrs["empty_lli"]["value"] is None and attrs["empty_list"]["value"] is None
    assert attrs["bt_list"]["value"] == {"list": None}
    assert attrs["typed_list"]["value"] == {"list": {"val_type": "VT_LIST_INT"}}
    assert attrs["no_value"] == {"key": "no_value"}                        # ByteSize 0: no "value" key
    assert attrs["data_only"]["value"] == {"t": None}
    assert attrs["sized_desc"]["value"] == {"t": {"desc": None}}
    assert attrs["empty_desc"]["value"] == {"t": None}                     # t non-empty, desc empty
    assert attrs["lli"]["value"] == {"list_list_int": {"list_list_i": [{"list_i": [1, 2]}, None]}}
    assert attrs["long_f"]["value"]["f"] == pytest.approx(-1.2345678e-5) and \
        isinstance(attrs["long_f"]["value"]["f"], float)
    assert attrs["short_f"]["value"] == {"f": "-0.125"}
    assert attrs["out_only"]["value"] == {"g": None}
    op = tree["graph"][0]["op"][0]
    assert op["input_desc"] == [None, None, {"dtype": "DT_FLOAT", "layout": "ND"}]
    assert op["output_desc"] == [{"layout": "ND"}]
    assert tree["graph"][0]["op"][1] is None


def test_null_rule_in_dump_mode_1_only_empty_members():
    tree = _dump(_null_rule_model(), dump_mode=1)
    attrs = {e["key"]: e for e in tree["attr"]}
    assert attrs["tasks"]["value"] == {"bt": "\\001\\002"}                 # nothing dropped: bt is printed
    assert attrs["empty_lli"]["value"] is None                             # still prints nothing
    assert attrs["data_only"]["value"] == {"t": {"data": "\\000\\000\\000\\000"}}
    assert tree["graph"][0]["op"][0]["input_desc"][:2] == [None, {"size": 16}]


def test_only_bookkeeping_model_attrs_leave_an_empty_array():
    model = ge.ModelDef(name="c")
    model.attr["om_compress_version"].i = 0
    model.graph.add(name="g")
    assert _dump(model)["attr"] == []
