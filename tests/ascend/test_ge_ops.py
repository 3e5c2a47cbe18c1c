"""Every GE op type of the table, as a one-op compiled model (weights in their device formats), run on the
CPU and compared with numpy or onnxruntime."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from converter.ascend.table import supported_types

from ._ge import out, run_ge, spec

RNG = np.random.default_rng(7)
TESTED: set = set()


def rand(*shape, dtype=np.float32, low=-1.0, high=1.0):
    return RNG.uniform(low, high, size=shape).astype(dtype)


def ort(op_type: str, inputs: dict, attrs: dict, n_out: int = 1, opset: int = 17) -> list:
    """One ONNX node run by onnxruntime (float32)."""
    import onnxruntime
    names = list(inputs)
    node = helper.make_node(op_type, names, [f"y{i}" for i in range(n_out)], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, v.shape)
                                            for n, v in inputs.items()],
                              [helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, None) for i in range(n_out)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {k: v.astype(np.float32) for k, v in inputs.items()})


def check(op_type: str, inputs: list, outputs: list, attrs: dict, expected: list, atol: float = 1e-5,
          rtol: float = 1e-5) -> None:
    TESTED.add(op_type)
    got = run_ge(op_type, inputs, outputs, attrs)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == np.shape(e), (g.shape, np.shape(e))
        np.testing.assert_allclose(g.astype(np.float64), np.asarray(e, np.float64), atol=atol, rtol=rtol)


# ---- elementwise -----------------------------------------------------------------------------------

UNARY_REFS = {
    "Abs": np.abs, "Acos": np.arccos, "Asin": np.arcsin, "Atan": np.arctan, "Ceil": np.ceil, "Cos": np.cos,
    "Cosh": np.cosh, "Exp": np.exp, "Floor": np.floor, "Neg": np.negative, "Reciprocal": lambda x: 1 / x,
    "Relu": lambda x: np.maximum(x, 0), "Relu6": lambda x: np.clip(x, 0, 6), "Round": np.round,
    "Sigmoid": lambda x: 1 / (1 + np.exp(-x)), "Sign": np.sign, "Sin": np.sin, "Sinh": np.sinh,
    "Softplus": lambda x: np.log1p(np.exp(x)), "Softsign": lambda x: x / (1 + np.abs(x)), "Square": np.square,
    "Tan": np.tan, "Tanh": np.tanh, "ReluV2": lambda x: np.maximum(x, 0), "Inv": lambda x: 1 / x,
    "HardSwish": lambda x: x * np.clip(x + 3, 0, 6) / 6, "Mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "Asinh": np.arcsinh, "Atanh": lambda x: np.arctanh(x * 0.9), "Erf": None, "Selu": None,
    "Log": lambda x: np.log(np.abs(x) + 0.1), "Sqrt": lambda x: np.sqrt(np.abs(x)),
    "Rsqrt": lambda x: 1 / np.sqrt(np.abs(x) + 0.1), "Acosh": lambda x: np.arccosh(np.abs(x) + 1.5),
}
POSITIVE_INPUT = {"Log": lambda x: np.abs(x) + 0.1, "Sqrt": np.abs, "Rsqrt": lambda x: np.abs(x) + 0.1,
                  "Acosh": lambda x: np.abs(x) + 1.5, "Atanh": lambda x: x * 0.9,
                  "Reciprocal": lambda x: np.where(np.abs(x) < 0.1, 0.5, x),
                  "Inv": lambda x: np.where(np.abs(x) < 0.1, 0.5, x)}


@pytest.mark.parametrize("op_type", sorted(UNARY_REFS))
def test_unary(op_type):
    x = rand(2, 3, 4)
    x = POSITIVE_INPUT.get(op_type, lambda v: v)(x).astype(np.float32)
    if op_type == "Erf":
        from math import erf
        ref = np.vectorize(erf)(x)
    elif op_type == "Selu":
        ref = 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))
    else:
        ref = UNARY_REFS[op_type](POSITIVE_INPUT.get(op_type, lambda v: v)(rand(2, 3, 4)) * 0 + x) \
            if op_type not in POSITIVE_INPUT else {
                "Log": np.log, "Sqrt": np.sqrt, "Rsqrt": lambda v: 1 / np.sqrt(v), "Acosh": np.arccosh,
                "Atanh": np.arctanh, "Reciprocal": lambda v: 1 / v, "Inv": lambda v: 1 / v}[op_type](x)
    check(op_type, [spec(x)], [out(x.shape)], {}, [ref], atol=1e-5)


def test_unary_logical_and_inf():
    x = np.array([True, False, True])
    check("LogicalNot", [spec(x)], [out((3,), np.bool_)], {}, [~x])
    y = np.array([1.0, np.inf, -np.inf, np.nan], np.float32)
    check("IsInf", [spec(y)], [out((4,), np.bool_)], {}, [np.isinf(y)])
    check("IsNan", [spec(y)], [out((4,), np.bool_)], {}, [np.isnan(y)])


BINARY_REFS = {
    "Add": np.add, "AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply, "RealDiv": np.divide,
    "Div": np.divide, "Maximum": np.maximum, "Minimum": np.minimum, "SquaredDifference": lambda a, b: (a - b) ** 2,
    "FloorDiv": lambda a, b: np.floor(a / b), "FloorMod": lambda a, b: np.mod(a, b),
    "Pow": lambda a, b: np.power(np.abs(a) + 0.5, b), "Equal": np.equal, "NotEqual": np.not_equal,
    "Less": np.less, "LessEqual": np.less_equal, "Greater": np.greater, "GreaterEqual": np.greater_equal,
}


@pytest.mark.parametrize("op_type", sorted(BINARY_REFS))
def test_binary_with_broadcast(op_type):
    a, b = rand(2, 3, 4), rand(1, 4, low=0.5, high=2.0)
    if op_type in ("Equal", "NotEqual"):
        b = a[:1, :1, :].reshape(1, 4).copy()
    if op_type == "Pow":
        a = np.abs(a) + 0.5
        ref = np.power(a, b)
    else:
        ref = BINARY_REFS[op_type](a, b)
    dtype = np.bool_ if ref.dtype == np.bool_ else np.float32
    check(op_type, [spec(a), spec(b, const=True)], [out(ref.shape, dtype)], {}, [ref], atol=1e-5)


def test_binary_logical_and_bitwise():
    check("Invert", [spec(np.array([5, -1, 0], np.int32))], [out((3,), np.int32)], {},
          [np.invert(np.array([5, -1, 0], np.int32))])
    a, b = np.array([True, False, True, False]), np.array([True, True, False, False])
    check("LogicalAnd", [spec(a), spec(b)], [out((4,), np.bool_)], {}, [a & b])
    check("LogicalOr", [spec(a), spec(b)], [out((4,), np.bool_)], {}, [a | b])
    i, j = np.array([5, 6, 7], np.int32), np.array([3, 3, 1], np.int32)
    for op_type, fn in (("BitwiseAnd", np.bitwise_and), ("BitwiseOr", np.bitwise_or),
                        ("BitwiseXor", np.bitwise_xor)):
        check(op_type, [spec(i), spec(j)], [out((3,), np.int32)], {}, [fn(i, j)])


@pytest.mark.parametrize("op_type,attrs,ref", [
    ("LeakyRelu", {"negative_slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("Elu", {"alpha": 0.5}, lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    ("Celu", {"alpha": 2.0}, lambda x: np.maximum(x, 0) + np.minimum(0, 2.0 * (np.exp(x / 2.0) - 1))),
    ("HardSigmoid", {"alpha": 0.2, "beta": 0.5}, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    ("Power", {"power": 2.0, "scale": 3.0, "shift": 1.0}, lambda x: (1 + 3 * x) ** 2),
    ("Swish", {"scale": 1.5}, lambda x: x / (1 + np.exp(-1.5 * x))),
    ("ThresholdedRelu", {"alpha": 0.3}, lambda x: np.where(x > 0.3, x, 0)),
    ("Gelu", {}, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    ("Muls", {"value": 2.5}, lambda x: x * 2.5), ("Adds", {"value": -1.0}, lambda x: x - 1),
    ("Subs", {"value": 0.5}, lambda x: x - 0.5), ("Maxs", {"value": 0.1}, lambda x: np.maximum(x, 0.1)),
    ("Mins", {"value": 0.1}, lambda x: np.minimum(x, 0.1)),
])
def test_unary_with_attributes(op_type, attrs, ref):
    x = rand(3, 5)
    check(op_type, [spec(x)], [out(x.shape)], attrs, [ref(x)], atol=1e-5)


def test_prelu_per_channel_in_both_layouts():
    x, w = rand(2, 3, 4, 5), rand(3)
    nchw = np.where(x > 0, x, w.reshape(3, 1, 1) * x)
    check("PRelu", [spec(x, "NCHW"), spec(w, const=True)], [out(x.shape, fmt="NCHW")], {}, [nchw])
    xh = rand(2, 4, 5, 3)
    check("PRelu", [spec(xh, "NHWC"), spec(w, const=True)], [out(xh.shape, fmt="NHWC")], {}, [np.where(xh > 0, xh, w * xh)])


def test_multi_input_elementwise():
    a, b, c = rand(2, 3), rand(2, 3), rand(2, 3)
    check("AddN", [spec(a), spec(b), spec(c)], [out((2, 3))], {}, [a + b + c])
    check("AccumulateNV2", [spec(a), spec(b)], [out((2, 3))], {}, [a + b])
    check("FusedMulAdd", [spec(a), spec(b), spec(c)], [out((2, 3))], {}, [a * b + c])
    check("Axpy", [spec(a), spec(b)], [out((2, 3))], {"alpha": 0.5}, [b + 0.5 * a])
    lo, hi = np.float32(-0.2), np.float32(0.3)
    check("ClipByValue", [spec(a), spec(lo, const=True), spec(hi, const=True)], [out((2, 3))], {},
          [np.clip(a, lo, hi)])
    cond = a > 0
    check("Select", [spec(cond), spec(b), spec(c)], [out((2, 3))], {}, [np.where(cond, b, c)])
    check("SelectV2", [spec(cond), spec(b), spec(c)], [out((2, 3))], {}, [np.where(cond, b, c)])
    check("ZerosLike", [spec(a)], [out((2, 3))], {}, [np.zeros_like(a)])
    check("OnesLike", [spec(a)], [out((2, 3))], {}, [np.ones_like(a)])


def test_cast_uses_ges_attribute_numbering():
    x = rand(2, 3) * 10
    check("Cast", [spec(x)], [out((2, 3), np.float16)], {"dst_type": 1}, [x.astype(np.float16)], atol=0)
    check("Cast", [spec(x)], [out((2, 3), np.int32)], {"dst_type": 3}, [x.astype(np.int32)], atol=0)
    check("CastT", [spec(x)], [out((2, 3), np.float16)], {"src_dtype": 0, "dst_dtype": 1}, [x.astype(np.float16)],
          atol=0)


# ---- layout and scheduling -------------------------------------------------------------------------

@pytest.mark.parametrize("op_type", ["TransData", "MemcpyAsync", "Identity", "Snapshot", "StopGradient",
                                     "PreventGradient", "TensorMove", "MemcpyAddrAsync", "ReadVariableOp",
                                     "Enter", "RefIdentity", "TransDataRNN", "TransDataD"])
def test_pass_through(op_type):
    x = rand(1, 20, 3, 3)
    check(op_type, [spec(x, "NCHW")], [out(x.shape, fmt="NC1HWC0", origin="NCHW")], {}, [x])


def test_trans_data_reads_fractal_nz_and_reshapes_by_descriptor():
    """GE drops a Reshape and lets TransData read [1, 4, 4, 32] NHWC as [1, 512] ND."""
    x = rand(1, 4, 4, 32)
    check("TransData", [spec(x, "NHWC")], [out((1, 512), fmt="FRACTAL_NZ", origin="ND")], {}, [x.reshape(1, 512)])


def test_scheduling_ops_do_nothing():
    from converter.ascend.ge_ops import SCHEDULING
    for op_type in SCHEDULING:
        TESTED.add(op_type)
        got = run_ge(op_type, [], [], {})
        assert got == []


# ---- tensor ops ------------------------------------------------------------------------------------

@pytest.mark.parametrize("op_type", ["Reshape", "Squeeze", "SqueezeV2", "SqueezeV3", "Unsqueeze", "UnsqueezeV2",
                                     "UnsqueezeV3", "ExpandDims", "Flatten", "FlattenV2", "ReshapeD", "ExpandDimsD"])
def test_reshapes_take_the_output_descriptor(op_type):
    x = rand(2, 1, 6)
    check(op_type, [spec(x)], [out((2, 3, 2))], {}, [x.reshape(2, 3, 2)])


def test_transposes():
    x = rand(2, 3, 4, 5)
    check("Permute", [spec(x)], [out((2, 4, 5, 3))], {"order": [0, 2, 3, 1]}, [x.transpose(0, 2, 3, 1)])
    check("TransposeD", [spec(x)], [out((2, 4, 5, 3))], {"perm": [0, 2, 3, 1]}, [x.transpose(0, 2, 3, 1)])
    check("Transpose", [spec(x), spec(np.array([3, 0, 1, 2], np.int32), const=True)], [out((5, 2, 3, 4))], {},
          [x.transpose(3, 0, 1, 2)])


def test_concat_pack_unpack():
    a, b = rand(2, 3), rand(2, 5)
    check("ConcatV2D", [spec(a), spec(b)], [out((2, 8))], {"concat_dim": -1, "N": 2}, [np.concatenate([a, b], 1)])
    check("ConcatD", [spec(a), spec(b)], [out((2, 8))], {"concat_dim": 1}, [np.concatenate([a, b], 1)])
    axis = spec(np.array(1, np.int32), const=True)
    check("ConcatV2", [spec(a), spec(b), axis], [out((2, 8))], {}, [np.concatenate([a, b], 1)])
    check("Concat", [axis, spec(a), spec(b)], [out((2, 8))], {}, [np.concatenate([a, b], 1)])
    check("ConcatV3", [spec(a), spec(b), axis], [out((2, 8))], {}, [np.concatenate([a, b], 1)])
    c = rand(2, 3)
    check("Pack", [spec(a), spec(c)], [out((2, 2, 3))], {"axis": 1, "N": 2}, [np.stack([a, c], 1)])
    check("Unpack", [spec(a)], [out((3,)), out((3,))], {"axis": 0, "num": 2}, [a[0], a[1]])


def test_splits():
    x = rand(6, 4)
    check("SplitD", [spec(x)], [out((2, 4))] * 3, {"split_dim": 0, "num_split": 3}, np.split(x, 3))
    check("SplitVD", [spec(x)], [out((1, 4)), out((5, 4))], {"split_dim": 0, "size_splits": [1, -1],
                                                              "num_split": 2}, [x[:1], x[1:]])
    dim = spec(np.array(1, np.int32), const=True)
    check("Split", [dim, spec(x)], [out((6, 2))] * 2, {"num_split": 2}, np.split(x, 2, axis=1))
    sizes = spec(np.array([3, 1], np.int32), const=True)
    check("SplitV", [spec(x), sizes, dim], [out((6, 3)), out((6, 1))], {}, [x[:, :3], x[:, 3:]])


def test_strided_slices_and_slices():
    x = rand(1, 32, 15, 2)
    # DD-Net's frame difference: x[:, 1:, ...] with TensorFlow's masks
    attrs = {"begin": [0, 1, 0], "end": [0, 0, 0], "strides": [1, 1, 1], "begin_mask": 1, "end_mask": 3,
             "ellipsis_mask": 4, "new_axis_mask": 0, "shrink_axis_mask": 0}
    check("StridedSliceD", [spec(x, "NHWC")], [out((1, 31, 15, 2), fmt="NHWC")], attrs, [x[:, 1:, ...]])
    y = rand(4, 6)
    consts = [spec(np.array(v, np.int32), const=True) for v in ([1, 5], [4, 0], [2, -1])]
    check("StridedSlice", [spec(y)] + consts, [out((2, 6))], {"begin_mask": 0, "end_mask": 2}, [y[1:4:2, 5::-1]])
    check("StridedSliceV2", [spec(y)] + consts, [out((2, 5))], {}, [y[1:4:2, 5:0:-1]])
    check("SliceD", [spec(y)], [out((2, 5))], {"offsets": [1, 1], "size": [2, -1]}, [y[1:3, 1:]])
    off, size = spec(np.array([0, 2], np.int32), const=True), spec(np.array([3, 2], np.int32), const=True)
    check("Slice", [spec(y), off, size], [out((3, 2))], {}, [y[0:3, 2:4]])


def test_gathers():
    x, idx = rand(5, 3), np.array([4, 0, 2], np.int32)
    check("GatherV2D", [spec(x), spec(idx)], [out((3, 3))], {"axis": 0}, [x[idx]])
    check("GatherV2", [spec(x), spec(idx), spec(np.array(0, np.int32), const=True)], [out((3, 3))], {}, [x[idx]])
    check("Gather", [spec(x), spec(idx)], [out((3, 3))], {}, [x[idx]])
    nd = np.array([[0, 1], [4, 2]], np.int32)
    check("GatherNd", [spec(x), spec(nd)], [out((2,))], {}, [x[nd[:, 0], nd[:, 1]]])


def test_pads():
    x = rand(2, 3)
    p = [[1, 0], [2, 1]]
    ref = np.pad(x, p)
    check("PadD", [spec(x)], [out(ref.shape)], {"paddings": p}, [ref])
    pc = spec(np.array(p, np.int32), const=True)
    check("Pad", [spec(x), pc], [out(ref.shape)], {}, [ref])
    value = spec(np.float32(2.0), const=True)
    check("PadV2", [spec(x), pc, value], [out(ref.shape)], {}, [np.pad(x, p, constant_values=2.0)])
    check("PadV3", [spec(x), pc, value], [out(ref.shape)], {"mode": "constant"}, [np.pad(x, p, constant_values=2.0)])
    check("PadV3D", [spec(x)], [out(ref.shape)], {"paddings": p, "mode": "edge"}, [np.pad(x, p, mode="edge")])
    check("MirrorPad", [spec(x), spec(np.array([[1, 1], [1, 1]], np.int32), const=True)], [out((4, 5))],
          {"mode": "REFLECT"}, [np.pad(x, 1, mode="reflect")])


def test_tile_broadcast_fill():
    x = rand(2, 3)
    check("TileD", [spec(x)], [out((4, 3))], {"multiples": [2, 1]}, [np.tile(x, (2, 1))])
    check("Tile", [spec(x), spec(np.array([1, 2], np.int32), const=True)], [out((2, 6))], {}, [np.tile(x, (1, 2))])
    v = rand(1, 3)
    check("BroadcastToD", [spec(v)], [out((4, 3))], {"shape": [4, 3]}, [np.broadcast_to(v, (4, 3))])
    check("BroadcastTo", [spec(v), spec(np.array([2, 3], np.int32), const=True)], [out((2, 3))], {},
          [np.broadcast_to(v, (2, 3))])
    check("ExpandD", [spec(v)], [out((4, 3))], {"shape": [4, 3]}, [np.broadcast_to(v, (4, 3))])
    check("Expand", [spec(v), spec(np.array([2, 3], np.int64), const=True)], [out((2, 3))], {},
          [np.broadcast_to(v, (2, 3))])
    s = np.float32(1.5)
    check("FillD", [spec(s)], [out((2, 2))], {"dims": [2, 2]}, [np.full((2, 2), s)])
    check("Fill", [spec(np.array([3], np.int32), const=True), spec(s)], [out((3,))], {}, [np.full(3, s)])


@pytest.mark.parametrize("base,fn", [("ReduceMax", np.max), ("ReduceMin", np.min), ("ReduceSum", np.sum),
                                     ("ReduceMean", np.mean), ("ReduceProd", np.prod),
                                     ("ReduceLogSumExp", lambda x, axis, keepdims: np.log(np.sum(
                                         np.exp(x), axis=axis, keepdims=keepdims)))])
def test_reductions(base, fn):
    x = rand(2, 3, 4)
    check(base + "D", [spec(x)], [out((2, 4))], {"axes": [1], "keep_dims": False}, [fn(x, axis=1, keepdims=False)],
          atol=1e-5)
    check(base, [spec(x), spec(np.array([-1, 0], np.int32), const=True)], [out((1, 3, 1))], {"keep_dims": True},
          [fn(x, axis=(0, 2), keepdims=True)], atol=1e-5)


def test_boolean_reductions():
    b = rand(3, 4) > 0
    for base, fn in (("ReduceAll", np.all), ("ReduceAny", np.any)):
        check(base + "D", [spec(b)], [out((3,), np.bool_)], {"axes": [1]}, [fn(b, axis=1)])
        check(base, [spec(b), spec(np.array([0], np.int32), const=True)], [out((4,), np.bool_)], {}, [fn(b, axis=0)])


def test_arg_reductions():
    x = rand(3, 6)
    check("ArgMaxD", [spec(x)], [out((3,), np.int32)], {"dimension": 1, "dtype": 3}, [x.argmax(1).astype(np.int32)])
    check("ArgMinD", [spec(x)], [out((6,), np.int32)], {"dimension": 0}, [x.argmin(0).astype(np.int32)])
    dim = spec(np.array(1, np.int32), const=True)
    for op_type, fn in (("ArgMaxV2", np.argmax), ("ArgMax", np.argmax), ("ArgMin", np.argmin)):
        check(op_type, [spec(x), dim], [out((3,), np.int64)], {}, [fn(x, 1)])


def test_shape_size_rank():
    x = rand(2, 3, 4)
    check("Shape", [spec(x)], [out((3,), np.int32)], {}, [np.array([2, 3, 4], np.int32)])
    check("ShapeN", [spec(x), spec(x[0])], [out((3,), np.int32), out((2,), np.int32)], {},
          [np.array([2, 3, 4], np.int32), np.array([3, 4], np.int32)])
    check("Size", [spec(x)], [out((), np.int32)], {}, [np.int32(24)])
    check("Rank", [spec(x)], [out((), np.int32)], {}, [np.int32(3)])


def test_depth_space_reverse_one_hot():
    x = rand(1, 4, 4, 8)
    blocks = x.reshape(1, 2, 2, 2, 2, 8).transpose(0, 1, 3, 2, 4, 5).reshape(1, 2, 2, 32)
    check("SpaceToDepth", [spec(x, "NHWC")], [out((1, 2, 2, 32), fmt="NHWC")], {"block_size": 2, "data_format": "NHWC"},
          [blocks])
    check("DepthToSpace", [spec(blocks, "NHWC")], [out(x.shape, fmt="NHWC")], {"block_size": 2,
                                                                               "data_format": "NHWC"}, [x])
    y = rand(3, 4)
    check("ReverseV2D", [spec(y)], [out((3, 4))], {"axis": [1]}, [y[:, ::-1]])
    check("ReverseV2", [spec(y), spec(np.array([0, 1], np.int32), const=True)], [out((3, 4))], {}, [y[::-1, ::-1]])
    idx = np.array([0, 2, 1], np.int32)
    on, off = spec(np.float32(5), const=True), spec(np.float32(-1), const=True)
    ref = np.where(np.eye(3)[idx] > 0, 5, -1).astype(np.float32)
    check("OneHotD", [spec(idx), on, off], [out((3, 3))], {"depth": 3, "axis": -1}, [ref])
    check("OneHot", [spec(idx), spec(np.array(3, np.int32), const=True), on, off], [out((3, 3))], {"axis": -1}, [ref])


# ---- neural-network ops ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt,wfmt,groups,dil", [("NHWC", "HWCN", 1, 1), ("NCHW", "NCHW", 1, 2), ("NCHW", "NCHW", 2, 1)])
def test_conv2d_with_fractal_z_weights(fmt, wfmt, groups, dil):
    x = rand(1, 6, 9, 9)                                            # NCHW reference layout
    w = rand(8, 6 // groups, 3, 3)                                  # OIHW
    b = rand(8)
    ref = ort("Conv", {"x": x, "w": w, "b": b}, {"strides": [2, 1], "pads": [1, 0, 1, 2], "dilations": [dil, dil],
                                               "group": groups})[0]
    xs = x if fmt == "NCHW" else x.transpose(0, 2, 3, 1)
    ws = w if wfmt == "NCHW" else w.transpose(2, 3, 1, 0)
    strides = [1, 1, 2, 1] if fmt == "NCHW" else [1, 2, 1, 1]
    dils = [1, 1, dil, dil] if fmt == "NCHW" else [1, dil, dil, 1]
    want = ref if fmt == "NCHW" else ref.transpose(0, 2, 3, 1)
    check("Conv2D", [spec(xs, "NC1HWC0", fmt), spec(ws, "FRACTAL_Z", wfmt, const=True, groups=groups),
                     spec(b, const=True), None],
          [out(want.shape, fmt="NC1HWC0", origin=fmt)],
          {"strides": strides, "pads": [1, 1, 0, 2], "dilations": dils, "groups": groups, "data_format": fmt},
          [want], atol=1e-4)


def test_conv2d_fp16_weights_and_same_padding():
    x, w = rand(1, 7, 7, 3, dtype=np.float16), rand(3, 3, 3, 4, dtype=np.float16)
    ref = ort("Conv", {"x": x.astype(np.float32).transpose(0, 3, 1, 2), "w": w.astype(np.float32).transpose(3, 2, 0, 1)},
              {"strides": [2, 2], "auto_pad": "SAME_UPPER"})[0].transpose(0, 2, 3, 1)
    check("Conv2D", [spec(x, "NC1HWC0", "NHWC"), spec(w, "FRACTAL_Z", "HWCN", const=True)],
          [out(ref.shape, np.float16, "NC1HWC0", "NHWC")],
          {"strides": [1, 2, 2, 1], "padding": "SAME", "data_format": "NHWC"}, [ref], atol=2e-2, rtol=1e-2)


def test_depthwise_conv2d():
    x, w = rand(1, 8, 8, 4), rand(3, 3, 4, 2)                       # NHWC, HWCN (multiplier 2)
    onnx_w = w.transpose(2, 3, 0, 1).reshape(8, 1, 3, 3)
    ref = ort("Conv", {"x": x.transpose(0, 3, 1, 2), "w": onnx_w}, {"group": 4, "pads": [1, 1, 1, 1]})[0]
    check("DepthwiseConv2D", [spec(x, "NC1HWC0", "NHWC"), spec(w, "HWCN", const=True)],
          [out((1, 8, 8, 8), fmt="NC1HWC0", origin="NHWC")],
          {"strides": [1, 1, 1, 1], "pads": [1, 1, 1, 1], "data_format": "NHWC"}, [ref.transpose(0, 2, 3, 1)], atol=1e-4)


def _transposed_ref(dy_nchw, w_iohw, stride, pads, out_hw):
    attrs = {"strides": [stride, stride], "pads": pads, "output_shape": list(out_hw)}
    return ort("ConvTranspose", {"x": dy_nchw, "w": w_iohw}, attrs)[0]


def test_conv2d_backprop_input_d_as_hh_uses_it():
    """hh_om.om's decoder: filter HWCN [5, 5, 16, 32] in FRACTAL_Z, dy NHWC [N, 7, 7, 32] -> [N, 14, 14, 16]."""
    dy, w = rand(2, 7, 7, 32), rand(5, 5, 16, 32) * 0.2
    w_iohw = w.transpose(3, 2, 0, 1)
    ref = ort("ConvTranspose", {"x": dy.transpose(0, 3, 1, 2), "w": w_iohw},
              {"strides": [2, 2], "pads": [1, 1, 2, 2]})[0].transpose(0, 2, 3, 1)
    attrs = {"input_size": [2, 14, 14, 16], "strides": [1, 2, 2, 1], "pads": [1, 2, 1, 2],
             "dilations": [1, 1, 1, 1], "data_format": "NHWC", "padding": "SAME"}
    check("Conv2DBackpropInputD", [spec(w, "FRACTAL_Z", "HWCN", const=True), spec(dy, "NC1HWC0", "NHWC")],
          [out(ref.shape, fmt="NC1HWC0", origin="NHWC")], attrs, [ref], atol=1e-4)
    size = spec(np.array([2, 14, 14, 16], np.int32), const=True)
    check("Conv2DBackpropInput", [size, spec(w, "FRACTAL_Z", "HWCN", const=True), spec(dy, "NC1HWC0", "NHWC")],
          [out(ref.shape, fmt="NC1HWC0", origin="NHWC")], {k: v for k, v in attrs.items() if k != "input_size"},
          [ref], atol=1e-4)


