"""The graph IR: Ops connected by data edges in a networkx MultiDiGraph, in deterministic order.

An edge u -> v with key = destination input index carries attribute ``src`` = producer output
index. Graph inputs are ``Data`` ops (attr ``index``), constants are ``Const`` ops (``op.value``
holds the numpy array, possibly a read-only view into the source file), and one ``NetOutput``
op collects the model outputs in order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

import networkx as nx
import numpy as np

from ..errors import DUPLICATE_NAME, OUTPUT_NODE_NOT_FOUND, UNKNOWN_INPUT, GraphError
from .dtypes import from_numpy
from .tensor import TensorDesc

Ref = tuple  # (producer op name, output index)


@dataclass(eq=False)
class Op:
    """One operation. ``outputs`` holds a TensorDesc per output; input descs are the producers'."""

    name: str
    type: str
    attrs: dict = field(default_factory=dict)
    outputs: list = field(default_factory=list)
    value: np.ndarray | None = None          # Const only
    subgraphs: dict = field(default_factory=dict)  # attr name -> Graph (If/Loop bodies)
    source: str | None = None                # source node name this op came from

    def __repr__(self) -> str:
        return f"Op({self.type} {self.name!r})"

    def clone(self, name: str | None = None) -> "Op":
        """A copy with its own attrs, descs and subgraphs (weights shared, they are read-only)."""
        return Op(name or self.name, self.type, dict(self.attrs), [d.copy() for d in self.outputs], self.value,
                  {k: g.copy() for k, g in self.subgraphs.items()}, self.source)


