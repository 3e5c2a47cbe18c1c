"""Files we write open in Netron's own .om reader (shared tools/netron-om-check --strict)."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from converter.om.writer import write_om

from .conftest import SHARED, conv_graph, if_graph, netron_dir, weights_graph

CHECKER = SHARED / "tools" / "netron-om-check" / "netron-om-check"


def _check(paths) -> list:
    if not CHECKER.exists():
        pytest.skip(f"netron-om-check not found at {CHECKER}")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed (netron-om-check runs Netron's JS under node)")
    netron = netron_dir()
    if netron is None:
        pytest.skip("the netron Python package is not installed")
    run = subprocess.run([str(CHECKER), "--netron", str(netron), "--strict", *map(str, paths)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), run.stderr
    return [json.loads(line) for line in run.stdout.splitlines() if line.strip()]


def test_netron_opens_our_files(tmp_path):
    paths = [write_om(conv_graph(), tmp_path / "conv.om", {"soc_version": "Ascend310"}),
             write_om(weights_graph()[0], tmp_path / "weights.om"),
             write_om(if_graph(), tmp_path / "if.om")]
    results = _check(paths)
    assert len(results) == 3
    for result in results:
        assert result["ok"], result
        assert result["format"] == "DaVinci OM"
    conv = results[0]["graphs"][0]
    assert conv["op_types"] == {"Data": 1, "Conv2D": 1, "LeakyRelu": 1, "NetOutput": 1}
    assert conv["const_tensors_with_data"] == 2 and conv["const_tensors_empty"] == 0
