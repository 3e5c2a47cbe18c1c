"""Infer with partly unknown shapes keeps every dim that can be known; a Shape->Gather->Unsqueeze->
Concat->Reshape chain folds to a constant once the input shape is fixed."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.frontends.onnx import load_onnx_graph
from converter.ir import DataType, Op, TensorDesc
from converter.ops import registry
from converter.ops.registry import InferContext

from ._eval import propagate, run_graph

F, I64 = DataType.DT_FLOAT, DataType.DT_INT64


def x(*shape, dtype=F):
    return (dtype, shape, None)


def value(v, dtype=I64):
    v = np.asarray(v)
    return (dtype, v.shape, v)


def infer(op_type, inputs, attrs=None, n_out=1):
    op = Op("probe", op_type, dict(attrs or {}), [TensorDesc() for _ in range(n_out)])
    spec = registry.get(op_type)
    descs = [None if i is None else TensorDesc(dtype=i[0], shape=i[1]) for i in inputs]
    vals = [None if i is None else i[2] for i in inputs]
    return spec.infer(InferContext(op, descs, vals, spec.normalize(op.attrs, op.name)))


PARTIAL = [
    ("Reshape", [x(-1, 3, 4, 5), value([0, -1])], {}, [(-1, 60)]),
    ("Reshape", [x(-1, 3, 4, 5), value([-1, 20])], {}, [(-1, 20)]),
    ("Reshape", [x(2, 3, 4), (I64, (3,), None)], {}, [(-1, -1, -1)]),
    ("Shape", [x(-1, 3, 4)], {}, [(3,)]),
    ("Shape", [x(-1, 3, 4)], {"start": 1}, [(2,)]),
    ("Shape", [(F, None, None)], {}, [(-1,)]),
    ("Size", [x(-1, 3)], {}, [()]),
    ("Flatten", [x(-1, 3, 4)], {"axis": 1}, [(-1, 12)]),
    ("ConcatD", [x(-1, 3), x(-1, 5)], {"concat_dim": 1}, [(-1, 8)]),
    ("ConcatD", [x(2, 3), x(-1, 3)], {"concat_dim": -2}, [(-1, 3)]),
    ("Slice", [x(-1, 10), value([2]), value([8]), value([1])], {}, [(-1, 6)]),
    ("Slice", [x(4, 10), (I64, (1,), None), value([8]), value([-1])], {}, [(4, -1)]),
    ("Slice", [x(4, 10), (I64, (1,), None), (I64, (1,), None)], {}, [(-1, 10)]),
    ("GatherV2", [x(-1, 7, 8), x(3, dtype=I64)], {"axis": 1}, [(-1, 3, 8)]),
    ("GatherV2", [x(-1, 7, 8), value(2)], {"axis": -1}, [(-1, 7)]),
    ("Split", [x(-1, 6)], {"axis": 1, "num_split": 3}, [(-1, 2)] * 3),
    ("Split", [x(-1, 6)], {"axis": 0, "num_split": 2}, [(-1, 6)] * 2),
    ("Split", [x(-1, 6)], {"axis": 0, "split": [1, 3]}, [(1, 6), (3, 6)]),
    ("Transpose", [x(-1, 3, 4)], {"perm": [2, 0, 1]}, [(4, -1, 3)]),
    ("Unsqueeze", [x(-1, 3)], {"axes": [0, -1]}, [(1, -1, 3, 1)]),
    ("Squeeze", [x(-1, 1, 3)], {"axes": [1]}, [(-1, 3)]),
    ("Squeeze", [x(-1, 1, 3)], {}, [None]),
    ("BroadcastTo", [x(-1, 1), value([1, 4])], {}, [(-1, 4)]),
    ("BroadcastTo", [x(3, 1), (I64, (3,), None)], {}, [(-1, -1, -1)]),
    ("Fill", [(I64, (3,), None)], {}, [(-1, -1, -1)]),
    ("Tile", [x(-1, 3), value([2, 2])], {}, [(-1, 6)]),
    ("OneHot", [x(-1, dtype=I64), value(5), value([0.0, 1.0], F)], {}, [(-1, 5)]),
    ("Range", [x(), x(), x()], {}, [(-1,)]),
    ("NonZero", [x(-1, 4)], {}, [(2, -1)]),
    ("Einsum", [x(-1, 3, 4), x(-1, 4, 5)], {"equation": "bij,bjk->bik"}, [(-1, 3, 5)]),
    ("Einsum", [x(2, -1, 4), x(4, 5)], {"equation": "...ij,jk"}, [(2, -1, 5)]),
    ("Compress", [x(-1, 3), x(3, dtype=DataType.DT_BOOL)], {"axis": 1}, [(-1, -1)]),
    ("LSTM", [x(-1, 2, 4), x(2, 24, 4), x(2, 24, 6)], {"direction": "bidirectional"},
     [(-1, 2, 2, 6), (2, 2, 6), (2, 2, 6)]),
    ("GRU", [x(2, -1, 4), x(1, 18, 4), x(1, 18, 6)], {"layout": 1}, [(2, -1, 1, 6), (2, 1, 6)]),
]


@pytest.mark.parametrize("op_type,inputs,attrs,expected", PARTIAL,
                         ids=[f"{p[0]}{i}" for i, p in enumerate(PARTIAL)])
def test_infer_keeps_known_dims(op_type, inputs, attrs, expected):
    got = infer(op_type, inputs, attrs, n_out=len(expected))
    assert [d.shape for d in got] == expected


def test_infer_dtypes():
    assert infer("Shape", [x(2, 3)])[0].dtype == I64
    assert infer("Fill", [value([2])], {"value": np.array([1], np.int32)})[0].dtype == DataType.DT_INT32
    assert infer("OneHot", [x(3, dtype=I64), value(4), value([0, 1], I64)])[0].dtype == I64
    assert infer("EyeLike", [x(3, 3)], {"dtype": int(DataType.DT_INT32)})[0].dtype == DataType.DT_INT32


def _reshape_chain_model(path):
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus_one"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"]),
    ]
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array([0], np.int64), "axes"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus_one")]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))


def test_shape_chain_folds_once_input_shape_is_fixed(tmp_path):
    _reshape_chain_model(tmp_path / "chain.onnx")
    graph = load_onnx_graph(str(tmp_path / "chain.onnx"))
    (reshape,) = [op for op in graph.ops() if op.type == "Reshape"]
    target_ref = graph.inputs_of(reshape.name)[1]

    static = propagate(graph, {"x": (2, 3, 4, 5)})
    assert static[(reshape.name, 0)][0].shape == (2, 60)
    assert static[target_ref][1].tolist() == [2, -1]

    dynamic = propagate(graph, {"x": (-1, 3, 4, 5)})
    assert dynamic[target_ref][1] is None
    assert dynamic[target_ref][0].shape == (2,)
    assert dynamic[(reshape.name, 0)][0].shape == (-1, -1)

    data = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    (y,), _ = run_graph(graph, {"x": data})
    np.testing.assert_array_equal(y, data.reshape(2, 60))
