"""The ONNX operator schemas as the frontend needs them: attribute types, defaults and required flags, input
and output counts, per op type and opset. Read from converter/data/onnx_schemas.json, which
tools/make_onnx_schemas.py writes from the onnx package (so converting never imports ``onnx.defs``).

``check_node`` refuses a node that does not fit its schema (E10001 with the reason); ``NodeSchema.default``
gives handlers the schema's attribute defaults instead of hand-written copies.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache

TABLE_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "data", "onnx_schemas.json")

# AttributeProto.AttributeType numbers -> the names the table uses
ATTRIBUTE_TYPES = {1: "FLOAT", 2: "INT", 3: "STRING", 4: "TENSOR", 5: "GRAPH", 6: "FLOATS", 7: "INTS",
                   8: "STRINGS", 9: "TENSORS", 10: "GRAPHS", 11: "SPARSE_TENSOR", 12: "SPARSE_TENSORS",
                   13: "TYPE_PROTO", 14: "TYPE_PROTOS"}


@dataclass(frozen=True)
class NodeSchema:
    """One version of an op's schema (the newest not above the model's opset)."""

    op_type: str
    since: int
    attrs: dict            # name -> (type name, required, default or None)
    inputs: tuple          # (min count, max count or None, formal options: "S"ingle / "O"ptional / "V"ariadic)
    outputs: tuple         # (min count, max count or None)

    def default(self, name: str):
        entry = self.attrs.get(name)
        return None if entry is None else entry[2]

    def title(self) -> str:
        return f"ONNX {self.op_type}-{self.since}"


@lru_cache(maxsize=1)
def _data() -> dict:
    with open(TABLE_PATH, encoding="utf-8") as f:
        return json.load(f)


def _table() -> dict:
    return _data()["ops"]


def newest_opset() -> int:
    """The newest default-domain opset the table describes (the onnx release it was made from): a model
    importing a newer one uses ops whose meaning we do not know."""
    return int(_data()["opset"])


@lru_cache(maxsize=None)
def node_schema(op_type: str, opset: int):
    """The schema of ``op_type`` at ``opset`` (None when the table does not know the op at that opset)."""
    versions = _table().get(op_type)
    if not versions:
        return None
    since = max((int(v) for v in versions if int(v) <= opset), default=None)
    if since is None:
        return None
    entry = versions[str(since)]
    return NodeSchema(op_type, since, {k: tuple(v) for k, v in entry["attrs"].items()}, tuple(entry["inputs"]),
                      tuple(entry["outputs"]))


def _count_problem(what: str, n: int, low: int, high) -> str | None:
    if n < low:
        return f"it has {n} {what}(s); it needs at least {low}"
    if high is not None and n > high:
        return f"it has {n} {what}(s); it takes at most {high}"
    return None


def node_problem(node, schema: NodeSchema) -> str | None:
    """Why ``node`` (a NodeProto) does not fit ``schema``, or None."""
    low, high, formal = schema.inputs
    problem = _count_problem("input", len(node.input), low, high) or \
        _count_problem("output", len(node.output), *schema.outputs)
    if problem:
        return problem
    for i, name in enumerate(node.input):
        if not name and i < len(formal) and formal[i] == "S":
            return f"input {i} is required but its name is empty"
    given = {}
    for a in node.attribute:
        kind = ATTRIBUTE_TYPES.get(a.type)
        if kind is None:
            return f"attribute '{a.name}' has no valid type ({a.type})"
        given[a.name] = kind
    for name, (kind, required, _) in schema.attrs.items():
        if name in given and given[name] != kind:
            return f"attribute '{name}' is a {given[name]}; {schema.title()} declares it {kind}"
        if required and name not in given:
            return f"attribute '{name}' is required"
    return None
