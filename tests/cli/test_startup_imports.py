"""Start-up: a command imports only what it uses. Converting an ONNX model reads it with our compiled
onnx.proto, so the onnx package (and ml_dtypes, which its import pulls in) stays out, as do typer (omtool),
jsonschema (option files) and networkx (the IR keeps its own adjacency); `atc --help` imports no numpy."""
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from tests.helpers import save

HEAVY = ("onnx", "ml_dtypes", "typer", "jsonschema", "networkx")


def _loaded_after(args: list, probe: tuple) -> list:
    """The modules of ``probe`` that a fresh interpreter has imported after running `atc ARGS`."""
    code = ("import sys\nfrom converter.cli import main\nmain(sys.argv[1:])\n"
            f"print('LOADED', sorted(m for m in {probe!r} if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    line = next(x for x in run.stdout.splitlines() if x.startswith("LOADED"))
    return eval(line[len("LOADED"):])


def test_onnx_conversion_imports_no_onnx_package(tmp_path):
    w = numpy_helper.from_array(np.ones((3, 3, 1, 1), np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Relu", ["c"], ["y"])],
                          "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])], [w])
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), tmp_path)
    assert _loaded_after(["--framework=5", f"--model={path}", f"--output={tmp_path / 'm'}"], HEAVY) == []
    assert (tmp_path / "m.om").is_file()


def test_help_imports_no_numpy():
    assert _loaded_after(["--help"], ("numpy", "converter.api", "converter.ops") + HEAVY) == []
