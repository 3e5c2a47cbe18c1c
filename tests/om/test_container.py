"""The .om container: real fixtures open, our writes are exact and atomic, bad files give E10003."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from converter.errors import OmFormatError
from converter.om.container import (HEADER_SIZE, VERSION_V1, OmHeader, PartitionSource, PartitionType, pack_table64,
                                    pack_header, parse_header, parse_om, read_om_file, write_om_file)
from converter.om.reader import read_om
from converter.om.writer import write_om
from converter.proto import ge_ir_pb2 as ge

from .conftest import conv_graph

# from the fixtures README: file -> (table form, [(partition type, size)] of model 0, graphs, ops)
EXPECTED = {
    "hh_om.om": (32, [(0, 154630), (1, 386560), (3, 64667), (2, 12828)], 1, 46),
    "ge_root_model.om": (64, [(8, 140), (0, 1798), (2, 16)], 1, 3),
    "ge_flow_model.om": (64, [(0, 1656), (6, 313), (7, 2256), (7, 2261)], 1, 3),
    "ge_dynamic_and_static_graph_without_unfold.om": (64, [(0, 8544), (3, 23), (2, 189)], 3, 14),
}


def test_every_fixture_opens_and_partitions_end_at_file_end(om_fixtures):
    files = sorted(om_fixtures.glob("*.om"))
    assert len(files) >= 12
    for path in files:
        om = read_om_file(path)
        assert om.models, path.name
        assert all(len(p.data) == p.size for b in om.models for p in b.partitions), path.name
        total = HEADER_SIZE
        for block in om.models:
            head = 4 if block.table_form == 32 else 8
            entry = 12 if block.table_form == 32 else 24
            total += head + entry * len(block.partitions) + block.end
        assert total == path.stat().st_size, path.name
        model = ge.ModelDef.FromString(bytes(om.models[0][PartitionType.MODEL_DEF]))
        assert model.graph, path.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_partitions_and_counts_match_readme(om_fixtures, name):
    form, parts, graphs, ops = EXPECTED[name]
    om = read_om_file(om_fixtures / name)
    block = om.models[0]
    assert block.table_form == form
    assert [(p.type, p.size) for p in block.partitions] == parts
    model = read_om(om_fixtures / name).model_def
    assert len(model.graph) == graphs
    assert sum(len(g.op) for g in model.graph) == ops


def test_hiai_files_are_v1_with_32bit_tables(om_fixtures):
    for path in sorted(om_fixtures.glob("hiai_*.om")):
        om = read_om_file(path)
        assert om.header.version == VERSION_V1
        assert om.header.model_num == 1 and om.models[0].table_form == 32, path.name


def test_multi_model_file_has_three_blocks(om_fixtures):
    om = read_om_file(om_fixtures / "ge_dynamic_and_static_graph_without_unfold.om")
    assert om.header.model_num == 3 and om.header.is_unknow_model == 1
    names = [ge.ModelDef.FromString(bytes(b[PartitionType.MODEL_DEF])).name for b in om.models]
    assert names == ["root", "sub_1", "sub_2"]


@pytest.mark.parametrize("version", [0x20000000, VERSION_V1])
def test_header_pack_parse_round_trip(version):
    h = OmHeader(version=version, length=1234, modeltype=3, name="m" * 40, ops=9, om_ir_version=2,
                 platform_version="1.11.z.0", platform_type=1)
    if version != VERSION_V1:
        h.model_num, h.model_length, h.is_unknow_model = 2, 1234, 1
    raw = pack_header(h)
    assert len(raw) == HEADER_SIZE and raw[:4] == b"IMOD"
    back = parse_header(raw)
    assert back.name == "m" * 31  # NUL-terminated in 32 bytes
    for field in ("version", "length", "modeltype", "ops", "om_ir_version", "platform_version", "platform_type",
                  "model_num", "model_length", "is_unknow_model"):
        assert getattr(back, field) == getattr(h, field), field


def _tiny_32bit_file(parts: list) -> bytes:
    body = struct.pack("<I", len(parts))
    offset = 0
    for ptype, data in parts:
        body += struct.pack("<III", ptype, offset, len(data))
        offset += len(data)
    body += b"".join(d for _, d in parts)
    return pack_header(OmHeader(version=VERSION_V1, length=len(body))) + body


def test_32bit_table_is_chosen_by_self_consistency():
    raw = _tiny_32bit_file([(0, b"\x0a\x01m"), (1, b"\x00" * 8)])
    om = parse_om(raw)
    assert om.models[0].table_form == 32
    assert bytes(om.models[0][PartitionType.WEIGHTS_DATA]) == b"\x00" * 8


def _bad(raw: bytes) -> OmFormatError:
    with pytest.raises(OmFormatError) as info:
        parse_om(raw)
    assert info.value.code == "E10003"
    return info.value


def test_bad_files_raise_e10003(tmp_path):
    assert "fewer than" in str(_bad(b"IMOD"))
    assert "magic" in str(_bad(b"XXXX" + bytes(300)))
    good = _tiny_32bit_file([(0, b"abc")])
    _bad(good + b"junk")                      # length in the header no longer matches
    broken = bytearray(good)
    struct.pack_into("<I", broken, HEADER_SIZE + 8, 999)   # partition size beyond the file
    assert "inconsistent" in str(_bad(bytes(broken)))
    missing = tmp_path / "missing.om"
    with pytest.raises(OmFormatError):
        read_om_file(missing)
    text = tmp_path / "model.onnx"
    text.write_bytes(b"\x08\x07" * 200)
    with pytest.raises(OmFormatError, match="E10003"):
        read_om(text)


def test_our_layout_is_v2_64bit_model_def_then_weights(tmp_path):
    path = write_om(conv_graph(), tmp_path / "m.om", {"soc_version": "Ascend310"})
    om = read_om_file(path)
    h = om.header
    assert (h.version, h.model_num, h.model_length) == (0x20000000, 1, path.stat().st_size - HEADER_SIZE)
    assert h.name == "conv_net"
    block = om.models[0]
    assert block.table_form == 64
    assert [p.type for p in block.partitions] == [PartitionType.MODEL_DEF, PartitionType.WEIGHTS_DATA]
    # GE's layout (weights at 512 and 1024, size rounded to 512) shifted so that weights are 512-aligned in the file
    lead = -(HEADER_SIZE + block.partitions[1].offset + len(pack_table64(block.partitions))) % 512
    assert block.partitions[1].size == lead + 512 + 512 + 512


def test_same_graph_gives_byte_identical_files(tmp_path):
    a = write_om(conv_graph(), tmp_path / "a.om", {"atc_cmdline": "atc --model=m.onnx"})
    b = write_om(conv_graph(), tmp_path / "b.om", {"atc_cmdline": "atc --model=m.onnx"})
    assert a.read_bytes() == b.read_bytes()
    graph = read_om(a).to_graph()
    c = write_om(graph, tmp_path / "c.om", {"atc_cmdline": "atc --model=m.onnx"})
    assert c.read_bytes() == a.read_bytes()


def _failing_chunks():
    yield np.zeros(4, np.float32)
    raise RuntimeError("weights source failed")


def test_failed_write_leaves_no_file_and_keeps_old_one(tmp_path):
    target = tmp_path / "m.om"
    parts = [PartitionSource(PartitionType.MODEL_DEF, 3, [b"abc"]),
             PartitionSource(PartitionType.WEIGHTS_DATA, 32, _failing_chunks())]
    with pytest.raises(RuntimeError):
        write_om_file(target, OmHeader(), parts)
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"old")
    short = [PartitionSource(PartitionType.WEIGHTS_DATA, 100, [np.zeros(4, np.float32)])]
    with pytest.raises(OmFormatError):
        write_om_file(target, OmHeader(), short)
    assert [p.name for p in tmp_path.iterdir()] == ["m.om"] and target.read_bytes() == b"old"


def test_weights_are_streamed_chunk_by_chunk(tmp_path):
    seen = []

    def chunks():
        for i in range(3):
            seen.append(i)
            yield np.full(1000, i, np.int64)

    write_om_file(tmp_path / "s.om", OmHeader(), [PartitionSource(PartitionType.MODEL_DEF, 2, [b"\x0a\x00"]),
                                                  PartitionSource(PartitionType.WEIGHTS_DATA, 24000, chunks())])
    weights = read_om_file(tmp_path / "s.om").models[0][PartitionType.WEIGHTS_DATA]
    assert seen == [0, 1, 2]
    assert np.array_equal(np.frombuffer(weights, np.int64), np.repeat(np.arange(3), 1000))


def test_unwritable_target_is_an_e_coded_error(tmp_path):
    from converter.errors import ConverterError
    with pytest.raises(ConverterError) as info:
        write_om(conv_graph(), tmp_path / "no_such_folder" / "m.om")
    assert info.value.code == "E13004"
