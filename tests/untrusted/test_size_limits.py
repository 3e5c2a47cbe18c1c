"""A few bytes of model never make us allocate gigabytes: constant folding keeps ops whose result would exceed
the fold budget (converter/ops/fold_budget.py), TF splat constants stay one value (a Fill op), and a tensor
larger than a device holds (ir/sizes.MAX_TENSOR_BYTES) is refused with E10001 before anything is allocated.
Memory is measured with tracemalloc (numpy reports its array allocations to it)."""
from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph, convert
from converter.errors import ConverterError
from converter.ir import DataType
from converter.ir.sizes import MAX_TENSOR_BYTES
from converter.ops.fold_budget import FOLD_GRAPH_BYTES, FOLD_MAX_BYTES
from converter.options import ConvertOptions
from converter.proto import caffe_pb2
from converter.proto import tf_graph_pb2 as tfpb
from converter.runtime import Session
from tests.helpers import save_graph_model

MiB = 1 << 20


def _onnx(folder, nodes, inits, inputs=(), outputs=("y",), name="m.onnx") -> str:
    return save_graph_model(folder, nodes, inputs, inits, outputs, name=name)


def _peak(fn):
    """(result or raised ConverterError, peak traced bytes) of fn()."""
    tracemalloc.start()
    try:
        try:
            result = fn()
        except ConverterError as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _i64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def test_tile_to_15_gib_is_refused_before_allocating(tmp_path):
    path = _onnx(tmp_path, [helper.make_node("Tile", ["c", "r"], ["y"])],
                 [numpy_helper.from_array(np.ones(1, np.float32), "c"), _i64("r", [4_000_000_000])])
    assert os.path.getsize(path) < 130
    error, peak = _peak(lambda: build_graph(ConvertOptions(framework=5, model=path)))
    assert isinstance(error, ConverterError) and error.code == "E10001", error
    assert "'y' (Tile)" in error.message and "14.9 GiB" in error.message
    assert peak < 64 * MiB


def _constant_of_shape(folder, n: int, name="m.onnx") -> str:
    value = numpy_helper.from_array(np.array([1.5], np.float32))
    return _onnx(folder, [helper.make_node("ConstantOfShape", ["s"], ["y"], value=value)], [_i64("s", [n])],
                 name=name)


def test_constant_of_shape_960_mb_is_kept_as_an_op(tmp_path):
    path = _constant_of_shape(tmp_path, 240_000_000)
    assert os.path.getsize(path) < 140
    om, peak = _peak(lambda: convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "m"))))
    assert not isinstance(om, ConverterError), om
    assert os.path.getsize(om) < 10_000 and peak < 64 * MiB
    assert [op.type for op in Session(om).graph.ops() if op.type not in ("Data", "Const", "NetOutput")] == ["Fill"]


def test_kept_op_computes_at_run_time(tmp_path):
    n = FOLD_MAX_BYTES // 4 + 1000
    om = convert(ConvertOptions(framework=5, model=_constant_of_shape(tmp_path, n), output=str(tmp_path / "m"),
                                precision_mode="force_fp32"))
    assert os.path.getsize(om) < 10_000
    y = Session(om).run({})["y"]
    assert y.shape == (n,) and np.all(y == 1.5)


def test_small_and_weight_sized_folds_still_happen(tmp_path):
    """A small expansion folds; a Cast of a 12 MiB fp16 weight to fp32 (24 MiB: twice the source bytes,
    more than FOLD_MAX_BYTES) folds too, as data the model file holds is not an expansion."""
    w = np.random.default_rng(0).standard_normal((3 * MiB,)).astype(np.float16)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3 * MiB])
    nodes = [helper.make_node("Cast", ["w"], ["w32"], to=TensorProto.FLOAT),
             helper.make_node("Add", ["x", "w32"], ["y0"]),
             helper.make_node("ConstantOfShape", ["s"], ["y1"],
                              value=numpy_helper.from_array(np.array([2.0], np.float32)))]
    path = _onnx(tmp_path, nodes, [numpy_helper.from_array(w, "w"), _i64("s", [1000])], [x], ("y0", "y1"))
    graph = build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))
    kinds = sorted(op.type for op in graph.ops())
    assert "Cast" not in kinds and "Fill" not in kinds, kinds


def test_chained_expansions_share_one_allowance(tmp_path):
    """Tile x4 four times from 64 KiB: each step is within FOLD_GROWTH of its own input, but a folded
    constant carries its source bytes, so the chain is charged and the 16 MiB step stays an op."""
    nodes = [helper.make_node("Tile", ["c", "r"], ["t1"]), helper.make_node("Tile", ["t1", "r"], ["t2"]),
             helper.make_node("Tile", ["t2", "r"], ["t3"]), helper.make_node("Tile", ["t3", "r"], ["y"])]
    path = _onnx(tmp_path, nodes, [numpy_helper.from_array(np.ones(16384, np.float32), "c"), _i64("r", [4])])
    graph = build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))
    assert [op.type for op in graph.ops()].count("Tile") == 1
    assert max(op.value.nbytes for op in graph.ops() if op.type == "Const") == 4 * MiB


