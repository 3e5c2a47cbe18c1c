"""--external_weight=1 with several models, odd names, failures and kills: no model ever computes with
another's or a newer conversion's weights, and the weight/ folder keeps exactly the files some model uses
(rules in converter/om/weight_files.py)."""
import errno
import json
import os

import pytest

from converter.errors import ConverterError
from converter.fileio.temp_files import HOST
from converter.om.external_weights import WEIGHT_DIR
from converter.om.reader import read_om

from .conftest import convert, convert_argv, listing, result, run_killed, scale_model

EXT = "--external_weight=1"


def _weight_files(folder) -> list:
    return sorted(os.listdir(os.path.join(folder, WEIGHT_DIR)))


def _locations(om_path) -> list:
    model = read_om(str(om_path)).model_def
    return sorted(op.attr["location"].s.decode() for g in model.graph for op in g.op if op.type == "FileConstant")


def test_names_that_map_to_one_file_name_do_not_collide(tmp_path):
    # 'a/b' and 'a_b' both became weight/a_b: the model read 3 twice and computed 9
    src = scale_model(tmp_path, {"a/b": 2.0, "a_b": 3.0})
    assert convert(src, tmp_path / "m", EXT) == 0
    assert result(tmp_path / "m.om") == 6.0
    assert len(_weight_files(tmp_path)) == 2


def test_a_second_model_in_the_folder_leaves_the_first_unchanged(tmp_path):
    # b.om (same initializer name, other value) rewrote a.om's weight file: a.om returned 5.0
    assert convert(scale_model(tmp_path, {"w": 2.0}, "a.onnx"), tmp_path / "a", EXT) == 0
    assert convert(scale_model(tmp_path, {"w": 5.0}, "b.onnx"), tmp_path / "b", EXT) == 0
    assert result(tmp_path / "a.om") == 2.0 and result(tmp_path / "b.om") == 5.0
    assert set(_locations(tmp_path / "a.om")).isdisjoint(_locations(tmp_path / "b.om"))


def test_equal_weights_share_one_file_in_atc_form(tmp_path):
    src = scale_model(tmp_path, {"p": 4.0, "q": 4.0})
    assert convert(src, tmp_path / "m", EXT) == 0
    assert result(tmp_path / "m.om") == 16.0
    (name,) = _weight_files(tmp_path)
    assert name.startswith("weight_") and len(name) == len("weight_") + 64  # weight_<sha256>, as ATC names them
    op = next(op for op in read_om(str(tmp_path / "m.om")).model_def.graph[0].op if op.type == "FileConstant")
    assert {"location", "offset", "length", "dtype", "shape", "original_shape"} <= set(op.attr)
    assert op.attr["location"].s.decode() == name and op.attr["length"].i == 4


@pytest.mark.parametrize("where", [".om", "weight_"])
def test_a_failed_conversion_leaves_the_old_model_and_nothing_else(tmp_path, fault, where):
    # E13004 used to remove the weight files it had just overwritten: the old .om no longer loaded
    assert convert(scale_model(tmp_path, {"w": 2.0}), tmp_path / "m", EXT) == 0
    before = listing(tmp_path)
    fault.at("write", where, OSError(errno.ENOSPC, "No space left on device"))
    src = scale_model(tmp_path, {"w": 5.0}, "m2.onnx")
    assert convert(src, tmp_path / "m", EXT) == 1
    assert result(tmp_path / "m.om") == 2.0
    assert listing(tmp_path) == sorted(before + ["m2.onnx"])


@pytest.mark.parametrize("point,suffix", [("rename", ".om"), ("write", ".om"), ("rename", "weight_"),
                                          ("write", ".json")])
def test_a_killed_conversion_leaves_the_old_model_computing_its_result(tmp_path, point, suffix):
    # kill -9 between the weight writes and the .om write: the old .om computed with the new weights
    assert convert(scale_model(tmp_path, {"w": 2.0, "v": 3.0}), tmp_path / "m", EXT) == 0
    before = listing(tmp_path)
    src = scale_model(tmp_path, {"w": 5.0, "v": 7.0}, "m2.onnx")
    assert run_killed(convert_argv(src, str(tmp_path / "m"), EXT), point, suffix) == 137
    assert result(tmp_path / "m.om") == 6.0
    # the next conversion into the folder removes what the killed one left (its journal names its files)
    assert convert(scale_model(tmp_path, {"u": 11.0}, "n.onnx"), tmp_path / "n", EXT) == 0
    assert listing(tmp_path) == sorted(before + ["m2.onnx", "n.om", "n.onnx"] +
                                       [f"{WEIGHT_DIR}/{n}" for n in _locations(tmp_path / "n.om")])
    assert result(tmp_path / "m.om") == 6.0 and result(tmp_path / "n.om") == 11.0


