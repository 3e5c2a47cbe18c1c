"""``atc --framework=1``: a MindSpore ``.air`` model, i.e. a GE ``ModelDef`` (ge_ir.proto) whose graph holds Ascend IR
ops (Data ops with an ``index`` attribute for the inputs, Const ops with their values inline, a NetOutput). It is
read as ATC reads it (E10041 when the file is not such a model), its inputs are numbered as ATC numbers them, the
shapes --input_shape gives are set on its Data ops, and its ops are lowered through the GE op table like any
Ascend IR graph; the normal passes then run on the result.
"""
from __future__ import annotations

from google.protobuf.message import DecodeError

from ..errors import MODEL_LOAD_FAILED, ModelLoadError
from ..framework import Framework
from ..ir import Graph
from ..om.attrs import desc_from_proto, desc_to_proto, from_attr, to_attr
from ..proto import ge_ir_pb2 as ge
from .ge_graph import device_format
from .lower import lower_model_def

DATA_TYPES = ("Data", "RefData")


def read_air(path: str) -> ge.ModelDef:
    """The ModelDef of a .air file (E10041 when the bytes are not a GE model with a graph of ops)."""
    with open(path, "rb") as f:
        raw = f.read()
    model = ge.ModelDef()
    hint = "; an .air file is a GE ModelDef (a MindSpore AIR export). For an .om use --mode=1 or omtool"
    try:
        model.ParseFromString(raw)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(MODEL_LOAD_FAILED,
                             f"--model: '{path}' cannot be loaded as a MindSpore .air model: {exc}{hint}",
                             option="--model", path=path) from None
    if not model.graph or not model.graph[0].op:
        raise ModelLoadError(MODEL_LOAD_FAILED,
                             f"--model: '{path}' holds no graph of ops{hint}", option="--model", path=path)
    if not any(op.type == "NetOutput" for op in model.graph[0].op):
        raise ModelLoadError(MODEL_LOAD_FAILED,
                             f"--model: '{path}' has no NetOutput op{hint}", option="--model", path=path)
    return model


def number_inputs(gdef: ge.GraphDef) -> None:
    """ATC's rule: when the Data ops' ``index`` attributes are not exactly 0..n-1 (missing, repeated or out of
    range), the inputs are numbered in graph order instead."""
    data = [op for op in gdef.op if op.type in DATA_TYPES]
    indexes = [from_attr(op.attr["index"]) if "index" in op.attr else None for op in data]
    if sorted(i if isinstance(i, int) else -1 for i in indexes) != list(range(len(data))):
        for k, op in enumerate(data):
            to_attr(k, op.attr["index"])


def set_input_shapes(gdef: ge.GraphDef, input_shape) -> bool:
    """The --input_shape dims on the Data ops they name (entries that name no Data op of that rank are left to
    the input-shape pass, which reports them). Returns False when a dim the model declares changes: the
    shapes its other descriptors declare may no longer hold."""
    data = {op.name: op for op in gdef.op if op.type in DATA_TYPES and op.output_desc}
    declared_hold = True
    for name, dims in input_shape or ():
        op = data.get(name) or data.get(name[:-2] if name.endswith(":0") else name)
        if op is None:
            continue
        desc = desc_from_proto(op.output_desc[0])
        if desc.shape is None or len(desc.shape) != len(dims) or device_format(desc):
            continue
        dims = tuple(int(d) for d in dims)
        if tuple(desc.shape) != dims:
            declared_hold = False
        desc.shape = dims
        desc.origin_shape = dims
        op.output_desc[0].Clear()
        desc_to_proto(desc, op.output_desc[0])
    return declared_hold


def load_air_graph(path: str, input_shape=()) -> Graph:
    """The canonical graph of a .air model (``input_shape``: the --input_shape entries)."""
    model = read_air(path)
    gdef = model.graph[0]
    number_inputs(gdef)
    declared_hold = set_input_shapes(gdef, input_shape)
    graph = lower_model_def(model, b"", declared=True, declared_shapes=declared_hold)
    graph.name = model.name or gdef.name or graph.name
    graph.meta["framework"] = Framework.MINDSPORE
    return graph