def test_conv2d_transposes_from_onnx_and_caffe():
    x, w, b = rand(1, 4, 5, 5), rand(4, 3, 3, 3), rand(3)         # NCHW, IOHW (GE names it NCHW)
    ref = ort("ConvTranspose", {"x": x, "w": w, "b": b}, {"strides": [2, 2], "pads": [1, 1, 1, 1],
                                                         "output_padding": [1, 1]})[0]
    attrs = {"strides": [1, 1, 2, 2], "pads": [1, 1, 1, 1], "dilations": [1, 1, 1, 1], "data_format": "NCHW"}
    wspec = spec(w, "FRACTAL_Z", "NCHW", const=True)
    check("Conv2DTransposeD", [spec(x, "NC1HWC0", "NCHW"), wspec, spec(b, const=True)],
          [out(ref.shape, fmt="NC1HWC0", origin="NCHW")], {**attrs, "input_size": list(ref.shape)}, [ref], atol=1e-4)
    size = spec(np.array(ref.shape, np.int32), const=True)
    check("Conv2DTranspose", [size, spec(x, "NC1HWC0", "NCHW"), wspec, spec(b, const=True)],
          [out(ref.shape, fmt="NC1HWC0", origin="NCHW")], attrs, [ref], atol=1e-4)
    check("Deconvolution", [spec(x, "NC1HWC0", "NCHW"), wspec, spec(b, const=True)],
          [out(ref.shape, fmt="NC1HWC0", origin="NCHW")], {"strides": [2, 2], "pads": [1, 1, 1, 1]}, [ref], atol=1e-4)


