"""Shared helpers for the .om tests: fixture location, small hand-built graphs, Netron location."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from converter.ir import DataType, Graph, Op, TensorDesc

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def fixtures_dir() -> Path | None:
    folder = Path(os.environ.get("OM_FIXTURES", SHARED / "fixtures" / "om"))
    return folder if folder.is_dir() and any(folder.glob("*.om")) else None


@pytest.fixture
def om_fixtures() -> Path:
    folder = fixtures_dir()
    if folder is None:
        pytest.skip("real .om fixtures not found (../shared/fixtures/om or $OM_FIXTURES)")
    return folder


def netron_dir() -> Path | None:
    spec = importlib.util.find_spec("netron")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent


def f32(shape, name=None, fmt="NCHW", **kw) -> TensorDesc:
    return TensorDesc(DataType.DT_FLOAT, tuple(shape), fmt, name=name, **kw)


def conv_graph(name: str = "conv_net") -> Graph:
    """Data -> Conv2D(+bias) -> LeakyRelu -> NetOutput, with weights in several dtypes on the side."""
    g = Graph(name)
    g.add_data("x", f32((1, 3, 8, 8), "x", origin_format="NCHW", origin_shape=(1, 3, 8, 8),
                        origin_dtype=DataType.DT_FLOAT), 0)
    rng = np.random.default_rng(0)
    g.add_const("w", rng.standard_normal((4, 3, 3, 3)).astype(np.float32), source="conv.weight")
    g.add_const("b", rng.standard_normal(4).astype(np.float32))
    g.add(Op("conv", "Conv2D", {"strides": [1, 1], "pads": [1, 1, 1, 1], "dilations": [1, 1], "groups": 1,
                                "data_format": "NCHW"}, [f32((1, 4, 8, 8), "conv_out")], source="Conv_0"),
          [("x", 0), ("w", 0), ("b", 0)])
    g.add(Op("act", "LeakyRelu", {"alpha": 0.1}, [f32((1, 4, 8, 8), "y")], source="LeakyRelu_0"), [("conv", 0)])
    g.add(Op("NetOutput", "NetOutput"), [("act", 0)])
    return g


def weights_graph() -> Graph:
    """Consts of many dtypes (fp16, int64, bool, int8, uint8, fp64, int32, scalar, empty) all feeding
    a made-up op, plus optional-input gaps and every attribute kind."""
    g = Graph("weights")
    values = {
        "c_f16": np.arange(6, dtype=np.float16).reshape(2, 3) / 3,
        "c_i64": np.array([-(2 ** 40), 0, 7], dtype=np.int64),
        "c_bool": np.array([[True, False], [False, True]]),
        "c_i8": np.array([-128, 5, 127], dtype=np.int8),
        "c_u8": np.arange(5, dtype=np.uint8),
        "c_f64": np.array([np.pi, -1e-300]),
        "c_scalar": np.array(3, dtype=np.int32),
        "c_empty": np.zeros((0, 4), dtype=np.float32),
        "c_strided": np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2],
    }
    for name, value in values.items():
        g.add_const(name, value)
    g.add_data("x", TensorDesc(DataType.DT_FLOAT, (-1, 3), "ND", shape_range=((1, 16), (3, 3)), name="x:0"), 0)
    refs = [("x", 0)] + [(n, 0) for n in values]
    refs.insert(2, None)  # an absent optional input
    # "raw" is a bytes attr (AttrDef.bt): Netron shows bt as float32 data, so keep it a multiple of 4 bytes
    attrs = {"i": 7, "neg": -3, "f": 0.1, "small": 1e-5, "s": "hello", "uni": "héllo", "b": True, "bf": False,
             "zero": 0, "empty_s": "", "ints": [1, -2, 3], "floats": [0.5, 1.5], "strs": ["a", "b"],
             "bools": [True, False], "none_list": [], "raw": b"\x00\x01\xff\x7f", "tensor": np.eye(2, dtype=np.float32),
             "lli": [[1, 2], [3, 4, 5]], "_internal": 1}
    g.add(Op("mix", "MadeUpOp", attrs, [f32((2, 3), "mix:0", fmt="ND"), TensorDesc(DataType.DT_INT64, None)],
             source="mix_node"), refs)
    g.add(Op("NetOutput", "NetOutput"), [("mix", 0), ("mix", 1)])
    return g, values


def if_graph() -> Graph:
    """An If op whose two branches are subgraphs, one holding its own Const."""
    def branch(name, scale):
        b = Graph(name)
        b.add_data("in0", f32((2,), fmt="ND"), 0)
        b.add_const("k", np.full(2, scale, np.float32))
        b.add(Op("mul", "Mul", {}, [f32((2,), fmt="ND")]), [("in0", 0), ("k", 0)])
        b.add(Op("out", "NetOutput"), [("mul", 0)])
        return b

    g = Graph("cond")
    g.add_data("c", TensorDesc(DataType.DT_BOOL, (), "ND"), 0)
    g.add_data("v", f32((2,), fmt="ND"), 1)
    op = Op("if", "If", {}, [f32((2,), fmt="ND")])
    op.subgraphs = {"then_branch": branch("then_g", 2.0), "else_branch": branch("else_g", -1.0)}
    g.add(op, [("c", 0), ("v", 0)])
    g.add(Op("NetOutput", "NetOutput"), [("if", 0)])
    return g
