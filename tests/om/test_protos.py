"""The committed *_pb2 modules match their .proto files and load under the installed protobuf."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from converter.proto import ge_ir_pb2 as ge

from .conftest import REPO


def test_generated_modules_are_up_to_date():
    if importlib.util.find_spec("grpc_tools") is None:
        pytest.skip("grpcio-tools is not installed (pip install grpcio-tools to regenerate protos)")
    run = subprocess.run([sys.executable, str(REPO / "tools" / "compile_protos.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_generated_module_has_no_runtime_version_pin():
    text = (REPO / "converter" / "proto" / "ge_ir_pb2.py").read_text()
    assert "ValidateProtobufRuntimeVersion" not in text


def test_model_def_field_numbers_follow_ge():
    numbers = {f.name: f.number for f in ge.OpDef.DESCRIPTOR.fields}
    assert numbers["input"] == 5 and numbers["attr"] == 10 and numbers["output_desc"] == 34
    assert numbers["subgraph_name"] == 35
    assert {f.name: f.number for f in ge.ModelDef.DESCRIPTOR.fields} == {
        "name": 1, "version": 2, "custom_version": 3, "graph": 7, "attr": 11}
    assert ge.TensorDescriptor.DESCRIPTOR.fields_by_name["data_offset"].number == 18
    assert ge.DataType.Value("DT_HIFLOAT4") == 41


def test_unknown_fields_are_skipped():
    op = ge.OpDef(name="n", type="Relu")
    raw = op.SerializeToString() + bytes([0x5A, 0x02, 0x08, 0x01])  # field 11 (attr_groups), length 2
    back = ge.OpDef.FromString(raw)
    assert back.name == "n" and back.type == "Relu"


def test_compiler_handles_imports_between_our_protos(tmp_path):
    if importlib.util.find_spec("grpc_tools") is None:
        pytest.skip("grpcio-tools is not installed")
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import compile_protos
    finally:
        sys.path.pop(0)
    pkg = tmp_path / "protopkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "base.proto").write_text('syntax = "proto3"; package t; message Base { int64 v = 1; }')
    (pkg / "sub" / "user.proto").write_text('syntax = "proto3"; package t; import "base.proto";'
                                            ' message User { Base b = 1; }')
    compile_protos.compile_all(pkg, pkg)
    text = (pkg / "sub" / "user_pb2.py").read_text()
    assert "from .. import base_pb2 as base__pb2" in text and "ValidateProtobufRuntimeVersion" not in text
    assert compile_protos.check(pkg) == []
    (pkg / "base.proto").write_text('syntax = "proto3"; package t; message Base { int64 w = 1; }')
    assert len(compile_protos.check(pkg)) == 1