@pytest.mark.parametrize("op_type", ["MatMul", "MatMulV2", "MatMulV3"])
def test_matmul_with_fractal_nz_operands(op_type):
    a, b, bias = rand(20, 33), rand(17, 33), rand(17)
    check(op_type, [spec(a, "FRACTAL_NZ", "ND"), spec(b, "FRACTAL_NZ", "ND", const=True), spec(bias, const=True)],
          [out((20, 17), fmt="FRACTAL_NZ", origin="ND")], {"transpose_x1": False, "transpose_x2": True},
          [a @ b.T + bias], atol=1e-5)
    check(op_type, [spec(a.T.copy()), spec(b.T.copy())], [out((20, 17))], {"transpose_a": True}, [a @ b.T], atol=1e-5)


@pytest.mark.parametrize("op_type", ["BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"])
def test_batch_matmul(op_type):
    a, b, bias = rand(3, 4, 5), rand(1, 6, 5), rand(6)
    check(op_type, [spec(a), spec(b), spec(bias, const=True)], [out((3, 4, 6))], {"adj_x2": True},
          [a @ b.transpose(0, 2, 1) + bias], atol=1e-5)


def test_fully_connection():
    x, w, b = rand(2, 3, 2, 2), rand(5, 3, 2, 2), rand(5)
    check("FullyConnection", [spec(x, "NCHW"), spec(w, "NCHW", const=True), spec(b, const=True)],
          [out((2, 5))], {"num_output": 5, "transpose": False, "axis": 1}, [x.reshape(2, -1) @ w.reshape(5, -1).T + b],
          atol=1e-5)


