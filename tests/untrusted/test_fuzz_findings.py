"""What tools/fuzz_readers.py found, one regression test each: inputs that gave a traceback or E19999 and now
get a specific E-code (E10001: the op or value is invalid, with the reason; E10003: the .om is invalid;
E10041: the source model cannot be loaded; E11009: not supported). Each test builds the smallest such input."""
from __future__ import annotations

import os

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.api import build_graph, convert
from converter.errors import ConverterError
from converter.options import ConvertOptions
from converter.proto import tf_graph_pb2 as tfpb
from converter.runtime import Session
from tests.helpers import ops_by_name, rewrite_om, save_graph_model

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _code(fn) -> str:
    with pytest.raises(ConverterError) as exc:
        fn()
    assert exc.value.code != "E19999", exc.value
    return exc.value.code


def _onnx(folder, nodes, inputs, inits=(), outputs=("y",), opset=17) -> str:
    return save_graph_model(folder, nodes, inputs, inits, outputs, opset=opset)


def _build(path, **kw):
    return lambda: build_graph(ConvertOptions(framework=5, model=path, **kw))


def _vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def _f32(name, shape):
    return numpy_helper.from_array(np.ones(shape, np.float32), name)


# ---- ONNX ------------------------------------------------------------------------------------------------

def test_names_in_a_body_must_be_utf8(tmp_path):
    body = helper.make_graph([helper.make_node("Identity", ["x"], ["b_y"], name="QQQQ")], "b", [],
                             [_vi("b_y", [2])])
    path = _onnx(tmp_path, [helper.make_node("If", ["c"], ["y"], then_branch=body, else_branch=body)],
                 [helper.make_tensor_value_info("c", TensorProto.BOOL, []), _vi("x", [2])])
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data.replace(b"QQQQ", b"\xff\xfe\xfd\xfc"))
    assert _code(_build(path)) == "E10041"


def test_batchnorm_parameters_of_another_length(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]),
             helper.make_node("BatchNormalization", ["c", "w", "b", "m", "v"], ["y"])]
    inits = [_f32("w", [4, 3, 1, 1]), _f32("b", [4]), _f32("m", [4]), _f32("v", [4])]
    assert _code(_build(_onnx(tmp_path, nodes, [_vi("x", [1, 3, 4, 4])], inits))) == "E10001"


@pytest.mark.parametrize("constant", [False, True])
def test_batchnorm_of_a_rank_1_input(tmp_path, constant):
    """BatchNormalization of a rank-1 tensor (no channel axis): folding its constant input indexed axis 1 of
    a 1-D tensor (E19999; fuzz seed 2027 case 9877), and inference let it through."""
    nodes = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])]
    inits = [_f32(n, [4]) for n in ("s", "b", "m", "v")] + ([_f32("x", [4])] if constant else [])
    inputs = [] if constant else [_vi("x", [4])]
    assert _code(_build(_onnx(tmp_path, nodes, inputs, inits))) == "E10001"


