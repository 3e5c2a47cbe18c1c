"""TF shape/data-movement ops (incl. StridedSlice with every mask) against numpy indexing."""
from __future__ import annotations

import numpy as np
import pytest

from converter.frontends.tensorflow import load_tf_graph
from tests.tensorflow.tf_builder import DType, GraphDefBuilder, run_graphdef

F32 = DType(np.float32)
I32 = DType(np.int32)
rng = np.random.default_rng(2)


def rand(*shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def graph_with_input(x):
    g = GraphDefBuilder()
    g.placeholder("x", x.shape, x.dtype)
    return g


def run(g, tmp_path, x, outs=None):
    res = run_graphdef(g, tmp_path, {"x": x}, out_nodes=outs)
    return res if outs and len(outs) > 1 else res[0]


def test_reshape_with_minus_one_and_zero_dim(tmp_path):
    x = rand(2, 3, 4)
    g = graph_with_input(x)
    g.const("shape", [-1, 4], np.int32)
    g.node("r", "Reshape", ["x", "shape"], T=F32, Tshape=I32)
    np.testing.assert_array_equal(run(g, tmp_path, x), x.reshape(-1, 4))
    empty = np.zeros((0, 3), np.float32)
    g = graph_with_input(empty)
    g.const("shape", [3, 0], np.int32)
    g.node("r", "Reshape", ["x", "shape"], T=F32)
    assert run(g, tmp_path, empty).shape == (3, 0)   # TF: 0 is a size, not "copy the input dim"


def test_squeeze_expand_dims_transpose(tmp_path):
    x = rand(1, 3, 1, 4)
    g = graph_with_input(x)
    g.node("sq", "Squeeze", ["x"], T=F32, squeeze_dims=[2])
    g.node("sq_all", "Squeeze", ["x"], T=F32)
    g.const("dim", np.int32(-1))
    g.node("ed", "ExpandDims", ["sq", "dim"], T=F32)
    g.const("perm", [3, 1, 0, 2], np.int32)
    g.node("tr", "Transpose", ["x", "perm"], T=F32)
    sq, sq_all, ed, tr = run(g, tmp_path, x, ["sq", "sq_all", "ed", "tr"])
    np.testing.assert_array_equal(sq, x[:, :, 0])
    np.testing.assert_array_equal(sq_all, x.reshape(3, 4))
    np.testing.assert_array_equal(ed, x[:, :, 0, :, None])
    np.testing.assert_array_equal(tr, x.transpose(3, 1, 0, 2))


def test_concat_pack_unpack(tmp_path):
    x = rand(2, 3)
    g = graph_with_input(x)
    g.const("axis", np.int32(-1))
    g.node("cat", "ConcatV2", ["x", "x", "axis"], T=F32, N=2)
    g.const("axis0", np.int32(0))
    g.node("cat_old", "Concat", ["axis0", "x", "x"], T=F32, N=2)
    g.node("stack", "Pack", ["x", "x", "x"], T=F32, N=3, axis=1)
    g.node("unstack", "Unpack", ["x"], T=F32, num=3, axis=1)
    outs = run(g, tmp_path, x, ["cat", "cat_old", "stack", "unstack:0", "unstack:1", "unstack:2"])
    np.testing.assert_array_equal(outs[0], np.concatenate([x, x], -1))
    np.testing.assert_array_equal(outs[1], np.concatenate([x, x], 0))
    np.testing.assert_array_equal(outs[2], np.stack([x, x, x], 1))
    for i in range(3):
        np.testing.assert_array_equal(outs[3 + i], x[:, i])


@pytest.mark.parametrize("sizes", [[2, 3, 1], [1, -1, 2], [-1, 2], [2, -1], [0, -1, 0]])
def test_split_v(tmp_path, sizes):
    x = rand(3, 6)
    g = graph_with_input(x)
    g.const("sizes", sizes, np.int32)
    g.const("axis", np.int32(1))
    g.node("s", "SplitV", ["x", "sizes", "axis"], T=F32, num_split=len(sizes))
    outs = run(g, tmp_path, x, [f"s:{i}" for i in range(len(sizes))])
    outs = outs if len(sizes) > 1 else [outs]
    fixed = [s if s >= 0 else 6 - sum(v for v in sizes if v >= 0) for s in sizes]
    for got, ref in zip(outs, np.split(x, np.cumsum(fixed)[:-1], axis=1)):
        np.testing.assert_array_equal(got, ref)


def test_split(tmp_path):
    x = rand(4, 6)
    g = graph_with_input(x)
    g.const("axis", np.int32(1))
    g.node("s", "Split", ["axis", "x"], T=F32, num_split=3)
    outs = run(g, tmp_path, x, ["s:0", "s:1", "s:2"])
    for got, ref in zip(outs, np.split(x, 3, axis=1)):
        np.testing.assert_array_equal(got, ref)


def test_slice(tmp_path):
    x = rand(4, 5, 6)
    g = graph_with_input(x)
    g.const("begin", [1, 0, 2], np.int32)
    g.const("size", [2, -1, 3], np.int32)
    g.node("s", "Slice", ["x", "begin", "size"], T=F32, Index=I32)
    np.testing.assert_array_equal(run(g, tmp_path, x), x[1:3, :, 2:5])


# (begin, end, strides, masks, numpy index)
STRIDED = [
    ([1, 0], [3, 4], [1, 2], {}, (slice(1, 3), slice(0, 4, 2))),
    ([0, 0], [0, 0], [1, 1], {"begin_mask": 3, "end_mask": 3}, (slice(None), slice(None))),
    ([-1], [0], [-1], {"end_mask": 1}, (slice(-1, None, -1),)),
    ([1, 2], [2, 3], [1, 1], {"shrink_axis_mask": 3}, (1, 2)),
    ([-1], [0], [1], {"shrink_axis_mask": 1}, (-1,)),
    ([0, 1], [0, 3], [1, 1], {"ellipsis_mask": 1}, (Ellipsis, slice(1, 3))),
    ([0, 0, 2], [0, 0, 3], [1, 1, 1], {"ellipsis_mask": 1, "new_axis_mask": 2, "shrink_axis_mask": 4},
     (Ellipsis, None, 2)),
    ([0, 1, 0, 0], [0, 5, 0, 0], [1, 2, 1, 1], {"new_axis_mask": 1, "ellipsis_mask": 4, "begin_mask": 8,
                                                 "end_mask": 8}, (None, slice(1, 5, 2), Ellipsis, slice(None))),
    ([0, 3, 0], [0, 0, 0], [1, -1, 1], {"begin_mask": 5, "end_mask": 7, "new_axis_mask": 4},
     (slice(None), slice(3, None, -1), None)),
    ([2, 0], [0, 0], [1, 1], {"begin_mask": 2, "end_mask": 3, "shrink_axis_mask": 0}, (slice(2, None), slice(None))),
    ([1, 0, 0], [2, 0, 0], [1, 1, 1], {"shrink_axis_mask": 1, "new_axis_mask": 2, "ellipsis_mask": 4},
     (1, None, Ellipsis)),
]


@pytest.mark.parametrize("begin,end,strides,masks,index", STRIDED)
def test_strided_slice(tmp_path, begin, end, strides, masks, index):
    x = rand(4, 5, 6)
    g = graph_with_input(x)
    for name, v in (("b", begin), ("e", end), ("s", strides)):
        g.const(name, v, np.int32)
    g.node("ss", "StridedSlice", ["x", "b", "e", "s"], T=F32, Index=I32, **masks)
    np.testing.assert_array_equal(run(g, tmp_path, x), x[index])
    types = {op.type for op in load_tf_graph(g.save(tmp_path), {}, []).ops()}
    assert "StridedSlice" not in types and types <= {"Data", "Const", "Slice", "Squeeze", "Unsqueeze", "Identity",
                                                     "NetOutput"}


@pytest.mark.parametrize("op,mode,np_mode", [("Pad", None, "constant"), ("PadV2", None, "constant"),
                                             ("MirrorPad", "REFLECT", "reflect"),
                                             ("MirrorPad", "SYMMETRIC", "symmetric")])
def test_pads(tmp_path, op, mode, np_mode):
    x = rand(2, 4, 5)
    pads = [[0, 1], [2, 1], [1, 3]]
    g = graph_with_input(x)
    g.const("pads", pads, np.int32)
    inputs = ["x", "pads"]
    attrs = {"T": F32}
    if op == "PadV2":
        g.const("value", np.float32(0.25))
        inputs.append("value")
    if mode:
        attrs["mode"] = mode
    g.node("p", op, inputs, **attrs)
    kwargs = {"constant_values": 0.25 if op == "PadV2" else 0} if np_mode == "constant" else {}
    np.testing.assert_array_equal(run(g, tmp_path, x), np.pad(x, pads, mode=np_mode, **kwargs))


@pytest.mark.parametrize("out_type", [np.int32, np.int64])
def test_shape_and_size(tmp_path, out_type):
    x = rand(2, 3, 4)
    g = graph_with_input(x)
    g.node("shape", "Shape", ["x"], T=F32, out_type=DType(out_type))
    g.node("size", "Size", ["x"], T=F32, out_type=DType(out_type))
    shape, size = run(g, tmp_path, x, ["shape", "size"])
    assert shape.dtype == out_type and size.dtype == out_type
    np.testing.assert_array_equal(shape, [2, 3, 4])
    assert int(size) == 24


def test_fill_range_tile_broadcast(tmp_path):
    x = rand(2, 3)
    g = graph_with_input(x)
    g.const("dims", [2, 3], np.int32)
    g.const("v", np.float32(1.5))
    g.node("fill", "Fill", ["dims", "v"], T=F32)
    g.const("start", np.int32(2))
    g.const("limit", np.int32(11))
    g.const("delta", np.int32(3))
    g.node("range", "Range", ["start", "limit", "delta"], Tidx=I32)
    g.const("mult", [2, 1], np.int32)
    g.node("tile", "Tile", ["x", "mult"], T=F32)
    g.const("to", [4, 2, 3], np.int32)
    g.node("bt", "BroadcastTo", ["x", "to"], T=F32)
    fill, rng_, tile, bt = run(g, tmp_path, x, ["fill", "range", "tile", "bt"])
    np.testing.assert_array_equal(fill, np.full((2, 3), 1.5, np.float32))
    np.testing.assert_array_equal(rng_, [2, 5, 8])
    assert rng_.dtype == np.int32
    np.testing.assert_array_equal(tile, np.tile(x, [2, 1]))
    np.testing.assert_array_equal(bt, np.broadcast_to(x, (4, 2, 3)))


def test_gather(tmp_path):
    x = rand(4, 5)
    g = graph_with_input(x)
    g.const("idx", [[3, 0], [1, 1]], np.int32)
    g.const("axis", np.int32(1))
    g.node("g2", "GatherV2", ["x", "idx", "axis"], Tparams=F32, Tindices=I32, Taxis=I32, batch_dims=0)
    g.node("g1", "Gather", ["x", "idx"], Tparams=F32, Tindices=I32)
    g2, g1 = run(g, tmp_path, x, ["g2", "g1"])
    np.testing.assert_array_equal(g2, np.take(x, [[3, 0], [1, 1]], axis=1))
    np.testing.assert_array_equal(g1, np.take(x, [[3, 0], [1, 1]], axis=0))


@pytest.mark.parametrize("begin,end,strides,masks,index", STRIDED)
def test_strided_slice_with_run_time_bounds(tmp_path, begin, end, strides, masks, index):
    """Bounds fed as inputs keep the TF-semantics StridedSlice op; same results as the lowered form."""
    x = rand(4, 5, 6)
    g = graph_with_input(x)
    for name in ("b", "e", "s"):
        g.placeholder(name, (len(begin),), np.int32)
    g.node("ss", "StridedSlice", ["x", "b", "e", "s"], T=F32, Index=I32, **masks)
    feeds = {"x": x, "b": np.array(begin, np.int32), "e": np.array(end, np.int32), "s": np.array(strides, np.int32)}
    (y,) = run_graphdef(g, tmp_path, feeds)
    np.testing.assert_array_equal(y, x[index])


def test_slice_with_run_time_bounds(tmp_path):
    x = rand(4, 5, 6)
    g = graph_with_input(x)
    g.placeholder("begin", (3,), np.int32)
    g.placeholder("size", (3,), np.int32)
    g.node("s", "Slice", ["x", "begin", "size"], T=F32, Index=I32)
    feeds = {"x": x, "begin": np.array([1, 0, 2], np.int32), "size": np.array([2, -1, 3], np.int32)}
    (y,) = run_graphdef(g, tmp_path, feeds)
    np.testing.assert_array_equal(y, x[1:3, :, 2:5])