@pytest.mark.parametrize("op_type,onnx_type", [("MaxPool", "MaxPool"), ("AvgPool", "AveragePool")])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_tf_pools(op_type, onnx_type, padding):
    x = rand(1, 7, 6, 3)
    attrs = {"kernel_shape": [3, 2], "strides": [2, 2], "auto_pad": {"SAME": "SAME_UPPER", "VALID": "VALID"}[padding]}
    ref = ort(onnx_type, {"x": x.transpose(0, 3, 1, 2)}, attrs)[0].transpose(0, 2, 3, 1)
    check(op_type, [spec(x, "NC1HWC0", "NHWC")], [out(ref.shape, fmt="NC1HWC0", origin="NHWC")],
          {"ksize": [1, 3, 2, 1], "strides": [1, 2, 2, 1], "padding": padding, "data_format": "NHWC"}, [ref], atol=1e-5)


def test_pools_v3_and_v2_with_pads_and_ceil_mode():
    x = rand(1, 3, 8, 7)
    ref = ort("MaxPool", {"x": x}, {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 1],
                                    "ceil_mode": 1})[0]
    attrs = {"ksize": [1, 1, 3, 3], "strides": [1, 1, 2, 2], "padding_mode": "CALCULATED", "pads": [1, 1, 0, 1],
             "data_format": "NCHW", "ceil_mode": True}
    check("MaxPoolV3", [spec(x, "NC1HWC0", "NCHW")], [out(ref.shape, fmt="NC1HWC0", origin="NCHW")], attrs, [ref])
    ref = ort("AveragePool", {"x": x}, {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 1],
                                        "count_include_pad": 1})[0]
    check("AvgPoolV2", [spec(x, "NC1HWC0", "NCHW")], [out(ref.shape, fmt="NC1HWC0", origin="NCHW")],
          {**attrs, "ceil_mode": False, "exclusive": False}, [ref], atol=1e-5)
    check("AvgPoolV2", [spec(x, "NCHW")], [out((1, 3, 1, 1), fmt="NCHW")], {**attrs, "global_pooling": True},
          [x.mean(axis=(2, 3), keepdims=True)], atol=1e-5)
    check("MaxPoolWithArgmax", [spec(x, "NCHW")], [out((1, 3, 4, 4), fmt="NCHW")],
          {"ksize": [1, 1, 2, 2], "strides": [1, 1, 2, 2], "padding": "SAME", "data_format": "NCHW"},
          [ort("MaxPool", {"x": x}, {"kernel_shape": [2, 2], "strides": [2, 2], "auto_pad": "SAME_UPPER"})[0]])


