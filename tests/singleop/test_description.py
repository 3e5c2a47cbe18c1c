"""Description files beyond the op suite: ATC's file naming, compile_flag entries, dynamic inputs, optional
inputs, dynamic shapes (-1 with shape_range, [-2]) recorded on the model and run at several shapes, and the
options a single-op build reads."""
from __future__ import annotations

import json

import numpy as np
import pytest

from converter.ascend.description import read_description
from converter.cli import main as atc
from converter.om.reader import read_om
from converter.runtime import Session

ND33 = {"format": "ND", "shape": [3, 3], "type": "int32"}


def write(tmp_path, entries) -> str:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "ops.json"
    path.write_text(json.dumps(entries))
    return str(path)


def build(tmp_path, entries, *extra) -> tuple:
    out = tmp_path / "out"
    rc = atc([f"--singleop={write(tmp_path, entries)}", f"--output={out}", "--soc_version=Ascend310", *extra])
    assert rc == 0
    return out, sorted(p.name for p in out.iterdir())


def test_generated_name_is_atcs_documented_example(tmp_path):
    """ATC's documentation: an Add of two int32 ND [3, 3] tensors without a name is 0_Add_3_2_3_3_3_2_3_3_3_2_3_3.om
    (index, op, then type and format numbers and dims of each input and output)."""
    _, names = build(tmp_path, [{"op": "Add", "input_desc": [ND33, ND33], "output_desc": [ND33]}])
    assert names == ["0_Add_3_2_3_3_3_2_3_3_3_2_3_3.om"]


@pytest.mark.parametrize("name,expected", [
    ("my-add_1.v2", "my-add_1.v2.om"),
    ("a/b", "0_Add_3_2_3_3_3_2_3_3_3_2_3_3.om"),              # not a valid file name: generated
    ("..", "0_Add_3_2_3_3_3_2_3_3_3_2_3_3.om"),
    ("with space", "0_Add_3_2_3_3_3_2_3_3_3_2_3_3.om"),
    ("x" * 200, "x" * 128 + ".om"),                            # cut to 128 characters
])
def test_name_field(tmp_path, name, expected):
    entry = {"op": "Add", "name": name, "input_desc": [ND33, ND33], "output_desc": [ND33]}
    assert read_description(write(tmp_path, [entry]))[0].file_name == expected


def test_long_generated_names_are_cut_and_op_types_never_make_paths(tmp_path):
    big = {"format": "ND", "shape": [1] * 40, "type": "float32"}
    entry = {"op": "Add", "input_desc": [big, big], "output_desc": [big]}
    name = read_description(write(tmp_path, [entry]))[0].file_name
    assert len(name) == 128 + 3 and name.startswith("0_Add_0_2_1_1")
    weird = {"op": "../../Add", "input_desc": [ND33, ND33], "output_desc": [ND33]}
    assert "/" not in read_description(write(tmp_path, [weird]))[0].file_name


def test_compile_flag_entries_are_skipped_and_not_counted(tmp_path):
    """ATC: an entry with compile_flag 1 is not compiled; the index in generated names counts compiled ones."""
    add = {"op": "Add", "input_desc": [ND33, ND33], "output_desc": [ND33]}
    _, names = build(tmp_path, [{**add, "compile_flag": 1}, add, {**add, "compile_flag": 0}])
    assert names == ["0_Add_3_2_3_3_3_2_3_3_3_2_3_3.om", "1_Add_3_2_3_3_3_2_3_3_3_2_3_3.om"]


def test_dynamic_input_groups_name_the_inputs(tmp_path):
    t = {"format": "ND", "shape": [2, 2], "type": "float32"}
    entry = {"op": "AddN", "name": "addn", "input_desc": [{**t, "dynamic_input": "x"}] * 3, "output_desc": [t],
             "attr": [{"name": "N", "type": "int", "value": 3}]}
    out, _ = build(tmp_path, [entry])
    session = Session(str(out / "addn.om"))
    assert [op.name for op in session.graph.data_ops()] == ["x0", "x1", "x2"]
    ones = np.ones((2, 2), np.float32)
    np.testing.assert_array_equal(session.run_outputs({"x0": ones, "x1": ones * 2, "x2": ones * 3})[0], ones * 6)


def test_absent_optional_input(tmp_path):
    """An optional input left out is described with type UNDEFINED and format RESERVED (here: MatMulV2's
    bias); the name gets GE's numbers for them (28, 40)."""
    a = {"format": "ND", "shape": [2, 3], "type": "float32"}
    b = {"format": "ND", "shape": [3, 4], "type": "float32"}
    y = {"format": "ND", "shape": [2, 4], "type": "float32"}
    none = {"format": "RESERVED", "type": "UNDEFINED", "shape": []}
    out, names = build(tmp_path, [{"op": "MatMulV2", "input_desc": [a, b, none], "output_desc": [y]}])
    assert names == ["0_MatMulV2_0_2_2_3_0_2_3_4_28_40_0_2_2_4.om"]
    x1, x2 = np.arange(6, dtype=np.float32).reshape(2, 3), np.ones((3, 4), np.float32)
    got = Session(str(out / names[0])).run_outputs({"input0": x1, "input1": x2})[0]
    np.testing.assert_allclose(got, x1 @ x2)


