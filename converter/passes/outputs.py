"""Output selection (--out_nodes): find the named ops/tensors and make them the model outputs."""
from __future__ import annotations

from ..errors import OUTPUT_INDEX_NOT_FOUND, OUTPUT_NODE_NOT_FOUND, ConverterError
from ..ir import Graph, Op
from .base import PassContext


def find_output(graph: Graph, name: str, index: int | None):
    """Resolve an --out_nodes entry to a (op, output index) ref.

    ``name`` may be one of our op names, a source node name (Op.source), or, with no index, a source
    tensor name. TF-style ``node:0`` without a separate index is split by the caller."""
    if index is not None:  # a source tensor named "node:index" (TF), recorded by the frontend
        for op in graph.ops():
            for i, d in enumerate(op.outputs):
                if d.name == f"{name}:{index}" or (index == 0 and d.name == name and op.source == name):
                    return (op.name, i)
    if index is None:
        for op in graph.ops():
            for i, d in enumerate(op.outputs):
                if d.name == name:
                    return (op.name, i)
        index = 0
    op = graph.op(name) if name in graph else None
    if op is None:
        candidates = [o for o in graph.ops() if o.source == name]
        named = [o for o in candidates if any(d.name for d in o.outputs)]
        op = (named or candidates or [None])[-1]
    if op is None or op.type == "NetOutput":
        raise ConverterError(OUTPUT_NODE_NOT_FOUND, f"--out_nodes: there is no node named '{name}' in the model",
                             option="--out_nodes", node=name)
    if index >= len(op.outputs) or index < 0:
        raise ConverterError(OUTPUT_INDEX_NOT_FOUND,
                             f"--out_nodes: node '{name}' has {len(op.outputs)} output(s); index {index} "
                             "is out of range", option="--out_nodes", node=name)
    return (op.name, index)


def select_outputs(graph: Graph, ctx: PassContext) -> bool:
    """Rewire NetOutput to the --out_nodes entries, in the order given."""
    entries = ctx.options.out_nodes or ()
    if not entries:
        return False
    refs = [find_output(graph, name, idx) for name, idx in entries]
    old = graph.net_output()
    attrs = dict(old.attrs) if old is not None else {}
    if old is not None:
        graph.remove(old.name)
    names = []
    for (name, idx), ref in zip(entries, refs):
        names.append(f"{name}:{idx}" if idx is not None else name)
    attrs["output_names"] = names
    graph.meta["source_outputs"] = list(names)  # what the .om writer checks the outputs against
    graph.add(Op(graph.unique_name("NetOutput"), "NetOutput", attrs=attrs), refs)
    return True
