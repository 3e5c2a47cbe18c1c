"""The original framework model of a compiled .om (``omtool run --source``), consulted only for what the
.om itself does not record: how the parts of a compiled fusion op are wired, and their attributes. GE names
the source nodes of every op (``_datadump_original_op_names``), so lookups are by node name."""
from __future__ import annotations

import os

import numpy as np

from ..errors import FILE_OPEN_FAILED, ModelLoadError

PASS_THROUGH = ("Identity", "Snapshot", "StopGradient")


class TensorFlowSource:
    """A frozen TensorFlow GraphDef, by node name."""

    def __init__(self, graphdef):
        self.nodes = {n.name: n for n in graphdef.node}

    def node(self, name: str):
        return self.nodes.get(name)

    @staticmethod
    def attrs(node) -> dict:
        from ..frontends.tensorflow.reader import node_attrs
        return {k: v for k, v in node_attrs(node).items() if k != "value"}

    def input_value(self, node, index: int):
        """The constant value of a node's data input (through Identity chains), or None."""
        from ..frontends.tensorflow.reader import node_attrs
        inputs = [i for i in node.input if not i.startswith("^")]
        if index >= len(inputs):
            return None
        src = self.nodes.get(inputs[index].split(":")[0])
        for _ in range(16):
            if src is None or src.op not in PASS_THROUGH:
                break
            src = self.nodes.get([i for i in src.input if not i.startswith("^")][0].split(":")[0])
        if src is None or src.op != "Const":
            return None
        return np.asarray(node_attrs(src).get("value"))


def load_source(path: str):
    """The source model named by ``--source`` (a frozen TensorFlow .pb)."""
    if not os.path.isfile(path):
        raise ModelLoadError(FILE_OPEN_FAILED, f"--source: cannot open '{path}'", path=path)
    from ..frontends.tensorflow.reader import load_graphdef
    return TensorFlowSource(load_graphdef(path))
