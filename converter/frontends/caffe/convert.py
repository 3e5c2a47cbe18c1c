"""Caffe .prototxt + .caffemodel -> ir.Graph: inputs, TEST-phase layers through the handler table,
weights matched by layer name, outputs = blobs no later layer reads (Caffe's own rule)."""
from __future__ import annotations

import os

import numpy as np

from ...errors import (CAFFE_INPUT_WITHOUT_SHAPE, CAFFE_LAYER_WITHOUT_BLOBS, CAFFE_WEIGHT_OPTION_MISSING,
                       DUPLICATE_NAME, INPUT_SHAPE_RANK_MISMATCH, INVALID_ARGUMENT_VALUE, MODEL_LOAD_FAILED,
                       UNKNOWN_INPUT, GraphError, ModelLoadError, OptionError)
from ...framework import Framework
from ...ir import DataType, Graph, Op, TensorDesc
from ..builder import GraphBuilder
from ..common import report_unsupported
from . import layers as _handlers  # noqa: F401  (fills the handler table)
from .normalize import in_phase, layer_list
from .reader import read_prototxt
from .registry import TABLE, WEIGHTED, LayerContext, find_handler
from .weights import RawBlob, read_caffemodel


# Layers that only exist for training or evaluation: dropped (their tops are never model outputs).
IGNORED = {"Silence", "Accuracy", "SoftmaxWithLoss", "EuclideanLoss", "SigmoidCrossEntropyLoss", "HingeLoss",
           "InfogainLoss", "MultinomialLogisticLoss", "ContrastiveLoss", "MultiBoxLoss", "DetectionEvaluate",
           "HDF5Output"}
# Data layers: in the TEST phase their first top is a model input.
DATA_LAYERS = {"Data", "ImageData", "MemoryData", "DummyData", "HDF5Data", "WindowData", "AnnotatedData",
               "VideoData"}
INPUT_LAYERS = {"Input"} | DATA_LAYERS


def _shape_of(blob_shape) -> tuple:
    return tuple(int(d) for d in blob_shape.dim)


def _data_layer_shape(layer) -> tuple | None:
    """The top shape a data layer declares, when it declares one."""
    if layer.type == "MemoryData":
        p = layer.memory_data_param
        dims = (p.batch_size, p.channels, p.height, p.width)
        return dims if all(dims) else None
    if layer.type == "DummyData":
        p = layer.dummy_data_param
        if p.shape:
            return _shape_of(p.shape[0])
        if p.num:
            return (p.num[0], p.channels[0], p.height[0], p.width[0])
    return None


