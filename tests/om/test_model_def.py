"""IR Graph <-> ModelDef: round trips through .om preserve ops, edges, descs, attrs and weights."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ir import DataType
from converter.om.container import PartitionType, read_om_file
from converter.om.model_def import graph_to_model_def, model_def_to_graph
from converter.om.reader import om_info, read_om
from converter.om.writer import write_om

from .conftest import conv_graph, if_graph, weights_graph


def _round_trip(graph, tmp_path, name="m.om"):
    path = write_om(graph, tmp_path / name, {"atc_cmdline": "atc --framework=5", "soc_version": "Ascend310",
                                             "framework_type": 5})
    return read_om(path)


def _edges(graph):
    return {op.name: graph.inputs_of(op.name) for op in graph.ops()}


def _assert_same_graph(a, b):
    assert [(o.name, o.type) for o in a.topo_order()] == [(o.name, o.type) for o in b.topo_order()]
    assert _edges(a) == _edges(b)
    assert b.output_refs() == a.output_refs()
    for op in a.ops():
        back = b.op(op.name)
        assert back.source == op.source, op.name
        assert back.outputs == op.outputs, op.name
        if op.type == "Const":
            assert back.value.dtype == op.value.dtype and back.value.shape == op.value.shape, op.name
            assert np.array_equal(back.value, op.value), op.name
        else:
            assert back.value is None


def test_conv_graph_round_trip(tmp_path):
    g = conv_graph()
    model = _round_trip(g, tmp_path)
    back = model.to_graph()
    _assert_same_graph(g, back)
    assert back.op("act").attrs == {"alpha": 0.1}
    assert back.op("conv").attrs["strides"] == [1, 1] and isinstance(back.op("conv").attrs["groups"], int)
    assert back.op("x").attrs == {"index": 0}
    assert back.op("x").outputs[0].origin_dtype == DataType.DT_FLOAT


def test_weights_of_every_dtype_and_all_attr_kinds_round_trip(tmp_path):
    g, values = weights_graph()
    back = _round_trip(g, tmp_path).to_graph()
    _assert_same_graph(g, back)
    for name, value in values.items():
        assert np.array_equal(back.op(name).value, value) and back.op(name).value.dtype == value.dtype, name
    attrs = back.op("mix").attrs
    original = g.op("mix").attrs
    assert set(attrs) == set(original)
    for key, value in original.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(attrs[key], value) and attrs[key].dtype == value.dtype
        else:
            assert attrs[key] == value and type(attrs[key]) is type(value), key
    assert back.inputs_of("mix")[2] is None          # the optional-input gap survives
    assert back.op("x").outputs[0].shape_range == ((1, 16), (3, 3))
    assert back.op("mix").outputs[1].shape is None   # unknown rank


def test_gap_is_recorded_only_when_present_and_inputs_are_never_empty():
    g, _ = weights_graph()
    model = graph_to_model_def(g).model_def
    ops = {o.name: o for o in model.graph[0].op}
    assert list(ops["mix"].attr["_input_index"].list.i) == [0, 1] + list(range(3, 11))
    assert "_input_index" not in ops["NetOutput"].attr
    assert all(text for o in model.graph[0].op for text in o.input)


def test_edges_agree_at_both_ends():
    g, _ = weights_graph()
    model = graph_to_model_def(g).model_def
    ops = {o.name: o for o in model.graph[0].op}
    for op in model.graph[0].op:
        for text, desc in zip(op.input, op.input_desc):
            src, idx = text.rsplit(":", 1)
            assert ops[src].output_desc[int(idx)] == desc


def test_consts_point_into_weights_laid_out_as_ge_does():
    """GE's ModelBuilder: the first weight at 512, each next one at the following multiple of 512, the
    partition rounded up to 512 (the writer shifts all of them by one lead afterwards)."""
    g, values = weights_graph()
    build = graph_to_model_def(g)
    offset = 512
    for op in build.model_def.graph[0].op:
        if op.type != "Const":
            continue
        desc = op.attr["value"].t.desc
        assert not op.attr["value"].t.data
        assert desc.data_offset == offset and desc.weight_size == values[op.name].nbytes
        offset = -(-(offset + desc.weight_size) // 512) * 512
    assert offset == build.weights_size
    attrs = build.model_def.attr
    assert attrs["weight_size"].i == offset and list(attrs["om_info_list"].list.i) == [offset, 0, 0, 0]
    assert list(attrs["attr_model_out_nodes_name"].list.s) == [b"mix:0", b"mix:1"]
    chunks = build.weights
    assert sum(len(c) if isinstance(c, bytes) else c.nbytes for c in chunks) == build.weights_size
    build.shift_weights(100)
    assert build.weights_size == offset + 100 and list(attrs["om_info_list"].list.i) == [offset + 100, 0, 0, 0]
    assert [d.data_offset for d, _, _ in build.placed][0] == 612


def test_subgraphs_become_extra_graph_defs(tmp_path):
    g = if_graph()
    model = _round_trip(g, tmp_path)
    assert [gd.name for gd in model.model_def.graph] == ["cond", "then_g", "else_g"]
    if_def = next(o for o in model.model_def.graph[0].op if o.type == "If")
    assert list(if_def.subgraph_name) == ["then_g", "else_g"]
    back = model.to_graph()
    subs = back.op("if").subgraphs
    assert list(subs) == ["then_branch", "else_branch"]
    assert np.array_equal(subs["then_branch"].op("k").value, [2.0, 2.0])
    assert np.array_equal(subs["else_branch"].op("k").value, [-1.0, -1.0])
    _assert_same_graph(g.op("if").subgraphs["else_branch"], subs["else_branch"])


def test_model_attrs(tmp_path):
    model = _round_trip(conv_graph(), tmp_path)
    attrs = model.attrs
    assert attrs["soc_version"] == "Ascend310" and attrs["framework_type"] == 5
    assert attrs["atc_version"] and attrs["memory_size"] > 0
    info = om_info(model.path)
    assert info["inputs"] == [{"name": "x", "dtype": "DT_FLOAT", "shape": [1, 3, 8, 8], "format": "NCHW"}]
    assert info["outputs"][0]["shape"] == [1, 4, 8, 8]
    assert [p["type"] for p in info["partitions"]] == ["MODEL_DEF", "WEIGHTS_DATA"]


def test_declared_attr_types_are_restored():
    g = conv_graph()
    g.op("act").attrs["alpha"] = 1        # an int where the registry declares a float
    build = graph_to_model_def(g)
    back = model_def_to_graph(build.model_def, b"".join(np.asarray(w).tobytes() for w in build.weights))
    assert back.op("act").attrs["alpha"] == 1.0 and isinstance(back.op("act").attrs["alpha"], float)


def test_real_atc_file_reads_into_a_graph(om_fixtures):
    model = read_om(om_fixtures / "hh_om.om")
    graph = model.to_graph()
    assert len(graph) == 46
    types = {op.type for op in graph.ops()}
    assert {"AtomicAddrClean", "TransData", "Conv2DBackpropInputD"} <= types
    const = graph.op("dynamic_const_5478_34")
    assert const.value.dtype == np.float16 and const.value.shape == (25, 1, 16, 16)
    weights = read_om_file(om_fixtures / "hh_om.om").models[0][PartitionType.WEIGHTS_DATA]
    assert const.value.tobytes() == bytes(weights[512:512 + 12800])
    assert graph.op("trans_Cast_0").attrs["_control_inputs"] == ["atomic_addr_clean-1_0"]
    assert graph.inputs_of("trans_Cast_0") == [("input", 0)]


@pytest.mark.parametrize("name", ["hiai_tf_use_origin_format.om", "hiai_aipp.om", "ge_root_model.om",
                                  "ge_dynamic_and_static_graph_without_unfold.om"])
def test_other_real_files_read_into_graphs(om_fixtures, name):
    model = read_om(om_fixtures / name)
    graph = model.to_graph()
    assert len(graph) == len(model.model_def.graph[0].op)
    for op in graph.ops():
        if op.type == "Const":
            assert op.value is not None


def test_rewriting_a_real_file_keeps_its_graph(om_fixtures, tmp_path):
    graph = read_om(om_fixtures / "hiai_tf_use_origin_format.om").to_graph()
    back = read_om(write_om(graph, tmp_path / "re.om")).to_graph()
    _assert_same_graph(graph, back)


def test_unstorable_attr_names_the_op():
    from converter.errors import GraphError
    g = conv_graph()
    g.op("act").attrs["bad"] = {1, 2}
    with pytest.raises(GraphError, match="op 'act'.*'bad'"):
        graph_to_model_def(g)


def test_om_runs_like_the_graph(tmp_path):
    runtime = pytest.importorskip("converter.runtime")
    g = conv_graph()
    path = write_om(g, tmp_path / "c.om")
    x = np.random.default_rng(1).standard_normal((1, 3, 8, 8)).astype(np.float32)
    expected = runtime.Session(g).run({"x": x})
    got = runtime.Session(str(path)).run({"x": x})
    assert expected.keys() == got.keys()
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name])
    w, b = g.op("w").value, g.op("b").value
    ref = np.zeros((1, 4, 8, 8), np.float32)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for i in range(8):
        for j in range(8):
            ref[0, :, i, j] = np.tensordot(w, xp[0, :, i:i + 3, j:j + 3], axes=3) + b
    ref = np.where(ref > 0, ref, 0.1 * ref)
    np.testing.assert_allclose(got["y"], ref, rtol=1e-5, atol=1e-5)


def _const_model(fill) -> "object":
    from converter.proto import ge_ir_pb2 as ge
    model = ge.ModelDef(name="m")
    graph = model.graph.add(name="g")
    op = graph.op.add(name="k", type="Const")
    desc = op.attr["value"].t.desc
    desc.dtype, desc.layout = ge.DT_INT32, "ND"
    desc.shape.dim.extend([2])
    fill(op.attr["value"].t)
    op.output_desc.add().CopyFrom(desc)
    return model


def test_const_bytes_from_merged_offset_or_inline_data():
    weights = np.arange(6, dtype=np.int32).tobytes()

    def merged(t):
        t.desc.attr["merged_offset"].i = 12
        t.desc.weight_size = 8

    def inline(t):
        t.data = np.array([7, 9], np.int32).tobytes()

    assert model_def_to_graph(_const_model(merged), weights).op("k").value.tolist() == [3, 4]
    assert model_def_to_graph(_const_model(inline), weights).op("k").value.tolist() == [7, 9]
