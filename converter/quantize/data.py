"""Calibration (and check) data: .npy files or folders of them, cut into batches of the model's input shape.

A spec is PATH (a model with one input) or NAME=PATH. PATH is a .npy file or a folder whose *.npy files are
taken in name order and stacked along axis 0. Each array has the input's rank and trailing dims; its first
dim is a multiple of the input's batch dim (several batches per file are fine). Arrays are memory-mapped and
read one batch at a time, so a big or lying file never makes us allocate more than one batch. Problems are
E-codes naming the input and the file: unreadable or pickled files, wrong shapes, non-numeric or NaN/inf
values, fewer batches than asked for.
"""
from __future__ import annotations

import os

import numpy as np

from ..errors import (
    EMPTY_REQUIRED_OPTION,
    FILE_OPEN_FAILED,
    FILE_PARSE_FAILED,
    INPUT_SHAPE_RANK_MISMATCH,
    INVALID_ARGUMENT_VALUE,
    NODE_NOT_FOUND,
    ConverterError,
)
from ..ir import Graph
from ..runtime.inputs import source_desc

OPTION = "--calibration-data"


def _files(path: str, name: str, option: str) -> list:
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".npy"))
        if not files:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"{option} {name}: folder '{path}' has no .npy files", option=option,
                                 path=path)
        return files
    if not os.path.isfile(path):
        raise ConverterError(FILE_OPEN_FAILED, f"{option} {name}: cannot open '{path}' (no such file or folder)",
                             option=option, path=path)
    return [path]


def _open(path: str, name: str, option: str) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ConverterError(FILE_PARSE_FAILED, f"{option} {name}: '{path}' is not a readable .npy array ({exc})",
                             option=option, path=path) from None


class BatchSource:
    """The batches available for every model input, read lazily."""

    def __init__(self, graph: Graph, specs: list, option: str = OPTION):
        self.option = option
        inputs = {op.name: source_desc(op.outputs[0]) for op in graph.data_ops()}
        if not specs:
            raise ConverterError(EMPTY_REQUIRED_OPTION, f"{option} is required (a .npy file or folder per model input)",
                                 option=option)
        paths = {}
        for spec in specs:
            name, path = spec.split("=", 1) if "=" in spec and not os.path.exists(spec) else (None, spec)
            if name is None:
                if len(inputs) != 1:
                    raise ConverterError(INVALID_ARGUMENT_VALUE, f"{option}: the model has inputs {', '.join(inputs)}; give "
                                         "NAME=PATH for each", option=option)
                name = next(iter(inputs))
            if name not in inputs:
                raise ConverterError(NODE_NOT_FOUND, f"{option}: '{name}' is not an input of the model; inputs are: "
                                     f"{', '.join(inputs)}", option=option, node=name)
            paths[name] = path
        missing = [n for n in inputs if n not in paths]
        if missing:
            raise ConverterError(EMPTY_REQUIRED_OPTION, f"{option}: no data for model input(s) {', '.join(missing)}",
                                 option=option)
        self.parts = {}      # input -> [(array, first batch index)]
        counts = []
        for name, path in paths.items():
            dtype, shape = inputs[name]
            if shape is None or any(d < 0 for d in shape) or not shape:
                raise ConverterError(INVALID_ARGUMENT_VALUE, f"{option} {name}: the input's shape is not static; give "
                                     "--input_shape", option=option, node=name)
            self.parts[name], n = self._index(name, path, dtype, shape)
            counts.append(n)
        self.inputs = inputs
        self.count = min(counts)

    def _index(self, name: str, path: str, dtype, shape) -> tuple:
        batch = shape[0]
        parts, total = [], 0
        for f in _files(path, name, self.option):
            arr = _open(f, name, self.option)
            if arr.dtype.kind not in "biuf":
                raise ConverterError(INVALID_ARGUMENT_VALUE, f"{self.option} {name}: '{f}' holds {arr.dtype} values; numbers "
                                     "are needed", option=self.option, path=f)
            if dtype.kind in "biu" and arr.dtype.kind == "f":
                raise ConverterError(INVALID_ARGUMENT_VALUE, f"{self.option} {name}: '{f}' holds floats but the input is "
                                     f"{dtype}", option=self.option, path=f)
            if arr.ndim != len(shape) or tuple(arr.shape[1:]) != tuple(shape[1:]) or arr.shape[0] % batch:
                raise ConverterError(INPUT_SHAPE_RANK_MISMATCH, f"{self.option} {name}: '{f}' has shape {list(arr.shape)}; the "
                                     f"input takes {list(shape)}, so arrays must be [k*{batch}, "
                                     f"{', '.join(map(str, shape[1:]))}]", option=self.option, path=f)
            parts.append((arr, f, total))
            total += arr.shape[0] // batch
        return parts, total

    def __len__(self) -> int:
        return self.count

    def batch(self, i: int) -> dict:
        """The feeds of batch i (source form), checked for NaN/inf."""
        feeds = {}
        for name, parts in self.parts.items():
            dtype, shape = self.inputs[name]
            for arr, f, first in parts:
                local = i - first
                if 0 <= local < arr.shape[0] // shape[0]:
                    value = np.array(arr[local * shape[0]:(local + 1) * shape[0]]).astype(dtype, copy=False)
                    if value.dtype.kind == "f" and not np.isfinite(value).all():
                        raise ConverterError(INVALID_ARGUMENT_VALUE, f"{self.option} {name}: '{f}' has NaN or inf values "
                                             f"(batch {i})", option=self.option, path=f)
                    feeds[name] = value
                    break
        return feeds

    def take(self, batch_num: int) -> list:
        """Indices of the first batch_num batches (E10001 when there are fewer)."""
        if batch_num > self.count:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"{self.option}: batch_num is {batch_num} but the data holds only "
                                 f"{self.count} batch(es) of the model's input shape; give more data or lower "
                                 "batch_num", option=self.option)
        return list(range(batch_num))
