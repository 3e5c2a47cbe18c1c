"""read_om: an .om file as container + parsed ge.proto ModelDef + weights, with .to_graph().

Also om_info() for `atc --mode=6` / `omtool info`: inputs, outputs, build command, versions and
partition sizes, read straight from the ModelDef so it works for any real ATC/GE/HiAI file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from google.protobuf.message import DecodeError

from ..errors import INVALID_OM_FILE, OmFormatError
from ..ir import Graph
from ..proto import ge_ir_pb2 as ge
from .attrs import desc_from_proto, dtype_name
from .container import OmFile, PartitionType, partition_name, read_om_file
from .model_def import model_attrs, model_def_to_graph


@dataclass
class OmModel:
    """Model 0 of an .om file (other models of a multi-model file stay in ``file.models``)."""

    path: Path
    file: OmFile
    model_def: ge.ModelDef
    weights: memoryview

    @property
    def attrs(self) -> dict:
        return model_attrs(self.model_def)

    @property
    def header(self):
        return self.file.header

    def to_graph(self) -> Graph:
        """The main graph as IR (subgraphs attached); Const values are views into the weights."""
        return model_def_to_graph(self.model_def, self.weights)


def parse_model_def(data, path=None) -> ge.ModelDef:
    model = ge.ModelDef()
    try:
        model.ParseFromString(bytes(data))
    except DecodeError as exc:
        raise OmFormatError(INVALID_OM_FILE, f"the MODEL_DEF partition of '{path}' is not a ge.proto.ModelDef: {exc}",
                            path=None if path is None else str(path)) from None
    return model


def read_om(path) -> OmModel:
    om = read_om_file(path)
    block = om.models[0]
    if PartitionType.MODEL_DEF not in block:
        raise OmFormatError(INVALID_OM_FILE, f"offline model '{path}' has no MODEL_DEF partition", path=str(path))
    model = parse_model_def(block[PartitionType.MODEL_DEF], path)
    weights = block.get(PartitionType.WEIGHTS_DATA, memoryview(b""))
    return OmModel(Path(path), om, model, weights)


def _tensor_info(name: str, td: ge.TensorDescriptor) -> dict:
    desc = desc_from_proto(td)
    return {"name": name, "dtype": dtype_name(td.dtype),
            "shape": None if desc.shape is None else list(desc.shape), "format": desc.format}


def io_info(model: ge.ModelDef) -> tuple[list, list]:
    """(inputs, outputs) of graph[0]: Data ops by index, and NetOutput's inputs in order."""
    if not model.graph:
        return [], []
    inputs, outputs = [], []
    for odef in model.graph[0].op:
        if odef.type == "Data" and odef.output_desc:
            index = odef.attr["index"].i if "index" in odef.attr else len(inputs)
            inputs.append((index, _tensor_info(odef.name, odef.output_desc[0])))
        elif odef.type == "NetOutput":
            data_inputs = [t for t in odef.input if t and not t.endswith(":-1")]
            for text, td in zip(data_inputs, odef.input_desc):
                outputs.append(_tensor_info(text, td))
    names = list(model.attr["attr_model_out_nodes_name"].list.s) if "attr_model_out_nodes_name" in model.attr else []
    if len(names) == len(outputs):
        for info, name in zip(outputs, names):
            info["name"] = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
    return [info for _, info in sorted(inputs, key=lambda x: x[0])], outputs


INFO_ATTRS = ("atc_cmdline", "atc_version", "soc_version", "framework_type", "memory_size", "weight_size",
              "stream_num", "event_num", "opp_version")


def om_info(path) -> dict:
    """A JSON-ready summary of an .om file."""
    model = read_om(path)
    attrs = model.attrs
    inputs, outputs = io_info(model.model_def)
    h = model.header
    return {
        "name": model.model_def.name or h.name,
        "header": {"version": f"0x{h.version:08X}", "modeltype": h.modeltype, "model_num": h.model_num,
                   "platform_version": h.platform_version, "om_ir_version": h.om_ir_version,
                   "is_unknow_model": h.is_unknow_model},
        "attrs": {k: attrs[k] for k in INFO_ATTRS if k in attrs},
        "inputs": inputs,
        "outputs": outputs,
        "graphs": len(model.model_def.graph),
        "ops": sum(len(g.op) for g in model.model_def.graph),
        "partitions": [{"model": i, "type": partition_name(p.type), "size": p.size}
                       for i, block in enumerate(model.file.models) for p in block.partitions],
        "file_size": model.file.file_size,
    }


__all__ = ["OmModel", "read_om", "om_info", "io_info", "parse_model_def"]