def test_replacing_a_model_removes_only_files_no_other_model_uses(tmp_path):
    assert convert(scale_model(tmp_path, {"w": 2.0}), tmp_path / "m", EXT) == 0
    assert convert(scale_model(tmp_path, {"w": 2.0}, "n.onnx"), tmp_path / "n", EXT) == 0
    (shared,) = _weight_files(tmp_path)
    assert convert(scale_model(tmp_path, {"w": 5.0}), tmp_path / "m", EXT) == 0
    assert shared in _weight_files(tmp_path) and result(tmp_path / "n.om") == 2.0  # n.om still uses it
    os.rename(tmp_path / "n.om", tmp_path / "n.om.bak")  # any file with the .om magic counts as a model
    assert convert(scale_model(tmp_path, {"w": 7.0}), tmp_path / "m", EXT) == 0
    assert shared in _weight_files(tmp_path)
    os.unlink(tmp_path / "n.om.bak")
    assert convert(scale_model(tmp_path, {"w": 7.0}), tmp_path / "m", EXT) == 0  # nothing of m changes
    assert shared in _weight_files(tmp_path)  # never listed in a journal of m: kept
    seven = _locations(tmp_path / "m.om")
    assert convert(scale_model(tmp_path, {"w": 9.0}), tmp_path / "m", EXT) == 0
    assert _weight_files(tmp_path) == sorted(_locations(tmp_path / "m.om") + [shared])  # 7.0's file went
    assert set(seven).isdisjoint(_weight_files(tmp_path))
    assert convert(scale_model(tmp_path, {"w": 9.0}), tmp_path / "m") == 0  # weights inside again
    assert _weight_files(tmp_path) == [shared] and result(tmp_path / "m.om") == 9.0


def test_a_journal_is_kept_while_its_writer_lives_and_files_of_unreadable_models_stay(tmp_path):
    assert convert(scale_model(tmp_path, {"w": 2.0}), tmp_path / "m", EXT) == 0
    weight_dir = tmp_path / WEIGHT_DIR
    (weight_dir / "weight_orphan").write_bytes(b"1234")
    live = weight_dir / f".journal.{HOST}-{os.getppid()}-0000abcd.json"   # the parent process lives
    dead = weight_dir / f".journal.{HOST}-999999999-0000abcd.json"        # no such process
    for journal in (live, dead):
        journal.write_text(json.dumps({"model": "x.om", "created": ["weight_orphan"], "release": []}))
    (tmp_path / "broken.om").write_bytes(b"IMOD" + bytes(300))  # a model whose references are unknown
    assert convert(scale_model(tmp_path, {"u": 3.0}, "n.onnx"), tmp_path / "n", EXT) == 0
    assert not dead.exists() and live.exists() and (weight_dir / "weight_orphan").exists()
    os.unlink(tmp_path / "broken.om")
    dead.write_text(live.read_text())
    assert convert(scale_model(tmp_path, {"u": 3.0}, "n.onnx"), tmp_path / "n", EXT) == 0
    assert not dead.exists() and not (weight_dir / "weight_orphan").exists()


@pytest.mark.parametrize("names", [[".", ".."], ["x" * 300, "y" * 300], ["../../up", "/abs"]])
def test_any_initializer_name_gets_a_short_safe_file_name(tmp_path, names):
    # '.', '..' and 300-character names failed with E13004 and left a temporary file
    src = scale_model(tmp_path, {names[0]: 2.0, names[1]: 3.0})
    assert convert(src, tmp_path / "out" / "m", EXT) == 0
    assert result(tmp_path / "out" / "m.om") == 6.0
    assert all(len(n) == 71 for n in _weight_files(tmp_path / "out"))
    assert listing(tmp_path / "out") == sorted(["m.om", WEIGHT_DIR] + [f"{WEIGHT_DIR}/{n}" for n in
                                                                       _weight_files(tmp_path / "out")])


def test_a_weight_file_whose_bytes_do_not_match_its_name_is_rewritten(tmp_path):
    assert convert(scale_model(tmp_path, {"w": 2.0}), tmp_path / "m", EXT) == 0
    (name,) = _weight_files(tmp_path)
    (tmp_path / WEIGHT_DIR / name).write_bytes(b"\0\0\0\0")
    assert convert(scale_model(tmp_path, {"w": 2.0}, "n.onnx"), tmp_path / "n", EXT) == 0
    assert result(tmp_path / "n.om") == 2.0 and result(tmp_path / "m.om") == 2.0


def test_api_convert_with_external_weights_raises_e13004_when_the_weight_folder_cannot_be_made(tmp_path):
    from converter.api import convert as api_convert
    from converter.options import ConvertOptions
    (tmp_path / WEIGHT_DIR).write_text("a file in the way")
    with pytest.raises(ConverterError) as e:
        api_convert(ConvertOptions(framework=5, model=scale_model(tmp_path, {"w": 2.0}), output=str(tmp_path / "m"),
                                   external_weight=1))
    assert e.value.code == "E13004" and not (tmp_path / "m.om").exists()
