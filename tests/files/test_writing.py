"""Files we write: atomic (nothing partial on a full disk, Ctrl-C, SIGTERM or kill), fsync'ed before the
rename, permissions decided by the umask for every file, stale temporary files of killed runs removed by the
next run, and specific E-codes (not E19999) for every way a write can fail."""
import errno
import os
import signal
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from converter.cli import INTERRUPTED_LINE
from converter.cli import main as atc
from converter.fileio import atomic
from converter.fileio.temp_files import HOST
from converter.omtool import main as omtool

from .conftest import convert, convert_argv, in_child, listing, result, run_killed, scale_model

ENOSPC = OSError(errno.ENOSPC, "No space left on device")


def _out_err(capsys) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


# ---- full disk, Ctrl-C, SIGTERM, kill -9 -------------------------------------------------------------

@pytest.mark.parametrize("point", ["write", "rename"])
def test_disk_full_while_writing_the_om_is_e13004_and_leaves_nothing(tmp_path, fault, capsys, point):
    src = scale_model(tmp_path, {"w": 2.0})
    fault.at(point, ".om", ENOSPC)
    assert convert(src, tmp_path / "out" / "m") == 1
    out = _out_err(capsys)
    assert "E13004" in out and "no space left" in out and "E19999" not in out
    assert listing(tmp_path / "out") == []


