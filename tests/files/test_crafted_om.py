"""Crafted .om files: a weight path leading out of the model's folder is refused wherever an .om is loaded
(omtool run, verify, chain, the API), and a broken graph (cycle, output index out of range, input from a
missing op, weights outside WEIGHTS_DATA) is refused with E10003 when the .om is loaded, not at run time."""
import os
import random
import shutil

import numpy as np
import pytest

from converter.errors import ConverterError
from converter.omtool import main as omtool
from converter.runtime import Pipeline, Session

from .conftest import convert, ops_by_name, result, rewrite_om, scale_model

SECRET = np.float32(42.0)


def _external_model(tmp_path):
    src = scale_model(tmp_path, {"w": 2.0})
    folder = tmp_path / "m"
    assert convert(src, folder / "m", "--external_weight=1") == 0
    (tmp_path / "secret.bin").write_bytes(SECRET.tobytes())  # beside the folder, not in it
    (name,) = os.listdir(folder / "weight")
    return src, folder / "m.om", folder / "weight" / name


def _set_path(key, value):
    def mutate(model):
        op = ops_by_name(model)["w"]
        del op.attr["location"]
        op.attr[key].s = value.encode()
    return mutate


ATTACKS = {
    "absolute file_path": lambda om, wfile, tmp: rewrite_om(om, _set_path("file_path", str(tmp / "secret.bin"))),
    "../ in file_path": lambda om, wfile, tmp: rewrite_om(om, _set_path("file_path", "../secret.bin")),
    "weight/../../ in file_path": lambda om, wfile, tmp: rewrite_om(om, _set_path("file_path",
                                                                                  "weight/../../secret.bin")),
    "../ in location": lambda om, wfile, tmp: rewrite_om(om, _set_path("location", "../../secret.bin")),
    "symlink in weight/": lambda om, wfile, tmp: (os.unlink(wfile), os.symlink(tmp / "secret.bin", wfile)),
    "weight/ a symlink": lambda om, wfile, tmp: (shutil.move(str(wfile.parent), str(tmp / "elsewhere")),
                                                 os.symlink(tmp / "elsewhere", wfile.parent)),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_weight_paths_leading_out_of_the_folder_are_refused(tmp_path, attack, capsys):
    # the bytes of any readable file came out of `omtool run` (and verify, chain)
    src, om, wfile = _external_model(tmp_path)
    assert result(om) == 2.0
    ATTACKS[attack](om, wfile, tmp_path)
    with pytest.raises(ConverterError) as e:
        Session(str(om))
    assert e.value.code == "E10003" and ("escapes" in e.value.message or "file name" in e.value.message)
    with pytest.raises(ConverterError):
        Pipeline([str(om), str(om)])
    out = tmp_path / "out"
    capsys.readouterr()
    assert omtool(["run", str(om), "--seed", "0", "-o", str(out)]) == 1
    assert omtool(["verify", src, str(om)]) == 1
    assert omtool(["chain", str(om), str(om), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("E10003") == 3 and "Traceback" not in err and not out.exists()


def test_paths_inside_the_folder_still_load(tmp_path):
    _, om, wfile = _external_model(tmp_path)
    os.rename(wfile, om.parent / "data.bin")
    os.symlink("../data.bin", wfile)  # a symlink that stays inside the folder
    assert result(om) == 2.0
    rewrite_om(om, _set_path("file_path", "data.bin"))  # the form our earlier versions wrote
    assert result(om) == 2.0


def _inline_model(tmp_path):
    src = scale_model(tmp_path, {"w": 2.0, "v": 3.0})
    assert convert(src, tmp_path / "m") == 0
    assert result(tmp_path / "m.om") == 6.0
    return tmp_path / "m.om"


def _edit(name, fn):
    def mutate(model):
        fn(ops_by_name(model)[name])
    return mutate


def _set_input(i, text):
    return lambda op: op.input.__setitem__(i, text)


CRAFTED = {
    "cycle": ("mul0", _set_input(0, "mul1:0"), "cycle"),
    "output index 99": ("NetOutput", _set_input(0, "mul1:99"), "output 99"),
    "input from a missing op": ("mul1", _set_input(0, "ghost:0"), "not in the graph"),
    "weight offset 2^62": ("w", lambda op: setattr(op.attr["value"].t.desc, "data_offset", 2 ** 62),
                           "outside the WEIGHTS_DATA"),
    "weight size 2^62": ("w", lambda op: setattr(op.attr["value"].t.desc, "weight_size", 2 ** 62),
                         "outside the WEIGHTS_DATA"),
    # (the partition holds two 4-byte weights, each at its own 512-byte aligned offset: 1 MiB is past its end)
    "weight past the partition": ("v", lambda op: setattr(op.attr["value"].t.desc, "data_offset", 1 << 20),
                                  "outside the WEIGHTS_DATA"),
    "negative weight offset": ("v", lambda op: setattr(op.attr["value"].t.desc, "data_offset", -4),
                               "outside the WEIGHTS_DATA"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_graphs_are_refused_when_loaded(tmp_path, case, capsys):
    # these failed at run time as E19999 tracebacks, or (weights) silently read other bytes
    om = _inline_model(tmp_path)
    op_name, fn, words = CRAFTED[case]
    rewrite_om(om, _edit(op_name, fn))
    with pytest.raises(ConverterError) as e:
        Session(str(om))
    assert e.value.code == "E10003" and words in e.value.message
    capsys.readouterr()
    assert omtool(["run", str(om), "--seed", "0", "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "E10003" in err and "E19999" not in err


def test_real_atc_files_pass_the_load_checks(shared):
    from converter.om.graph_check import check_graph
    from converter.om.reader import read_om
    files = sorted((shared / "fixtures" / "om").glob("*.om"))
    assert files
    for path in files:  # control edges (op:-1), subgraphs, ops without output descs of ours...
        check_graph(read_om(str(path)).to_graph())


def test_rewired_models_load_or_are_refused_but_never_fail_at_run_time(tmp_path):
    """Seeded: inputs rewired to random (maybe missing) ops and outputs, random weight offsets and sizes; a
    model that loads runs (every tensor is float [1], so any acyclic rewiring computes). Dropping an input
    (an empty name, a control edge op:-1) is not tried: op arity is not declared in the op registry."""
    om = _inline_model(tmp_path)
    pristine = om.read_bytes()
    rng = random.Random(13)
    names = ["x", "w", "v", "mul0", "mul1", "ghost"]
    loaded = refused = 0
    for _ in range(60):
        om.write_bytes(pristine)

        def mutate(model):
            ops = ops_by_name(model)
            for _ in range(rng.randint(1, 3)):
                op = ops[rng.choice(["mul0", "mul1", "NetOutput", "w", "v"])]
                if op.type == "Const":
                    desc = op.attr["value"].t.desc
                    field = rng.choice(["data_offset", "weight_size"])
                    setattr(desc, field, rng.choice([0, 2, 4, 8, 2 ** 31, 2 ** 62, -1]))
                elif op.input:
                    op.input[rng.randrange(len(op.input))] = f"{rng.choice(names)}:{rng.choice([0, 0, 1, 99])}"
        rewrite_om(om, mutate)
        try:
            session = Session(str(om))
        except ConverterError as e:
            assert e.code in ("E10003", "E10004"), e
            refused += 1
            continue
        loaded += 1
        try:
            session.run({"x": np.ones(1, np.float32)})
        except ConverterError as e:
            assert e.code != "E19999", e
    assert loaded and refused


def test_damaged_om_files_with_external_weights_load_or_give_e_codes(tmp_path, shared):
    """Seeded: bytes flipped or cut in .om files (ours with external weights, and the real fixtures); loading
    them as a Session (container, graph, load checks, weight files) raises only E-coded errors, never E19999
    (a bug of ours)."""
    _, om, _ = _external_model(tmp_path)
    sources = [om.read_bytes()] + [p.read_bytes() for p in sorted((shared / "fixtures" / "om").glob("*.om"))]
    target = om.parent / "damaged.om"
    rng = random.Random(7)
    for _ in range(300):
        data = bytearray(rng.choice(sources))
        if rng.random() < 0.2:
            del data[rng.randrange(len(data)):]
        for _ in range(rng.randint(1, 8)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        target.write_bytes(bytes(data))
        try:
            Session(str(target))
        except ConverterError as err:
            assert err.code != "E19999", err
