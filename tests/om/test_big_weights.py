"""Big weights without big memory (converter/ir/weights.py): pages of memory-mapped weights are given back
after use (never a writable map's), casts past the RAM budget go to a temporary file, and the .om written
from spilled casts or streamed pieces holds exactly the bytes of the plain in-memory path."""
import mmap
import os
import shutil
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from converter.cli import main as atc
from converter.ir import weights

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024


def _mapped(tmp_path, mib: int, mode: str = "r") -> np.memmap:
    path = tmp_path / "w.bin"
    if not path.exists():
        np.arange(mib << 18, dtype=np.float32).tofile(path)
    return np.memmap(path, np.float32, mode)


@linux_only
def test_release_gives_back_the_pages_of_a_read_only_map(tmp_path):
    arr = _mapped(tmp_path, 64)
    before = _rss_mib()
    assert float(arr.sum()) > 0                      # every page read: resident
    touched = _rss_mib()
    weights.release(arr)
    assert touched - before > 48 and touched - _rss_mib() > 48
    np.testing.assert_array_equal(arr[-3:], np.arange((64 << 18) - 3, 64 << 18, dtype=np.float32))


def test_release_keeps_the_changes_of_a_writable_map(tmp_path):
    _mapped(tmp_path, 1)
    private = _mapped(tmp_path, 1, "c")             # copy-on-write: changes live in this process only
    private[:] = 7
    weights.release(private)
    assert (private == 7).all()
    anon = mmap.mmap(-1, 1 << 20)
    np.frombuffer(anon, np.uint8)[:] = 5
    weights.release(np.frombuffer(anon, np.uint8))
    assert np.frombuffer(anon, np.uint8).min() == 5


def test_pieces_cover_the_array_bytes(tmp_path, monkeypatch):
    arr = _mapped(tmp_path, 1).reshape(256, 1024)
    got = b"".join(bytes(p) for _, p in weights.pieces(arr, 100_000))
    assert got == arr.tobytes()
    big_endian = np.arange(5, dtype=">i4")
    assert b"".join(bytes(p) for _, p in weights.pieces(big_endian)) == np.arange(5, dtype="<i4").tobytes()


def test_caster_keeps_casts_in_memory_until_the_budget_then_spills(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "PIECE_BYTES", 1 << 16)
    monkeypatch.setattr(weights, "SPILL_MIN_BYTES", 1 << 10)
    src = _mapped(tmp_path, 1) / 1e5                 # 1 MiB of fp32 (fp16-sized): 512 KiB of fp16 per cast
    caster = weights.WeightCaster(ram_budget=600 << 10)
    first, second = caster.cast(src, np.float16), caster.cast(src, np.float16)
    assert not isinstance(first, np.memmap) and isinstance(second, np.memmap) and not second.flags.writeable
    for out in (first, second):
        assert out.dtype == np.float16 and out.shape == src.shape
        np.testing.assert_array_equal(out, np.asarray(src).astype(np.float16))


def _mlp(folder, n: int = 3, width: int = 64) -> str:
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array((rng.standard_normal((width, width)) * 0.2).astype(np.float32), f"w{k}")
             for k in range(n)]
    nodes = [helper.make_node("MatMul", ["x" if k == 0 else f"h{k - 1}", f"w{k}"], [f"h{k}" if k < n - 1 else "y"])
             for k in range(n)]
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, width])], inits)
    path = os.path.join(str(folder), "mlp.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


@pytest.mark.parametrize("extra", [[], ["--external_weight=1"]], ids=["om", "external"])
def test_spilled_and_streamed_weights_give_the_same_files(tmp_path, monkeypatch, extra):
    src = _mlp(tmp_path)
    outputs = {}
    for case, (piece, budget) in {"plain": (1 << 24, 1 << 28), "pieces": (256, 0)}.items():
        monkeypatch.setattr(weights, "PIECE_BYTES", piece)
        monkeypatch.setattr(weights, "RAM_BUDGET", budget)
        monkeypatch.setattr(weights, "SPILL_MIN_BYTES", 0)
        out = tmp_path / "out"      # one path for both: the .om records the command line
        assert atc(["--framework=5", f"--model={src}", f"--output={out / 'm'}", *extra]) == 0
        files = sorted(p for p in out.rglob("*") if p.is_file())
        outputs[case] = {str(p.relative_to(out)): p.read_bytes() for p in files}
        shutil.rmtree(out)
    assert outputs["plain"] == outputs["pieces"]
