"""FrameworkOp: the TensorFlow NodeDef it embeds runs through our TF frontend; the random ops it commonly
holds draw TensorFlow's own numbers (goldens from TensorFlow 2.21, tools/make_ascend_goldens.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from converter.ascend.single_op import TensorSpec
from converter.errors import UnsupportedOpError
from converter.ir import DataType
from converter.ops.philox import Philox, normal, uniform
from converter.proto import tf_graph_pb2 as tfpb

from ._ge import out, run_ge, spec

GOLDENS = Path(__file__).resolve().parents[1] / "data" / "ascend" / "tf_random.npz"


@pytest.mark.parametrize("key", sorted(np.load(GOLDENS).files))
def test_random_ops_draw_tensorflows_numbers(key):
    kind, seed, seed2 = key.split("_")
    want = np.load(GOLDENS)[key]
    fn = normal if kind == "normal" else uniform
    got = fn(Philox.from_seeds(int(seed), int(seed2)), want.size).reshape(want.shape)
    if kind == "uniform":
        np.testing.assert_array_equal(got, want)            # the same Philox words, bit for bit
    else:
        np.testing.assert_allclose(got, want, atol=2e-6)    # Box-Muller in float32: a few ulps of libm apart


def _node(op: str, **attrs) -> bytes:
    node = tfpb.NodeDef(name="n", op=op, input=["n:0"])
    for key, value in attrs.items():
        if isinstance(value, DataType):
            node.attr[key].type = {DataType.DT_FLOAT: 1, DataType.DT_INT32: 3}[value]
        elif isinstance(value, bool):
            node.attr[key].b = value
        elif isinstance(value, int):
            node.attr[key].i = value
        else:
            node.attr[key].f = value
    node.attr["_op_no_tiling"].b = False       # private GE attrs ride along; they are dropped
    return node.SerializeToString()


def _framework_op(node_def: bytes, inputs: list, outputs: list, original: str = "X", framework: int = 3, **kw):
    attrs = {"framework_type": framework, "node_def": node_def, "original_type": original}
    return run_ge("FrameworkOp", inputs, outputs, attrs, **kw)


def test_embedded_random_standard_normal_with_seeds():
    shape = spec(np.array([7, 13], np.int32), const=True)
    node = _node("RandomStandardNormal", seed=1, seed2=2, dtype=DataType.DT_FLOAT, T=DataType.DT_INT32)
    got = _framework_op(node, [shape], [out((7, 13))], "RandomStandardNormal")[0]
    np.testing.assert_allclose(got, np.load(GOLDENS)["normal_1_2"], atol=2e-6)


def test_seed_zero_draws_fresh_numbers_unless_the_session_fixes_them():
    from converter.ascend import lower_model_def
    from converter.ascend.single_op import single_op_model
    from converter.runtime import Session
    shape = TensorSpec(np.int32, (1,), value=np.array([64], np.int32), const=True)
    node = _node("RandomUniform", seed=0, seed2=0, dtype=DataType.DT_FLOAT, T=DataType.DT_INT32)
    model, weights = single_op_model("FrameworkOp", [shape], [out((64,))], {"framework_type": 3, "node_def": node})
    graph = lower_model_def(model, weights)
    fresh = Session(graph)
    assert not np.array_equal(fresh.run_outputs({})[0], fresh.run_outputs({})[0])
    fixed = [Session(graph, random_seed=5).run_outputs({})[0] for _ in range(2)]
    np.testing.assert_array_equal(fixed[0], fixed[1])
    assert not np.array_equal(fixed[0], Session(graph, random_seed=6).run_outputs({})[0])
    assert not np.array_equal(Session(graph, random_seed=0).run_outputs({})[0],
                              Session(graph, random_seed=1).run_outputs({})[0])
    assert 0 <= fixed[0].min() and fixed[0].max() < 1


def test_embedded_ordinary_tf_op():
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    got = _framework_op(_node("Softplus", T=DataType.DT_FLOAT), [spec(x)], [out(x.shape)], "Softplus")[0]
    np.testing.assert_allclose(got, np.log1p(np.exp(x)), atol=1e-6)


def test_unsupported_embedded_ops_are_listed():
    x = spec(np.zeros((2, 2), np.float32))
    with pytest.raises(UnsupportedOpError, match=r"FrameworkOp \(TensorFlow FrobnicateV7\)"):
        _framework_op(_node("FrobnicateV7"), [x], [out((2, 2))])
    with pytest.raises(UnsupportedOpError, match="Caffe op Frob without a readable node_def"):
        _framework_op(b"", [x], [out((2, 2))], "Frob", framework=0)
    with pytest.raises(UnsupportedOpError, match="without a readable node_def"):
        _framework_op(b"\xff\xff\xff", [x], [out((2, 2))])


def test_converted_random_ops_are_not_folded_into_constants(tmp_path):
    """A TF graph with RandomStandardNormal on a constant shape: the .om keeps the op (fresh noise per run, as in
    TensorFlow), and fixed seeds give TensorFlow's numbers."""
    from converter import api
    from converter.options import ConvertOptions
    from converter.runtime import Session
    graph = tfpb.GraphDef()
    shape = graph.node.add(name="shape", op="Const")
    shape.attr["dtype"].type = 3
    shape.attr["value"].tensor.dtype = 3
    shape.attr["value"].tensor.tensor_shape.dim.add(size=2)
    shape.attr["value"].tensor.int_val.extend([7, 13])
    for name, seeds in (("fresh", (0, 0)), ("fixed", (1, 2))):
        node = graph.node.add(name=name, op="RandomStandardNormal", input=["shape"])
        node.attr["dtype"].type, node.attr["T"].type = 1, 3
        node.attr["seed"].i, node.attr["seed2"].i = seeds
    path = tmp_path / "r.pb"
    path.write_bytes(graph.SerializeToString())
    om = api.convert(ConvertOptions(framework=3, model=str(path), output=str(tmp_path / "r"),
                                    out_nodes=(("fresh", 0), ("fixed", 0)), precision_mode="force_fp32"))
    sess = Session(om)
    assert sum(op.type == "RandomStandardNormal" for op in sess.graph.ops()) == 2
    first, second = sess.run_outputs({}), sess.run_outputs({})
    assert not np.array_equal(first[0], second[0])
    np.testing.assert_allclose(first[1], np.load(GOLDENS)["normal_1_2"], atol=2e-6)
