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


def _block_weights(r, d, ff, suffix=""):
    """The weights of one encoder block, drawn in a fixed order (names end with `suffix`)."""
    return [_w(r, "wq" + suffix, d, d), _w(r, "wk" + suffix, d, d), _w(r, "wv" + suffix, d, d),
            _w(r, "wo" + suffix, d, d), _w(r, "bq" + suffix, d), _w(r, "bo" + suffix, d),
            numpy_helper.from_array((1 + 0.1 * r.standard_normal(d)).astype(np.float32), "ln1_g" + suffix),
            _w(r, "ln1_b" + suffix, d),
            numpy_helper.from_array((1 + 0.1 * r.standard_normal(d)).astype(np.float32), "ln2_g" + suffix),
            _w(r, "ln2_b" + suffix, d), _w(r, "w1" + suffix, d, ff), _w(r, "b1" + suffix, ff),
            _w(r, "w2" + suffix, ff, d), _w(r, "b2" + suffix, d)]


def _block_nodes(x: str, out: str, s: str = "") -> list:
    """One post-norm encoder block from `x` to `out`; `s` suffixes every name of the block (the padding-mask
    bias "bias" is shared)."""
    n = helper.make_node
    attention = [
        n("MatMul", [x, "wq" + s], ["q0" + s], name="q_proj" + s),
        n("Add", ["q0" + s, "bq" + s], ["q1" + s], name="q_bias" + s),
        n("MatMul", [x, "wk" + s], ["k1" + s], name="k_proj" + s),
        n("MatMul", [x, "wv" + s], ["v1" + s], name="v_proj" + s),
        n("Reshape", ["q1" + s, "heads_shape"], ["q2" + s], name="q_heads" + s),
        n("Reshape", ["k1" + s, "heads_shape"], ["k2" + s], name="k_heads" + s),
        n("Reshape", ["v1" + s, "heads_shape"], ["v2" + s], name="v_heads" + s),
        n("Transpose", ["q2" + s], ["q" + s], name="q_t" + s, perm=[0, 2, 1, 3]),
        n("Transpose", ["k2" + s], ["kt" + s], name="k_t" + s, perm=[0, 2, 3, 1]),
        n("Transpose", ["v2" + s], ["v" + s], name="v_t" + s, perm=[0, 2, 1, 3]),
        n("MatMul", ["q" + s, "kt" + s], ["s0" + s], name="scores" + s),
        n("Div", ["s0" + s, "scale"], ["s1" + s], name="scale_scores" + s)]
    mask = [] if s else [
        n("Equal", ["ids", "pad_id"], ["is_pad"], name="pad_mask"),
        n("Unsqueeze", ["is_pad", "mask_axes"], ["is_pad4"], name="mask_unsqueeze"),
        n("Where", ["is_pad4", "neg", "zero_f"], ["bias"], name="mask_bias")]
    rest = [
        n("Add", ["s1" + s, "bias"], ["s2" + s], name="masked_scores" + s),
        n("Softmax", ["s2" + s], ["p" + s], name="attn_softmax" + s, axis=-1),
        n("MatMul", ["p" + s, "v" + s], ["ctx0" + s], name="context" + s),
        n("Transpose", ["ctx0" + s], ["ctx1" + s], name="ctx_t" + s, perm=[0, 2, 1, 3]),
        n("Reshape", ["ctx1" + s, "merge_shape"], ["ctx2" + s], name="merge_heads" + s),
        n("MatMul", ["ctx2" + s, "wo" + s], ["o0" + s], name="out_proj" + s),
        n("Add", ["o0" + s, "bo" + s], ["o1" + s], name="out_bias" + s),
        n("Add", [x, "o1" + s], ["r1" + s], name="residual1" + s),
        n("LayerNormalization", ["r1" + s, "ln1_g" + s, "ln1_b" + s], ["h1" + s], name="ln1" + s, axis=-1,
          epsilon=1e-5),
        # feed-forward with Gelu written with Erf (as exporters do)
        n("MatMul", ["h1" + s, "w1" + s], ["f0" + s], name="ff1" + s),
        n("Add", ["f0" + s, "b1" + s], ["f1" + s], name="ff1_bias" + s),
        n("Mul", ["f1" + s, "rsqrt2"], ["g0" + s], name="gelu_scale" + s),
        n("Erf", ["g0" + s], ["g1" + s], name="gelu_erf" + s),
        n("Add", ["g1" + s, "one_f"], ["g2" + s], name="gelu_add" + s),
        n("Mul", ["f1" + s, "g2" + s], ["g3" + s], name="gelu_mul" + s),
        n("Mul", ["g3" + s, "half"], ["g4" + s], name="gelu_half" + s),
        n("MatMul", ["g4" + s, "w2" + s], ["f2" + s], name="ff2" + s),
        n("Add", ["f2" + s, "b2" + s], ["f3" + s], name="ff2_bias" + s),
        n("Add", ["h1" + s, "f3" + s], ["r2" + s], name="residual2" + s),
        n("LayerNormalization", ["r2" + s, "ln2_g" + s, "ln2_b" + s], [out], name="ln2" + s, axis=-1,
          epsilon=1e-5)]
    return attention + mask + rest


def transformer_encoder(vocab=50, d=32, heads=4, ff=64, opset=17, seed=0, layers=1, max_len=64) -> onnx.ModelProto:
    """Token ids [B, S] (dynamic, S <= max_len) -> hidden [B, S, d]: embeddings + positions, then `layers`
    blocks of multi-head self-attention with a padding mask (Where), LayerNormalization, and a Gelu (Erf
    form) feed-forward block. layers=12, d=768, heads=12, ff=3072 is BERT-base-sized."""
    r = np.random.default_rng(seed)
    dh = d // heads
    inits = [_w(r, "tok_emb", vocab, d, scale=0.5), _w(r, "pos_emb", max_len, d, scale=0.5)]
    inits += _block_weights(r, d, ff)
    inits += [_i64("zero", 0), _i64("one", 1), _i64("pad_id", 0),
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
    ]
    x = "x0"
    for layer in range(layers):
        suffix = f"_l{layer}" if layer else ""
        if layer:
            inits += _block_weights(r, d, ff, suffix)
        out = "hidden" if layer == layers - 1 else f"x{layer + 1}"
        nodes += _block_nodes(x, out, suffix)
        x = out
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
