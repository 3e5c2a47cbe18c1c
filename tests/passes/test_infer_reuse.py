"""Reuse of shape-inference results (ops.infer_memo): an op is inferred anew whenever anything its infer function
sees has changed (input shapes and dtypes, rewiring, its attrs, even changed in place, constant values it reads,
its own output descs), and a result is reused only for exactly the same facts; the memo's answers equal what
inference computes on converted models."""

import numpy as np
import pytest
from onnx import TensorProto, helper

from converter.api import build_graph
from converter.ir import DataType, Graph, Op, TensorDesc
from converter.ops import infer_memo, registry
from converter.ops.inference import infer_graph, infer_op
from converter.options import ConvertOptions
from tests.helpers import save

FP32, FP16 = DataType.DT_FLOAT, DataType.DT_FLOAT16


@pytest.fixture
def calls(monkeypatch):
    """Counts of infer-function runs by op type (wrapping the registered infer functions)."""
    counts: dict = {}
    for op_type in ("Relu", "Transpose", "Reshape", "Add"):
        spec = registry.get(op_type)

        def counted(ctx, _infer=spec.infer, _type=op_type):
            counts[_type] = counts.get(_type, 0) + 1
            return _infer(ctx)

        monkeypatch.setattr(spec, "infer", counted)
    return counts


def _relu_graph(shape=(2, 3), dtype=FP32) -> Graph:
    g = Graph()
    g.add_data("x", TensorDesc(dtype=dtype, shape=shape), 0)
    g.add(Op("r1", "Relu", outputs=[TensorDesc(shape=None)]), [("x", 0)])
    g.add(Op("r2", "Relu", outputs=[TensorDesc(shape=None)]), [("r1", 0)])
    return g


def _infer_each(g: Graph) -> None:
    """One inference of every op, in order (no folding)."""
    for op in g.topo_order():
        if op.type not in ("Data", "Const"):
            infer_op(g, op, fold=False)


def _out(g: Graph, name: str) -> tuple:
    d = g.op(name).outputs[0]
    return d.dtype, d.shape


def test_same_facts_reuse_the_result(calls):
    g = _relu_graph()
    infer_graph(g)
    assert _out(g, "r2") == (FP32, (2, 3))
    first = calls["Relu"]
    infer_graph(g)      # nothing changed: no infer function runs again
    assert calls["Relu"] == first
    assert len(g.infer_memo) >= 1


def test_an_input_shape_change_is_inferred_again(calls):
    g = _relu_graph()
    infer_graph(g)
    g.op("x").outputs[0].shape = (4, 3)
    infer_graph(g)
    assert _out(g, "r1") == (FP32, (4, 3)) and _out(g, "r2") == (FP32, (4, 3))


def test_an_input_dtype_change_is_inferred_again():
    g = _relu_graph()
    infer_graph(g)
    g.op("x").outputs[0].dtype = FP16
    for name in ("r1", "r2"):
        infer_op(g, g.op(name), fold=False)
    assert _out(g, "r2") == (FP16, (2, 3))


def test_rewiring_is_inferred_again():
    g = _relu_graph()
    infer_graph(g)
    g.add_data("y", TensorDesc(dtype=FP16, shape=(5,)), 1)
    g.connect(("y", 0), "r1", 0)
    infer_graph(g)
    assert _out(g, "r1") == (FP16, (5,)) and _out(g, "r2") == (FP16, (5,))


def test_an_output_desc_written_elsewhere_is_inferred_again():
    g = _relu_graph()
    infer_graph(g)
    g.op("r1").outputs[0].shape = (7, 7)   # a wrong shape: inference puts it right, not the memo's word
    assert infer_op(g, g.op("r1"), fold=False)
    assert _out(g, "r1") == (FP32, (2, 3))


def _transpose_graph(perm) -> Graph:
    g = Graph()
    g.add_data("x", TensorDesc(shape=(2, 3, 4)), 0)
    g.add(Op("t", "Transpose", {"perm": perm}, [TensorDesc(shape=None)]), [("x", 0)])
    return g


def test_an_attr_change_is_inferred_again():
    g = _transpose_graph([0, 2, 1])
    infer_graph(g)
    assert _out(g, "t")[1] == (2, 4, 3)
    g.op("t").attrs["perm"] = [2, 1, 0]
    infer_graph(g)
    assert _out(g, "t")[1] == (4, 3, 2)


def test_an_attr_list_changed_in_place_is_inferred_again():
    g = _transpose_graph([0, 2, 1])
    infer_graph(g)
    g.op("t").attrs["perm"][:] = [1, 0, 2]
    infer_graph(g)
    assert _out(g, "t")[1] == (3, 2, 4)


def test_attrs_that_cannot_be_keyed_are_inferred_every_time(calls):
    g = _transpose_graph(np.array([0, 2, 1]))   # an array attr: no key
    _infer_each(g)
    _infer_each(g)
    assert calls["Transpose"] == 2 and _out(g, "t")[1] == (2, 4, 3)


def _reshape_graph(shapes) -> Graph:
    g = Graph()
    g.add_data("x", TensorDesc(shape=(2, 3, 4)), 0)
    for i, shape in enumerate(shapes):
        g.add_const(f"s{i}", np.array(shape, np.int64))
        g.add(Op(f"r{i}", "Reshape", outputs=[TensorDesc(shape=None)]), [("x", 0), (f"s{i}", 0)])
    return g


