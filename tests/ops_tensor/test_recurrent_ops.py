"""LSTM / GRU / RNN: one-node ONNX models versus onnxruntime (directions, sequence_lens, initial states,
peepholes, layout 1, GRU linear_before_reset), and infer versus kernel shapes."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ir import from_numpy

from ._eval import Case, const, feeds, inp, infer_op, load_case, onnxruntime_outputs, run_graph

rng = np.random.default_rng(1)
T, N, I, H = 5, 3, 4, 6
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}


def f32(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def recurrent_case(name, op_type, direction="forward", *, lens=False, initial=False, peepholes=False,
                   layout=0, opset=14, **attrs) -> Case:
    dirs = 2 if direction == "bidirectional" else 1
    g = GATES[op_type]
    x = f32(N, T, I, scale=1.0) if layout else f32(T, N, I, scale=1.0)
    state_shape = (N, dirs, H) if layout else (dirs, N, H)
    inputs = [inp("X", x), const("W", f32(dirs, g * H, I)), const("R", f32(dirs, g * H, H)),
              const("B", f32(dirs, 2 * g * H)),
              inp("L", np.array([T, 2, 4], np.int32)) if lens else None,
              inp("h0", f32(*state_shape)) if initial else None]
    if op_type == "LSTM":
        inputs += [inp("c0", f32(*state_shape)) if initial else None,
                   const("P", f32(dirs, 3 * H)) if peepholes else None]
    while inputs[-1] is None:
        inputs.pop()
    attrs = {"hidden_size": H, "direction": direction, **attrs}
    if layout:
        attrs["layout"] = 1
    return Case(name, op_type, inputs, attrs, opset=opset, n_out=3 if op_type == "LSTM" else 2, atol=1e-5)


CASES = [
    recurrent_case("lstm_forward", "LSTM"),
    recurrent_case("lstm_reverse_lens_initial", "LSTM", "reverse", lens=True, initial=True),
    recurrent_case("lstm_bidirectional_all", "LSTM", "bidirectional", lens=True, initial=True, peepholes=True),
    recurrent_case("lstm_layout1_bidirectional", "LSTM", "bidirectional", initial=True, layout=1),
    recurrent_case("lstm_clip_input_forget", "LSTM", clip=0.7, input_forget=1, peepholes=True),
    recurrent_case("lstm_activations", "LSTM", "bidirectional",
                   activations=["HardSigmoid", "Tanh", "Relu", "Sigmoid", "LeakyRelu", "Tanh"],
                   activation_alpha=[0.3, 0.2], activation_beta=[0.4]),
    recurrent_case("gru_forward_lbr0", "GRU"),
    recurrent_case("gru_forward_lbr1", "GRU", linear_before_reset=1),
    recurrent_case("gru_reverse_lens_lbr1", "GRU", "reverse", lens=True, initial=True, linear_before_reset=1),
    recurrent_case("gru_bidirectional_lens_lbr0", "GRU", "bidirectional", lens=True, initial=True),
    recurrent_case("gru_bidirectional_lbr1_layout1", "GRU", "bidirectional", initial=True, layout=1,
                   linear_before_reset=1),
    recurrent_case("gru_clip_opset7", "GRU", clip=0.5, opset=7),
    recurrent_case("rnn_forward", "RNN"),
    recurrent_case("rnn_bidirectional_lens_relu", "RNN", "bidirectional", lens=True, initial=True,
                   activations=["Relu", "Tanh"]),
]


def reference_outputs(case: Case, dtypes) -> list:
    """onnxruntime's outputs; it has no batch-major (layout 1) kernels, so those run time-major
    on transposed inputs and the outputs are transposed back."""
    if not case.attrs.get("layout"):
        return onnxruntime_outputs(case, dtypes)
    batch_major = {"X", "h0", "c0"}
    inputs = [None if i is None else (i[0], np.swapaxes(i[1], 0, 1) if i[0] in batch_major else i[1], i[2])
              for i in case.inputs]
    attrs = {k: v for k, v in case.attrs.items() if k != "layout"}
    y, *states = onnxruntime_outputs(Case(case.id, case.op_type, inputs, attrs, case.opset, case.n_out), dtypes)
    return [y.transpose(2, 0, 1, 3)] + [np.swapaxes(s, 0, 1) for s in states]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_onnxruntime(case, tmp_path):
    graph = load_case(case, tmp_path)
    ours, _ = run_graph(graph, feeds(case))
    ref = reference_outputs(case, [o.dtype for o in ours])
    assert len(ours) == len(ref)
    for got, want in zip(ours, ref):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, atol=case.atol, rtol=1e-4)


@pytest.mark.parametrize("case", CASES[:4] + CASES[10:11], ids=str)
def test_infer_agrees_with_kernel(case, tmp_path):
    graph = load_case(case, tmp_path)
    _, values = run_graph(graph, feeds(case))
    (op,) = [op for op in graph.ops() if op.type == case.op_type]
    actual = [values[(op.name, k)] for k in range(len(op.outputs))]
    inferred = infer_op(graph, op, values, "const")
    assert [d.shape for d in inferred] == [a.shape for a in actual]
    assert [d.dtype for d in inferred] == [from_numpy(a.dtype) for a in actual]
