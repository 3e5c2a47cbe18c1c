"""--precision_mode and --keep_dtype: which ops run in fp16, where Casts go, fp16 weights, and the
runtime's fp16 emulation (fp32 compute on fp16-rounded inputs, fp16-rounded result)."""

import numpy as np
import pytest
from onnx import TensorProto, helper

from converter import api
from converter.ir import DataType
from converter.options import ConvertOptions
from converter.runtime import Session
from converter.verify import Tolerance, compare_arrays
from tests.helpers import ort_run, save, weight_bytes
from tools.make_samples import tiny_cnn

FP16, FP32 = DataType.DT_FLOAT16, DataType.DT_FLOAT


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    return save(tiny_cnn(), tmp_path_factory.mktemp("p"), "cnn.onnx")


def _graph(path, **kw):
    return api.build_graph(ConvertOptions(framework=5, model=path, **kw))


def _dtypes(graph, op_type):
    return {op.outputs[0].dtype for op in graph.ops() if op.type == op_type}


def test_force_fp16_is_the_default_with_casts_at_entrance_and_exit(cnn):
    g = _graph(cnn)
    assert _dtypes(g, "Conv2D") == {FP16} and _dtypes(g, "Softmax") == {FP16}
    data = g.data_ops()[0]
    assert data.outputs[0].dtype == FP32
    assert [g.op(c).type for c, _ in g.consumers(data.name)] == ["Cast"]
    assert g.op(g.output_refs()[0][0]).type == "Cast" and g.desc(g.output_refs()[0]).dtype == FP32
    conv = next(op for op in g.ops() if op.type == "Conv2D")
    assert g.const_value(g.inputs_of(conv.name)[1]).dtype == np.float16  # weights stored as fp16


def test_force_fp32_changes_nothing(cnn):
    g = _graph(cnn, precision_mode="force_fp32")
    assert all(op.type != "Cast" for op in g.ops())
    assert all(d.dtype == FP32 for op in g.ops() for d in op.outputs if op.type not in ("NetOutput",))


def test_mix_precision_keeps_softmax_fp32(cnn):
    g = _graph(cnn, precision_mode="allow_mix_precision")
    assert _dtypes(g, "Conv2D") == {FP16} and _dtypes(g, "Softmax") == {FP32}


def test_allow_fp32_to_fp16_only_cube_ops(cnn):
    g = _graph(cnn, precision_mode="allow_fp32_to_fp16")
    assert _dtypes(g, "Conv2D") == {FP16} and _dtypes(g, "Relu") == {FP32}


def test_keep_dtype_by_name_and_type(cnn):
    g = _graph(cnn, keep_dtype=("conv1", "OpType::Relu"))
    convs = {op.source or op.name: op.outputs[0].dtype for op in g.ops() if op.type == "Conv2D"}
    assert convs["conv1"] == FP32 and convs["conv2"] == FP16
    assert _dtypes(g, "Relu") == {FP32}


def test_fp16_weights_halve_the_weight_partition(cnn, tmp_path):
    a = api.convert(ConvertOptions(framework=5, model=cnn, output=str(tmp_path / "a"), precision_mode="force_fp32"))
    b = api.convert(ConvertOptions(framework=5, model=cnn, output=str(tmp_path / "b")))
    assert weight_bytes(b) < 0.6 * weight_bytes(a)


def test_fp16_numbers_are_close_but_not_identical(cnn):
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    ref = ort_run(cnn, {"x": x})[0]
    ours = Session(_graph(cnn)).run({"x": x})["prob"]
    res = compare_arrays(ours, ref, Tolerance(atol=1e-2, rtol=0.0, min_cosine=0.999))
    assert res["passed"] and res["max_abs_error"] > 0