def test_softmax_axis_beyond_any_rank(tmp_path):
    """Softmax (opset 11) with axis 2**32 on an input of unknown rank: the handler built a list of 2**32 zeros
    (MemoryError, E19999; fuzz seed 6 case 4255)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, None)
    nodes = [helper.make_node("Softmax", ["x"], ["y"], axis=2 ** 32)]
    assert _code(_build(_onnx(tmp_path, nodes, [x], opset=11))) == "E10001"


def test_loop_body_that_does_not_fit_its_inputs(tmp_path):
    body = helper.make_graph([helper.make_node("Identity", ["cond"], ["cond_out"])], "body",
                             [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                              helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
                             [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, [])])
    inits = [numpy_helper.from_array(np.array(3, np.int64), "n"), numpy_helper.from_array(np.array(True), "t")]
    path = _onnx(tmp_path, [helper.make_node("Loop", ["n", "t", "x"], ["y"], body=body)], [_vi("x", [2])], inits)
    assert _code(_build(path)) == "E10001"


def test_concat_of_different_ranks(tmp_path):
    path = _onnx(tmp_path, [helper.make_node("Concat", ["x", "c"], ["y"], axis=0)], [_vi("x", [1, 4])],
                 [_f32("c", [4])])
    assert _code(_build(path)) == "E10001"


@pytest.mark.parametrize("attrs", [{"pads": [0, 0, 0, 0]}, {"pads": [-1, 0, 0, 0]}])
def test_conv_window_larger_than_the_padded_input_or_negative_pads(tmp_path, attrs):
    path = _onnx(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], **attrs)], [_vi("x", [1, 1, 2, 2])],
                 [_f32("w", [1, 1, 3, 3])])
    assert _code(_build(path)) == "E10001"


def test_constant_inputs_do_not_skip_the_checks(tmp_path):
    """An op whose inputs are all constants is folded; its shape inference still refuses it first."""
    path = _onnx(tmp_path, [helper.make_node("Conv", ["c", "w"], ["y"])], [],
                 [_f32("c", [1, 2, 4, 4]), _f32("w", [1, 3, 3, 3])])
    assert _code(_build(path)) == "E10001"


def test_caffe_pooling_stride_zero(tmp_path):
    proto, weights = tmp_path / "n.prototxt", tmp_path / "n.caffemodel"
    proto.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 4 '
                     'dim: 4 } } }\nlayer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param '
                     '{ pool: MAX kernel_size: 2 stride: 0 } }\n')
    weights.write_bytes(b"")
    assert _code(lambda: build_graph(ConvertOptions(framework=0, model=str(proto), weight=str(weights)))) == "E10001"


# ---- crafted .om files ---------------------------------------------------------------------------------------

@pytest.fixture
def mlp_om(tmp_path):
    """samples/mlp.onnx as an fp16 .om: Cast, MatMulV2, Add, Relu, LogSoftmax, Cast."""
    om = convert(ConvertOptions(framework=5, model=os.path.join(REPO, "samples", "mlp.onnx"),
                                output=str(tmp_path / "mlp"), input_shape=(("x", (2, 64)),)))
    return om


def _run(om):
    return lambda: Session(om).run({"x": np.ones((2, 64), np.float32)})


def _set(name, fn):
    def mutate(model):
        fn(ops_by_name(model)[name])
    return mutate


CRAFTED = {
    "output dtype 99": (_set("relu", lambda op: setattr(op.output_desc[0], "dtype", 99)), "E10003"),
    "Cast to type 22": (_set("logsoftmax_cast_fp32", lambda op: setattr(op.attr["dst_type"], "i", 22)), "E10001"),
    "Cast to DT_VARIANT": (_set("logsoftmax_cast_fp32", lambda op: setattr(op.attr["dst_type"], "i", 26)), "E10001"),
    "Relu without input": (_set("relu", lambda op: op.ClearField("input")), "E10001"),
    "MatMul inner dims": (_set("fc2", lambda op: op.input.__setitem__(1, "w1_fp16:0")), "E10001"),
    "Add shapes": (_set("fc2_bias", lambda op: op.input.__setitem__(1, "b1_fp16:0")), "E10001"),
    "LogSoftmax axis": (_set("logsoftmax", lambda op: setattr(op.attr["axis"], "i", 2)), "E10001"),
    "origin_format bytes": (_set("relu", lambda op: setattr(op.output_desc[0].attr["origin_format"], "s",
                                                            b"\xff\xfe")), "E10003"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_om_gets_an_e_code_at_load_or_run(mlp_om, case):
    mutate, code = CRAFTED[case]
    np.testing.assert_array_equal(_run(mlp_om)()["y"].shape, (2, 10))
    rewrite_om(mlp_om, mutate)
    assert _code(_run(mlp_om)) == code


def test_conv_bias_of_another_shape(tmp_path):
    om = convert(ConvertOptions(framework=5, model=os.path.join(REPO, "samples", "tiny_cnn.onnx"),
                                output=str(tmp_path / "t"), precision_mode="force_fp32"))
    rewrite_om(om, _set("conv1", lambda op: op.input.__setitem__(2, "x:0")))
    assert _code(lambda: Session(om).run({"x": np.ones((1, 3, 32, 32), np.float32)})) == "E10001"


def test_a_kernel_failing_on_valid_inputs_is_still_ours(mlp_om, monkeypatch):
    """run_failure asks the op's inference; when it accepts the inputs, the kernel's failure is a bug: E19999."""
    from converter.ops import registry
    spec = registry.get("LogSoftmax")  # (Relu is fused into the op before it: its kernel does not run)

    def broken(inputs, attrs):
        raise ValueError("a bug")
    monkeypatch.setattr(spec, "kernel", broken)
    with pytest.raises(ConverterError) as exc:
        _run(mlp_om)()
    assert exc.value.code == "E19999" and "'logsoftmax'" in exc.value.message


def _loop_om(tmp_path):
    body = helper.make_graph([helper.make_node("Add", ["acc", "one"], ["acc_out"]),
                              helper.make_node("Identity", ["cond"], ["cond_out"])], "body",
                             [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                              helper.make_tensor_value_info("cond", TensorProto.BOOL, []), _vi("acc", [2])],
                             [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), _vi("acc_out", [2])],
                             [_f32("one", [2])])
    path = _onnx(tmp_path, [helper.make_node("Loop", ["n", "", "x"], ["y"], body=body)],
                 [_vi("x", [2]), helper.make_tensor_value_info("n", TensorProto.INT64, [])])
    return convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "loop"),
                                  precision_mode="force_fp32"))


def test_loop_without_body_and_loop_counts(tmp_path):
    om = _loop_om(tmp_path)
    session = Session(om)
    x = np.zeros(2, np.float32)
    np.testing.assert_array_equal(session.run({"x": x, "n": np.array(3, np.int64)})["y"], [3, 3])
    assert _code(lambda: session.run({"x": x, "n": np.array(2 ** 40, np.int64)})) == "E10001"
    loose = Session(om, strict_shapes=False)  # a trip count of two values gets past the input check
    assert _code(lambda: loose.run({"x": x, "n": np.array([1, 2], np.int64)})) == "E10001"
    rewrite_om(om, lambda model: [op.ClearField("subgraph_name") for g in model.graph for op in g.op
                                  if op.type == "Loop"])
    assert _code(lambda: Session(om)) == "E10003"


def test_compiled_model_op_without_a_type(tmp_path, shared):
    src = shared / "fixtures" / "om" / "hiai_tf_softmax_hcs_cpucl.om"
    om = tmp_path / "m.om"
    om.write_bytes(src.read_bytes())

    def drop_type(model):
        op = next(op for g in model.graph for op in g.op if op.type not in ("Data", "NetOutput", "Const"))
        op.type = ""
    rewrite_om(om, drop_type)
    assert _code(lambda: Session(str(om))) == "E11009"


def test_weights_that_do_not_fit_their_format_are_the_files_fault():
    from converter.ops.formats import to_canonical
    assert _code(lambda: to_canonical(np.zeros(3), "NCHW", "NCHW")) == "E10003"


# ---- TensorFlow ------------------------------------------------------------------------------------------

def _tf(folder, build) -> str:
    g = tfpb.GraphDef()
    build(g)
    path = os.path.join(str(folder), "g.pb")
    with open(path, "wb") as f:
        f.write(g.SerializeToString())
    return path


def _const(g, name, dtype, dims, content=None, values=None):
    n = g.node.add(name=name, op="Const")
    n.attr["dtype"].type = dtype
    t = n.attr["value"].tensor
    t.dtype = dtype
    for d in dims:
        t.tensor_shape.dim.add(size=d)
    if content is not None:
        t.tensor_content = content
    if values is not None:
        t.float_val.extend(values)
    g.node.add(name=f"{name}_out", op="Identity", input=[name]).attr["T"].type = dtype  # a model output
    return n


def _tf_code(path, **kw) -> str:
    return _code(lambda: build_graph(ConvertOptions(framework=3, model=path, **kw)))


@pytest.mark.parametrize("dtype,content", [(1, b"\0" * 7), (14, b"\0" * 3)], ids=["float", "bfloat16"])
def test_tf_tensor_content_not_a_whole_number_of_values(tmp_path, dtype, content):
    path = _tf(tmp_path, lambda g: _const(g, "c", dtype, [2], content=content))
    assert _tf_code(path, out_nodes=(("c_out", 0),)) == "E10041"


def test_tf_constant_of_a_type_without_values(tmp_path):
    path = _tf(tmp_path, lambda g: _const(g, "c", 21, [1], values=[1.0]))
    assert _tf_code(path, out_nodes=(("c_out", 0),)) == "E11009"


def _placeholder(g, name, dims):
    p = g.node.add(name=name, op="Placeholder")
    p.attr["dtype"].type = 1
    for d in dims:
        p.attr["shape"].shape.dim.add(size=d)


def test_tf_strided_slice_bounds_of_different_lengths(tmp_path):
    def build(g):
        _placeholder(g, "x", [4, 4])
        for name, values in (("b", [0, 0]), ("e", [2]), ("s", [1, 1])):
            n = g.node.add(name=name, op="Const")
            n.attr["dtype"].type = 3
            n.attr["value"].tensor.dtype = 3
            n.attr["value"].tensor.tensor_shape.dim.add(size=len(values))
            n.attr["value"].tensor.int_val.extend(values)
        n = g.node.add(name="y", op="StridedSlice", input=["x", "b", "e", "s"])
        n.attr["T"].type = 1
        n.attr["Index"].type = 3
    assert _tf_code(_tf(tmp_path, build)) == "E10001"


@pytest.mark.parametrize("strides,x_dims", [([1, 2, 0, 1], [1, 3, 3, 2]), ([1, 1, 1, 1], [4])],
                         ids=["stride_0", "input_1d"])
def test_tf_transposed_conv_with_zero_stride_or_wrong_rank(tmp_path, strides, x_dims):
    def build(g):
        sizes = g.node.add(name="sizes", op="Const")
        sizes.attr["dtype"].type = 3
        sizes.attr["value"].tensor.dtype = 3
        sizes.attr["value"].tensor.tensor_shape.dim.add(size=4)
        sizes.attr["value"].tensor.int_val.extend([1, 5, 5, 3])
        _const(g, "w", 1, [3, 3, 3, 2], content=np.ones(54, np.float32).tobytes())
        g.node.remove(g.node[-1])  # the filter is no output
        _placeholder(g, "x", x_dims)
        n = g.node.add(name="y", op="Conv2DBackpropInput", input=["sizes", "w", "x"])
        n.attr["T"].type = 1
        n.attr["strides"].list.i.extend(strides)
        n.attr["padding"].s = b"VALID"
    assert _tf_code(_tf(tmp_path, build)) == "E10001"


def test_tf_placeholder_shape_that_is_not_a_shape(tmp_path):
    def build(g):
        _placeholder(g, "x", [2])
        g.node[0].attr["shape"].s = b"\x08\x04"
        g.node.add(name="y", op="Relu", input=["x"]).attr["T"].type = 1
    assert _tf_code(_tf(tmp_path, build)) == "E10041"


def test_pooling_kernel_of_another_rank_than_the_input(tmp_path):
    path = _onnx(tmp_path, [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])], [_vi("x", [1, 1, 8])])
    assert _code(_build(path)) == "E10001"


def test_air_model_output_without_a_descriptor(tmp_path):
    from tools.make_air_models import onnx_to_air
    model = onnx_to_air(os.path.join(REPO, "samples", "mlp.onnx"), (("x", (2, 64)),))
    for op in model.graph[0].op:
        if op.type == "NetOutput":
            op.ClearField("input_desc")
    path = tmp_path / "m.air"
    path.write_bytes(model.SerializeToString())
    assert _code(lambda: build_graph(ConvertOptions(framework=1, model=str(path)))) == "E10003"


def test_pooling_pads_too_large_to_allocate(tmp_path):
    om = convert(ConvertOptions(framework=5, model=os.path.join(REPO, "samples", "tiny_cnn.onnx"),
                                output=str(tmp_path / "t"), precision_mode="force_fp32"))

    def huge_pads(op):
        op.attr["pads"].list.ClearField("i")
        op.attr["pads"].list.i.extend([2 ** 40] * 4)
    rewrite_om(om, _set("pool1", huge_pads))
    assert _code(lambda: Session(om).run({"x": np.ones((1, 3, 32, 32), np.float32)})) == "E10001"


@pytest.mark.parametrize("axes", [[1, 1], [5], [-3]], ids=["repeated", "beyond_rank", "below_rank"])
def test_reduction_axes_out_of_range_or_repeated(tmp_path, axes):
    """numpy refused repeated axes with a ValueError (E19999), and an axis beyond the rank wrapped around
    (a % rank): the model computed another reduction than it asked for."""
    axes_init = numpy_helper.from_array(np.array(axes, np.int64), "axes")
    path = _onnx(tmp_path, [helper.make_node("ReduceSum", ["x", "axes"], ["y"])], [_vi("x", [2, 3])], [axes_init])
    assert _code(_build(path)) == "E10001"


@pytest.mark.parametrize("case", ["two NetOutputs", "reads the NetOutput"])
def test_om_graph_with_a_second_net_output(mlp_om, case):
    def mutate(model):
        ops = ops_by_name(model)
        if case == "two NetOutputs":
            ops["relu"].type = "NetOutput"
        else:
            ops["relu"].input[0] = "NetOutput:0"
    rewrite_om(mlp_om, mutate)
    assert _code(lambda: Session(mlp_om)) == "E10003"


def test_conv_that_lost_its_weights(tmp_path):
    om = convert(ConvertOptions(framework=5, model=os.path.join(REPO, "samples", "tiny_cnn.onnx"),
                                output=str(tmp_path / "t"), precision_mode="force_fp32"))
    rewrite_om(om, _set("conv2", lambda op: op.input.__setitem__(1, "")))
    assert _code(lambda: Session(om).run({"x": np.ones((1, 3, 32, 32), np.float32)})) == "E10001"


def test_om_op_turned_into_a_const_without_value(mlp_om):
    rewrite_om(mlp_om, _set("fc1", lambda op: setattr(op, "type", "Const")))
    assert _code(lambda: Session(mlp_om)) == "E10003"


def test_om_data_op_without_an_output_description(mlp_om):
    """The load check read the Data op's first output desc before checking it has one (IndexError)."""
    rewrite_om(mlp_om, _set("x", lambda op: op.ClearField("output_desc")))
    with pytest.raises(ConverterError) as exc:
        Session(mlp_om)
    assert exc.value.code == "E10003" and "no output description" in exc.value.message


