"""Bad description files are refused with ATC's E-codes (the message names the entry, tensor or attribute),
never with a traceback, and nothing is written: a good entry before a bad one gives no .om either."""
from __future__ import annotations

import copy
import json

import pytest

from converter.cli import main as atc

ND = {"format": "ND", "shape": [3, 3], "type": "float32"}
ADD = {"op": "Add", "name": "add", "input_desc": [ND, ND], "output_desc": [ND]}


def with_(change) -> list:
    """[a good Add entry, the Add entry changed by ``change``] (the bad one second: nothing may be written)."""
    bad = copy.deepcopy(ADD)
    bad["name"] = "bad"
    change(bad)
    return [copy.deepcopy(ADD), bad]


def tensor(**kw) -> dict:
    return {**ND, **kw}


def set_in(i, **kw):
    def change(e):
        e["input_desc"][i] = {**e["input_desc"][i], **kw}
    return change


def drop_in(i, key):
    def change(e):
        del e["input_desc"][i][key]
    return change


def set_out(**kw):
    def change(e):
        e["output_desc"][0] = {**e["output_desc"][0], **kw}
    return change


def attrs(*items):
    def change(e):
        e["attr"] = list(items)
    return change


def setkey(key, value):
    def change(e):
        e[key] = value
    return change


BAD = {
    # the file
    "not_json": ("{ this is not json", "E10025"),
    "not_utf8": (b"\xff\xfe\x00[", "E10025"),
    "not_a_list": ({"op": "Add"}, "E10032"),
    "entry_not_object": ([42], "E10032"),
    # the op
    "no_op": (with_(lambda e: e.pop("op")), "E10026"),
    "empty_op": (with_(setkey("op", "")), "E10026"),
    "op_not_string": (with_(setkey("op", 7)), "E10032"),
    "unknown_op": (with_(setkey("op", "NoSuchOp")), "E11009"),
    "too_few_inputs": (with_(lambda e: e["input_desc"].pop()), "E13014"),
    "no_outputs": (with_(setkey("output_desc", [])), "E13014"),
    "input_desc_not_list": (with_(setkey("input_desc", {"format": "ND"})), "E10032"),
    # tensor types and formats
    "unknown_format": (with_(set_in(0, format="NCWH")), "E10027"),
    "unknown_type": (with_(set_in(0, type="float8")), "E10027"),
    "input_type_undefined": (with_(set_in(0, type="UNDEFINED")), "E10027"),
    "output_type_undefined": (with_(set_out(type="UNDEFINED")), "E10027"),
    "output_format_reserved": (with_(set_out(format="RESERVED")), "E10027"),
    "unknown_origin_format": (with_(set_in(0, origin_format="XYZ")), "E10027"),
    "type_not_string": (with_(set_in(0, type=1)), "E10032"),
    "mixed_input_types": (with_(set_in(1, type="int32")), "E13014"),
    "wrong_output_type": (with_(set_out(type="int32")), "E13014"),
    # shapes
    "no_shape": (with_(drop_in(0, "shape")), "E10032"),
    "shape_not_list": (with_(set_in(0, shape="3,3")), "E10032"),
    "shape_of_floats": (with_(set_in(0, shape=[3.5, 3])), "E10032"),
    "negative_dim": (with_(set_in(0, shape=[-3, 3])), "E13014"),
    "dim_beyond_int64": (with_(set_in(0, shape=[2 ** 63, 3])), "E13014"),
    "too_many_elements": (with_(lambda e: [set_in(i, shape=[2 ** 30, 2 ** 30])(e) for i in range(2)]
                                and set_out(shape=[2 ** 30, 2 ** 30])(e)), "E13014"),
    "shapes_do_not_broadcast": (with_(set_in(1, shape=[4, 5])), "E10001"),
    "wrong_output_shape": (with_(set_out(shape=[3, 4])), "E13014"),
    "rank_of_format": (with_(lambda e: [set_in(i, format="NCHW")(e) for i in range(2)]), "E13014"),
    "range_count": (with_(set_in(0, shape=[-1, 3], shape_range=[])), "E13014"),
    "range_not_pair": (with_(set_in(0, shape=[-1, 3], shape_range=[[1, 2, 3]])), "E13014"),
    "range_backwards": (with_(set_in(0, shape=[-1, 3], shape_range=[[5, 2]])), "E13014"),
    "range_for_unknown_rank": (with_(set_in(0, shape=[-2], shape_range=[[1, 2]])), "E13014"),
    "range_not_lists": (with_(set_in(0, shape=[-1, 3], shape_range=[1, 2])), "E10032"),
    # constants
    "const_without_value": (with_(set_in(1, is_const=True)), "E13014"),
    "const_value_count": (with_(set_in(1, is_const=True, const_value=[1.0, 2.0])), "E13014"),
    "const_value_strings": (with_(set_in(1, is_const=True, const_value=["a"] * 9)), "E10032"),
    "const_value_overflow": (with_(lambda e: [set_in(i, type="int8")(e) for i in range(2)] and
                                   set_in(1, is_const=True, const_value=[300] * 9)(e)), "E13014"),
    "const_dynamic_shape": (with_(set_in(1, is_const=True, shape=[-1, 3], shape_range=[[1, 3]],
                                         const_value=[0.0] * 9)), "E13014"),
    "is_const_not_bool": (with_(set_in(1, is_const="yes")), "E10032"),
    # attributes
    "attr_without_name": (with_(attrs({"type": "int", "value": 1})), "E10029"),
    "attr_empty_name": (with_(attrs({"name": "", "type": "int", "value": 1})), "E10029"),
    "attr_unknown_type": (with_(attrs({"name": "x", "type": "tensor", "value": 1})), "E10030"),
    "attr_without_value": (with_(attrs({"name": "x", "type": "int"})), "E10030"),
    "attr_without_type": (with_(attrs({"name": "x", "value": 1})), "E10032"),
    "attr_bool_as_int": (with_(attrs({"name": "x", "type": "int", "value": True})), "E10032"),
    "attr_float_as_int": (with_(attrs({"name": "x", "type": "int", "value": 1.5})), "E10032"),
    "attr_int_beyond_int64": (with_(attrs({"name": "x", "type": "int", "value": 2 ** 64})), "E10032"),
    "required_attr_missing": (with_(lambda e: e.update(op="ReduceSumD", output_desc=[tensor(shape=[3])])), "E10001"),
    "attr_that_does_not_fit": (with_(lambda e: e.update(op="ReduceSumD", output_desc=[tensor(shape=[3])],
                                                          attr=[{"name": "axes", "type": "list_string",
                                                                 "value": ["a"]}])), "E13014"),
    "attr_string_as_list": (with_(attrs({"name": "x", "type": "list_int", "value": "1,2"})), "E10032"),
    "attr_mixed_list": (with_(attrs({"name": "x", "type": "list_float", "value": [1.0, "a"]})), "E10032"),
    "attr_list_list_flat": (with_(attrs({"name": "x", "type": "list_list_int", "value": [1, 2]})), "E10032"),
    "attr_bad_data_type": (with_(attrs({"name": "x", "type": "data_type", "value": "DT_NOPE"})), "E10030"),
    "attr_not_object": (with_(attrs(["x", "int", 1])), "E10032"),
}


