"""Measure one command as its own process: wall time, CPU time (user + system) and peak resident memory.

Linux counts a child's peak RSS (ru_maxrss) from the moment it was forked, so a child of a big process
reports at least its parent's size (even after exec). The command therefore runs as the child of a small
launcher interpreter (this file run as a script), which reports the command's own figures: a floor of about
10 MiB (the launcher's size) instead of the benchmark's.

Children run as an installed package would: with Python's bytecode cache. A PYTHONDONTWRITEBYTECODE in the
benchmark's environment is dropped for them (pip compiles a package's .pyc files at install time; without
them every run of an editable checkout recompiles ~140 modules, about 0.15 s of CPU per conversion), and the
cache goes to one folder under the temporary directory (PYTHONPYCACHEPREFIX), not into the checkouts measured.

Used by bench_convert.py, bench_scaling.py, bench_big_model.py and bench_startup.py: ``measure(cmd) -> Run``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from typing import NamedTuple


class Run(NamedTuple):
    wall: float      # seconds, launcher included (a few ms)
    cpu: float       # user + system seconds of the command
    peak_mib: float  # peak resident set of the command
    code: int        # exit status of the command
    stderr: str


def child_env() -> dict:
    """This process's environment with bytecode caching allowed (see the module docstring)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "om-converter-bench-pycache"))
    return env


def measure(cmd: list, env: dict | None = None, cwd: str | None = None) -> Run:
    """Run ``cmd`` (its stdout discarded) in ``cwd`` and return its figures. Give a ``cwd`` away from a checkout
    when ``cmd`` is `python -m converter ...`: -m looks in the current folder first. ``env`` defaults to
    ``child_env()``."""
    env = child_env() if env is None else env
    with tempfile.NamedTemporaryFile("w+", suffix=".json") as report:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), report.name, *cmd],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False,
                              cwd=cwd)
        wall = time.perf_counter() - t0
        report.seek(0)
        text = report.read()
    if not text:
        return Run(wall, 0.0, 0.0, proc.returncode or 1, proc.stderr.decode(errors="replace"))
    maxrss_kib, cpu, code = json.loads(text)
    return Run(wall, cpu, maxrss_kib / 1024.0, code, proc.stderr.decode(errors="replace"))


def _launch(report: str, cmd: list) -> int:
    pid = os.posix_spawnp(cmd[0], cmd, os.environ)
    _, status, usage = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    with open(report, "w") as f:
        json.dump([usage.ru_maxrss, usage.ru_utime + usage.ru_stime, code], f)
    return code


if __name__ == "__main__":
    sys.exit(_launch(sys.argv[1], sys.argv[2:]))