def test_softmaxes():
    x = rand(2, 5, 3)
    e = np.exp(x - x.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    check("SoftmaxV2", [spec(x)], [out(x.shape)], {"axes": [1]}, [sm], atol=1e-6)
    check("Softmax", [spec(x)], [out(x.shape)], {"axis": 1}, [sm], atol=1e-6)
    check("LogSoftmaxV2", [spec(x)], [out(x.shape)], {"axes": [1]}, [np.log(sm)], atol=1e-5)
    check("LogSoftmax", [spec(x)], [out(x.shape)], {"axis": 1}, [np.log(sm)], atol=1e-5)


def test_bias_add_batch_norm_scale_layer_norm():
    x, c = rand(2, 3, 4, 4), rand(3)
    check("BiasAdd", [spec(x, "NCHW"), spec(c, const=True)], [out(x.shape, fmt="NCHW")], {"data_format": "NCHW"},
          [x + c.reshape(3, 1, 1)])
    scale, offset, mean, var = rand(3), rand(3), rand(3), rand(3, low=0.5, high=2)
    ref = scale.reshape(3, 1, 1) * (x - mean.reshape(3, 1, 1)) / np.sqrt(var.reshape(3, 1, 1) + 1e-3) \
        + offset.reshape(3, 1, 1)
    for op_type in ("BatchNorm", "FusedBatchNorm", "FusedBatchNormV3", "BNInfer"):
        check(op_type, [spec(x, "NC1HWC0", "NCHW")] + [spec(v, const=True) for v in (scale, offset, mean, var)],
              [out(x.shape, fmt="NC1HWC0", origin="NCHW")], {"epsilon": 1e-3, "data_format": "NCHW"}, [ref], atol=1e-5)
    check("Scale", [spec(x, "NCHW"), spec(scale, const=True), spec(offset, const=True)], [out(x.shape, fmt="NCHW")],
          {"axis": 1, "num_axes": 1}, [x * scale.reshape(3, 1, 1) + offset.reshape(3, 1, 1)])
    y, g, be = rand(2, 5, 6), rand(6), rand(6)
    mu, sig = y.mean(-1, keepdims=True), y.var(-1, keepdims=True)
    TESTED.add("LayerNorm")
    got = run_ge("LayerNorm", [spec(y), spec(g, const=True), spec(be, const=True)],
                 [out(y.shape), out((2, 5, 1)), out((2, 5, 1))], {"begin_norm_axis": -1, "epsilon": 1e-5}, fetch=[0])
    np.testing.assert_allclose(got[0], (y - mu) / np.sqrt(sig + 1e-5) * g + be, atol=1e-5)
    mean, var = run_ge("LayerNorm", [spec(y), spec(g, const=True), spec(be, const=True)],
                       [out(y.shape), out((2, 5, 1)), out((2, 5, 1))], {"begin_norm_axis": -1, "epsilon": 1e-5},
                       fetch=[1, 2])
    np.testing.assert_allclose(mean, mu, atol=1e-6)
    np.testing.assert_allclose(var, sig, atol=1e-6)
    # from axis 1 on (gamma over the last axis only, broadcast)
    mu2, sig2 = y.mean((1, 2), keepdims=True), y.var((1, 2), keepdims=True)
    got = run_ge("LayerNorm", [spec(y), spec(g, const=True), spec(be, const=True)], [out(y.shape)],
                 {"begin_norm_axis": 1, "begin_params_axis": -1, "epsilon": 1e-5})
    np.testing.assert_allclose(got[0], (y - mu2) / np.sqrt(sig2 + 1e-5) * g + be, atol=1e-5)


def test_lrn_tensorflow_parameters():
    x = rand(1, 4, 4, 7)
    ref = ort("LRN", {"x": x.transpose(0, 3, 1, 2)}, {"size": 5, "alpha": 1e-3 * 5, "beta": 0.75, "bias": 2.0})[0]
    check("LRN", [spec(x, "NHWC")], [out(x.shape, fmt="NHWC")],
          {"depth_radius": 2, "alpha": 1e-3, "beta": 0.75, "bias": 2.0}, [ref.transpose(0, 2, 3, 1)], atol=1e-5)


@pytest.mark.parametrize("op_type,mode,align,half,onnx_attrs", [
    ("ResizeBilinearV2D", "linear", False, True, {"coordinate_transformation_mode": "half_pixel"}),
    ("ResizeBilinearV2D", "linear", True, False, {"coordinate_transformation_mode": "align_corners"}),
    ("ResizeNearestNeighborV2D", "nearest", False, False, {"coordinate_transformation_mode": "asymmetric",
                                                           "nearest_mode": "floor"}),
])
def test_resizes_keep_tensorflows_rules(op_type, mode, align, half, onnx_attrs):
    x = rand(1, 5, 4, 2)                                          # NHWC, DD-Net's [31, 15] -> [32, 15] kind
    sizes = np.array([1, 2, 9, 7], np.int64)
    import onnxruntime  # noqa: F401
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode=mode, **onnx_attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, (1, 2, 5, 4))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [onnx.numpy_helper.from_array(sizes, "sizes")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    ref = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        None, {"x": x.transpose(0, 3, 1, 2)})[0].transpose(0, 2, 3, 1)
    attrs = {"size": [9, 7], "align_corners": align, "half_pixel_centers": half}
    check(op_type, [spec(x, "NC1HWC0", "NHWC")], [out(ref.shape, fmt="NC1HWC0", origin="NHWC")], attrs, [ref],
          atol=1e-5)
    base = op_type[:-1]
    check(base, [spec(x, "NHWC"), spec(np.array([9, 7], np.int32), const=True)], [out(ref.shape, fmt="NHWC")],
          {"align_corners": align, "half_pixel_centers": half}, [ref], atol=1e-5)
    TESTED.add(base.replace("V2", ""))


