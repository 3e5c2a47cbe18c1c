"""Fixtures for the CLI tests: a working folder with the config files ATC's system tests refer to."""
from pathlib import Path

import pytest

ST_FILES = {
    "st_run_data/config/keep_dtype.cfg": "add_test_1\nOpType::Add\n",
    "st_run_data/config/keep_dtype_invalid_nodetype.cfg": "OpType::\n",
    "st_run_data/config/opname_map.cfg": "DetectionOutput:SSDDetectionOutput\n",
    "st_run_data/config/compress_weight.cfg": "conv1\n",
}


@pytest.fixture
def st_dir(tmp_path, monkeypatch) -> Path:
    """cwd = a temp folder holding st_run_data/config/* (model files are deliberately absent)."""
    for rel, text in ST_FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def outcome(argv) -> str:
    """'OK' or the E-code of the ConverterError that parsing + validation raise."""
    from converter.errors import ConverterError
    from converter.options import options_from_argv
    try:
        options_from_argv(argv)
    except ConverterError as error:
        return error.code
    return "OK"