class CaffeConverter:
    def __init__(self, parsed, weights: dict, input_shapes: dict | None, path: str = ""):
        self.net = parsed.net
        self.unknown_fields = parsed.unknown_fields
        self.weights = weights
        self.input_shapes = {k: tuple(int(d) for d in v) for k, v in (input_shapes or {}).items()}
        self.path = path
        self.graph = Graph(self.net.name or os.path.splitext(os.path.basename(path))[0] or "caffe")
        self.builder = GraphBuilder(self.graph)
        self.refs: dict = {}          # blob name -> current ref
        self.available: dict = {}     # blob name -> ref, for blobs not yet read by a later layer (outputs)
        self.tensor_names: set = set()
        self.warnings: list = []
        self._n_inputs = 0
        self.pending_bn: dict = {}    # Scale layer name -> (x, mean, var, eps) of the BatchNorm it absorbs

    # ---- helpers ------------------------------------------------------------------------------
    def warn(self, message: str) -> None:
        """Collected in graph.meta['frontend_warnings']; the API reports them as ConversionWarnings."""
        self.warnings.append(message)

    def infer(self, op_name: str) -> None:
        """Shape inference for one new op, so later handlers can read shapes. It fails as the shape-inference
        pass does: what does not fit the op is the model's fault (E10001), a bug of ours E19999, named after
        the op."""
        from ...ops.inference import infer_op_named
        infer_op_named(self.graph, self.graph.op(op_name), fold=False)

    def _unique_tensor_name(self, top: str, layer_name: str, j: int, n: int) -> str:
        name = top if top not in self.tensor_names else (layer_name if n == 1 else f"{layer_name}:{j}")
        base, i = name, 1
        while name in self.tensor_names:
            name, i = f"{base}_{i}", i + 1
        self.tensor_names.add(name)
        return name

    def _given_shape(self, *names) -> tuple | None:
        for n in names:
            if n in self.input_shapes:
                return self.input_shapes[n]
        return None

    def add_input(self, blob: str, shape: tuple | None, layer_name: str | None = None) -> None:
        override = self._given_shape(blob, layer_name) if layer_name else self._given_shape(blob)
        if override is not None:
            if shape is not None and len(shape) != len(override):
                raise OptionError(INPUT_SHAPE_RANK_MISMATCH,
                                  f"--input_shape: input '{blob}' has {len(shape)} dims in the "
                                  f"prototxt {list(shape)} but {len(override)} were given", option="--input_shape",
                                  node=blob)
            shape = override
        if shape is None:
            raise GraphError(CAFFE_INPUT_WITHOUT_SHAPE, f"input '{blob}' has no shape in the prototxt; give it with "
                             f"--input_shape=\"{blob}:1,3,224,224\" (your sizes)", node=blob)
        if blob in self.graph:
            raise GraphError(DUPLICATE_NAME, f"input blob '{blob}' is declared twice", node=blob)
        desc = TensorDesc(dtype=DataType.DT_FLOAT, shape=tuple(shape), format="NCHW", origin_format="NCHW",
                          origin_shape=tuple(shape), origin_dtype=DataType.DT_FLOAT, name=blob)
        self.graph.add_data(blob, desc, self._n_inputs)
        self._n_inputs += 1
        self.tensor_names.add(blob)
        self.refs[blob] = (blob, 0)
        self.available[blob] = (blob, 0)

    # ---- stages -------------------------------------------------------------------------------
    def legacy_inputs(self) -> None:
        """``input:`` blobs with ``input_shape`` or 4 ``input_dim`` values each."""
        net = self.net
        dims = list(net.input_dim)
        for i, blob in enumerate(net.input):
            shape = None
            if i < len(net.input_shape):
                shape = _shape_of(net.input_shape[i])
            elif len(dims) >= 4 * (i + 1):
                shape = tuple(dims[4 * i:4 * i + 4])
            self.add_input(blob, shape)

    def input_layer(self, layer) -> None:
        if layer.type == "Input":
            shapes = [_shape_of(s) for s in layer.input_param.shape]
            for j, top in enumerate(layer.top):
                shape = shapes[j] if j < len(shapes) else (shapes[0] if len(shapes) == 1 else None)
                self.add_input(top, shape, layer.name if len(layer.top) == 1 else None)
            return
        if not layer.top:
            return
        self.add_input(layer.top[0], _data_layer_shape(layer), layer.name)
        if len(layer.top) > 1:
            self.warn(f"data layer '{layer.name}': tops {list(layer.top[1:])} (labels) are not model inputs")

    def check_blob_names(self, layers: list) -> None:
        """Every blob a layer reads or writes (and every ``input:``) has a name: an empty one cannot be
        told apart as a model output (E10041 naming the layer)."""
        if any(not blob for blob in self.net.input):
            raise ModelLoadError(MODEL_LOAD_FAILED, "the prototxt declares an 'input' with an empty name; every "
                                 "blob needs a name")
        for layer in layers:
            for kind, blobs in (("top", layer.top), ("bottom", layer.bottom)):
                empty = [j for j, blob in enumerate(blobs) if not blob]
                if empty:
                    raise ModelLoadError(MODEL_LOAD_FAILED, f"layer '{layer.name}' ({layer.type}): {kind} {empty[0]} "
                                         "is an empty name; every blob needs a name", node=layer.name)

    def check_supported(self, layers: list) -> None:
        missing: dict = {}
        for layer in layers:
            if layer.type in INPUT_LAYERS or layer.type in IGNORED:
                continue
            if find_handler(layer.type) is None:
                missing.setdefault(layer.type, []).append(layer.name)
        if missing:
            raise report_unsupported(missing, "Caffe")

    def blobs_for(self, layer) -> list:
        blobs = self.weights.get(layer.name)
        if blobs is None and layer.blobs:   # weights written into the prototxt itself
            blobs = [RawBlob(np.asarray(b.data, np.float32) if b.data else np.asarray(b.double_data, np.float32),
                             _shape_of(b.shape) if b.HasField("shape") else None) for b in layer.blobs]
        needed = WEIGHTED.get(layer.type, 0)
        if needed and not blobs:
            raise GraphError(CAFFE_LAYER_WITHOUT_BLOBS,
                             f"layer '{layer.name}' ({layer.type}) has no weights in the .caffemodel; "
                             "check that the .caffemodel was trained from this .prototxt (layers are matched "
                             "by name)", node=layer.name)
        return list(blobs or [])

    def convert_layer(self, layer, plan: dict) -> None:
        inputs = []
        for b in layer.bottom:
            if b not in self.refs:
                raise GraphError(UNKNOWN_INPUT, f"layer '{layer.name}' ({layer.type}) reads bottom blob '{b}' that no "
                                 "earlier layer produces", node=layer.name)
            inputs.append(self.refs[b])
        n = len(layer.top)
        top_names = [self._unique_tensor_name(t, layer.name, j, n) for j, t in enumerate(layer.top)]
        outs = TABLE.convert(LayerContext(layer, inputs, self.blobs_for(layer), self.builder, self, top_names, plan))
        if len(outs) < n:
            raise GraphError(INVALID_ARGUMENT_VALUE,
                             f"layer '{layer.name}' ({layer.type}) produced {len(outs)} outputs for "
                             f"{n} tops", node=layer.name)
        for b in layer.bottom:
            self.available.pop(b, None)
        for top, name, ref in zip(layer.top, top_names, outs):
            if self.graph.op(ref[0]).source == layer.name:   # not an alias of an earlier tensor
                self.graph.desc(ref).name = name
            self.refs[top] = ref
            self.available.pop(top, None)
            self.available[top] = ref

    def convert(self) -> Graph:
        for name in self.unknown_fields:
            self.warn(f"prototxt field '{name}' is not in the Caffe schema we know (a fork's field or enum "
                      "value?); it was skipped")
        layers = [layer for layer in layer_list(self.net) if in_phase(layer)]
        self.check_supported(layers)
        self.check_blob_names(layers)
        self.legacy_inputs()
        plan = plan_fusions(layers)
        for layer in layers:
            if layer.type in IGNORED:
                continue
            if layer.type in INPUT_LAYERS:
                self.input_layer(layer)
                continue
            self.convert_layer(layer, plan)
        if self._n_inputs == 0:
            raise GraphError(CAFFE_INPUT_WITHOUT_SHAPE,
                             "the prototxt declares no input (no 'input:' field, Input layer or data "
                             "layer)")
        # an input nobody reads is not an output; an alias of an input (Dropout/Split on it) is
        outputs = [(blob, ref) for blob, ref in self.available.items()
                   if not (self.graph.op(ref[0]).type == "Data" and ref[0] == blob)]
        if not outputs:
            raise GraphError(INVALID_ARGUMENT_VALUE, "the Caffe net has no output: every blob is read by a later layer")
        self.graph.add(Op(self.graph.unique_name("NetOutput"), "NetOutput",
                          attrs={"output_names": [b for b, _ in outputs]}), [r for _, r in outputs])
        self.graph.meta["framework"] = Framework.CAFFE
        self.graph.meta["frontend_warnings"] = list(self.warnings)
        return self.graph