def run(tmp_path, content, capsys) -> tuple:
    desc = tmp_path / "ops.json"
    if isinstance(content, bytes):
        desc.write_bytes(content)
    elif isinstance(content, str):
        desc.write_text(content)
    else:
        desc.write_text(json.dumps(content))
    out = tmp_path / "out"
    rc = atc([f"--singleop={desc}", f"--output={out}", "--soc_version=Ascend310"])
    captured = capsys.readouterr()
    return rc, captured.out + captured.err, out


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_description_is_refused_and_nothing_is_written(tmp_path, capsys, case):
    content, code = BAD[case]
    rc, text, out = run(tmp_path, content, capsys)
    assert rc == 1, text
    assert f"{code}: " in text, text
    assert "Traceback" not in text and "E19999" not in text
    assert not out.exists() or not any(out.iterdir())


def test_bfloat16_converts(tmp_path, capsys):
    """bfloat16 has a numpy type since issue 11 (ml_dtypes), so a bfloat16 Add is converted (it was refused)."""
    bf16 = {**ND, "type": "bfloat16"}
    rc, text, out = run(tmp_path, [{**ADD, "input_desc": [bf16, bf16], "output_desc": [bf16]}], capsys)
    assert rc == 0, text
    assert [p.name for p in out.iterdir()] == ["add.om"]


def test_good_files_still_convert(tmp_path, capsys):
    """The base entry of the cases above converts (so each case fails for its own change)."""
    rc, text, out = run(tmp_path, [ADD, {**ADD, "name": "again"}], capsys)
    assert rc == 0, text
    assert sorted(p.name for p in out.iterdir()) == ["add.om", "again.om"]


def test_missing_file(tmp_path, capsys):
    rc = atc([f"--singleop={tmp_path / 'nope.json'}", f"--output={tmp_path / 'out'}", "--soc_version=Ascend310"])
    assert rc == 1 and "E10023: " in capsys.readouterr().out


def test_unknown_op_types_are_listed_at_once(tmp_path, capsys):
    rc, text, _ = run(tmp_path, [{**ADD, "op": "FooOp"}, ADD, {**ADD, "op": "BarOp"}], capsys)
    assert rc == 1 and "E11009" in text and "'BarOp'" in text and "'FooOp'" in text


def test_message_names_the_file_entry_and_tensor(tmp_path, capsys):
    rc, text, _ = run(tmp_path, with_(set_in(1, format="NCWH")), capsys)
    assert "ops.json', entry 1 ('Add'), input 1: format 'NCWH'" in text


def test_a_failed_run_leaves_earlier_models_alone(tmp_path, capsys):
    rc, text, out = run(tmp_path, [ADD], capsys)
    before = (out / "add.om").read_bytes()
    rc, text, out = run(tmp_path, with_(set_in(0, type="float8")), capsys)
    assert rc == 1 and sorted(p.name for p in out.iterdir()) == ["add.om"]
    assert (out / "add.om").read_bytes() == before


def test_output_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "out").write_text("")
    desc = tmp_path / "ops.json"
    desc.write_text(json.dumps([ADD]))
    rc = atc([f"--singleop={desc}", f"--output={tmp_path / 'out'}", "--soc_version=Ascend310"])
    assert rc == 1 and "E10001: --output" in capsys.readouterr().out