def test_expanding_folds_of_one_graph_share_a_total(tmp_path):
    n = 8 * MiB // 4  # 8 MiB each, within FOLD_MAX_BYTES
    count = FOLD_GRAPH_BYTES // (8 * MiB) + 3
    nodes = [helper.make_node("ConstantOfShape", ["s"], [f"y{i}"], value=numpy_helper.from_array(
        np.array([float(i)], np.float32))) for i in range(count)]
    path = _onnx(tmp_path, nodes, [_i64("s", [n])], outputs=[f"y{i}" for i in range(count)])
    graph = build_graph(ConvertOptions(framework=5, model=path, precision_mode="force_fp32"))
    folded = sum(op.value.nbytes for op in graph.ops() if op.type == "Const" and op.value.size == n)
    assert folded <= FOLD_GRAPH_BYTES
    assert [op.type for op in graph.ops()].count("Fill") >= 3


def test_a_huge_model_input_is_refused(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [100_000, 100_000])
    path = _onnx(tmp_path, [helper.make_node("Relu", ["x"], ["y"])], [], [x])
    with pytest.raises(ConverterError) as exc:
        build_graph(ConvertOptions(framework=5, model=path))
    assert exc.value.code == "E10001" and "model input 'x'" in exc.value.message


# ---- TensorFlow splat constants -------------------------------------------------------------------------

def _tf_splat(folder, n: int, values=(2.5,)) -> str:
    g = tfpb.GraphDef()
    c = g.node.add(name="c", op="Const")
    c.attr["dtype"].type = 1
    t = c.attr["value"].tensor
    t.dtype = 1
    t.tensor_shape.dim.add(size=n)
    t.float_val.extend(values)
    p = g.node.add(name="x", op="Placeholder")
    p.attr["dtype"].type = 1
    p.attr["shape"].shape.dim.add(size=n)
    g.node.add(name="y", op="AddV2", input=["x", "c"]).attr["T"].type = 1
    path = os.path.join(str(folder), "g.pb")
    with open(path, "wb") as f:
        f.write(g.SerializeToString())
    return path


def test_tf_splat_of_2e8_floats_stays_one_value(tmp_path):
    path = _tf_splat(tmp_path, 200_000_000)
    assert os.path.getsize(path) < 140
    om, peak = _peak(lambda: convert(ConvertOptions(framework=3, model=path, output=str(tmp_path / "g"))))
    assert not isinstance(om, ConverterError), om
    assert peak < 64 * MiB and os.path.getsize(om) < 10_000


def test_tf_large_splat_computes_at_run_time(tmp_path):
    n = FOLD_MAX_BYTES // 4 + 1000
    om = convert(ConvertOptions(framework=3, model=_tf_splat(tmp_path, n), output=str(tmp_path / "g"),
                                precision_mode="force_fp32"))
    assert os.path.getsize(om) < 10_000
    (y,) = Session(om).run({"x": np.ones(n, np.float32)}).values()
    assert np.all(y == 3.5)


@pytest.mark.parametrize("n,values,code", [(FOLD_MAX_BYTES, (1.0, 2.0), "E11009"),
                                           (MAX_TENSOR_BYTES // 4 + 1, (1.0,), "E10001"),
                                           (2 ** 62, (1.0,), "E10001")])
def test_tf_splats_too_large_or_partly_listed_are_refused(tmp_path, n, values, code):
    with pytest.raises(ConverterError) as exc:
        build_graph(ConvertOptions(framework=3, model=_tf_splat(tmp_path, n, values)))
    assert exc.value.code == code


# ---- Caffe blobs -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dims", [[2 ** 33, 2 ** 31], [-2, 3]])
def test_caffe_blob_dims_are_counted_exactly(tmp_path, dims):
    """A Scale layer takes its factor's shape from the input; an input whose dims overflow int64 when
    multiplied (wrapping to the blob's 0 values) or are negative is refused, never reshaped."""
    proto = tmp_path / "n.prototxt"
    proto.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { '
                     + " ".join(f"dim: {d}" for d in [1, *dims]) + ' } } }\n'
                     'layer { name: "s" type: "Scale" bottom: "data" top: "s" scale_param { axis: 1 num_axes: 2 } }\n')
    net = caffe_pb2.NetParameter()
    net.layer.add(name="s", type="Scale").blobs.add()
    (tmp_path / "n.caffemodel").write_bytes(net.SerializeToString())
    with pytest.raises(ConverterError) as exc:
        build_graph(ConvertOptions(framework=0, model=str(proto), weight=str(tmp_path / "n.caffemodel")))
    assert exc.value.code != "E19999", exc.value


@pytest.mark.parametrize("dtype, count, refused", [
    (DataType.DT_DOUBLE, 1 << 30, False), (DataType.DT_DOUBLE, (1 << 30) + 1, True),
    (DataType.DT_FLOAT16, 1 << 32, False), (DataType.DT_FLOAT16, (1 << 32) + 1, True),
    (DataType.DT_COMPLEX128, (1 << 29) + 1, True), (DataType.DT_INT8, (1 << 33) + 1, True)])
def test_output_size_limit_at_its_bound(dtype, count, refused):
    """check_output_sizes at exactly the device's bytes and one element past, for narrow and wide types (its
    quick path skips only what no type could make too large)."""
    from converter.errors import GraphError
    from converter.ir import Op, TensorDesc
    from converter.ops.inference import check_output_sizes
    desc = TensorDesc(dtype=dtype, shape=(1, count))
    op = Op("big", "Identity", outputs=[desc])
    if refused:
        with pytest.raises(GraphError, match="more than the"):
            check_output_sizes(op, [desc])
    else:
        check_output_sizes(op, [desc])
