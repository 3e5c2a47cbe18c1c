"""Model inputs: random ones that respect dtypes, shapes and index ranges, and the conversion between
the source form of an input (origin dtype/layout) and the form an .om input takes (fp16, NC1HWC0)."""
from __future__ import annotations

import os

import numpy as np

from ..errors import INPUT_SHAPE_RANK_MISMATCH, INVALID_ARGUMENT_VALUE, NODE_NOT_FOUND, ConverterError
from ..ir import DataType, Graph, TensorDesc, to_numpy
from ..ops.layout import to_nc1hwc0

INDEX_CONSUMERS = {"GatherV2": (1, 0), "GatherElements": (1, 0), "OneHot": (0, None)}


def source_desc(d: TensorDesc) -> tuple:
    """(numpy dtype, shape) of an input as the source framework sees it."""
    dtype = to_numpy(d.origin_dtype if d.origin_dtype is not None else d.dtype)
    shape = d.origin_shape if d.format == "NC1HWC0" and d.origin_shape else d.shape
    return dtype, tuple(shape) if shape is not None else None


def to_model_form(value: np.ndarray, d: TensorDesc) -> np.ndarray:
    """A source-form input converted to what the .om input expects (dtype, NC1HWC0); a sequence or optional
    input (DT_VARIANT) is passed as it is."""
    if d.dtype == DataType.DT_VARIANT:
        return value
    value = np.asarray(value)
    want = to_numpy(d.dtype)
    if value.dtype != want:
        value = value.astype(want)
    if d.format == "NC1HWC0" and value.ndim == 4:
        value = to_nc1hwc0(value, d.origin_format or "NCHW")
    return value


def read_raw_input(graph: Graph, name: str, path: str) -> np.ndarray:
    """A raw .bin input (the bytes of the tensor, as msame and the ACL samples write them), read with the
    dtype and shape of the model input ``name``."""
    data = {op.name: op for op in graph.data_ops()}
    by_tensor = {op.outputs[0].name: op for op in graph.data_ops() if op.outputs[0].name}
    op = data.get(name) or by_tensor.get(name) or data.get(name.rsplit(":", 1)[0])
    if op is None:
        raise ConverterError(NODE_NOT_FOUND, f"'{name}' is not an input of the model; inputs are: "
                             f"{', '.join(data)}", node=name)
    desc = op.outputs[0]
    dtype = to_numpy(desc.dtype)
    if not desc.is_static:
        raise ConverterError(INVALID_ARGUMENT_VALUE,
                             f"input '{name}' has no static shape; give it as a .npy file", node=name)
    want = desc.numel() * dtype.itemsize
    size = os.path.getsize(path)
    if size != want:
        raise ConverterError(INPUT_SHAPE_RANK_MISMATCH,
                             f"input '{name}': '{path}' holds {size} bytes but the model input "
                             f"({dtype}, {list(desc.shape)}) takes {want}", node=name, path=path)
    return np.fromfile(path, dtype=dtype.newbyteorder("<")).reshape(desc.shape)


def model_feeds(graph: Graph, feeds: dict) -> dict:
    """Source-form inputs (e.g. from random_inputs) converted to what the model's Data ops take."""
    return {k: to_model_form(v, graph.op(k).outputs[0]) for k, v in feeds.items()}


def _index_high(graph: Graph, name: str) -> int | None:
    """For an integer input used as gather indices: the size of the gathered axis (valid range)."""
    for consumer, idx in graph.consumers(name, 0):
        op = graph.op(consumer)
        if op.type == "GatherV2" and idx == 1:
            data = graph.input_descs(consumer)[0]
            axis = int(op.attrs.get("axis", 0))
            if data is not None and data.shape is not None and data.shape[axis] > 0:
                return int(data.shape[axis])
    return None


def aipp_consumer(graph: Graph, name: str):
    """The Aipp op reading a model input (--insert_op_conf), or None: such an input is a uint8 image."""
    for consumer, _ in graph.consumers(name, 0):
        if graph.op(consumer).type == "Aipp":
            return graph.op(consumer)
    return None


def source_feeds(graph: Graph, feeds: dict) -> dict:
    """The feeds the source model takes: images of AIPP inputs run through their Aipp op (the source model
    reads the preprocessed float tensor), every other input as it is."""
    from ..ops import get
    out = dict(feeds)
    for name, value in feeds.items():
        aipp = aipp_consumer(graph, name) if name in graph else None
        if aipp is not None:
            spec = get("Aipp")
            out[name] = spec.kernel([np.asarray(value, np.uint8)], spec.normalize(aipp.attrs, aipp.name))
    return out


def random_inputs(graph: Graph, seed: int = 0) -> dict:
    """One source-form array per model input: floats in [0, 1), bools, ints in a valid index range,
    uint8 images (any byte value) for AIPP inputs."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for op in graph.data_ops():
        if aipp_consumer(graph, op.name) is not None:
            feeds[op.name] = rng.integers(0, 256, size=op.outputs[0].shape, dtype=np.uint8)
            continue
        if op.outputs[0].dtype == DataType.DT_VARIANT:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"input '{op.name}' takes a sequence or an optional: random "
                                 "inputs are made for tensors only; give its data with --input", node=op.name)
        dtype, shape = source_desc(op.outputs[0])
        if shape is None or any(s < 0 for s in shape):
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"input '{op.name}' has a dynamic shape {list(shape or [])}; "
                                 "give its data with --input", node=op.name)
        if dtype.kind == "f":
            feeds[op.name] = rng.random(shape).astype(dtype)
        elif dtype.kind == "b":
            feeds[op.name] = rng.random(shape) < 0.5
        else:
            high = _index_high(graph, op.name) or 2
            feeds[op.name] = rng.integers(0, high, size=shape).astype(dtype)
    return feeds