@pytest.mark.parametrize("mode,coord", [("nearest", "asymmetric"), ("linear", "half_pixel"), ("cubic", "align_corners")])
def test_onnx_style_resize(mode, coord):
    """Ascend IR's Resize keeps ONNX's semantics (x, roi, scales, sizes per dim of x)."""
    import onnxruntime
    x = rand(1, 2, 5, 4)
    scales = np.array([1, 1, 2.0, 1.5], np.float32)
    attrs = {"mode": mode, "coordinate_transformation_mode": coord, "nearest_mode": "floor"}
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [onnx.numpy_helper.from_array(scales, "scales")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    ref = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        None, {"x": x})[0]
    check("Resize", [spec(x, "NCHW"), None, spec(scales, const=True)], [out(ref.shape, fmt="NCHW")], attrs, [ref])


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_common_lstm_and_gru(direction):
    """CommonLSTM / CommonGRU are ONNX's LSTM / GRU (gates i,o,f,c and z,r,h; clip < 0: none)."""
    dirs, hidden, seq, batch, size = (2 if direction == "bidirectional" else 1), 3, 4, 2, 5
    x = rand(seq, batch, size)
    for ge_type, onnx_type, gates, n_out in (("CommonLSTM", "LSTM", 4, 3), ("CommonGRU", "GRU", 3, 2)):
        w, r = rand(dirs, gates * hidden, size), rand(dirs, gates * hidden, hidden)
        b, h0 = rand(dirs, 2 * gates * hidden), rand(dirs, batch, hidden)
        extra = {"linear_before_reset": 1} if onnx_type == "GRU" else {}
        names = {"x": x, "w": w, "r": r, "b": b, "seq": None, "h0": h0}
        onnx_inputs = {k: v for k, v in names.items() if v is not None}
        import onnxruntime
        node = helper.make_node(onnx_type, ["x", "w", "r", "b", "", "h0"], [f"y{i}" for i in range(n_out)],
                                hidden_size=hidden, direction=direction, **extra)
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape)
                                                for k, v in onnx_inputs.items()],
                                  [helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, None)
                                   for i in range(n_out)])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
        ref = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
            None, onnx_inputs)
        attrs = {"hidden_size": hidden, "direction": direction, "clip": -1.0, **extra}
        check(ge_type, [spec(x), spec(w, const=True), spec(r, const=True), spec(b, const=True), None, spec(h0)],
              [out(v.shape) for v in ref], attrs, ref)