def test_later_entry_of_the_same_name_wins(tmp_path, capsys):
    add = {"op": "Add", "name": "same", "input_desc": [ND33, ND33], "output_desc": [ND33]}
    sub = {**add, "op": "Sub"}
    out, names = build(tmp_path, [add, sub])
    assert names == ["same.om"] and "later one is kept" in capsys.readouterr().err
    a = np.full((3, 3), 5, np.int32)
    np.testing.assert_array_equal(Session(str(out / "same.om")).run_outputs({"input0": a, "input1": a})[0], a * 0)


def test_dynamic_shapes_are_recorded_and_run_within_their_range(tmp_path):
    dyn = {"format": "ND", "shape": [-1, 4], "type": "float32", "shape_range": [[1, 8]]}
    any_rank = {"format": "ND", "shape": [-2], "type": "float32"}
    out, _ = build(tmp_path, [{"op": "Add", "name": "dyn_add", "input_desc": [dyn, dyn], "output_desc": [dyn]},
                              {"op": "Relu", "name": "any_rank", "input_desc": [any_rank],
                               "output_desc": [any_rank]}])
    om = read_om(str(out / "dyn_add.om"))
    data = [op for op in om.model_def.graph[0].op if op.type == "Data"]
    desc = data[0].output_desc[0]
    assert list(desc.shape.dim) == [-1, 4]
    assert [list(r.list_i) for r in desc.attr["shape_range"].list_list_int.list_list_i] == [[1, 8], [4, 4]]
    session = Session(str(out / "dyn_add.om"))
    for rows in (1, 5):
        a = np.full((rows, 4), 1.5, np.float32)
        np.testing.assert_array_equal(session.run_outputs({"input0": a, "input1": a})[0], a * 2)
    relu = Session(str(out / "any_rank.om"))
    for shape in ((3,), (2, 3, 4)):
        x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
        np.testing.assert_array_equal(relu.run_outputs({"input0": x})[0], np.maximum(x, 0))


def test_dynamic_batch_convolution(tmp_path):
    x = {"format": "NCHW", "shape": [-1, 2, 5, 5], "type": "float32", "shape_range": [[1, 4]]}
    w = {"format": "NCHW", "shape": [3, 2, 3, 3], "type": "float32", "is_const": True,
         "const_value": [0.25] * 54}
    y = {"format": "NCHW", "shape": [-1, 3, 3, 3], "type": "float32", "shape_range": [[1, 4]]}
    out, _ = build(tmp_path, [{"op": "Conv2D", "name": "conv", "input_desc": [x, w], "output_desc": [y],
                               "attr": [{"name": "strides", "type": "list_int", "value": [1, 1, 1, 1]},
                                        {"name": "pads", "type": "list_int", "value": [0, 0, 0, 0]}]}])
    session = Session(str(out / "conv.om"))
    for n in (1, 3):
        got = session.run_outputs({"input0": np.ones((n, 2, 5, 5), np.float32)})[0]
        np.testing.assert_allclose(got, np.full((n, 3, 3, 3), 0.25 * 18, np.float32), rtol=1e-6)


def conv_entry(dtype="float32"):
    t = lambda shape: {"format": "NCHW", "shape": shape, "type": dtype}  # noqa: E731
    return {"op": "Conv2D", "name": "conv", "input_desc": [t([1, 2, 4, 4]), {**t([2, 2, 1, 1]), "is_const": True,
                                                                            "const_value": [1.0, 0.5, -0.5, 2.0]}],
            "output_desc": [t([1, 2, 4, 4])],
            "attr": [{"name": "strides", "type": "list_int", "value": [1, 1, 1, 1]},
                     {"name": "pads", "type": "list_int", "value": [0, 0, 0, 0]}]}


def test_declared_dtypes_are_kept_unless_a_precision_mode_is_given(tmp_path):
    x = np.random.default_rng(0).uniform(-1, 1, (1, 2, 4, 4)).astype(np.float32) * 1000 + 0.123
    out, _ = build(tmp_path / "keep", [conv_entry()])
    kept = Session(str(out / "conv.om"))
    assert "Cast" not in {op.type for op in kept.graph.ops()}
    exact = kept.run_outputs({"input0": x})[0]
    out, _ = build(tmp_path / "fp16", [conv_entry()], "--precision_mode=force_fp16")
    forced = Session(str(out / "conv.om"))
    assert {op.outputs[0].dtype for op in forced.graph.ops() if op.type == "Conv2D"} == {2}    # DT_FLOAT16
    approx = forced.run_outputs({"input0": x})[0]
    assert approx.dtype == np.float32 and 0 < np.max(np.abs(approx - exact)) < 2.0


def test_fp16_description_computes_in_fp16_without_casts(tmp_path):
    out, _ = build(tmp_path, [conv_entry("float16")])
    session = Session(str(out / "conv.om"))
    assert [op.type for op in session.graph.ops()] == ["Data", "Const", "Conv2D", "NetOutput"]


def test_options_without_effect_are_warned_about_and_recorded(tmp_path, capsys):
    out, _ = build(tmp_path, [conv_entry()], "--input_shape=x:1,2,4,4", "--op_select_implmode=high_precision")
    err = capsys.readouterr().err
    assert "--input_shape has no effect with --singleop" in err
    attrs = read_om(str(out / "conv.om")).attrs
    assert "--op_select_implmode=high_precision" in attrs["atc_cmdline"] and attrs["soc_version"] == "Ascend310"
