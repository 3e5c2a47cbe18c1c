"""The session's narrow-float emulation (fp32 compute, result rounded to the op's fp16/bf16/float8 type) is
not applied to ops that convert between exact types themselves (registry.EXACT_TYPE_OPS): a CastLike to
float8 saturates as its attrs say instead of going through fp32 and a plain rounding."""
import numpy as np

from converter.ir import DataType, Graph, Op, TensorDesc, to_numpy
from converter.runtime.session import Session


def _cast_like_graph(target_dtype) -> Graph:
    g = Graph()
    g.add_data("x", TensorDesc(dtype=DataType.DT_FLOAT, shape=(3,)), 0)
    g.add_const("like", np.zeros(1, to_numpy(target_dtype)))
    g.add(Op("cast", "CastLike", outputs=[TensorDesc(dtype=target_dtype, shape=(3,))]), [("x", 0), ("like", 0)])
    g.add(Op("out", "NetOutput", outputs=[]), [("cast", 0)])
    return g


def test_cast_like_to_float8_saturates_in_a_session():
    x = np.array([1000.0, -1000.0, 1.0], np.float32)
    (y,) = Session(_cast_like_graph(DataType.DT_FLOAT8_E4M3FN)).run_outputs({"x": x})
    assert y.dtype == to_numpy(DataType.DT_FLOAT8_E4M3FN)
    np.testing.assert_array_equal(y.astype(np.float32), [448.0, -448.0, 1.0])
