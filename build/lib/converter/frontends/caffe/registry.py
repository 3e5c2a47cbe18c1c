"""The Caffe layer handler table: ``@caffe_layer("Convolution")`` maps a layer type to a handler.

A handler receives a LayerContext and returns one output ref per top. Output shapes are inferred as
ops are added, so handlers can read their bottoms' shapes (Caffe shapes are static).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ...errors import GraphError
from ..builder import GraphBuilder

HANDLERS: dict[str, Callable] = {}

# Layers with learned blobs: (minimum blob count) -- a missing entry in the .caffemodel is E11029.
WEIGHTED = {"Convolution": 1, "Deconvolution": 1, "InnerProduct": 1, "BatchNorm": 2, "PReLU": 1,
            "Normalize": 1, "Embed": 1, "ConvolutionDepthwise": 1, "DepthwiseConvolution": 1}


def caffe_layer(*types: str):
    def wrap(fn: Callable) -> Callable:
        for t in types:
            HANDLERS[t] = fn
        return fn

    return wrap


def find_handler(layer_type: str):
    return HANDLERS.get(layer_type)


@dataclass
class LayerContext:
    """What a handler sees: the layer message, its bottom refs, its blobs and the builder."""

    layer: object           # caffe_pb2.LayerParameter
    inputs: list            # refs, one per bottom
    blobs: list             # RawBlob per blob from the .caffemodel (possibly empty)
    builder: GraphBuilder
    frontend: object = None  # the CaffeConverter (incremental shape inference)
    top_names: list = None   # unique tensor names for the tops
    plan: dict = None        # fusion plan of the whole net (BatchNorm name <-> Scale name)

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def type(self) -> str:
        return self.layer.type

    def fail(self, code: str, message: str) -> GraphError:
        return GraphError(code, f"layer '{self.name}' ({self.type}): {message}", node=self.name)

    # ---- shapes ------------------------------------------------------------------------------
    def shape(self, i: int = 0) -> tuple:
        """The static shape of bottom i (raises if it is not known)."""
        desc = self.builder.graph.desc(self.inputs[i])
        if desc.shape is None:
            raise self.fail("E10001", f"the shape of bottom '{self.layer.bottom[i]}' is unknown "
                            "(set the input shapes with --input_shape)")
        return tuple(desc.shape)

    def rank(self, i: int = 0) -> int:
        return len(self.shape(i))

    def axis(self, axis: int, i: int = 0) -> int:
        """A Caffe axis (may be negative) made non-negative for bottom i."""
        rank = self.rank(i)
        if not -rank <= axis < rank:
            raise self.fail("E10001", f"axis {axis} is out of range for a {rank}-D bottom")
        return axis + rank if axis < 0 else axis

    # ---- weights -----------------------------------------------------------------------------
    def blob(self, i: int, shape=None, what: str = "") -> np.ndarray:
        """Blob i as float32, reshaped to ``shape`` (E11033 when its size does not match)."""
        if i >= len(self.blobs):
            raise self.fail("E11029", f"the .caffemodel has {len(self.blobs)} blob(s) for this layer; "
                            f"blob {i} ({what or 'weights'}) is missing")
        data = self.blobs[i].data
        if shape is None:
            shape = self.blobs[i].shape or data.shape
        shape = tuple(int(d) for d in shape)
        if int(np.prod(shape, dtype=np.int64)) != data.size:
            raise self.fail("E11033", f"blob {i} ({what or 'weights'}) has {data.size} values but the layer needs "
                            f"{int(np.prod(shape, dtype=np.int64))} (shape {list(shape)}); the .caffemodel does "
                            "not match the .prototxt")
        return data.reshape(shape)

    # ---- building ----------------------------------------------------------------------------
    def op(self, op_type: str, inputs, attrs: dict | None = None, *, n_out: int = 1, suffix: str = "",
           final: bool | None = None) -> list:
        """Add a canonical op named after the layer. ``final`` ops carry the tops' tensor names
        (default: ops without a suffix)."""
        is_final = (not suffix) if final is None else final
        refs = self.builder.op(op_type, inputs, attrs, name=self.name + suffix, n_out=n_out,
                               source=self.name, out_names=self.top_names if is_final else None)
        self.frontend.infer(refs[0][0])
        return refs

    def op1(self, op_type: str, inputs, attrs: dict | None = None, suffix: str = "", final=None):
        return self.op(op_type, inputs, attrs, suffix=suffix, final=final)[0]

    def const(self, value, suffix: str = "_const"):
        return self.builder.const(np.asarray(value), self.name + suffix, source=self.name)