def test_disk_full_while_writing_json_is_e13004_and_leaves_nothing(tmp_path, fault, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    assert convert(src, tmp_path / "m") == 0
    fault.at("write", ".json", ENOSPC)
    assert atc(["--mode=1", f"--om={tmp_path / 'm.om'}", f"--json={tmp_path / 'd' / 'm.json'}"]) == 1
    os.makedirs(tmp_path / "d")
    assert atc(["--mode=1", f"--om={tmp_path / 'm.om'}", f"--json={tmp_path / 'd' / 'm.json'}"]) == 1
    out = _out_err(capsys)
    assert out.count("E13004") == 2 and "no space left" in out and listing(tmp_path / "d") == []


def test_ctrl_c_during_atc_prints_one_line_and_leaves_nothing(tmp_path, fault, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    fault.at("write", ".om", KeyboardInterrupt())
    assert convert(src, tmp_path / "out" / "m", "--external_weight=1") == 130
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == INTERRUPTED_LINE and "Traceback" not in captured.out + captured.err
    assert listing(tmp_path / "out") == []  # weight files of the interrupted run removed too


def test_sigterm_during_atc_cleans_up_and_exits_143(tmp_path):
    src = scale_model(tmp_path, {"w": 2.0})

    def child():
        def hook(point, target):
            if point == "write" and target.endswith(".om"):
                os.kill(os.getpid(), signal.SIGTERM)
        atomic.FAULT_HOOK = hook
        return atc(convert_argv(src, str(tmp_path / "out" / "m"), "--external_weight=1"))

    status, output = in_child(child)
    assert status == 128 + signal.SIGTERM and INTERRUPTED_LINE in output and "Traceback" not in output
    assert listing(tmp_path / "out") == []


def test_ctrl_c_during_omtool_prints_one_line_and_leaves_nothing(tmp_path, fault, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    assert convert(src, tmp_path / "m") == 0
    fault.at("write", ".npy", KeyboardInterrupt())
    capsys.readouterr()
    assert omtool(["run", str(tmp_path / "m.om"), "--seed", "0", "-o", str(tmp_path / "res")]) == 130
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err and listing(tmp_path / "res") == []


def test_temp_files_of_killed_runs_are_removed_by_the_next_run_writing_there(tmp_path):
    src = scale_model(tmp_path, {"w": 2.0})
    out = tmp_path / "out"
    assert run_killed(convert_argv(src, str(out / "m"), "--external_weight=1"), "rename", ".om") == 137
    (om_tmp,) = [n for n in listing(out) if n.endswith(".tmp")]  # .m.om.<host>-<pid>-<random>.tmp
    assert run_killed(convert_argv(src, str(out / "n"), "--external_weight=1"), "write", "weight_") == 137
    (weight_tmp,) = [n for n in listing(out) if n.endswith(".tmp")]  # weight/.weight_<hex>.<...>.tmp
    assert weight_tmp.startswith("weight/.weight_")  # and the .om's went with the second run
    ours_alive = out / f".x.om.{HOST}-{os.getppid()}-0123abcd.tmp"           # its writer is alive: kept
    other_host = out / ".x.om.0badc0de-999999999-0123abcd.tmp"              # another host, recent: kept
    other_host_old = out / ".y.om.0badc0de-999999999-0123abcd.tmp"          # another host, 2 days old
    not_ours = out / ".x.om.abc.tmp"                                        # not our name: never touched
    for p in (ours_alive, other_host, other_host_old, not_ours):
        p.write_bytes(b"partial")
    two_days = time.time() - 2 * 24 * 3600
    os.utime(other_host_old, (two_days, two_days))
    assert convert(src, out / "k", "--external_weight=1") == 0
    names = listing(out)
    assert om_tmp not in names and weight_tmp not in names and not other_host_old.exists()
    assert ours_alive.exists() and other_host.exists() and not_ours.exists()
    assert result(out / "k.om") == 2.0 and not (out / "m.om").exists()


def test_temp_files_of_killed_json_writes_are_removed_by_the_next_write_there(tmp_path):
    """Not only .om folders: every atomic write sweeps the folder it writes into (here --json of --mode=1)."""
    src = scale_model(tmp_path, {"w": 2.0})
    assert convert(src, tmp_path / "m") == 0
    out = tmp_path / "dumps"
    os.makedirs(out)
    dump = ["--mode=1", f"--om={tmp_path / 'm.om'}"]
    assert run_killed(dump + [f"--json={out / 'a.json'}"], "write", ".json") == 137
    (stale,) = listing(out)
    assert stale.startswith(".a.json.") and stale.endswith(".tmp")
    assert atc(dump + [f"--json={out / 'b.json'}"]) == 0
    assert listing(out) == ["b.json"]


def test_the_file_and_the_folder_are_fsynced_around_the_rename(tmp_path, monkeypatch):
    src = scale_model(tmp_path, {"w": 2.0})
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(a, b):
        events.append(("rename", os.fspath(b)))
        return real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(atomic, "DURABLE", True)
    assert convert(src, tmp_path / "out" / "m", "--external_weight=1") == 0
    om, folder, weights = str(tmp_path / "out" / "m.om"), str(tmp_path / "out"), str(tmp_path / "out" / "weight")
    at = events.index(("rename", om))
    tmp_sync = [i for i, (e, p) in enumerate(events) if e == "fsync" and ".m.om." in p and p.endswith(".tmp")]
    assert tmp_sync and tmp_sync[-1] < at                        # the .om's bytes are on disk before the rename
    assert ("fsync", weights) in events[:at]                      # so are the weight files' names
    assert ("fsync", folder) in events[at:]                       # and the rename itself, after it


@pytest.mark.parametrize("umask", [0o027, 0o002])
def test_every_file_we_write_gets_the_permissions_the_umask_gives(tmp_path, umask, capsys):
    # weight files and --json output were 0600 while the .om was 0644
    src = scale_model(tmp_path, {"w": 2.0})
    old = os.umask(umask)
    try:
        assert convert(src, tmp_path / "o" / "m", "--external_weight=1") == 0
        assert atc(["--mode=1", f"--om={tmp_path / 'o' / 'm.om'}", f"--json={tmp_path / 'o' / 'm.json'}"]) == 0
        assert atc(["--mode=3", "--framework=5", f"--model={src}",
                    f"--check_report={tmp_path / 'o' / 'check.json'}"]) == 0
        assert omtool(["run", str(tmp_path / "o" / "m.om"), "--seed", "0", "-o", str(tmp_path / "o")]) == 0
        assert omtool(["verify", src, str(tmp_path / "o" / "m.om"), "--json", str(tmp_path / "o" / "v.json")]) == 0
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "o").rglob("*") if p.is_file()]
    assert {p.name.rsplit(".", 1)[-1] for p in files} >= {"om", "json", "npy"} and len(files) == 6
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(0o666 & ~umask)}


# ---- specific E-codes ---------------------------------------------------------------------------------

