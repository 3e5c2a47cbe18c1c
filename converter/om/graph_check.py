"""check_graph: the checks an .om graph must pass before it is run, so that a crafted or damaged file is
refused when it is loaded (E10003 naming the op) instead of failing inside the runtime.

Checked, in every graph and body: each data input comes from an op of the same graph and names one of its
outputs (control edges ``op:-1`` are not data inputs and are kept aside by the reader, as real ATC files have
them); Data ops have an output desc; no cycle of data edges. Weight ranges (offset and size inside the
WEIGHTS_DATA partition) are checked when the weights are read (attrs.tensor_from_proto)."""
from __future__ import annotations

import networkx as nx

from ..errors import INVALID_OM_FILE, OmFormatError
from ..ir import Graph
from .model_def import ATTR_UNRESOLVED_INPUTS as UNRESOLVED


def _bad(graph: Graph, op_name: str, what: str) -> OmFormatError:
    return OmFormatError(INVALID_OM_FILE,
                         f"the offline model is not valid: graph {graph.name!r}, op {op_name!r}: {what}",
                         node=op_name)


def check_graph(graph: Graph) -> None:
    for op in graph.ops():
        missing = op.attrs.get(UNRESOLVED)
        if missing:
            raise _bad(graph, op.name, f"input {missing[0]!r} names an op that is not in the graph")
        if op.type == "Data" and not op.outputs:
            raise _bad(graph, op.name, "the Data op has no output description")
        for ref in graph.inputs_of(op.name):
            if ref is not None and not 0 <= ref[1] < len(graph.op(ref[0]).outputs):
                raise _bad(graph, op.name, f"input {ref[0]!r}:{ref[1]} names output {ref[1]} of an op with "
                           f"{len(graph.op(ref[0]).outputs)} outputs")
        for sub in op.subgraphs.values():
            check_graph(sub)
    if not nx.is_directed_acyclic_graph(graph.g):
        cycle = [u for u, *_ in nx.find_cycle(graph.g)]
        raise _bad(graph, cycle[0], "its data edges form a cycle: " + " -> ".join(repr(n) for n in cycle[:8])
                   + (" ..." if len(cycle) > 8 else ""))
