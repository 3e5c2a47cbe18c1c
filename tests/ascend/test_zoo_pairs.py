"""Two more real ATC-compiled models from the public Ascend model zoos (tools/zoo_pairs.py extracts them into
$OM_ZOO_DIR; too large to commit, so these tests skip without it): an A3C policy net compiled by CANN 20.1,
checked against TensorFlow, and DD-Net, whose fused add+leaky_relu lost its slope (no public source)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from converter.errors import UnsupportedOpError
from converter.runtime import Session

ZOO = Path(os.environ.get("OM_ZOO_DIR", "/nonexistent"))
GOLDENS = Path(__file__).resolve().parents[1] / "data" / "ascend" / "zoo_tf_goldens.npz"


def _need(*names):
    missing = [n for n in names if not (ZOO / n).is_file()]
    if missing:
        pytest.skip(f"zoo models not found in $OM_ZOO_DIR ({', '.join(missing)}); see tools/zoo_pairs.py")


@pytest.mark.parametrize("with_source", [False, True])
def test_a3c_matches_tensorflow(with_source):
    _need("a3c_pong_model.om", "a3c_pong_model.pb")
    from tools.zoo_pairs import a3c_inputs
    gold = np.load(GOLDENS)
    sess = Session(str(ZOO / "a3c_pong_model.om"), source=str(ZOO / "a3c_pong_model.pb") if with_source else None)
    how = "the source model" if with_source else "the tensor shapes"
    assert sum(how in n for n in sess.graph.meta["lowering_notes"]) == 4
    for k, x in enumerate(a3c_inputs()):
        result = sess.run({"s": x}, capture=True)
        probs = result["__all__"]["W_0/actor/ap/Softmax:0"].astype(np.float32)
        np.testing.assert_allclose(probs, gold["a3c_probs"][k:k + 1], atol=1e-3)
        assert int(result["out_a:0"][0]) == int(gold["a3c_actions"][k])


def test_ddnet_is_refused_naming_the_lost_slope():
    _need("ddnet_out.om")
    with pytest.raises(UnsupportedOpError) as info:
        Session(str(ZOO / "ddnet_out.om"))
    message = info.value.message
    assert "1 kind(s)" in message and "Add+LeakyRelu" in message and "x2" in message and "LeakyRelu part" in message


def test_ddnet_runs_once_the_slope_is_given():
    """Every other op of DD-Net lowers; with the slope its 15 unfused LeakyRelu ops record (0.2) the test
    skeleton (X0.bin, X1.bin: .npy files) is classified with confidence."""
    _need("ddnet_out.om", "ddnet_X0.bin", "ddnet_X1.bin")
    from converter.ascend.loading import load_om_graph
    from converter.ascend.source import TensorFlowSource
    from converter.proto import tf_graph_pb2 as tfpb
    graph = tfpb.GraphDef()
    for k in (7, 8):
        graph.node.add(name=f"model_1/model/leaky_re_lu_{k}/LeakyRelu", op="LeakyRelu").attr["alpha"].f = 0.2
    sess = Session(load_om_graph(str(ZOO / "ddnet_out.om"), TensorFlowSource(graph)))
    x0 = np.load(ZOO / "ddnet_X0.bin")[None].astype(np.float32)
    x1 = np.load(ZOO / "ddnet_X1.bin")[None].astype(np.float32)
    probs = sess.run({"Input": x0, "Input_1": x1})["model_1/dense_2/Softmax:0"]
    assert probs.shape == (1, 21) and abs(float(probs.sum()) - 1) < 1e-3 and probs.max() > 0.9
