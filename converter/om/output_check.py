"""check_outputs: the last check before an .om is written (write_om calls it on the ModelDef it is about to
serialise, so every frontend and every caller goes through it).

The model's outputs must be exactly the source graph's outputs (or the --out_nodes entries), which the
conversion records as ``graph.meta["source_outputs"]`` right after the frontend: the same count, order and
names, and each one read from an op of the main graph that has that output. Otherwise the conversion stops
with an internal error naming the lost output, and nothing is written: a converter must never write a model
whose outputs differ from its source's.
"""
from __future__ import annotations

from ..errors import INTERNAL_ERROR, GraphError
from ..proto import ge_ir_pb2 as ge
from .model_def import CONTROL_INDEX, split_input

OUT_NODES_ATTR = "attr_model_out_nodes_name"


def _lost(name: str, why: str) -> GraphError:
    return GraphError(INTERNAL_ERROR, f"internal error: the offline model would lose output '{name}' ({why}); nothing "
                      "was written. Please report it with the model", node=name)


def check_outputs(model: ge.ModelDef, expected: list | None) -> None:
    """Raise (E19999, naming the output) unless the ModelDef's outputs are ``expected`` (None: only check that
    each recorded output is produced by an op)."""
    main = model.graph[0]
    producers = {op.name: op for op in main.op}
    nets = [op for op in main.op if op.type == "NetOutput"]
    names = list(model.attr[OUT_NODES_ATTR].list.s) if OUT_NODES_ATTR in model.attr else []
    names = [n.decode("utf-8", "replace") for n in names]
    want = list(expected) if expected is not None else names
    if len(nets) != 1:
        raise _lost(want[0] if want else "?", f"the graph has {len(nets)} NetOutput ops, not one")
    refs = []
    for text in nets[0].input:
        src, idx = split_input(text)
        if idx != CONTROL_INDEX:
            refs.append((src, idx))
    for k, name in enumerate(want):
        if k >= len(refs):
            raise _lost(name, f"the model has {len(refs)} output(s), the source {len(want)}")
        src, idx = refs[k]
        op = producers.get(src)
        if op is None or op.type == "NetOutput":
            raise _lost(name, f"output {k} reads '{src}', which is not an op of the graph")
        if not 0 <= idx < len(op.output_desc):
            raise _lost(name, f"output {k} reads output {idx} of '{src}', which has {len(op.output_desc)}")
        if k >= len(names) or names[k] != name:
            got = names[k] if k < len(names) else "nothing"
            raise _lost(name, f"output {k} is named '{got}'")
    if len(refs) > len(want) or len(names) > len(want):
        extra = names[len(want)] if len(names) > len(want) else refs[len(want)][0]
        raise GraphError(INTERNAL_ERROR, f"internal error: the offline model would have an output '{extra}' that the "
                         "source does not have; nothing was written. Please report it with the model", node=extra)
