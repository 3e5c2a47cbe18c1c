"""Weights in our .om files start at multiples of 512 bytes in the file (GE's MEM_ALIGN_SIZE), so the runtime
uses them in place from the memory map with the alignment BLAS wants."""
from __future__ import annotations

import numpy as np
import pytest

from converter.ir import DataType, Graph, Op, TensorDesc
from converter.om.container import HEADER_SIZE, PartitionType, pack_table64, read_om_file
from converter.om.reader import read_om
from converter.om.writer import write_om
from converter.runtime import Session

from .conftest import conv_graph, weights_graph


def _weight_file_offsets(path) -> tuple:
    """(absolute file offset of every Const's bytes, the weights partition) of an .om we wrote."""
    om = read_om_file(path)
    block = om.models[0]
    weights = next(p for p in block.partitions if p.type == PartitionType.WEIGHTS_DATA)
    start = HEADER_SIZE + len(pack_table64(block.partitions)) + weights.offset
    model = read_om(path).model_def
    offsets = [start + op.attr["value"].t.desc.data_offset
               for g in model.graph for op in g.op if op.type == "Const"]
    return offsets, weights, start, model


def _many_weights(name: str, sizes) -> Graph:
    """Consts of the given element counts feeding an AddN-like made-up op (the graph name varies the
    ModelDef size, hence the lead)."""
    g = Graph(name)
    for i, size in enumerate(sizes):
        g.add_const(f"w{i}", np.full(size, i, np.float32))
    g.add(Op("sum", "MadeUpOp", {}, [TensorDesc(DataType.DT_FLOAT, (1,), "ND", name="sum:0")]),
          inputs=[(f"w{i}", 0) for i in range(len(sizes))])
    g.add(Op("out", "NetOutput", {}, []), inputs=[("sum", 0)])
    return g


@pytest.mark.parametrize("graph", [conv_graph, lambda: weights_graph()[0]], ids=["conv", "many_dtypes"])
def test_every_weight_starts_at_a_multiple_of_512_in_the_file(tmp_path, graph):
    path = write_om(graph(), tmp_path / "m.om")
    offsets, weights, start, model = _weight_file_offsets(path)
    assert offsets and all(o % 512 == 0 for o in offsets)
    assert (start + weights.size) % 512 == 0                      # the partition ends aligned too
    assert model.attr["weight_size"].i == weights.size == model.attr["om_info_list"].list.i[0]


def test_alignment_holds_for_any_model_def_size(tmp_path):
    """Names of every length move the ModelDef's size through all leads; offsets cross the varint
    boundaries 2**14 and 2**21 (a shift never changes the ModelDef's size)."""
    sizes = [1, 300, 5000, 4096, 1, 600000, 7]
    leads = set()
    for i in range(40):
        path = write_om(_many_weights("g" * (1 + 13 * i), sizes), tmp_path / f"m{i}.om")
        offsets, _, start, _ = _weight_file_offsets(path)
        assert all(o % 512 == 0 for o in offsets)
        leads.add((offsets[0] - start) % 512)
        for op in (op for op in read_om(path).to_graph().ops() if op.type == "Const"):
            assert op.value.ctypes.data % 512 == 0 and not op.value.flags.writeable
            assert np.all(op.value == int(op.name[1:]))
    assert len(leads) > 20


def test_runtime_weights_are_aligned_views_of_the_file(tmp_path):
    path = write_om(conv_graph(), tmp_path / "m.om")
    session = Session(path)
    consts = [op.value for op in session.graph.ops() if op.type == "Const"]
    assert consts and all(v.flags.aligned and v.ctypes.data % 512 == 0 and v.base is not None for v in consts)


class _CountingModelDef:
    """A ModelDef that counts its serializations (everything else goes to the real message)."""

    def __init__(self, model):
        self.model, self.serialized = model, 0

    def SerializeToString(self, **kw):
        self.serialized += 1
        return self.model.SerializeToString(**kw)

    def __getattr__(self, name):
        return getattr(self.model, name)


def test_the_model_def_is_serialized_once_when_the_weights_shift():
    """The lead comes from the ModelDef's size (ByteSize), so the big model bytes exist once, not twice while
    the shifted copy is made (a 64k-op model held two copies of tens of MiB)."""
    from converter.om.model_def import graph_to_model_def
    from converter.om.writer import _model_bytes_for_aligned_weights
    leads = set()
    for i in range(8):   # names move the size, hence the lead
        build = graph_to_model_def(_many_weights("g" * (1 + 13 * i), [1, 300, 7]))
        reference = build.model_def.SerializeToString(deterministic=True)
        build.model_def = counting = _CountingModelDef(build.model_def)
        data = _model_bytes_for_aligned_weights(build)
        assert counting.serialized == 1 and len(data) == len(reference)
        leads.add(build.lead)
    assert len(leads) > 1 and leads != {0}


def test_weight_chunks_are_made_as_they_are_written():
    """WEIGHTS_DATA comes as an iterator (each zero padding made when the writer reaches it, not one per weight
    all held at once); joined, it puts every weight at its data_offset with zeros in between."""
    from converter.om.model_def import graph_to_model_def
    build = graph_to_model_def(_many_weights("g", [1, 300, 5000, 7]))
    build.shift_weights(100)
    chunks = build.weights
    assert iter(chunks) is chunks
    data = b"".join(bytes(memoryview(c).cast("B")) if not isinstance(c, bytes) else c for c in chunks)
    assert len(data) == build.weights_size
    at = 0
    for desc, value, offset in build.placed:
        assert desc.data_offset == offset and data[at:offset] == bytes(offset - at)
        assert data[offset:offset + value.nbytes] == value.tobytes()
        at = offset + value.nbytes
    assert data[at:] == bytes(len(data) - at)