def plan_fusions(layers: list) -> dict:
    """Which BatchNorm layers feed exactly one Scale layer (and nothing else): layer name -> Scale name.

    The pair becomes one BatchNorm op (scale and offset from the Scale layer)."""
    producer: dict = {}     # blob -> (layer index) of the current writer
    readers: dict = {}      # (writer index, blob) -> list of reader indices
    for i, layer in enumerate(layers):
        for b in layer.bottom:
            if b in producer:
                readers.setdefault((producer[b], b), []).append(i)
        for t in layer.top:
            producer[t] = i
    fused = {}
    for i, layer in enumerate(layers):
        if layer.type != "BatchNorm" or len(layer.top) != 1:
            continue
        users = readers.get((i, layer.top[0]), [])
        if len(users) == 1:
            scale = layers[users[0]]
            if scale.type == "Scale" and len(scale.bottom) == 1 and scale.scale_param.axis in (1, -3) \
                    and scale.scale_param.num_axes == 1:
                fused[layer.name] = scale.name
                fused[scale.name] = layer.name
    return fused


def apply_op_name_map(net, pairs) -> list:
    """--op_name_map: layers of type Src are converted as type Dst when we have a converter for Dst (a fork's
    custom name for a known layer); a mapping to a name we do not know (e.g. an Ascend-only op name for a
    layer we convert ourselves) leaves the layer as it is. Returns one note per mapping left unused."""
    mapping = dict(pairs)
    notes, used = [], set()
    for layers in (net.layer, net.layers):
        for layer in layers:
            src = layer.type if isinstance(layer.type, str) else None
            if src in mapping and find_handler(mapping[src]) is not None:
                layer.type = mapping[src]
                used.add(src)
    for src, dst in mapping.items():
        if src not in used:
            notes.append(f"--op_name_map: '{src}:{dst}' not applied ({dst} has no converter here, or no "
                         f"layer is of type {src}); layers of type {src} are converted as they are")
    return notes


def supported_layer_types() -> list:
    """The Caffe layer types the frontend converts (for `omtool ops` and docs)."""
    return TABLE.types()


def load_caffe_graph(prototxt: str, caffemodel: str | None, input_shapes: dict | None = None,
                     op_name_map=()) -> Graph:
    """Parse a Caffe deploy .prototxt and its .caffemodel into our IR (canonical ops).

    input_shapes: blob (or input layer) name -> dims, overriding the prototxt's shapes.
    op_name_map: (source layer type, target type) pairs from --op_name_map.
    Raises E10008 without a .caffemodel, E10041 for a file that is not a prototxt/caffemodel.
    """
    if not caffemodel:
        raise OptionError(CAFFE_WEIGHT_OPTION_MISSING, "--weight is required for a Caffe model (the .caffemodel file)",
                          option="--weight")
    parsed = read_prototxt(prototxt)
    weights = read_caffemodel(caffemodel)
    if not isinstance(weights, dict):
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{caffemodel}' is not a .caffemodel", path=caffemodel)
    notes = apply_op_name_map(parsed.net, op_name_map)
    graph = CaffeConverter(parsed, weights, input_shapes, prototxt).convert()
    graph.meta["frontend_warnings"] = list(graph.meta.get("frontend_warnings", ())) + notes
    return graph
