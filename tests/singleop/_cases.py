"""The single-op suite: description-file entries of Ascend IR ops (ATC's JSON format, GE's attribute
conventions), their inputs, and the outputs expected from the numpy references in _reference.py."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _reference as ref

RNG = np.random.default_rng(2024)
TYPE_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.float16): "float16", np.dtype(np.int32): "int32",
              np.dtype(np.int64): "int64", np.dtype(np.bool_): "bool", np.dtype(np.int8): "int8",
              np.dtype(np.uint8): "uint8"}


@dataclass
class In:
    """An input tensor: its value, format (and origin format/shape when they differ: a device layout), and
    whether the description holds it as a constant."""

    value: np.ndarray
    format: str = "ND"
    const: bool = False
    origin_format: str | None = None
    stored: np.ndarray | None = None     # the constant as laid out in ``format`` (device formats)

    def desc(self) -> dict:
        value = np.asarray(self.value)
        held = value if self.stored is None else self.stored
        d = {"format": self.format, "shape": list(held.shape), "type": TYPE_NAMES[value.dtype]}
        if self.origin_format:
            d.update(origin_format=self.origin_format, origin_shape=list(value.shape))
        if self.const:
            flat = held.reshape(-1)
            d.update(is_const=True, const_value=[v.item() for v in flat])
        return d


@dataclass
class Case:
    id: str
    op: str
    inputs: list
    expected: list
    attrs: list = field(default_factory=list)     # (name, type, value)
    out_format: str | None = None
    atol: float = 1e-5
    rtol: float = 1e-5
    out_descs: list | None = None                 # explicit output descriptions (shape, dtype, format)

    def entry(self) -> dict:
        fmt = self.out_format or next((i.origin_format or i.format for i in self.inputs if i is not None), "ND")
        outs = self.out_descs or [(np.shape(e), _declared(np.asarray(e).dtype), fmt) for e in self.expected]
        return {"op": self.op, "name": self.id,
                "input_desc": [{"format": "RESERVED", "type": "UNDEFINED", "shape": []} if i is None else i.desc()
                               for i in self.inputs],
                "output_desc": [o if isinstance(o, dict) else
                                {"format": o[2], "shape": list(o[0]), "type": TYPE_NAMES[np.dtype(o[1])]} for o in outs],
                "attr": [{"name": n, "type": t, "value": v} for n, t, v in self.attrs]}

    def feeds(self) -> dict:
        return {f"input{k}": np.asarray(i.value if i.stored is None else i.stored)
                for k, i in enumerate(self.inputs) if i is not None and not i.const}


def _declared(dtype):
    """The output type a float64 reference stands for: float32."""
    return np.dtype(np.float32) if dtype == np.float64 else dtype


def rand(*shape, low=-2.0, high=2.0, dtype=np.float32):
    return RNG.uniform(low, high, size=shape).astype(dtype)


def ints(*shape, low=-5, high=6, dtype=np.int32):
    return RNG.integers(low, high, size=shape).astype(dtype)


X = rand(2, 3, 4)
POS = rand(2, 3, 4, low=0.1, high=3.0)
Y = rand(2, 3, 4)
B4 = rand(4)
sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731

CASES: list = []


def add(*cases):
    CASES.extend(cases)


# ---- elementwise: unary --------------------------------------------------------------------------------------

UNARY = {
    "Abs": (X, np.abs), "Neg": (X, np.negative), "Square": (X, np.square), "Exp": (X, np.exp),
    "Floor": (X, np.floor), "Ceil": (X, np.ceil), "Sign": (X, np.sign), "Sin": (X, np.sin), "Cos": (X, np.cos),
    "Tanh": (X, np.tanh), "Sigmoid": (X, sig), "Relu": (X, lambda v: np.maximum(v, 0)),
    "Relu6": (X * 4, lambda v: np.clip(v, 0, 6)), "Softplus": (X, lambda v: np.log1p(np.exp(v))),
    "Erf": (X, ref.erf), "Log": (POS, np.log), "Sqrt": (POS, np.sqrt), "Rsqrt": (POS, lambda v: 1 / np.sqrt(v)),
    "Reciprocal": (POS, lambda v: 1 / v), "Gelu": (X, ref.gelu_tanh),
    "HardSwish": (X * 2, lambda v: v * np.clip(v + 3, 0, 6) / 6),
}
for _op, (_x, _fn) in UNARY.items():
    add(Case(f"unary_{_op}", _op, [In(_x)], [_fn(_x.astype(np.float64))]))
add(Case("leaky_relu", "LeakyRelu", [In(X)], [np.where(X > 0, X, 0.1 * X)],
         [("negative_slope", "float", 0.1)]),
    Case("elu", "Elu", [In(X)], [np.where(X > 0, X, 0.7 * (np.exp(X) - 1))], [("alpha", "float", 0.7)]),
    Case("muls", "Muls", [In(X)], [X * 2.5], [("value", "float", 2.5)]),
    Case("adds", "Adds", [In(X)], [X - 1.0], [("value", "float", -1.0)]))

# ---- elementwise: binary and more ----------------------------------------------------------------------------

I1, I2 = ints(3, 4), ints(3, 4, low=1, high=5) * np.where(ints(3, 4) > 0, 1, -1).astype(np.int32)
BOOL1, BOOL2 = rand(3, 4) > 0, rand(3, 4) > 0
add(Case("add_broadcast", "Add", [In(X), In(B4)], [X + B4]),
    Case("add_int32", "Add", [In(I1), In(I2)], [I1 + I2]),
    Case("add_fp16", "Add", [In(X.astype(np.float16)), In(Y.astype(np.float16))],
         [(X.astype(np.float16) + Y.astype(np.float16))], atol=2e-3),
    Case("sub", "Sub", [In(X), In(Y)], [X - Y]),
    Case("mul", "Mul", [In(X), In(Y[:1])], [X * Y[:1]]),
    Case("real_div", "RealDiv", [In(X), In(POS)], [X / POS]),
    Case("maximum", "Maximum", [In(X), In(Y)], [np.maximum(X, Y)]),
    Case("minimum", "Minimum", [In(X), In(Y)], [np.minimum(X, Y)]),
    Case("pow", "Pow", [In(POS), In(X)], [np.power(POS.astype(np.float64), X)], rtol=1e-4),
    Case("squared_difference", "SquaredDifference", [In(X), In(Y)], [(X - Y) ** 2]),
    Case("floor_div", "FloorDiv", [In(I1), In(I2)], [np.floor_divide(I1, I2)]),
    Case("floor_mod", "FloorMod", [In(X * 3), In(np.float32(-1.5) * np.ones(4, np.float32))],
         [np.mod(X * 3, -1.5)]),
    Case("equal", "Equal", [In(I1), In(I1 % 2)], [I1 == I1 % 2]),
    Case("not_equal", "NotEqual", [In(I1), In(I1 % 2)], [I1 != I1 % 2]),
    Case("less", "Less", [In(X), In(Y)], [X < Y]),
    Case("greater", "Greater", [In(X), In(Y)], [X > Y]),
    Case("greater_equal", "GreaterEqual", [In(I1), In(I2)], [I1 >= I2]),
    Case("logical_and", "LogicalAnd", [In(BOOL1), In(BOOL2)], [BOOL1 & BOOL2]),
    Case("logical_or", "LogicalOr", [In(BOOL1), In(BOOL2)], [BOOL1 | BOOL2]),
    Case("add_n", "AddN", [In(X), In(Y), In(POS)], [X + Y + POS], [("N", "int", 3)]),
    Case("select", "SelectV2", [In(X > 0), In(X), In(Y)], [np.where(X > 0, X, Y)]),
    Case("clip_by_value", "ClipByValue", [In(X), In(np.float32(-0.5)), In(np.float32(0.75))],
         [np.clip(X, -0.5, 0.75)]),
    Case("cast_to_int32", "Cast", [In(X * 3)], [np.trunc(X * 3).astype(np.int32)], [("dst_type", "int", 3)]),
    Case("cast_to_fp16", "Cast", [In(X)], [X.astype(np.float16)], [("dst_type", "data_type", "DT_FLOAT16")]),
    Case("cast_bool_to_fp32", "Cast", [In(BOOL1)], [BOOL1.astype(np.float32)], [("dst_type", "int", 0)]))

# ---- convolution and pooling ---------------------------------------------------------------------------------

XC = rand(1, 3, 7, 7)
WC, BC = rand(4, 3, 3, 3), rand(4)
add(Case("conv2d_nchw", "Conv2D", [In(XC, "NCHW"), In(WC, "NCHW", const=True), In(BC, const=True)],
         [ref.conv2d_nchw(XC, WC, (2, 2), (1, 1, 0, 1), bias=BC)],
         [("strides", "list_int", [1, 1, 2, 2]), ("pads", "list_int", [1, 1, 0, 1]),
          ("dilations", "list_int", [1, 1, 1, 1]), ("data_format", "string", "NCHW")], out_format="NCHW", atol=1e-4))
XH, WH = rand(1, 8, 8, 3), rand(3, 3, 3, 5)
add(Case("conv2d_nhwc_hwcn_dilated", "Conv2D", [In(XH, "NHWC"), In(WH, "HWCN", const=True)],
         [ref.conv2d_nchw(XH.transpose(0, 3, 1, 2), WH.transpose(3, 2, 0, 1), pads=(2, 2, 2, 2),
                          dilations=(2, 2)).transpose(0, 2, 3, 1)],
         [("strides", "list_int", [1, 1, 1, 1]), ("pads", "list_int", [2, 2, 2, 2]),
          ("dilations", "list_int", [1, 2, 2, 1]), ("data_format", "string", "NHWC")], out_format="NHWC", atol=1e-4))
XG, WG = rand(1, 4, 5, 5), rand(6, 2, 3, 3)
add(Case("conv2d_groups", "Conv2D", [In(XG, "NCHW"), In(WG, "NCHW")],
         [ref.conv2d_nchw(XG, WG, pads=(1, 1, 1, 1), groups=2)],
         [("strides", "list_int", [1, 1, 1, 1]), ("pads", "list_int", [1, 1, 1, 1]), ("groups", "int", 2),
          ("dilations", "list_int", [1, 1, 1, 1]), ("data_format", "string", "NCHW")], atol=1e-4))
XF16, WF16 = XC.astype(np.float16), WC.astype(np.float16)
add(Case("conv2d_fp16", "Conv2D", [In(XF16, "NCHW"), In(WF16, "NCHW", const=True)],
         [ref.conv2d_nchw(XF16.astype(np.float32), WF16.astype(np.float32), pads=(1, 1, 1, 1))],
         [("strides", "list_int", [1, 1, 1, 1]), ("pads", "list_int", [1, 1, 1, 1]),
          ("dilations", "list_int", [1, 1, 1, 1]), ("data_format", "string", "NCHW")], atol=2e-2, rtol=1e-2,
         out_descs=[((1, 4, 7, 7), np.float16, "NCHW")]))
XD, WD = rand(1, 6, 6, 4), rand(3, 3, 4, 2)
WD_OIHW = WD.transpose(2, 3, 0, 1).reshape(8, 1, 3, 3)        # output channel c * 2 + k
add(Case("depthwise_conv2d", "DepthwiseConv2D", [In(XD, "NHWC"), In(WD, "HWCN", const=True)],
         [ref.conv2d_nchw(XD.transpose(0, 3, 1, 2), WD_OIHW, pads=(1, 1, 1, 1), groups=4).transpose(0, 2, 3, 1)],
         [("strides", "list_int", [1, 1, 1, 1]), ("pads", "list_int", [1, 1, 1, 1]),
          ("dilations", "list_int", [1, 1, 1, 1]), ("data_format", "string", "NHWC")], out_format="NHWC", atol=1e-4))
DY, WT = rand(1, 3, 3, 4), rand(3, 3, 2, 4)                   # filter [kh, kw, dx channels, dy channels]
add(Case("conv2d_backprop_input", "Conv2DBackpropInputD", [In(WT, "HWCN", const=True), In(DY, "NHWC")],
         [ref.conv2d_transpose_nchw(DY.transpose(0, 3, 1, 2), WT.transpose(3, 2, 0, 1), (2, 2), (0, 1, 0, 1),
                                    (6, 6)).transpose(0, 2, 3, 1)],
         [("input_size", "list_int", [1, 6, 6, 2]), ("strides", "list_int", [1, 2, 2, 1]),
          ("pads", "list_int", [0, 1, 0, 1]), ("dilations", "list_int", [1, 1, 1, 1]),
          ("data_format", "string", "NHWC")], out_format="NHWC", atol=1e-4))
XP = rand(1, 7, 7, 2)
add(Case("max_pool_same_nhwc", "MaxPool", [In(XP, "NHWC")],
         [ref.pool_nchw(XP.transpose(0, 3, 1, 2), (3, 3), (2, 2), (1, 1, 1, 1), "max").transpose(0, 2, 3, 1)],
         [("ksize", "list_int", [1, 3, 3, 1]), ("strides", "list_int", [1, 2, 2, 1]),
          ("padding", "string", "SAME"), ("data_format", "string", "NHWC")]))
XA = rand(1, 5, 5, 2)
add(Case("avg_pool_same_nhwc", "AvgPool", [In(XA, "NHWC")],
         [ref.pool_nchw(XA.transpose(0, 3, 1, 2), (3, 3), (2, 2), (1, 1, 1, 1), "avg").transpose(0, 2, 3, 1)],
         [("ksize", "list_int", [1, 3, 3, 1]), ("strides", "list_int", [1, 2, 2, 1]),
          ("padding", "string", "SAME"), ("data_format", "string", "NHWC")]))
XV = rand(1, 2, 6, 6)
add(Case("max_pool_v3_ceil", "MaxPoolV3", [In(XV, "NCHW")],
         [ref.pool_nchw(XV, (3, 3), (2, 2), (1, 1, 1, 1), "max", ceil=True)],
         [("ksize", "list_int", [1, 1, 3, 3]), ("strides", "list_int", [1, 1, 2, 2]),
          ("padding_mode", "string", "CALCULATED"), ("pads", "list_int", [1, 1, 1, 1]),
          ("ceil_mode", "bool", True), ("data_format", "string", "NCHW")]),
    Case("avg_pool_v2_count_pad", "AvgPoolV2", [In(XV[:, :, :5, :5], "NCHW")],
         [ref.pool_nchw(XV[:, :, :5, :5], (3, 3), (2, 2), (1, 1, 1, 1), "avg", count_pad=True)],
         [("ksize", "list_int", [1, 1, 3, 3]), ("strides", "list_int", [1, 1, 2, 2]),
          ("padding_mode", "string", "CALCULATED"), ("pads", "list_int", [1, 1, 1, 1]),
          ("exclusive", "bool", False), ("data_format", "string", "NCHW")]),
    Case("global_avg_pool", "AvgPoolV2", [In(XV, "NCHW")], [XV.mean(axis=(2, 3), keepdims=True)],
         [("ksize", "list_int", [1, 1, 6, 6]), ("strides", "list_int", [1, 1, 1, 1]),
          ("global_pooling", "bool", True), ("data_format", "string", "NCHW")]))
XB = rand(1, 3, 2, 2)
add(Case("bias_add_nchw", "BiasAdd", [In(XB, "NCHW"), In(B4[:3])], [XB + B4[:3].reshape(1, 3, 1, 1)],
         [("data_format", "string", "NCHW")]))

# ---- matrix products -----------------------------------------------------------------------------------------

MA, MB, MC = rand(3, 4), rand(5, 4), rand(4, 5)
add(Case("matmul_transpose_b", "MatMul", [In(MA), In(MB)], [MA @ MB.T],
         [("transpose_x1", "bool", False), ("transpose_x2", "bool", True)]),
    Case("matmul_v2_bias", "MatMulV2", [In(MA.T.copy()), In(MC, const=True), In(B4[:1].repeat(5), const=True)],
         [MA @ MC + B4[0]], [("transpose_x1", "bool", True), ("transpose_x2", "bool", False)]),
    Case("matmul_fp16", "MatMulV2", [In(MA.astype(np.float16)), In(MC.astype(np.float16))],
         [MA.astype(np.float16).astype(np.float32) @ MC.astype(np.float16).astype(np.float32)],
         out_descs=[((3, 5), np.float16, "ND")], atol=1e-2, rtol=1e-2))
BA, BB = rand(2, 3, 4), rand(2, 5, 4)
add(Case("batch_matmul_adj", "BatchMatMul", [In(BA), In(BB)], [BA @ BB.transpose(0, 2, 1)],
         [("adj_x1", "bool", False), ("adj_x2", "bool", True)]))
BC1, BC2 = rand(2, 1, 3, 4), rand(3, 4, 6)
add(Case("batch_matmul_v2_broadcast", "BatchMatMulV2", [In(BC1), In(BC2)], [BC1 @ BC2]),
    Case("gemm", "GEMM", [In(MA), In(MC), In(rand(3, 5)), In(np.array([0.5], np.float32)),
                           In(np.array([2.0], np.float32))], [None]))
CASES[-1].expected = [0.5 * MA @ MC + 2.0 * CASES[-1].inputs[2].value]
XFC, WFC = rand(2, 3, 2, 2), rand(5, 12)
add(Case("fully_connection", "FullyConnection", [In(XFC, "NCHW"), In(WFC, const=True), In(B4[:1].repeat(5))],
         [XFC.reshape(2, 12) @ WFC.T + B4[0]], [("num_output", "int", 5), ("axis", "int", 1)], out_format="ND"))

# ---- reductions ----------------------------------------------------------------------------------------------

add(Case("reduce_sum_d", "ReduceSumD", [In(X)], [X.sum(axis=1)], [("axes", "list_int", [1]), ("keep_dims", "bool", False)]),
    Case("reduce_mean_d", "ReduceMeanD", [In(X)], [X.mean(axis=(0, 2), keepdims=True)],
         [("axes", "list_int", [0, 2]), ("keep_dims", "bool", True)]),
    Case("reduce_max_d", "ReduceMaxD", [In(X)], [X.max(axis=-1)], [("axes", "list_int", [-1])]),
    Case("reduce_min_d", "ReduceMinD", [In(X)], [X.min(axis=1)], [("axes", "list_int", [1])]),
    Case("reduce_prod_d", "ReduceProdD", [In(X)], [X.prod(axis=2)], [("axes", "list_int", [2])]),
    Case("reduce_sum_const_axes", "ReduceSum", [In(X), In(np.array([1], np.int32), const=True)],
         [X.sum(axis=1, keepdims=True)], [("keep_dims", "bool", True)]),
    Case("reduce_all_d", "ReduceAllD", [In(X > -1.5)], [(X > -1.5).all(axis=1)], [("axes", "list_int", [1])]),
    Case("argmax_d", "ArgMaxD", [In(X)], [X.argmax(axis=1).astype(np.int32)],
         [("dimension", "int", 1), ("dtype", "int", 3)]),
    Case("argmax_v2", "ArgMaxV2", [In(X), In(np.array(-1, np.int32), const=True)], [X.argmax(axis=-1).astype(np.int32)],
         [("dtype", "int", 3)]))

# ---- tensor movement -----------------------------------------------------------------------------------------

X4 = rand(2, 3, 4, 5)
add(Case("transpose_d", "TransposeD", [In(X4)], [X4.transpose(0, 2, 1, 3)], [("perm", "list_int", [0, 2, 1, 3])]),
    Case("transpose_const_perm", "Transpose", [In(X4), In(np.array([3, 0, 2, 1], np.int32), const=True)],
         [X4.transpose(3, 0, 2, 1)]),
    Case("reshape", "Reshape", [In(X), In(np.array([3, -1], np.int64), const=True)], [X.reshape(3, 8)]),
    Case("expand_dims", "ExpandDims", [In(X), In(np.array([1], np.int32), const=True)], [X[:, None]]),
    Case("squeeze", "Squeeze", [In(X[:, :1])], [X[:, 0]], [("axis", "list_int", [1])]),
    Case("unsqueeze", "Unsqueeze", [In(X)], [X[None]], [("axes", "list_int", [0])]),
    Case("concat_d", "ConcatD", [In(X), In(Y[:, :2])], [np.concatenate([X, Y[:, :2]], axis=1)],
         [("concat_dim", "int", 1), ("N", "int", 2)]),
    Case("concat_v2_d", "ConcatV2D", [In(X), In(Y)], [np.concatenate([X, Y], axis=-1)],
         [("concat_dim", "int", -1), ("N", "int", 2)]),
    Case("concat_v2_const_axis", "ConcatV2", [In(X), In(Y), In(np.array(0, np.int32), const=True)],
         [np.concatenate([X, Y], axis=0)], [("N", "int", 2)]),
    Case("split_d", "SplitD", [In(X4)], list(np.split(X4, 2, axis=2)),
         [("split_dim", "int", 2), ("num_split", "int", 2)]),
    Case("split_vd", "SplitVD", [In(X4)], list(np.split(X4, [1], axis=-1)),
         [("size_splits", "list_int", [1, 4]), ("split_dim", "int", -1), ("num_split", "int", 2)]),
    Case("pack", "Pack", [In(X), In(Y), In(POS)], [np.stack([X, Y, POS], axis=1)],
         [("axis", "int", 1), ("N", "int", 3)]),
    Case("unpack", "Unpack", [In(X)], [X[0], X[1]], [("axis", "int", 0), ("num", "int", 2)]),
    Case("strided_slice_d", "StridedSliceD", [In(X4)],
         [ref.strided_slice(X4, [0, 1, 0, 1], [2, 3, 4, 5], [1, 1, 2, 2], end_mask=4, shrink_axis_mask=1)],
         [("begin", "list_int", [0, 1, 0, 1]), ("end", "list_int", [2, 3, 4, 5]), ("strides", "list_int", [1, 1, 2, 2]),
          ("begin_mask", "int", 0), ("end_mask", "int", 4), ("ellipsis_mask", "int", 0), ("new_axis_mask", "int", 0),
          ("shrink_axis_mask", "int", 1)]),
    Case("slice_d", "SliceD", [In(X)], [X[0:2, 1:, 1:3]], [("offsets", "list_int", [0, 1, 1]),
                                                           ("size", "list_int", [2, -1, 2])]),
    Case("gather_v2_d", "GatherV2D", [In(X), In(np.array([2, 0, 2], np.int32))], [X[:, [2, 0, 2]]],
         [("axis", "int", 1)]),
    Case("gather_v2", "GatherV2", [In(X), In(np.array([[1, 0], [0, 1]], np.int32)),
                                   In(np.array([0], np.int32), const=True)], [X[np.array([[1, 0], [0, 1]])]]),
    Case("gather_nd", "GatherNd", [In(X4[0, 0]), In(np.array([[0, 1], [2, 3]], np.int32))],
         [X4[0, 0][[0, 2], [1, 3]]]),
    Case("tile_d", "TileD", [In(X)], [np.tile(X, (2, 1, 3))], [("multiples", "list_int", [2, 1, 3])]),
    Case("pad_d", "PadD", [In(X)], [np.pad(X, [(0, 0), (1, 2), (2, 1)])],
         [("paddings", "list_list_int", [[0, 0], [1, 2], [2, 1]])]),
    Case("mirror_pad_reflect", "MirrorPad", [In(X[0]), In(np.array([[1, 1], [2, 2]], np.int32), const=True)],
         [np.pad(X[0], [(1, 1), (2, 2)], mode="reflect")], [("mode", "string", "REFLECT")]),
    Case("broadcast_to_d", "BroadcastToD", [In(X[0, :, :1])], [np.broadcast_to(X[0, :, :1], (2, 3, 4))],
         [("shape", "list_int", [2, 3, 4])]),
    Case("one_hot_d", "OneHotD", [In(np.array([[0, 3], [2, 1]], np.int32)), In(np.float32(5.0)),
                                  In(np.float32(-1.0))],
         [np.where(np.eye(4)[np.array([[0, 3], [2, 1]])] > 0, 5.0, -1.0).astype(np.float32)],
         [("depth", "int", 4), ("axis", "int", -1)]),
    Case("reverse_v2_d", "ReverseV2D", [In(X)], [X[:, ::-1]], [("axis", "list_int", [1])]),
    Case("space_to_depth", "SpaceToDepth", [In(rand(1, 4, 6, 3), "NHWC")], [None],
         [("block_size", "int", 2), ("data_format", "string", "NHWC")]),
    Case("depth_to_space", "DepthToSpace", [In(rand(1, 2, 3, 8), "NHWC")], [None],
         [("block_size", "int", 2), ("data_format", "string", "NHWC")]))
_s2d, _d2s = CASES[-2], CASES[-1]
_s2d.expected = [ref.space_to_depth_nhwc(_s2d.inputs[0].value, 2)]
_d2s.expected = [ref.depth_to_space_nhwc(_d2s.inputs[0].value, 2)]

# ---- softmax, normalisations, resizing, recurrent ------------------------------------------------------------

GAMMA, BETA = rand(4, low=0.5, high=1.5), rand(4)
SC, OFF, MEAN, VAR = rand(3, low=0.5, high=1.5), rand(3), rand(3), rand(3, low=0.5, high=2.0)
XN = rand(1, 3, 4, 4)
add(Case("softmax_v2", "SoftmaxV2", [In(X)], [ref.softmax(X.astype(np.float64), -1)], [("axes", "list_int", [-1])]),
    Case("softmax_v2_channels", "SoftmaxV2", [In(XN, "NCHW")], [ref.softmax(XN.astype(np.float64), 1)],
         [("axes", "list_int", [1])]),
    Case("softmax_fp16", "SoftmaxV2", [In(X.astype(np.float16))],
         [ref.softmax(X.astype(np.float16).astype(np.float64), -1)], [("axes", "list_int", [-1])],
         out_descs=[((2, 3, 4), np.float16, "ND")], atol=2e-3),
    Case("log_softmax_v2", "LogSoftmaxV2", [In(X)], [np.log(ref.softmax(X.astype(np.float64), -1))],
         [("axes", "list_int", [-1])]),
    Case("layer_norm", "LayerNorm", [In(X), In(GAMMA, const=True), In(BETA, const=True)],
         [ref.layer_norm(X.astype(np.float64), GAMMA, BETA, 1e-5), X.mean(-1, keepdims=True),
          X.var(-1, keepdims=True)],
         [("begin_norm_axis", "int", -1), ("begin_params_axis", "int", -1), ("epsilon", "float", 1e-5)], atol=1e-4),
    Case("bn_infer", "BNInfer", [In(XN, "NCHW"), In(SC), In(OFF), In(MEAN), In(VAR)],
         [(XN - MEAN.reshape(1, 3, 1, 1)) / np.sqrt(VAR.reshape(1, 3, 1, 1) + 1e-3) * SC.reshape(1, 3, 1, 1)
          + OFF.reshape(1, 3, 1, 1)], [("epsilon", "float", 1e-3)], out_format="NCHW", atol=1e-4),
    Case("lrn_nhwc", "LRN", [In(rand(1, 3, 3, 7), "NHWC")], [None],
         [("depth_radius", "int", 2), ("bias", "float", 1.5), ("alpha", "float", 0.1), ("beta", "float", 0.75)]),
    Case("resize_bilinear_v2_d", "ResizeBilinearV2D", [In(rand(1, 3, 4, 2), "NHWC")], [None],
         [("size", "list_int", [5, 7]), ("align_corners", "bool", False), ("half_pixel_centers", "bool", True)]),
    Case("resize_nearest_v2", "ResizeNearestNeighborV2",
         [In(rand(1, 3, 4, 2), "NHWC"), In(np.array([6, 9], np.int32), const=True)], [None],
         [("align_corners", "bool", False), ("half_pixel_centers", "bool", False)]))
_lrn, _bil, _near = CASES[-3], CASES[-2], CASES[-1]
_lrn.expected = [ref.lrn_nhwc(_lrn.inputs[0].value, 2, 1.5, 0.1, 0.75)]
_bil.expected = [ref.resize_bilinear_nhwc(_bil.inputs[0].value, 5, 7, half_pixel=True)]
_near.expected = [ref.resize_nearest_nhwc(_near.inputs[0].value, 6, 9)]

HID, SEQ = 3, 4
XL, WL, RL, BL = rand(SEQ, 2, 5), rand(1, 4 * HID, 5), rand(1, 4 * HID, HID), rand(1, 8 * HID)
H0, C0 = rand(1, 2, HID), rand(1, 2, HID)
add(Case("common_lstm", "CommonLSTM",
         [In(XL), In(WL, const=True), In(RL, const=True), In(BL, const=True), None, In(H0), In(C0)],
         list(ref.lstm_onnx(XL, WL[0], RL[0], BL[0], H0[0], C0[0])),
         [("hidden_size", "int", HID), ("direction", "string", "forward")], atol=1e-5))

# ---- device formats: a FRACTAL_Z constant filter, an NC1HWC0 input -------------------------------------------


def _fractal_z(w: np.ndarray) -> np.ndarray:
    """OIHW -> FRACTAL_Z (C1*H*W, N1, 16, C0): element [c1*kh*kw + h*kw + w, n1, n0, c0] = w[n1*16+n0, c1*16+c0, h, w]."""
    o, c, kh, kw = w.shape
    c1, n1 = math.ceil(c / 16), math.ceil(o / 16)
    padded = np.zeros((n1 * 16, c1 * 16, kh, kw), w.dtype)
    padded[:o, :c] = w
    t = padded.reshape(n1, 16, c1, 16, kh, kw).transpose(2, 4, 5, 0, 1, 3)
    return t.reshape(c1 * kh * kw, n1, 16, 16)


def _nc1hwc0(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    c1 = math.ceil(c / 16)
    padded = np.zeros((n, c1 * 16, h, w), x.dtype)
    padded[:, :c] = x
    return padded.reshape(n, c1, 16, h, w).transpose(0, 1, 3, 4, 2)


WZ = WC.astype(np.float16)
add(Case("conv2d_fractal_z_filter", "Conv2D",
         [In(XF16, "NCHW"), In(WZ, "FRACTAL_Z", const=True, origin_format="NCHW", stored=_fractal_z(WZ))],
         [ref.conv2d_nchw(XF16.astype(np.float32), WZ.astype(np.float32), pads=(1, 1, 1, 1))],
         [("strides", "list_int", [1, 1, 1, 1]), ("pads", "list_int", [1, 1, 1, 1]),
          ("dilations", "list_int", [1, 1, 1, 1]), ("data_format", "string", "NCHW")], atol=2e-2, rtol=1e-2,
         out_descs=[((1, 4, 7, 7), np.float16, "NCHW")]))
XZ = rand(1, 3, 4, 5, dtype=np.float16)
add(Case("relu_nc1hwc0_in_out", "Relu", [In(XZ, "NC1HWC0", origin_format="NCHW", stored=_nc1hwc0(XZ))],
         [_nc1hwc0(np.maximum(XZ, 0))],
         out_descs=[{"format": "NC1HWC0", "origin_format": "NCHW", "origin_shape": [1, 3, 4, 5],
                     "shape": [1, 1, 4, 5, 16], "type": "float16"}]))