@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, True)])
def test_gemm(trans_a, trans_b):
    """GEMM: alpha[0] * op(a) @ op(b) + beta[0] * c."""
    a, b, c = rand(3, 4), rand(4, 5), rand(3, 5)
    alpha, beta = np.array([0.5], np.float32), np.array([-2.0], np.float32)
    a_in, b_in = (a.T.copy() if trans_a else a), (b.T.copy() if trans_b else b)
    check("GEMM", [spec(a_in), spec(b_in), spec(c), spec(alpha), spec(beta)], [out((3, 5))],
          {"transpose_a": trans_a, "transpose_b": trans_b}, [0.5 * a @ b - 2.0 * c])


def test_fp16_in_fp32_out_computes_in_fp32():
    """DD-Net's ResizeBilinearV2D reads fp16 and writes fp32: the result is not rounded to fp16 on the way."""
    x = (rand(1, 3, 3, 1) * 3).astype(np.float16)
    got = run_ge("ResizeBilinearV2D", [spec(x, "NHWC")], [out((1, 5, 5, 1), np.float32, "NHWC")],
                 {"size": [5, 5], "half_pixel_centers": True})[0]
    assert got.dtype == np.float32
    assert np.any(got.astype(np.float16).astype(np.float32) != got)


def test_every_table_entry_is_tested(request):
    """Runs last in this module: every GE op type of the table went through at least one check above."""
    ran = {item.originalname for item in request.session.items if item.module is request.module}
    defined = {name for name in dir(request.module) if name.startswith("test_")}
    if ran != defined or request.session.testsfailed:
        pytest.skip("needs every test of this module run (and passed)")
    untested = set(supported_types()) - TESTED
    assert not untested, f"GE op types without a numeric test: {sorted(untested)}"