@pytest.mark.parametrize("case", ["index -1", "index twice", "body input dropped"])
def test_om_body_inputs_must_fit_the_loop(tmp_path, case):
    om = _loop_om(tmp_path)

    def mutate(model):
        body = next(g for g in model.graph if g.name != model.graph[0].name)
        data = [op for op in body.op if op.type == "Data"]
        if case == "index -1":
            data[2].attr["index"].i = -1
        elif case == "index twice":
            data[2].attr["index"].i = 1
        else:
            body.op.remove(data[2])
    rewrite_om(om, mutate)
    assert _code(lambda: Session(om)) == "E10003"


def test_onnx_dump_of_a_string_that_is_not_utf8(tmp_path):
    """--mode=1 of a model whose external_data entry is not UTF-8: json.dumps met bytes (a traceback)."""
    from converter.api import dump_json
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1], data_location=TensorProto.EXTERNAL)
    t.external_data.add(key="location", value="QQQQ")
    path = _onnx(tmp_path, [helper.make_node("Identity", ["w"], ["y"])], [], [t])
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data.replace(b"QQQQ", b"\xff\xfe\xfd\xfc"))
    out = tmp_path / "m.json"
    dump_json(ConvertOptions(mode=1, framework=5, om=path, json=str(out)))
    assert "\ufffd" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["Relu with a second output", "Relu without input"])
