"""--external_weight=1: Const weights saved as files in a `weight/` folder beside the .om, and the Consts
replaced by FileConstant ops (attrs file_path relative to the .om, offset, length, shape, dtype), as ATC does.
The runtime resolves FileConstant ops back to arrays by reading those files (memory-mapped)."""
from __future__ import annotations

import os
import tempfile

import numpy as np

from ..errors import ConverterError
from ..ir import Graph, to_numpy

WEIGHT_DIR = "weight"


def _file_name(op_name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in op_name)


def externalize_weights(graph: Graph, om_path: str) -> list:
    """Write every Const of ``graph`` to <om folder>/weight/<name> and turn it into a FileConstant.
    Returns the files written (the caller removes them if writing the .om fails)."""
    folder = os.path.join(os.path.dirname(os.path.abspath(om_path)), WEIGHT_DIR)
    os.makedirs(folder, exist_ok=True)
    written = []
    try:
        for op in list(graph.ops()):
            if op.type != "Const" or op.value is None or op.value.dtype.kind in "OUS":
                continue
            value = np.ascontiguousarray(op.value)
            name = _file_name(op.name)
            target = os.path.join(folder, name)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(value.tobytes())
            os.replace(tmp, target)
            written.append(target)
            op.type = "FileConstant"
            op.attrs = {"file_path": f"{WEIGHT_DIR}/{name}", "offset": 0, "length": int(value.nbytes),
                        "shape": [int(d) for d in value.shape], "dtype": int(op.outputs[0].dtype)}
            op.value = None
    except OSError as exc:
        remove_files(written)
        raise ConverterError("E13004", f"--external_weight: cannot write weight files in '{folder}': "
                             f"{exc.strerror}", option="--external_weight", path=folder) from None
    return written


def remove_files(paths: list) -> None:
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass


def resolve_file_constants(graph: Graph, base_dir: str) -> None:
    """Load FileConstant ops (in place) as Consts whose values map the weight files under ``base_dir``."""
    for op in graph.ops():
        if op.type != "FileConstant":
            continue
        path = os.path.join(base_dir, str(op.attrs.get("file_path", "")))
        dtype = to_numpy(int(op.attrs.get("dtype", op.outputs[0].dtype)))
        shape = tuple(int(d) for d in op.attrs.get("shape", op.outputs[0].shape or ()))
        offset, length = int(op.attrs.get("offset", 0)), int(op.attrs.get("length", 0))
        count = int(np.prod(shape, dtype=np.int64))
        if not os.path.isfile(path):
            raise ConverterError("E13001", f"FileConstant '{op.name}': weight file '{path}' not found (keep the "
                                 f"'{WEIGHT_DIR}/' folder beside the .om)", node=op.name, path=path)
        if length < count * dtype.itemsize or os.path.getsize(path) < offset + count * dtype.itemsize:
            raise ConverterError("E10003", f"FileConstant '{op.name}': '{path}' is shorter than its shape needs",
                                 node=op.name, path=path)
        op.value = (np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape) if count
                    else np.zeros(shape, dtype))
        op.type = "Const"
        op.attrs = {}
