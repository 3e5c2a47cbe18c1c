"""Copying one graph's ops into another (function bodies inlined into a loop body, for instance)."""
from __future__ import annotations

from .graph import Graph


def inline_graph(dst: Graph, src: Graph, inputs: list, prefix: str | None) -> list:
    """Add src's ops (not its Data/NetOutput) to dst under unique names starting with ``prefix`` (their own
    names, made unique, when prefix is None), reading ``inputs[k]`` where src reads the Data op of index k;
    returns the dst refs of src's outputs in order."""
    data_refs = {op.name: inputs[op.attrs.get("index", k)] for k, op in enumerate(src.data_ops())}
    names: dict = {}

    def resolve(ref):
        if ref is None:
            return None
        return data_refs[ref[0]] if ref[0] in data_refs else (names[ref[0]], ref[1])

    for op in src.topo_order():
        if op.type in ("Data", "NetOutput"):
            continue
        names[op.name] = dst.unique_name(op.name if prefix is None else f"{prefix}/{op.name}")
        dst.add(op.clone(names[op.name]), [resolve(r) for r in src.inputs_of(op.name)])
    return [resolve(r) for r in src.output_refs()]
