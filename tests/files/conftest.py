"""Helpers for the tests of files we write and .om files we read: tiny ONNX models whose result shows which
weights were used, conversions through the atc command, and a fault-injection fixture for the writer."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from converter.cli import main as atc
from converter.fileio import atomic
from converter.runtime import Session
from tests.helpers import ops_by_name, rewrite_om  # noqa: F401  (the tests here import them from this module)

REPO = Path(__file__).resolve().parents[2]


def scale_model(folder, weights: dict, name: str = "m.onnx") -> str:
    """y = x * w1 * w2 * ... (float32, shape [1]) with one initializer per ``weights`` item (name -> value):
    run with x = 1 it returns the product of the weights the model really reads."""
    inits, nodes, prev = [], [], "x"
    for i, (wname, value) in enumerate(weights.items()):
        inits.append(helper.make_tensor(wname, TensorProto.FLOAT, [1], [float(value)]))
        out = "y" if i == len(weights) - 1 else f"t{i}"
        nodes.append(helper.make_node("Mul", [prev, wname], [out], name=f"mul{i}"))
        prev = out
    g = helper.make_graph(nodes, "scale", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], inits)
    path = os.path.join(str(folder), name)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def convert_argv(src: str, out, *extra: str) -> list:
    return ["--framework=5", f"--model={src}", f"--output={out}", "--precision_mode=force_fp32", *extra]


def convert(src: str, out, *extra: str) -> int:
    return atc(convert_argv(src, out, *extra))


def result(om_path) -> float:
    """What the .om computes for x = 1."""
    return float(Session(str(om_path)).run({"x": np.ones(1, np.float32)})["y"][0])


def listing(folder) -> list:
    """Every file and folder under ``folder`` (relative paths, sorted), hidden ones included."""
    root = Path(folder)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def in_child(fn) -> tuple:
    """Run ``fn()`` (returning an exit status) in a forked child; returns (exit status, its stdout and
    stderr). A fork shares the parent's imports: milliseconds, where a fresh interpreter takes seconds."""
    fd, log = tempfile.mkstemp(suffix=".log")
    os.close(fd)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        status = 1
        try:
            fd = os.open(log, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False)
            status = fn()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status if isinstance(status, int) else 1)
    _, wait_status = os.waitpid(pid, 0)
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    os.unlink(log)
    return os.waitstatus_to_exitcode(wait_status), text


def run_killed(argv: list, point: str, part: str) -> int:
    """Run `atc argv` in a child process that ends itself with os._exit (as kill -9 would: no clean-up runs)
    when the writer reaches ``point`` for a file whose name contains ``part``; returns its exit status."""
    def hook(p, target):
        if p == point and part in os.path.basename(target):
            os._exit(137)

    def child():
        atomic.FAULT_HOOK = hook
        return atc(argv)

    return in_child(child)[0]


class Faults:
    """``fault.at(point, part, exc)``: raise ``exc`` when the writer reaches ``point`` (create, write,
    rename) for a file whose name contains ``part``."""

    def __init__(self):
        self.rules = []

    def at(self, point: str, part: str, exc: BaseException) -> None:
        self.rules.append((point, part, exc))

    def __call__(self, point: str, target: str) -> None:
        for p, part, exc in self.rules:
            if p == point and part in os.path.basename(target):
                raise exc


@pytest.fixture
def fault(monkeypatch):
    faults = Faults()
    monkeypatch.setattr(atomic, "FAULT_HOOK", faults)
    return faults
