"""Sequence-model builders (onnx.helper + numpy): a transformer encoder block and an LSTM tagger.

Run: python tools/make_seq_models.py OUT_DIR
"""
from __future__ import annotations

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _w(r, name, *shape, scale=0.1):
    return numpy_helper.from_array((r.standard_normal(shape) * scale).astype(np.float32), name)


def _i64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def transformer_encoder(vocab=50, d=32, heads=4, ff=64, opset=17, seed=0) -> onnx.ModelProto:
    """Token ids [B, S] (dynamic) -> hidden [B, S, d]: embeddings + positions, multi-head self-attention
    with a padding mask (Where), LayerNormalization, and a Gelu (Erf form) feed-forward block."""
    r = np.random.default_rng(seed)
    dh = d // heads
    inits = [_w(r, "tok_emb", vocab, d, scale=0.5), _w(r, "pos_emb", 64, d, scale=0.5),
             _w(r, "wq", d, d), _w(r, "wk", d, d), _w(r, "wv", d, d), _w(r, "wo", d, d),
             _w(r, "bq", d), _w(r, "bo", d),
             numpy_helper.from_array((1 + 0.1 * r.standard_normal(d)).astype(np.float32), "ln1_g"),
             _w(r, "ln1_b", d),
             numpy_helper.from_array((1 + 0.1 * r.standard_normal(d)).astype(np.float32), "ln2_g"),
             _w(r, "ln2_b", d), _w(r, "w1", d, ff), _w(r, "b1", ff), _w(r, "w2", ff, d), _w(r, "b2", d),
             _i64("zero", 0), _i64("one", 1), _i64("pad_id", 0),
             _i64("heads_shape", [0, 0, heads, dh]), _i64("merge_shape", [0, 0, d]),
             numpy_helper.from_array(np.array(np.sqrt(dh), np.float32), "scale"),
             numpy_helper.from_array(np.array(-1e4, np.float32), "neg"),
             numpy_helper.from_array(np.array(0.0, np.float32), "zero_f"),
             numpy_helper.from_array(np.array(np.sqrt(0.5), np.float32), "rsqrt2"),
             numpy_helper.from_array(np.array(0.5, np.float32), "half"),
             numpy_helper.from_array(np.array(1.0, np.float32), "one_f"),
             _i64("mask_axes", [1, 2])]
    n = helper.make_node
    nodes = [
        n("Gather", ["tok_emb", "ids"], ["tok"], name="embed"),
        n("Shape", ["ids"], ["ids_shape"], name="shape"),
        n("Gather", ["ids_shape", "one"], ["seq"], name="seq_len", axis=0),
        n("Range", ["zero", "seq", "one"], ["positions"], name="positions"),
        n("Gather", ["pos_emb", "positions"], ["pos"], name="pos_embed"),
        n("Add", ["tok", "pos"], ["x0"], name="add_pos"),
        # attention
        n("MatMul", ["x0", "wq"], ["q0"], name="q_proj"), n("Add", ["q0", "bq"], ["q1"], name="q_bias"),
        n("MatMul", ["x0", "wk"], ["k1"], name="k_proj"),
        n("MatMul", ["x0", "wv"], ["v1"], name="v_proj"),
        n("Reshape", ["q1", "heads_shape"], ["q2"], name="q_heads"),
        n("Reshape", ["k1", "heads_shape"], ["k2"], name="k_heads"),
        n("Reshape", ["v1", "heads_shape"], ["v2"], name="v_heads"),
        n("Transpose", ["q2"], ["q"], name="q_t", perm=[0, 2, 1, 3]),
        n("Transpose", ["k2"], ["kt"], name="k_t", perm=[0, 2, 3, 1]),
        n("Transpose", ["v2"], ["v"], name="v_t", perm=[0, 2, 1, 3]),
        n("MatMul", ["q", "kt"], ["s0"], name="scores"),
        n("Div", ["s0", "scale"], ["s1"], name="scale_scores"),
        n("Equal", ["ids", "pad_id"], ["is_pad"], name="pad_mask"),
        n("Unsqueeze", ["is_pad", "mask_axes"], ["is_pad4"], name="mask_unsqueeze"),
        n("Where", ["is_pad4", "neg", "zero_f"], ["bias"], name="mask_bias"),
        n("Add", ["s1", "bias"], ["s2"], name="masked_scores"),
        n("Softmax", ["s2"], ["p"], name="attn_softmax", axis=-1),
        n("MatMul", ["p", "v"], ["ctx0"], name="context"),
        n("Transpose", ["ctx0"], ["ctx1"], name="ctx_t", perm=[0, 2, 1, 3]),
        n("Reshape", ["ctx1", "merge_shape"], ["ctx2"], name="merge_heads"),
        n("MatMul", ["ctx2", "wo"], ["o0"], name="out_proj"), n("Add", ["o0", "bo"], ["o1"], name="out_bias"),
        n("Add", ["x0", "o1"], ["r1"], name="residual1"),
        n("LayerNormalization", ["r1", "ln1_g", "ln1_b"], ["h1"], name="ln1", axis=-1, epsilon=1e-5),
        # feed-forward with Gelu written with Erf (as exporters do)
        n("MatMul", ["h1", "w1"], ["f0"], name="ff1"), n("Add", ["f0", "b1"], ["f1"], name="ff1_bias"),
        n("Mul", ["f1", "rsqrt2"], ["g0"], name="gelu_scale"), n("Erf", ["g0"], ["g1"], name="gelu_erf"),
        n("Add", ["g1", "one_f"], ["g2"], name="gelu_add"), n("Mul", ["f1", "g2"], ["g3"], name="gelu_mul"),
        n("Mul", ["g3", "half"], ["g4"], name="gelu_half"),
        n("MatMul", ["g4", "w2"], ["f2"], name="ff2"), n("Add", ["f2", "b2"], ["f3"], name="ff2_bias"),
        n("Add", ["h1", "f3"], ["r2"], name="residual2"),
        n("LayerNormalization", ["r2", "ln2_g", "ln2_b"], ["hidden"], name="ln2", axis=-1, epsilon=1e-5),
    ]
    g = helper.make_graph(nodes, "encoder", [helper.make_tensor_value_info("ids", TensorProto.INT64, ["B", "S"])],
                          [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["B", "S", d])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_seq_models")


def lstm_tagger(vocab=30, d=16, hidden=24, tags=5, seed=1, opset=14) -> onnx.ModelProto:
    """Token ids [S, B] -> tag log-probabilities [S, B, tags]: embeddings, bidirectional LSTM, GRU, Gemm-like
    projection and LogSoftmax."""
    r = np.random.default_rng(seed)
    inits = [_w(r, "emb", vocab, d, scale=0.5),
             _w(r, "W", 2, 4 * hidden, d), _w(r, "R", 2, 4 * hidden, hidden), _w(r, "B", 2, 8 * hidden),
             _w(r, "gW", 1, 3 * hidden, 2 * hidden), _w(r, "gR", 1, 3 * hidden, hidden), _w(r, "gB", 1, 6 * hidden),
             _w(r, "proj", hidden, tags), _i64("merge", [0, 0, -1]), _i64("ax1", [1])]
    n = helper.make_node
    nodes = [
        n("Gather", ["emb", "ids"], ["x"], name="embed"),
        n("LSTM", ["x", "W", "R", "B"], ["y", "y_h", "y_c"], name="bilstm", hidden_size=hidden,
          direction="bidirectional"),
        n("Transpose", ["y"], ["yt"], name="y_t", perm=[0, 2, 1, 3]),
        n("Reshape", ["yt", "merge"], ["y2"], name="merge_dirs"),
        n("GRU", ["y2", "gW", "gR", "gB"], ["z", "z_h"], name="gru", hidden_size=hidden, linear_before_reset=1),
        n("Squeeze", ["z", "ax1"], ["z2"], name="squeeze_dir"),
        n("MatMul", ["z2", "proj"], ["logits"], name="proj"),
        n("LogSoftmax", ["logits"], ["tags"], name="log_softmax", axis=-1),
    ]
    g = helper.make_graph(nodes, "tagger", [helper.make_tensor_value_info("ids", TensorProto.INT64, ["S", "B"])],
                          [helper.make_tensor_value_info("tags", TensorProto.FLOAT, ["S", "B", tags])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_seq_models")


def main(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for name, build in (("encoder", transformer_encoder), ("lstm_tagger", lstm_tagger)):
        m = build()
        onnx.checker.check_model(m)
        onnx.save(m, os.path.join(out_dir, name + ".onnx"))
        print(f"wrote {os.path.join(out_dir, name + '.onnx')}")


if __name__ == "__main__":
    main(*(sys.argv[1:] or ["."]))
