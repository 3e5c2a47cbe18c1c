"""The single-op suite: one description file holding an entry per case of _cases.py (over 40 Ascend IR op
types: elementwise, convolution and pooling, matrix products, reductions, tensor movement, casts, softmax,
normalisations, resizing, an LSTM; float32, float16, int32 and bool; constant inputs in ND, HWCN and FRACTAL_Z),
compiled by one `atc --singleop` run; each .om is run by our runtime and compared with the numpy reference."""
from __future__ import annotations

import json

import numpy as np
import pytest

from converter.cli import main as atc
from converter.runtime import Session

from ._cases import CASES, TYPE_NAMES

BY_ID = {c.id: c for c in CASES}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("singleop")
    desc = folder / "ops.json"
    desc.write_text(json.dumps([c.entry() for c in CASES], indent=1))
    out = folder / "out"
    rc = atc([f"--singleop={desc}", f"--output={out}", "--soc_version=Ascend310"])
    assert rc == 0
    return out


def test_the_suite_covers_forty_op_types():
    assert len({c.op for c in CASES}) >= 40, sorted({c.op for c in CASES})
    assert len(BY_ID) == len(CASES)


def test_one_om_per_entry_named_after_it(built):
    assert sorted(p.name for p in built.iterdir()) == sorted(f"{c.id}.om" for c in CASES)


@pytest.mark.parametrize("case_id", sorted(BY_ID))
def test_op_matches_numpy(built, case_id):
    case = BY_ID[case_id]
    session = Session(str(built / f"{case_id}.om"))
    got = session.run_outputs(case.feeds())
    declared = case.entry()["output_desc"]
    assert len(got) == len(case.expected) == len(declared)
    for g, e, d in zip(got, case.expected, declared):
        assert TYPE_NAMES[g.dtype] == d["type"], (g.dtype, d["type"])
        assert list(g.shape) == d["shape"]
        if g.dtype.kind in "biu":
            np.testing.assert_array_equal(g, np.asarray(e))
        else:
            np.testing.assert_allclose(g.astype(np.float64), np.asarray(e, np.float64), atol=case.atol,
                                       rtol=case.rtol)


def test_every_model_dumps_to_json_and_runs_with_omtool(built, tmp_path, capsys):
    """`atc --mode=1` dumps each single-op model; `omtool run` runs them (random inputs of the declared types)."""
    from converter import omtool
    for case in CASES:
        model = built / f"{case.id}.om"
        assert atc(["--mode=1", f"--om={model}", f"--json={tmp_path / (case.id + '.json')}"]) == 0
        types = [op["type"] for op in json.loads((tmp_path / f"{case.id}.json").read_text())["graph"][0]["op"]]
        assert types.count("Data") == len(case.feeds()) and types.count("NetOutput") == 1, (case.id, types)
    for case_id in ("conv2d_nchw", "layer_norm", "common_lstm", "split_d"):
        assert omtool.main(["run", str(built / f"{case_id}.om"), "--seed", "0", "-o", str(tmp_path / case_id)]) == 0
    assert "split_d:1" in capsys.readouterr().out
