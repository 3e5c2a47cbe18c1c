"""Benchmark: how a TF1 TensorArray runs fastest on the CPU runtime, as a sequence or as a preallocated buffer.

The loop dynamic_rnn builds reads element t of an input array, computes a step and writes element t of an output
array, then the array is stacked. Two lowerings of the same loop, both run through a Loop op by Session:

- sequence: SplitToSequence / SequenceAt / SequenceSetItem / SequenceGather (what the TF frontend emits);
- buffer:   the input tensor read with GatherV2, a zero [T, B, H] buffer written with ScatterND (the runtime's
            ops return new arrays, so every write copies the buffer), no stacking at the end.

Prints the best wall time per run (milliseconds) of each lowering for a few sequence lengths and sizes.

Run: python tools/bench_tensorarray.py [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

CASES = [(32, 8, 64), (256, 8, 64), (1024, 8, 64), (256, 32, 256)]   # (steps T, batch B, hidden H)


def _loop_graph(kind: str, steps: int, batch: int, hidden: int):
    """x [T, B, H] -> h_t = tanh(x_t + 0.5 h_{t-1}) for every t, stacked [T, B, H]."""
    from converter.ir import DataType, Graph, Op, TensorDesc
    f32, i64 = DataType.DT_FLOAT, DataType.DT_INT64
    g = Graph("bench")
    g.add_data("x", TensorDesc(dtype=f32, shape=(steps, batch, hidden)), 0)
    g.add_const("trip", np.array(steps, np.int64))
    g.add_const("h0", np.zeros((batch, hidden), np.float32))
    body = Graph("body")
    body.add_data("i", TensorDesc(dtype=i64, shape=()), 0)
    body.add_data("cond", TensorDesc(dtype=DataType.DT_BOOL, shape=()), 1)
    body.add_data("h", TensorDesc(dtype=f32, shape=(batch, hidden)), 2)
    body.add_data("acc", TensorDesc(dtype=DataType.DT_VARIANT if kind == "sequence" else f32), 3)
    body.add_data("src", TensorDesc(dtype=DataType.DT_VARIANT if kind == "sequence" else f32), 4)
    body.add_const("half", np.array(0.5, np.float32))
    if kind == "sequence":
        body.add(Op("x_t", "SequenceAt", outputs=[TensorDesc()]), [("src", 0), ("i", 0)])
    else:
        body.add(Op("x_t", "GatherV2", {"axis": 0}, [TensorDesc()]), [("src", 0), ("i", 0)])
    body.add(Op("scaled", "Mul", outputs=[TensorDesc()]), [("h", 0), ("half", 0)])
    body.add(Op("sum", "Add", outputs=[TensorDesc()]), [("x_t", 0), ("scaled", 0)])
    body.add(Op("h_new", "Tanh", outputs=[TensorDesc()]), [("sum", 0)])
    if kind == "sequence":
        body.add(Op("acc_new", "SequenceSetItem", outputs=[TensorDesc()]), [("acc", 0), ("i", 0), ("h_new", 0)])
    else:
        body.add_const("row", np.array([1, batch, hidden], np.int64))
        body.add_const("shape11", np.array([1, 1], np.int64))
        body.add(Op("indices", "Reshape", outputs=[TensorDesc()]), [("i", 0), ("shape11", 0)])
        body.add(Op("update", "Reshape", outputs=[TensorDesc()]), [("h_new", 0), ("row", 0)])
        body.add(Op("acc_new", "ScatterND", outputs=[TensorDesc()]), [("acc", 0), ("indices", 0), ("update", 0)])
    body.add(Op("out", "NetOutput", {"output_names": ["cond", "h", "acc"]}), [("cond", 0), ("h_new", 0),
                                                                           ("acc_new", 0)])
    if kind == "sequence":
        g.add(Op("src", "SplitToSequence", {"axis": 0, "keepdims": 0}, [TensorDesc()]), [("x", 0)])
        g.add(Op("acc0", "SequenceReserve", {"dtype": int(f32)}, [TensorDesc()]), [("trip", 0)])
    else:
        g.add_const("acc0", np.zeros((steps, batch, hidden), np.float32))
    src = ("src", 0) if kind == "sequence" else ("x", 0)
    loop = g.add(Op("loop", "Loop", {"num_carried": 2}, [TensorDesc(), TensorDesc()]),
                 [("trip", 0), None, ("h0", 0), ("acc0", 0), src])
    loop.subgraphs = {"body": body}
    if kind == "sequence":
        g.add_const("positions", np.arange(steps, dtype=np.int64))
        g.add(Op("stacked", "SequenceGather", {"dtype": int(f32)}, [TensorDesc()]), [("loop", 1), ("positions", 0)])
        result = ("stacked", 0)
    else:
        result = ("loop", 1)
    g.add(Op("NetOutput", "NetOutput", {"output_names": ["y"]}), [result])
    return g


def _time(graph, x, repeat: int) -> tuple:
    from converter.runtime import Session
    session = Session(graph)
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = session.run({"x": x})["y"]
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> int:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per case; the best is reported (default 3)")
    a = ap.parse_args()
    print(f"{'T':>5} {'B':>4} {'H':>4} {'sequence ms':>12} {'buffer ms':>10} {'buffer/sequence':>16}")
    for steps, batch, hidden in CASES:
        x = np.random.default_rng(0).standard_normal((steps, batch, hidden)).astype(np.float32)
        seq, y_seq = _time(_loop_graph("sequence", steps, batch, hidden), x, a.repeat)
        buf, y_buf = _time(_loop_graph("buffer", steps, batch, hidden), x, a.repeat)
        np.testing.assert_allclose(y_seq, y_buf, rtol=1e-6)
        print(f"{steps:>5} {batch:>4} {hidden:>4} {seq * 1e3:>12.2f} {buf * 1e3:>10.2f} {buf / seq:>16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
