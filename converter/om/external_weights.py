"""--external_weight=1: Const weights kept in files under `weight/` beside the .om, the Consts replaced by
FileConstant ops in ATC's form; and the way back (the runtime reads those files, memory-mapped).

ATC's form (GE's FileConstantUtils): one file per distinct weight, named ``weight_<SHA-256 of its bytes>``
(so two constants with equal bytes share a file, and a name always stands for the same bytes); the op keeps
its output desc and gets ``location`` (the file name, in the ``weight/`` folder beside the .om), ``offset``
(0), ``length`` (bytes), ``dtype``, ``shape`` and ``original_shape``. Empty tensors stay Consts (as in ATC).
Reading also accepts the IR attribute ``file_path`` (relative to the .om's folder), which our earlier
versions wrote. Every path is resolved and must stay inside the .om's folder (fileio.resolve_inside).
How the files are written, shared between models and cleaned up: weight_files.py."""
from __future__ import annotations

import hashlib
import math
import os

import numpy as np

from ..errors import FILE_OPEN_FAILED, INVALID_OM_FILE, ConverterError, OmFormatError
from ..fileio import resolve_inside
from ..ir import Graph, from_numpy, to_numpy
from ..ir.dtypes import from_bytes, is_ml_dtype, to_bytes
from ..ir.dtypes import nbytes as stored_nbytes
from ..ir.weights import pieces

WEIGHT_DIR = "weight"
FILE_PREFIX = "weight_"


def weight_bytes(value: np.ndarray) -> memoryview:
    """The bytes a weight file holds: little-endian, C order, sub-byte types packed (ir.dtypes.to_bytes)."""
    return memoryview(to_bytes(value))


def weight_file_name(data: memoryview) -> str:
    digest = hashlib.sha256()
    for _, piece in pieces(data):   # pages of a memory-mapped weight given back as it is hashed
        digest.update(piece)
    return FILE_PREFIX + digest.hexdigest()


def _graphs(graph: Graph):
    yield graph
    for op in graph.ops():
        for sub in op.subgraphs.values():
            yield from _graphs(sub)


def externalize_weights(graph: Graph, store) -> None:
    """Turn every non-empty numeric Const of ``graph`` (bodies included) into a FileConstant; ``store`` (a
    weight_files.WeightStore) writes the files."""
    consts = [op for g in _graphs(graph) for op in g.ops() if op.type == "Const" and op.value is not None
              and (op.value.dtype.kind not in "OUSV" or is_ml_dtype(op.value.dtype)) and op.value.size]
    files = {}
    names = []
    for op in consts:
        data = weight_bytes(np.asarray(op.value))
        names.append(weight_file_name(data))
        files.setdefault(names[-1], data)
    store.write(files)
    for op, name in zip(consts, names):
        value, out = np.asarray(op.value), op.outputs[0]
        shape = [int(d) for d in value.shape]
        op.type = "FileConstant"
        op.attrs = {"location": name, "offset": 0, "length": len(files[name]), "dtype": int(from_numpy(value.dtype)),
                    "shape": shape, "original_shape": [int(d) for d in (out.origin_shape or shape)]}
        op.value = None


# ---- reading -----------------------------------------------------------------------------------------

def file_constant_path(folder: str, attrs: dict, op_name: str) -> str:
    """The resolved weight file of a FileConstant of an .om in ``folder`` (E10003 when it leads outside
    the folder or names no file)."""
    what = f"FileConstant {op_name!r}"
    location, file_path = attrs.get("location"), attrs.get("file_path")
    if location:
        if not isinstance(location, str) or "/" in location or "\\" in location or location in (".", ".."):
            raise OmFormatError(INVALID_OM_FILE, f"{what}: location {location!r} must be a file name in the "
                                f"'{WEIGHT_DIR}/' folder beside the .om (ATC writes it so)", node=op_name)
        return resolve_inside(folder, os.path.join(WEIGHT_DIR, location), what=what, code=INVALID_OM_FILE,
                              error=OmFormatError)
    if file_path:
        return resolve_inside(folder, file_path, what=what, code=INVALID_OM_FILE, error=OmFormatError)
    raise OmFormatError(INVALID_OM_FILE, f"{what} names no weight file (no location or file_path; a file_id needs "
                        "ge.exec.value_bins, which an offline model cannot carry)", node=op_name)


def _int_list(value, what: str, op_name: str) -> list:
    if not isinstance(value, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                              for d in value):
        raise OmFormatError(INVALID_OM_FILE, f"FileConstant {op_name!r}: {what} {value!r} is not a list of "
                            "non-negative dims", node=op_name)
    return value


def _load_file_constant(op, folder: str) -> np.ndarray:
    name = op.name
    try:
        dt = int(op.attrs.get("dtype", op.outputs[0].dtype if op.outputs else 0))
        dtype = to_numpy(dt)
    except (KeyError, ValueError, TypeError):
        dtype = None
    if dtype is None or dtype.kind == "O":
        raise OmFormatError(INVALID_OM_FILE, f"FileConstant {name!r}: dtype {op.attrs.get('dtype')!r} cannot be read "
                            "from a weight file", node=name)
    default_shape = list(op.outputs[0].shape) if op.outputs and op.outputs[0].shape is not None else None
    shape = _int_list(op.attrs.get("shape", default_shape), "shape", name)
    offset, length = op.attrs.get("offset", 0), op.attrs.get("length", 0)
    if not all(isinstance(v, int) and v >= 0 for v in (offset, length)):
        raise OmFormatError(INVALID_OM_FILE, f"FileConstant {name!r}: offset {offset!r} / length {length!r} must be "
                            "non-negative integers", node=name)
    nbytes = stored_nbytes(dt, math.prod(shape))
    path = file_constant_path(folder, op.attrs, name)
    if not os.path.isfile(path):
        raise ConverterError(FILE_OPEN_FAILED, f"FileConstant {name!r}: weight file '{path}' not found (keep the "
                             f"'{WEIGHT_DIR}/' folder beside the .om)", node=name, path=path)
    if (length and length < nbytes) or os.path.getsize(path) < offset + nbytes:
        raise OmFormatError(INVALID_OM_FILE, f"FileConstant {name!r}: '{path}' is shorter than its shape "
                            f"{shape} needs ({nbytes} bytes at offset {offset})", node=name, path=path)
    if not nbytes:
        return np.zeros(shape, dtype)
    if is_ml_dtype(dtype):  # bfloat16, float8, int4, ...: decoded (sub-byte types unpacked)
        return from_bytes(np.memmap(path, dtype=np.uint8, mode="r", offset=offset, shape=(nbytes,)), dt, tuple(shape))
    return np.memmap(path, dtype=dtype.newbyteorder("<"), mode="r", offset=offset, shape=tuple(shape))


def resolve_file_constants(graph: Graph, folder: str) -> None:
    """Load the FileConstant ops of ``graph`` (bodies included; in place) as Consts whose values map their
    weight files; ``folder`` is the .om's folder."""
    for g in _graphs(graph):
        for op in g.ops():
            if op.type == "FileConstant":
                op.value = _load_file_constant(op, folder)
                op.type = "Const"
                op.attrs = {}
