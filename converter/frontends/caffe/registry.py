"""The Caffe layer handler table: ``@caffe_layer("Convolution")`` maps a layer type to a handler, with the
number of bottoms it reads (``inputs``, 1 unless given; a layer with fewer is refused with E10001).

A handler receives a LayerContext and returns one output ref per top. Output shapes are inferred as
ops are added, so handlers can read their bottoms' shapes (Caffe shapes are static).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import CAFFE_BLOB_SIZE_MISMATCH, CAFFE_LAYER_WITHOUT_BLOBS
from ...ir.sizes import element_count
from ..builder import GraphBuilder
from ..context import HandlerContext, HandlerTable

TABLE = HandlerTable("Caffe")
HANDLERS = TABLE.entries

# Layers with learned blobs: (minimum blob count) -- a missing entry in the .caffemodel is E11029.
WEIGHTED = {"Convolution": 1, "Deconvolution": 1, "InnerProduct": 1, "BatchNorm": 2, "PReLU": 1,
            "Normalize": 1, "Embed": 1, "ConvolutionDepthwise": 1, "DepthwiseConvolution": 1}


def caffe_layer(*layer_types: str, inputs: int = 1):
    return TABLE.register(*layer_types, inputs=inputs)


def find_handler(layer_type: str):
    return TABLE.find(layer_type)


@dataclass
class LayerContext(HandlerContext):
    """What a handler sees: the layer message, its bottom refs, its blobs and the builder. Caffe shapes are
    static: a bottom's shape is known once the layer that writes it is converted."""

    layer: object           # caffe_pb2.LayerParameter
    inputs: list            # refs, one per bottom
    blobs: list             # RawBlob per blob from the .caffemodel (possibly empty)
    builder: GraphBuilder
    frontend: object = None  # the CaffeConverter (incremental shape inference)
    top_names: list = None   # unique tensor names for the tops
    plan: dict = None        # fusion plan of the whole net (BatchNorm name <-> Scale name)
    name: str = field(init=False)
    op_type: str = field(init=False)
    attrs: dict = field(init=False)   # empty: a layer's parameters are typed messages (layer.convolution_param)

    kind = "layer"
    input_noun = "bottom"

    def __post_init__(self):
        self.name, self.op_type, self.attrs = self.layer.name, self.layer.type, {}

    def input_label(self, i: int) -> str:
        bottoms = self.layer.bottom
        return f"bottom '{bottoms[i]}'" if 0 <= i < len(bottoms) else f"bottom {i}"

    # ---- weights -----------------------------------------------------------------------------
    def blob(self, i: int, shape=None, what: str = "") -> np.ndarray:
        """Blob i as float32, reshaped to ``shape`` (E11033 when its size does not match)."""
        if i >= len(self.blobs):
            raise self.fail(f"the .caffemodel has {len(self.blobs)} blob(s) for this layer; blob {i} "
                            f"({what or 'weights'}) is missing", CAFFE_LAYER_WITHOUT_BLOBS)
        data = self.blobs[i].data
        if shape is None:
            shape = self.blobs[i].shape or data.shape
        shape = tuple(int(d) for d in shape)
        label = f"blob {i} ({what or 'weights'})"
        count = element_count(shape, label, code=CAFFE_BLOB_SIZE_MISMATCH,
                              error=lambda code, message: self.fail(message, code))
        if count != data.size:
            raise self.fail(f"{label} has {data.size} values but the layer needs {count} (shape {list(shape)}); the "
                            ".caffemodel does not match the .prototxt", CAFFE_BLOB_SIZE_MISMATCH)
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