def test_constant_values_read_by_inference_are_part_of_the_key(calls):
    g = _reshape_graph([[6, 4], [4, 6], [6, 4]])
    _infer_each(g)
    assert [_out(g, f"r{i}")[1] for i in range(3)] == [(6, 4), (4, 6), (6, 4)]
    assert calls["Reshape"] == 2        # the third has the first one's value: reused


def test_a_replaced_constant_is_inferred_again():
    g = _reshape_graph([[6, 4]])
    infer_graph(g, fold=False)
    g.add_const("s_new", np.array([24], np.int64))
    g.connect(("s_new", 0), "r0", 1)
    infer_graph(g, fold=False)
    assert _out(g, "r0")[1] == (24,)


def test_large_values_are_never_keyed(calls, monkeypatch):
    monkeypatch.setattr(infer_memo, "MAX_VALUE_BYTES", 8)
    g = _reshape_graph([[6, 4], [6, 4]])
    _infer_each(g)
    assert calls["Reshape"] == 2 and _out(g, "r1")[1] == (6, 4)


def test_values_not_read_are_not_part_of_the_key(calls):
    g = Graph()
    g.add_data("x", TensorDesc(shape=(2, 3)), 0)
    for i in range(3):
        g.add_const(f"c{i}", np.full((3,), i, np.float32))
        g.add(Op(f"a{i}", "Add", outputs=[TensorDesc(shape=None)]), [("x", 0), (f"c{i}", 0)])
    _infer_each(g)
    assert calls["Add"] == 1 and _out(g, "a2") == (FP32, (2, 3))


@pytest.mark.parametrize("a, b", [({"x": True}, {"x": 1}), ({"x": 1}, {"x": 1.0}), ({"x": 0.0}, {"x": -0.0}),
                                  ({"x": [1, True]}, {"x": [True, 1]}), ({"x": [1]}, {"x": (1,)}),
                                  ({"x": "1"}, {"x": b"1"})])
def test_attr_keys_tell_apart_values_that_compare_equal(a, b):
    assert infer_memo.attrs_key(a) != infer_memo.attrs_key(b)


def test_descs_with_extra_attrs_are_not_keyed():
    d = TensorDesc(dtype=DataType.DT_VARIANT, shape=None)
    d.attrs["elem_dtype"] = int(FP32)
    assert infer_memo.descs_key([d]) is None
    assert infer_memo.descs_key([TensorDesc(shape=[1, 2])]) is None   # a list shape
    assert infer_memo.values_key([np.array(["a"], object)]) is None


class _Checking(infer_memo.InferMemo):
    """A memo that never answers and records when a result differs from the one it would have answered."""

    __slots__ = ("seen", "problems")

    def __init__(self):
        super().__init__()
        self.seen, self.problems = {}, []

    def get(self, key, values):
        return infer_memo.MISS

    def put(self, key, values, read_values, result):
        vkey = infer_memo.values_key(values) if read_values else None
        before = self.seen.setdefault((key, vkey), (read_values, result))
        if before != (read_values, result):
            self.problems.append((key, before, (read_values, result)))
        super().put(key, values, read_values, result)


def _models() -> list:
    """(path, --input_shape) of the shipped samples and the PyTorch exports in tests/data."""
    from tools.export_roundtrip import pytorch_cases, sample_cases, static_shapes
    return [(path, static_shapes(path, feeds)) for _, path, feeds, _ in sample_cases() + pytorch_cases()]


@pytest.mark.parametrize("precision", ["force_fp16", "force_fp32"])
def test_the_memo_answers_what_inference_computes(tmp_path, monkeypatch, precision):
    """On generated and shipped models, every result the memo would have reused equals the recomputed one."""
    made = []

    def checking():
        made.append(_Checking())
        return made[-1]

    monkeypatch.setattr("converter.ops.inference.InferMemo", checking)
    nodes = []
    x = "x"
    for i in range(6):   # a repeated block: same facts many times
        nodes.append(helper.make_node("Transpose", [x], [f"t{i}"], perm=[0, 2, 1]))
        nodes.append(helper.make_node("Relu", [f"t{i}"], [f"r{i}"]))
        nodes.append(helper.make_node("Reshape", [f"r{i}", "shape"], [f"y{i}"]))
        x = f"y{i}"
    # same input, other attrs or constant values: results that must not be shared
    nodes += [helper.make_node("Transpose", ["x"], ["ta"], perm=[1, 0, 2]),
              helper.make_node("Transpose", ["x"], ["tb"], perm=[2, 1, 0]),
              helper.make_node("Reshape", ["x", "s12"], ["ra"]), helper.make_node("Reshape", ["x", "s21"], ["rb"])]
    inits = [helper.make_tensor("shape", TensorProto.INT64, [3], [1, 4, 3]),
             helper.make_tensor("s12", TensorProto.INT64, [2], [1, 12]),
             helper.make_tensor("s21", TensorProto.INT64, [2], [12, 1])]
    outs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in (x, "ta", "tb", "ra", "rb")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 3])], outs, inits)
    models = [(save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path), ())] + _models()
    for path, shapes in models:
        build_graph(ConvertOptions(framework=5, model=path, precision_mode=precision, input_shape=shapes))
    assert made and any(m.seen for m in made)
    assert [p for m in made for p in m.problems] == []