def test_output_naming_a_folder_is_e13004(tmp_path, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    os.makedirs(tmp_path / "x.om")
    assert convert(src, tmp_path / "x") == 1
    assert convert(src, tmp_path / "x.om") == 1
    out = _out_err(capsys)
    assert "E13004: --output" in out and "E10022: --output" in out and "E19999" not in out


def test_json_in_a_read_only_folder_is_e13004(tmp_path, fault, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    assert convert(src, tmp_path / "m") == 0
    fault.at("create", ".json", PermissionError(errno.EACCES, "Permission denied"))  # root ignores chmod
    assert atc(["--mode=1", f"--om={tmp_path / 'm.om'}", f"--json={tmp_path / 'm.json'}"]) == 1
    out = _out_err(capsys)
    assert "E13004" in out and "--json" in out and "permission denied" in out and "E19999" not in out


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_json_in_a_really_read_only_folder_is_e13004(tmp_path, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    assert convert(src, tmp_path / "m") == 0
    os.makedirs(tmp_path / "ro")
    os.chmod(tmp_path / "ro", 0o555)
    try:
        assert atc(["--mode=1", f"--om={tmp_path / 'm.om'}", f"--json={tmp_path / 'ro' / 'm.json'}"]) == 1
    finally:
        os.chmod(tmp_path / "ro", 0o755)
    assert "E13004" in _out_err(capsys)


def test_check_report_naming_a_folder_is_e13004(tmp_path, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    os.makedirs(tmp_path / "report")
    assert atc(["--mode=3", "--framework=5", f"--model={src}", f"--check_report={tmp_path / 'report'}"]) == 1
    out = _out_err(capsys)
    assert "E13004" in out and "--check_report" in out and "E19999" not in out


def test_omtool_output_dir_naming_a_file_is_e13004(tmp_path, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    assert convert(src, tmp_path / "m") == 0
    (tmp_path / "afile").write_text("x")
    capsys.readouterr()
    assert omtool(["run", str(tmp_path / "m.om"), "--seed", "0", "-o", str(tmp_path / "afile")]) == 1
    assert omtool(["chain", str(tmp_path / "m.om"), str(tmp_path / "m.om"), "-o", str(tmp_path / "afile")]) == 1
    err = capsys.readouterr().err
    assert err.count("E13004") == 2 and "not a folder" in err and "E19999" not in err


def test_omtool_input_from_an_npz_says_it_must_be_npy(tmp_path, capsys):
    src = scale_model(tmp_path, {"w": 2.0})
    assert convert(src, tmp_path / "m") == 0
    np.savez(tmp_path / "a.npz", x=np.ones(1, np.float32))
    capsys.readouterr()
    assert omtool(["run", str(tmp_path / "m.om"), "-i", f"x={tmp_path / 'a.npz'}", "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "E13005" in err and ".npy" in err and "float32" not in err


def test_omtool_gives_outputs_whose_names_map_to_one_file_distinct_files(tmp_path, capsys):
    # outputs 'a/b' and 'a_b' were both saved as a_b.npy: one was lost
    nodes = [helper.make_node("Mul", ["x", "two"], ["a/b"]), helper.make_node("Mul", ["x", "three"], ["a_b"]),
             helper.make_node("Mul", ["x", "four"], ["A_B"]), helper.make_node("Mul", ["x", "five"], [".."])]
    inits = [helper.make_tensor(n, TensorProto.FLOAT, [1], [v]) for n, v in
             (("two", 2.0), ("three", 3.0), ("four", 4.0), ("five", 5.0))]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("a/b", "a_b", "A_B", "..")],
                          inits)
    src = str(tmp_path / "m.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), src)
    assert convert(src, tmp_path / "m") == 0
    np.save(tmp_path / "x.npy", np.ones(1, np.float32))
    capsys.readouterr()
    assert omtool(["run", str(tmp_path / "m.om"), "-i", f"x={tmp_path / 'x.npy'}", "-o", str(tmp_path / "r")]) == 0
    lines = capsys.readouterr().out.splitlines()
    files = {line.split(":")[0]: line.rsplit(" -> ", 1)[1] for line in lines}
    assert [os.path.basename(files[n]) for n in ("a/b", "a_b", "A_B", "..")] == \
        ["a_b.npy", "a_b_2.npy", "A_B_3.npy", "output_3.npy"]
    assert [float(np.load(files[n])[0]) for n in ("a/b", "a_b", "A_B", "..")] == [2.0, 3.0, 4.0, 5.0]
