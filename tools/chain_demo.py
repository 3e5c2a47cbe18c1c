"""Chaining demo on a real-sized CNN: ResNet-50 (224x224, random weights) split into backbone and head at
one tensor (stage2) or at two tensors (the two inputs of the first residual Add of stage 3); the backbone is
converted with fp16 outputs (--is_output_fp16, or --out_nodes + --is_output_adjust_hw_layout), the head with
--input_fp16_nodes (+ --is_input_adjust_hw_layout); the chained result is compared with the unsplit model
converted with the same precision and with the fp32 source (onnxruntime).

Run: python tools/chain_demo.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np
import onnx


def main() -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from converter import api
    from converter.framework import Framework
    from converter.options import ConvertOptions
    from converter.runtime import Pipeline, Session
    from converter.verify import Tolerance, compare_arrays
    from converter.verify.reference import run_onnx
    from tools.make_resnet50_onnx import resnet50
    from tools.split_onnx import split_model

    full = resnet50()
    # compare logits, not the near-uniform softmax of random weights (which hides errors)
    full.graph.node.pop()
    full.graph.output[0].name = "logits"
    adds = [n for n in full.graph.node if n.op_type == "Add"]
    first_stage3_add = adds[3 + 4]  # stage 1 has 3 blocks, stage 2 has 4
    cuts = {"one tensor (stage2)": ["stage2"], "two tensors": list(first_stage3_add.input)}
    x = np.random.default_rng(0).random((1, 3, 224, 224)).astype(np.float32)
    cos = Tolerance(atol=np.inf, rtol=0.0, min_cosine=0.0)
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "full.onnx")
        onnx.save(full, src)
        source = run_onnx(src, {"input": x})["logits"]
        whole = api.convert(ConvertOptions(framework=Framework.ONNX, model=src, output=os.path.join(d, "whole")))
        unsplit = Session(whole).run({"input": x})["logits"]
        r = compare_arrays(unsplit, source, cos)
        print(f"unsplit force_fp16 vs fp32 source: cosine {r['cosine']:.8f}, max_abs {r['max_abs_error']:.2e}")
        for label, names in cuts.items():
            backbone, head = split_model(full, names)
            bpath, hpath = os.path.join(d, "b.onnx"), os.path.join(d, "h.onnx")
            onnx.save(backbone, bpath)
            onnx.save(head, hpath)
            variants = {
                "is_output_fp16": (dict(is_output_fp16=(True,) * len(names)), dict(input_fp16_nodes=tuple(names))),
                "NC1HWC0": (dict(out_nodes=tuple((n, None) for n in names),
                                 is_output_adjust_hw_layout=(True,) * len(names)),
                            dict(input_fp16_nodes=tuple(names), is_input_adjust_hw_layout=(True,) * len(names))),
            }
            for vname, (bo, ho) in variants.items():
                a = api.convert(ConvertOptions(framework=Framework.ONNX, model=bpath, output=os.path.join(d, "a"), **bo))
                b = api.convert(ConvertOptions(framework=Framework.ONNX, model=hpath, output=os.path.join(d, "bh"), **ho))
                pipe = Pipeline([a, b], [dict(zip(Session(a).output_names, names))])
                t0 = time.perf_counter()
                out = list(pipe.run({"input": x}).values())[0]
                dt = time.perf_counter() - t0
                r1, r2 = compare_arrays(out, unsplit, cos), compare_arrays(out, source, cos)
                print(f"{label:20s} {vname:15s} vs unsplit fp16: cosine {r1['cosine']:.8f} max_abs "
                      f"{r1['max_abs_error']:.2e}; vs fp32 source: cosine {r2['cosine']:.8f} max_abs "
                      f"{r2['max_abs_error']:.2e} (|ref| max {np.abs(source).max():.2f}); run {dt:.2f} s")


if __name__ == "__main__":
    main()