def test_om_op_with_outputs_or_inputs_its_onnx_form_cannot_take_is_not_exported(mlp_om, tmp_path, case):
    """Export made ONNX nodes with two outputs or no input, which onnx.checker refused (E19999). The runtime
    runs the first model (no op reads the extra output) and refuses the second when run (E10001)."""
    from converter.api import export_onnx
    if case == "Relu with a second output":
        rewrite_om(mlp_om, _set("relu", lambda op: op.output_desc.add().CopyFrom(op.output_desc[0])))
        _run(mlp_om)()
    else:
        rewrite_om(mlp_om, _set("relu", lambda op: op.ClearField("input")))
    out = tmp_path / "m.onnx"
    with pytest.raises(ConverterError) as exc:
        export_onnx(mlp_om, str(out))
    assert exc.value.code == "E10003" and "'relu' (Relu)" in exc.value.message
    assert not out.exists()


@pytest.mark.parametrize("where", ["top", "bottom", "input"])
def test_caffe_blob_with_an_empty_name(tmp_path, where):
    """A layer top named '' became a model output the .om could not name (the output check's E19999)."""
    proto, weights = tmp_path / "n.prototxt", tmp_path / "n.caffemodel"
    data = 'input: "data" input_shape { dim: 1 dim: 2 }\n' if where != "input" else \
        'input: "" input_shape { dim: 1 dim: 2 }\n'
    relu = 'layer { name: "relu" type: "ReLU" bottom: "data" top: "r" }\n'
    if where == "top":
        relu = relu.replace('top: "r"', 'top: ""')
    elif where == "bottom":
        relu = relu.replace('bottom: "data"', 'bottom: ""')
    proto.write_text(data + relu)
    weights.write_bytes(b"")
    with pytest.raises(ConverterError) as exc:
        convert(ConvertOptions(framework=0, model=str(proto), weight=str(weights), output=str(tmp_path / "m")))
    assert exc.value.code == "E10041" and "empty name" in exc.value.message
    assert not (tmp_path / "m.om").exists()


