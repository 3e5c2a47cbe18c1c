"""`atc --framework=1` with .air models: five of the tests' graphs (two CNNs, an MLP, a transformer encoder block,
an LSTM + GRU tagger) converted from ONNX by our frontend, written as Ascend IR ModelDefs (tools/make_air_models.py),
converted back with --framework=1 and compared with onnxruntime running the original ONNX model. The normal passes
apply: --input_shape, --precision_mode, --out_nodes, fp16 / NC1HWC0 boundaries, --output_type."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest

from converter.cli import main as atc
from converter.runtime import Session
from tools.make_air_models import MODELS, onnx_to_air, sample_onnx

RNG = np.random.default_rng(11)


def feeds_for(shapes) -> dict:
    return {name: RNG.integers(0, 20, size=shape).astype(np.int64) if name == "ids"
            else RNG.standard_normal(shape).astype(np.float32) for name, shape in shapes}


def onnx_outputs(model: onnx.ModelProto, feeds: dict, extra=()) -> list:
    if extra:
        model = onnx.ModelProto.FromString(model.SerializeToString())
        model.graph.output.extend(onnx.helper.make_empty_tensor_value_info(name) for name in extra)
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


@pytest.fixture(scope="module")
def airs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("air")
    made = {}
    for name, shapes in MODELS.items():
        src = folder / f"{name}.onnx"
        onnx.save(sample_onnx(name), src)
        path = folder / f"{name}.air"
        path.write_bytes(onnx_to_air(str(src), shapes).SerializeToString())
        made[name] = path
    return made


def convert(air, out, *extra) -> str:
    rc = atc(["--framework=1", f"--model={air}", f"--output={out}", "--soc_version=Ascend310", *extra])
    assert rc == 0
    return f"{out}.om"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trip_matches_the_original_in_fp32(airs, tmp_path, name):
    om = convert(airs[name], tmp_path / name, "--precision_mode=force_fp32")
    feeds = feeds_for(MODELS[name])
    want = onnx_outputs(sample_onnx(name), feeds)
    got = Session(om).run_outputs(feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name,shapes", [("mlp", (("x", (5, 64)),)), ("tiny_cnn", (("x", (3, 3, 32, 32)),))])
def test_input_shape_changes_the_batch(airs, tmp_path, name, shapes):
    """The .air is exported with a batch of 2 (mlp) / 1 (tiny_cnn); --input_shape sets another one: the shapes
    the model declares no longer hold and are inferred again."""
    text = ";".join(f"{n}:{','.join(map(str, s))}" for n, s in shapes)
    om = convert(airs[name], tmp_path / name, "--precision_mode=force_fp32", f"--input_shape={text}")
    feeds = feeds_for(shapes)
    (x,) = feeds.values()
    want = np.concatenate([onnx_outputs(sample_onnx(name), {"x": row[None]})[0] for row in x])  # the ONNX is batch 1
    np.testing.assert_allclose(Session(om).run_outputs(feeds)[0], want, atol=1e-5, rtol=1e-5)


def test_dynamic_batch_with_input_shape_range(airs, tmp_path):
    om = convert(airs["mlp"], tmp_path / "mlp", "--precision_mode=force_fp32", "--input_shape=x:1~8,64")
    session = Session(om)
    assert session.graph.data_ops()[0].outputs[0].shape_range == ((1, 8), (64, 64))
    for batch in (1, 7):
        feeds = feeds_for((("x", (batch, 64)),))
        np.testing.assert_allclose(session.run_outputs(feeds)[0], onnx_outputs(sample_onnx("mlp"), feeds)[0],
                                   atol=1e-5, rtol=1e-5)


def test_default_precision_runs_cube_ops_in_fp16(airs, tmp_path):
    om = convert(airs["tiny_cnn"], tmp_path / "cnn")
    session = Session(om)
    assert {op.outputs[0].dtype for op in session.graph.ops() if op.type == "Conv2D"} == {2}      # DT_FLOAT16
    feeds = feeds_for(MODELS["tiny_cnn"])
    got, want = session.run_outputs(feeds)[0], onnx_outputs(sample_onnx("tiny_cnn"), feeds)[0]
    assert got.dtype == np.float32
    assert 0 < np.max(np.abs(got - want)) < 5e-3


def test_out_nodes_select_inner_tensors(airs, tmp_path):
    """--out_nodes names ops of the .air graph (here the Relu after the second convolution, and the pooling)."""
    om = convert(airs["tiny_cnn"], tmp_path / "cnn", "--precision_mode=force_fp32", "--out_nodes=relu2:0;gap:0")
    feeds = feeds_for(MODELS["tiny_cnn"])
    got = Session(om).run_outputs(feeds)
    want = onnx_outputs(sample_onnx("tiny_cnn"), feeds, extra=("r2", "gap"))
    np.testing.assert_allclose(got[0], want[1], atol=1e-5)
    np.testing.assert_allclose(got[1], want[2], atol=1e-5)


def test_fp16_nc1hwc0_boundaries(airs, tmp_path):
    """--input_fp16_nodes + --is_input_adjust_hw_layout and --is_output_adjust_hw_layout: data enters and leaves in
    fp16 NC1HWC0, as for any other framework."""
    from converter.ops.formats import from_nc1hwc0, to_nc1hwc0
    om = convert(airs["tiny_cnn"], tmp_path / "cnn", "--input_fp16_nodes=x", "--is_input_adjust_hw_layout=true",
                 "--out_nodes=relu2:0", "--is_output_adjust_hw_layout=true")
    session = Session(om)
    x_desc = session.graph.data_ops()[0].outputs[0]
    assert (x_desc.format, x_desc.dtype, tuple(x_desc.shape)) == ("NC1HWC0", 2, (1, 1, 32, 32, 16))
    x = RNG.standard_normal((1, 3, 32, 32)).astype(np.float32)
    got = session.run_outputs({"x": to_nc1hwc0(x.astype(np.float16), "NCHW")})[0]
    assert got.dtype == np.float16 and got.shape == (1, 1, 8, 8, 16)
    want = onnx_outputs(sample_onnx("tiny_cnn"), {"x": x}, extra=("r2",))[1]
    np.testing.assert_allclose(from_nc1hwc0(got, 16, "NCHW").astype(np.float32), want, atol=2e-2, rtol=2e-2)


def test_output_type(airs, tmp_path):
    om = convert(airs["mlp"], tmp_path / "mlp", "--precision_mode=force_fp32", "--output_type=FP16")
    feeds = feeds_for(MODELS["mlp"])
    got = Session(om).run_outputs(feeds)[0]
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, onnx_outputs(sample_onnx("mlp"), feeds)[0], atol=2e-3, rtol=2e-3)


def test_model_records_the_framework(airs, tmp_path):
    from converter.om.reader import read_om
    om = convert(airs["mlp"], tmp_path / "mlp")
    assert read_om(om).attrs["framework_type"] == 1
