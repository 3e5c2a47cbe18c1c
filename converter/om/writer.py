"""write_om: an IR Graph to an .om file (v2 header, 64-bit table, MODEL_DEF then WEIGHTS_DATA).

Weights are streamed array by array to a temporary file in the target folder, which is renamed
over the target only when complete; the same graph and attrs always give the same bytes. Every weight
starts at a multiple of 512 bytes in the file (model_def.WEIGHT_ALIGN), so a reader mapping the file
gets aligned arrays it can hand to BLAS without a copy.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import INTERNAL_ERROR, ConverterError
from ..ir import Graph
from .container import HEADER_SIZE, OmHeader, PartitionSource, PartitionType, pack_table64, write_om_file
from .model_def import WEIGHT_ALIGN, ModelDefBuild, graph_to_model_def
from .output_check import check_outputs

OM_IR_VERSION = 2


def _is_dynamic(graph: Graph) -> bool:
    """A dynamic-shape model: an input keeps an unknown dim and no gears pin its shapes (header flag)."""
    if "dynamic_gears" in graph.meta.get("model_attrs", {}):
        return False
    return any(d.shape is None or any(x < 0 for x in d.shape) for d in (op.outputs[0] for op in graph.data_ops()))


def _model_bytes_for_aligned_weights(build: ModelDefBuild) -> bytes:
    """The serialized ModelDef, after shifting the weights so that each starts at a multiple of
    WEIGHT_ALIGN in the file (WEIGHTS_DATA follows the header, the table and these bytes). The lead comes
    from the ModelDef's size, which the shift keeps (see ModelDefBuild): the model is serialized once, and
    no second copy of its bytes is held."""
    if not build.placed:
        return build.model_def.SerializeToString(deterministic=True)
    size = build.model_def.ByteSize()
    table = len(pack_table64([PartitionSource(PartitionType.MODEL_DEF, 1, []),
                              PartitionSource(PartitionType.WEIGHTS_DATA, 1, [])]))
    build.shift_weights(-(HEADER_SIZE + table + size) % WEIGHT_ALIGN)
    model_bytes = build.model_def.SerializeToString(deterministic=True)
    if len(model_bytes) != size:   # cannot happen (see ModelDefBuild): offsets keep their varint sizes
        raise ConverterError(INTERNAL_ERROR, "aligning the weights changed the ModelDef's size")
    return model_bytes


def write_om(graph: Graph, path, model_attrs: dict | None = None) -> Path:
    """Write ``graph`` to ``path`` (an exact file name); returns the path.

    model_attrs are stored as ModelDef attrs (atc_cmdline, soc_version, framework_type, ...);
    atc_version, weight_size, memory_size, om_info_list and attr_model_out_nodes_name are added.
    Nothing is written when the outputs differ from ``graph.meta["source_outputs"]`` (output_check.py).
    """
    build = graph_to_model_def(graph, model_attrs)
    check_outputs(build.model_def, graph.meta.get("source_outputs"))
    model_bytes = _model_bytes_for_aligned_weights(build)
    header = OmHeader(name=graph.name, om_ir_version=OM_IR_VERSION, is_unknow_model=int(_is_dynamic(graph)))
    parts = [
        PartitionSource(PartitionType.MODEL_DEF, len(model_bytes), [model_bytes]),
        PartitionSource(PartitionType.WEIGHTS_DATA, build.weights_size, build.weights),
    ]
    write_om_file(path, header, parts)
    return Path(path)