# ---- JSON nested too deeply ----------------------------------------------------------------------------------

DEEP_JSON = "[" * 100_000 + "]" * 100_000


def test_singleop_description_nested_too_deeply(tmp_path, capsys):
    """json.loads raised RecursionError (a traceback) on a --singleop file of nested arrays."""
    from converter.cli import main as atc
    path = tmp_path / "ops.json"
    path.write_text(DEEP_JSON)
    assert atc([f"--singleop={path}", f"--output={tmp_path / 'out'}", "--soc_version=Ascend310"]) == 1
    out = capsys.readouterr().out
    assert "E10025" in out and "nested too deeply" in out and "Traceback" not in out
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")


def test_weight_journal_nested_too_deeply_is_ignored(tmp_path):
    """A journal of a killed run that is not a journal (here JSON too deep to parse) lists no file: the next
    conversion into the folder removes it and succeeds (it raised RecursionError)."""
    path = _onnx(tmp_path, [helper.make_node("Mul", ["x", "w"], ["y"])], [_vi("x", [4])], [_f32("w", [4])])
    out = tmp_path / "out"
    convert(ConvertOptions(framework=5, model=path, output=str(out / "m"), external_weight=1))
    journal = out / "weight" / ".journal.0badc0de-999999999-0123abcd.json"
    journal.write_text(DEEP_JSON)
    two_days = os.path.getmtime(journal) - 2 * 24 * 3600
    os.utime(journal, (two_days, two_days))
    convert(ConvertOptions(framework=5, model=path, output=str(out / "n"), external_weight=1))
    assert not journal.exists()
    assert Session(str(out / "m.om")).run({"x": np.ones(4, np.float32)})["y"].tolist() == [1.0] * 4


