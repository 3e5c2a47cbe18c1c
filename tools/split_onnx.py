"""Split an ONNX model into two at one or more tensors (backbone: inputs -> cut, head: cut -> outputs).

Run: python tools/split_onnx.py MODEL.onnx CUT[,CUT2...] BACKBONE.onnx HEAD.onnx
"""
from __future__ import annotations

import sys

import onnx
from onnx.utils import Extractor


def split_model(model: onnx.ModelProto, cuts: list) -> tuple:
    """(backbone, head) ModelProtos; the head's inputs are the cut tensors."""
    model = onnx.shape_inference.infer_shapes(model)
    ex = Extractor(model)
    inputs = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    outputs = [o.name for o in model.graph.output]
    return ex.extract_model(inputs, list(cuts)), ex.extract_model(list(cuts), outputs)


def main(model_path: str, cuts: str, backbone_path: str, head_path: str) -> None:
    backbone, head = split_model(onnx.load(model_path), cuts.split(","))
    onnx.save(backbone, backbone_path)
    onnx.save(head, head_path)
    print(f"wrote {backbone_path} and {head_path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
