"""The ONNX schema table (converter/data/onnx_schemas.json): what the installed onnx reports, read by the
frontend without onnx.defs, and its defaults are what handlers use."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import converter.frontends.onnx.handlers  # noqa: F401  (fills the handler table)
from converter.frontends.onnx.registry import HANDLERS
from converter.frontends.onnx.schemas import TABLE_PATH, node_schema
from tests.helpers import one_node_model, save
from tools.make_onnx_schemas import build_table, table_text

REPO = Path(__file__).resolve().parents[2]


def _effective(ops: dict, op_type: str, opset: int):
    versions = ops.get(op_type, {})
    since = max((int(v) for v in versions if int(v) <= opset), default=None)
    return None if since is None else versions[str(since)]


def test_committed_table_is_what_the_installed_onnx_reports():
    committed = json.loads(Path(TABLE_PATH).read_text())
    fresh = build_table()
    if committed["onnx_version"] == fresh["onnx_version"]:
        assert Path(TABLE_PATH).read_text() == table_text(fresh), "rerun python tools/make_onnx_schemas.py"
    # another onnx release: every op at every opset both know must agree (schemas never change once released)
    newest = min(max(int(v) for vs in t["ops"].values() for v in vs) for t in (committed, fresh))
    for op_type in set(committed["ops"]) & set(fresh["ops"]):
        for opset in range(1, newest + 1):
            assert _effective(committed["ops"], op_type, opset) == _effective(fresh["ops"], op_type, opset), \
                (op_type, opset)


def test_every_handled_op_type_is_in_the_table():
    assert [op_type for op_type in HANDLERS if node_schema(op_type, 99) is None] == []


def test_conversion_reads_the_table_not_onnx_defs():
    """Importing onnx.defs costs time at start-up; only tools/make_onnx_schemas.py may use it."""
    uses = ("get_schema(", "get_all_schemas", "from onnx import defs", "import onnx.defs")
    sources = (REPO / "converter").rglob("*.py")
    assert [str(p) for p in sources if any(u in p.read_text() for u in uses)] == []


def test_lookup_takes_the_newest_version_not_above_the_opset():
    assert node_schema("Resize", 12).since == 11
    assert node_schema("Resize", 21).since == 18     # Resize-19 only added a mode value: same entry
    assert node_schema("Resize", 10).default("mode") == "nearest"
    assert node_schema("Resize", 17).default("keep_aspect_ratio_policy") is None    # came with opset 18
    assert node_schema("Resize", 18).default("keep_aspect_ratio_policy") == "stretch"
    assert node_schema("Softmax", 12).default("axis") == 1 and node_schema("Softmax", 13).default("axis") == -1
    assert node_schema("Relu", 3) is not None and node_schema("NoSuchOp", 13) is None


@pytest.mark.parametrize("opset, axis", [(11, 1), (13, -1)])
def test_handlers_take_defaults_from_the_schema(tmp_path, opset, axis):
    """Softmax without an axis attribute: axis 1 (flatten to 2-D) before opset 13, the last axis from 13."""
    from converter.frontends.onnx import load_onnx_graph
    model = one_node_model("Softmax", {"x": np.zeros((2, 3, 4), np.float32)}, opset=opset)
    graph = load_onnx_graph(save(model, tmp_path))
    softmax = [op for op in graph.ops() if op.type == "Softmax"]
    assert [op.attrs["axis"] for op in softmax] == [1 if opset < 13 else 2]


def test_schema_float_defaults_are_the_float32_values_onnx_stores(tmp_path):
    """An epsilon left out and an epsilon written as its default give the same attribute value."""
    from converter.frontends.onnx import load_onnx_graph
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3])
    params = [onnx.numpy_helper.from_array(np.ones(2, np.float32), n) for n in ("s", "b")]
    values = []
    for kw in ({}, {"epsilon": 1e-5}):
        node = helper.make_node("InstanceNormalization", ["x", "s", "b"], ["y"], **kw)
        model = helper.make_model(helper.make_graph([node], "g", [x], [helper.make_empty_tensor_value_info("y")],
                                                    params), opset_imports=[helper.make_opsetid("", 13)])
        graph = load_onnx_graph(save(model, tmp_path))
        values.append(next(op for op in graph.ops() if op.type == "InstanceNorm").attrs["epsilon"])
    assert values[0] == values[1] == float(np.float32(1e-5))