# ---- fuzz seed 4242 ------------------------------------------------------------------------------------------

def test_matmul_of_a_scalar(tmp_path):
    """Shape inference indexed the last dims of a rank-0 operand (IndexError, E19999)."""
    path = _onnx(tmp_path, [helper.make_node("MatMul", ["x", "w"], ["y"])], [_vi("x", [])], [_f32("w", [4, 4])])
    assert _code(_build(path)) == "E10001"


def test_om_pooling_pads_too_large_to_allocate_at_run_time(tmp_path):
    """numpy refused the padded array with 'Maximum allowed dimension exceeded', which was not recognised as
    an allocation failure (E19999)."""
    om = convert(ConvertOptions(framework=5, model=os.path.join(REPO, "samples", "tiny_cnn.onnx"),
                                output=str(tmp_path / "t"), precision_mode="force_fp32"))
    rewrite_om(om, _set("pool1", lambda op: op.attr["pads"].list.i.__setitem__(2, 2 ** 63 - 1)))
    with pytest.raises(ConverterError) as exc:
        Session(om).run({"x": np.ones((1, 3, 32, 32), np.float32)})
    assert exc.value.code == "E10001" and "'pool1'" in exc.value.message


def test_random_inputs_for_a_sequence_input(mlp_om, capsys, tmp_path):
    """`omtool run --seed` on a model whose input is DT_VARIANT (a sequence or optional): KeyError."""
    from converter.omtool import main as omtool
    rewrite_om(mlp_om, _set("x", lambda op: setattr(op.output_desc[0], "dtype", 26)))
    assert omtool(["run", mlp_om, "--seed", "0", "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "E10001" in err and "sequence or an optional" in err and "Traceback" not in err


def test_om_if_branch_that_gives_fewer_outputs_than_the_if_has(tmp_path):
    """The runtime looked up the If's output after a branch that gave none (KeyError; fuzz seed 4242 case 1894
    after issue 16's runtime)."""
    def branch(op_type, name):
        return helper.make_graph([helper.make_node(op_type, ["x"], [f"{name}_y"])], name, [], [_vi(f"{name}_y", [2])])
    path = _onnx(tmp_path, [helper.make_node("If", ["c"], ["y"], then_branch=branch("Neg", "then"),
                                             else_branch=branch("Relu", "else"))],
                 [helper.make_tensor_value_info("c", TensorProto.BOOL, []), _vi("x", [2])])
    om = convert(ConvertOptions(framework=5, model=path, output=str(tmp_path / "if"), precision_mode="force_fp32"))

    def mutate(model):
        then = next(g for g in model.graph if any(op.name.startswith("then") for op in g.op))
        next(op for op in then.op if op.type == "NetOutput").ClearField("input")
    rewrite_om(om, mutate)
    with pytest.raises(ConverterError) as exc:
        Session(om)
    assert exc.value.code == "E10003" and "gives 0 outputs" in exc.value.message


@pytest.mark.parametrize("op_type, clear_inputs, message", [
    # an Add left with no input at all: export asked numpy for the result type of no dtype (a ValueError
    # traceback; fuzz seed 7 case 2727)
    ("Add", True, "'relu' (Add) has no inputs"),
    # a Greater with one input: its emitter read the type of input 1 (an AttributeError traceback; fuzz seed 99
    # case 2433)
    ("Greater", False, "'relu' (Greater) has no input 1"),
    # Emit.dtype is the one place that refuses a missing input: an op with none at all says so, whichever
    # emitter reads it (here a comparison's)
    ("Greater", True, "'relu' (Greater) has no inputs"),
])
def test_om_op_missing_inputs_is_not_exported(mlp_om, tmp_path, op_type, clear_inputs, message):
    """An .om op left without (some of) its inputs is refused by the ONNX export, naming the op; no file."""
    from converter.api import export_onnx

    def damage(op):
        op.type = op_type
        if clear_inputs:
            op.ClearField("input")
    rewrite_om(mlp_om, _set("relu", damage))
    out = tmp_path / "m.onnx"
    with pytest.raises(ConverterError) as exc:
        export_onnx(mlp_om, str(out))
    assert exc.value.code == "E10003" and message in exc.value.message
    assert not out.exists()


@pytest.mark.parametrize("failure", [MemoryError(), ValueError("array is too big; `arr.size * arr.dtype.itemsize` "
                                                               "is larger than the maximum possible size.")])
def test_a_handler_running_out_of_memory_blames_the_model(failure):
    """A frontend handler that runs out of memory on sizes taken from the model is E10001, not E19999."""
    from converter.frontends.context import call_handler

    class Ctx:
        name = "n"

        def where(self):
            return "node 'n' (Softmax)"

    def handler(ctx):
        raise failure
    with pytest.raises(ConverterError) as exc:
        call_handler(handler, Ctx())
    assert exc.value.code == "E10001" and "more memory than this machine has" in exc.value.message