def test_runtime_rounds_inputs_and_results_to_fp16(tmp_path):
    g = helper.make_graph([helper.make_node("Mul", ["a", "b"], ["y"], name="mul")], "g",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [64]),
                           helper.make_tensor_value_info("b", TensorProto.FLOAT, [64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [64])])
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path)
    rng = np.random.default_rng(5)
    a = rng.uniform(-8, 8, 64).astype(np.float32)
    b = rng.uniform(-8, 8, 64).astype(np.float32)
    got = Session(_graph(path, output_type="FP16")).run({"a": a, "b": b})["y"]
    want = (a.astype(np.float16).astype(np.float32) * b.astype(np.float16).astype(np.float32)).astype(np.float16)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, want)
    assert not np.array_equal(got, (a * b).astype(np.float16))  # the inputs' rounding shows in the result


def test_output_type_int8_adds_cast(tmp_path, cnn):
    g = _graph(cnn, output_type="UINT8")
    assert g.desc(g.output_refs()[0]).dtype == DataType.DT_UINT8


def test_customize_dtypes_sets_op_precision(cnn, tmp_path):
    from converter.configs import parse_customize_dtypes
    cfg = tmp_path / "custom.cfg"
    cfg.write_text("conv2::InputDtype:float32,OutputDtype:float32\nOpType::Softmax:InputDtype:float16,OutputDtype:float16\n")
    g = _graph(cnn, precision_mode="force_fp32", customize_dtypes=parse_customize_dtypes(str(cfg)))
    convs = {op.source or op.name: op.outputs[0].dtype for op in g.ops() if op.type == "Conv2D"}
    assert convs["conv1"] == FP32 and convs["conv2"] == FP32 and _dtypes(g, "Softmax") == {FP16}
    g16 = _graph(cnn, customize_dtypes=parse_customize_dtypes(str(cfg)))
    convs = {op.source or op.name: op.outputs[0].dtype for op in g16.ops() if op.type == "Conv2D"}
    assert convs["conv1"] == FP16 and convs["conv2"] == FP32


def test_modify_mixlist_changes_the_mix_lists(cnn, tmp_path):
    from converter.configs import parse_mixlist
    cfg = tmp_path / "mix.json"
    cfg.write_text('{"black-list": {"to-add": ["Conv2D"], "to-remove": ["Softmax"]}}')
    g = _graph(cnn, precision_mode="allow_mix_precision", modify_mixlist=parse_mixlist(str(cfg)))
    assert _dtypes(g, "Conv2D") == {FP32} and _dtypes(g, "Softmax") == {FP16}


def test_modify_mixlist_bad_json_is_E10003(tmp_path):
    from converter.cli import main as atc
    cfg = tmp_path / "mix.json"
    cfg.write_text('{"black-list": ["Conv2D"]}')
    src = save(tiny_cnn(), tmp_path, "cnn.onnx")
    assert atc(["--framework=5", f"--model={src}", f"--output={tmp_path / 'm'}",
                "--precision_mode=allow_mix_precision", f"--modify_mixlist={cfg}"]) == 1
    assert not (tmp_path / "m.om").exists()


def _fp16_model(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT16, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT16, [2, 3])
    nodes = [helper.make_node("Softmax", ["x"], ["s"], axis=1), helper.make_node("Mul", ["s", "x"], ["y"])]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y]), opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return save(model, tmp_path)


@pytest.mark.parametrize("mode,dtype", [("must_keep_origin_dtype", FP16), ("force_fp32", FP32)])
def test_an_fp16_model_stays_fp16_only_with_must_keep_origin_dtype(mode, dtype, tmp_path):
    """must_keep_origin_dtype used to make an fp16 model's ops fp32 (Casts around them), as force_fp32 does."""
    g = _graph(_fp16_model(tmp_path), precision_mode=mode)
    assert _dtypes(g, "Softmax") == {dtype} and _dtypes(g, "Mul") == {dtype}
    assert ("Cast" in {op.type for op in g.ops()}) == (dtype == FP32)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float16)
    assert Session(g).run({"x": x})["y"].dtype == np.float16