class Graph:
    """A dataflow graph of Ops. All mutation goes through these methods."""

    def __init__(self, name: str = "graph"):
        self.name = name
        self.g = nx.MultiDiGraph()
        self._order: dict[str, int] = {}   # name -> insertion position (tie-break for deterministic order)
        self._added: list = []             # names in insertion order (append-only), for added_since()
        self.attrs: dict = {}   # GraphDef attrs written to the .om
        self.meta: dict = {}    # conversion bookkeeping (framework, opset, warnings, model attrs); not written

    # ---- building -------------------------------------------------------------------------
    def add(self, op: Op, inputs: Iterable[Ref | None] = ()) -> Op:
        if op.name in self.g:
            raise GraphError(DUPLICATE_NAME, f"duplicate op name '{op.name}'", node=op.name)
        self.g.add_node(op.name, op=op)
        self._order[op.name] = len(self._added)
        self._added.append(op.name)
        for i, ref in enumerate(inputs):
            if ref is not None:
                self.connect(ref, op.name, i)
        return op

    def add_const(self, name: str, value: np.ndarray, source: str | None = None) -> Op:
        value = np.asarray(value)
        desc = TensorDesc(dtype=from_numpy(value.dtype), shape=tuple(value.shape), name=name)
        return self.add(Op(name, "Const", outputs=[desc], value=value, source=source))

    def add_data(self, name: str, desc: TensorDesc, index: int) -> Op:
        return self.add(Op(name, "Data", attrs={"index": index}, outputs=[desc], source=name))

    def connect(self, src: Ref, dst: str, dst_idx: int) -> None:
        src_name, src_idx = src
        if src_name not in self.g:
            raise GraphError(UNKNOWN_INPUT, f"op '{dst}' reads from unknown op '{src_name}'", node=dst)
        if self.g.has_edge(src_name, dst, key=dst_idx):
            self.g.remove_edge(src_name, dst, key=dst_idx)
        self.disconnect(dst, dst_idx)
        self.g.add_edge(src_name, dst, key=dst_idx, src=src_idx)

    def disconnect(self, dst: str, dst_idx: int) -> None:
        for u, _, k in list(self.g.in_edges(dst, keys=True)):
            if k == dst_idx:
                self.g.remove_edge(u, dst, key=k)

    def remove(self, name: str) -> None:
        self.g.remove_node(name)
        del self._order[name]

    def mark(self) -> int:
        """A position in the insertion history; ``added_since(mark)`` gives the ops added after it."""
        return len(self._added)

    def added_since(self, mark: int) -> list:
        return [self.g.nodes[n]["op"] for n in self._added[mark:] if n in self.g]

    def unique_name(self, base: str) -> str:
        if base not in self.g:
            return base
        i = 1
        while f"{base}_{i}" in self.g:
            i += 1
        return f"{base}_{i}"

    # ---- queries --------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self.g

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def op(self, name: str) -> Op:
        try:
            return self.g.nodes[name]["op"]
        except KeyError:
            raise GraphError(OUTPUT_NODE_NOT_FOUND, f"no op named '{name}' in the graph", node=name) from None

    def ops(self) -> Iterator[Op]:
        """Ops in insertion order."""
        for name in sorted(self._order, key=self._order.__getitem__):
            yield self.g.nodes[name]["op"]

    def inputs_of(self, name: str) -> list:
        """Producer refs of an op's inputs, by input index; None where an optional input is absent."""
        edges = {k: (u, d["src"]) for u, _, k, d in self.g.in_edges(name, keys=True, data=True)}
        if not edges:
            return []
        return [edges.get(i) for i in range(max(edges) + 1)]

    def input_descs(self, name: str) -> list:
        return [None if r is None else self.desc(r) for r in self.inputs_of(name)]

    def desc(self, ref: Ref) -> TensorDesc:
        return self.op(ref[0]).outputs[ref[1]]

    def consumers(self, name: str, out_idx: int | None = None) -> list:
        """(consumer name, input index) pairs reading this op's output (all outputs if None)."""
        res = [(v, k) for _, v, k, d in self.g.out_edges(name, keys=True, data=True)
               if out_idx is None or d["src"] == out_idx]
        return sorted(res, key=lambda vk: (self._order[vk[0]], vk[1]))

    def replace_uses(self, old: Ref, new: Ref) -> None:
        """Make every reader of ``old`` read ``new`` instead."""
        for v, k in self.consumers(old[0], old[1]):
            self.connect(new, v, k)

    def topo_order(self) -> list:
        """Ops in a deterministic topological order (ties broken by insertion order)."""
        order = self._order
        names = nx.lexicographical_topological_sort(self.g, key=order.__getitem__)
        return [self.g.nodes[n]["op"] for n in names]

    def data_ops(self) -> list:
        data = [op for op in self.ops() if op.type == "Data"]  # real files may lack the index attr
        return sorted(data, key=lambda o: (o.attrs.get("index", data.index(o)), data.index(o)))

    def net_output(self) -> Op | None:
        for op in self.ops():
            if op.type == "NetOutput":
                return op
        return None

    def output_refs(self) -> list:
        out = self.net_output()
        return [] if out is None else self.inputs_of(out.name)

    def output_names(self) -> list:
        """User-facing names of the model outputs, in order: the NetOutput's ``output_names`` attr (set by
        frontends and --out_nodes), else the source tensor name, else 'op:index'."""
        out = self.net_output()
        given = list(out.attrs.get("output_names") or []) if out is not None else []
        names = []
        for i, ref in enumerate(self.output_refs()):
            if ref is None:
                continue
            if i < len(given) and given[i]:
                names.append(given[i])
            else:
                names.append(self.desc(ref).name or f"{ref[0]}:{ref[1]}")
        return names

    def const_value(self, ref: Ref | None):
        """The numpy value of a constant input, or None if it is not a Const."""
        if ref is None:
            return None
        op = self.op(ref[0])
        return op.value if op.type == "Const" else None

    def copy(self) -> "Graph":
        """A structural copy: new Op objects with shared (read-only) weights."""
        new = Graph(self.name)
        new.attrs = dict(self.attrs)
        new.meta = dict(self.meta)
        for op in self.ops():
            new.add(op.clone())
        for u, v, k, d in self.g.edges(keys=True, data=True):
            new.g.add_edge(u, v, key=k, src=d["src"])
        return new
