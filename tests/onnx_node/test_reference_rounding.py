"""REFERENCE_ROUNDING cases checked op by op: each of our fp16 ops (model types kept) is its float64 result rounded
to fp16, so a change that drops an fp16 rounding point fails here; ONNX's reference is off only where the entry says."""
from __future__ import annotations

import warnings

import numpy as np
import onnx
import pytest
from onnx import helper
from onnx.reference import ReferenceEvaluator

from converter import api
from converter.options import ConvertOptions
from converter.runtime import Session
from tools.onnx_node_suite import _feeds, input_shapes

from .conftest import node_cases
from .expected_refusals import REFERENCE_ROUNDING

# per case: the op types whose fp16 outputs must be checked (so the check cannot pass vacuously), and the op types
# at which ONNX's reference is not the correctly rounded result (what the REFERENCE_ROUNDING entry states)
OP_BY_OP = {
    "test_attention_4d_causal_fp16_expanded": ({"Mul", "MatMul", "Add", "Softmax", "Where"}, {"Softmax"}),
}


def _float64_node(node, values: dict, opset) -> list:
    """The node evaluated by ONNX's reference with every fp16 input widened to float64 (exact), outputs
    unrounded."""
    feeds, infos = {}, []
    for name in node.input:
        if not name:
            continue
        v = values[name]
        v = v.astype(np.float64) if v.dtype == np.float16 else v
        feeds[name] = v
        infos.append(helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape))
    graph = helper.make_graph([node], "one_node", infos, [helper.make_empty_tensor_value_info(o)
                                                           for o in node.output])
    model = helper.make_model(graph, opset_imports=opset)
    return ReferenceEvaluator(model).run(None, feeds)


def not_correctly_rounded(model, values: dict) -> tuple:
    """(op types checked, {op type: values that differ}) over the nodes whose inputs are all in ``values`` and
    whose outputs are fp16 there: an output differs where it is not the float64 result rounded to fp16."""
    checked, off = set(), {}
    for node in model.graph.node:
        outs = [values.get(o) for o in node.output]
        if node.op_type in ("Cast", "CastLike", "Identity", "Constant") or not outs or \
                any(o is None or o.dtype != np.float16 for o in outs) or \
                any(i and values.get(i) is None for i in node.input):
            continue
        with np.errstate(all="ignore"):
            exact = _float64_node(node, values, model.opset_import)
        checked.add(node.op_type)
        for got, want in zip(outs, exact):
            rounded = np.asarray(want).astype(np.float16)
            differ = int(np.sum((got != rounded) & ~(np.isnan(got) & np.isnan(rounded))))
            if differ:
                off[node.op_type] = off.get(node.op_type, 0) + differ
    return checked, off


def _ours(case, tmp_path) -> dict:
    path = str(tmp_path / "model.onnx")
    onnx.save(case.model, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        om = api.convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "model"),
                                        input_shape=input_shapes(case), precision_mode="must_keep_origin_dtype"))
    feeds = _feeds(case)
    with np.errstate(all="ignore"):
        captured = Session(om).run(feeds, capture=True)["__all__"]
    return {**feeds, **{k: v for k, v in captured.items() if isinstance(v, np.ndarray)}}


def test_every_reference_rounding_case_is_checked_op_by_op():
    assert set(OP_BY_OP) == set(REFERENCE_ROUNDING)


@pytest.mark.parametrize("name", sorted(OP_BY_OP))
def test_our_fp16_ops_are_correctly_rounded(name, tmp_path):
    case = node_cases()[name]
    must_check, _ = OP_BY_OP[name]
    checked, off = not_correctly_rounded(case.model, _ours(case, tmp_path))
    assert must_check <= checked, f"not checked (no fp16 value captured): {sorted(must_check - checked)}"
    assert not off, f"our ops that are not the correctly rounded fp16 result of their inputs: {off}"


@pytest.mark.parametrize("name", sorted(OP_BY_OP))
def test_reference_is_off_only_where_the_entry_says(name):
    case = node_cases()[name]
    must_check, reference_off = OP_BY_OP[name]
    feeds = _feeds(case)
    with np.errstate(all="ignore"):
        values = {**feeds, **ReferenceEvaluator(case.model).run(None, feeds, intermediate=True)}
    checked, off = not_correctly_rounded(case.model, values)
    assert must_check <= checked
    assert set(off) == reference_off, f"ONNX's reference is not correctly rounded at {off} (entry: {reference_off})"
