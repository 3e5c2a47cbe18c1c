"""The node cases of the installed onnx wheel, collected once per session (about 10 s) and only when a test
needs them; their names are kept in pytest's cache (per onnx version) so that collecting the test ids is
cheap."""
from __future__ import annotations

import pytest

from tools.onnx_node_suite import collect

_CASES: dict = {}


def node_cases() -> dict:
    if not _CASES:
        _CASES.update((c.name, c) for c in collect())
    return _CASES


def _case_names(config) -> list:
    import onnx
    key = f"onnx_node/names/{onnx.__version__}"
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    names = cache.get(key, None) if cache is not None else None
    if not names:
        names = sorted(node_cases())
        if cache is not None:
            cache.set(key, names)
    return names


def pytest_generate_tests(metafunc):
    if "node_case_name" in metafunc.fixturenames:
        names = _case_names(metafunc.config)
        metafunc.parametrize("node_case_name", names, ids=names)


@pytest.fixture(scope="session")
def node_workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("onnx_node"))
