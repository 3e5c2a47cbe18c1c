"""The graph IR: Ops connected by data edges, in deterministic order.

Each op's inputs are kept by input index (``(producer name, producer output index)``), and each op's readers by
(consumer name, input index), so every query and edit touches only the ops involved (no whole-graph scans, no
view objects). Graph inputs are ``Data`` ops (attr ``index``), constants are ``Const`` ops (``op.value`` holds
the numpy array, possibly a read-only view into the source file), and one ``NetOutput`` op collects the model
outputs in order. The topological order (ties broken by insertion order) is computed once and kept until an
op or an edge is added or removed.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import numpy as np

from ..errors import DUPLICATE_NAME, INTERNAL_ERROR, OUTPUT_NODE_NOT_FOUND, UNKNOWN_INPUT, GraphError
from .dtypes import from_numpy
from .tensor import TensorDesc

Ref = tuple  # (producer op name, output index)


@dataclass(eq=False, slots=True)
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
        self._ops: dict[str, Op] = {}      # name -> Op, in insertion order
        self._pos: dict[str, int] = {}     # name -> insertion position (tie-break for deterministic order)
        self._added: list = []             # names in insertion order (append-only), for added_since()
        self._in: dict[str, dict] = {}     # name -> {input index: producer ref}
        self._out: dict[str, dict] = {}    # name -> {(consumer name, input index): output index}
        self._topo: list | None = None     # topological order of names; None once the structure changed
        self._suffix: dict[str, int] = {}  # base -> i such that base_1 .. base_(i-1) are taken (unique_name)
        self._net_output: str | None = None
        self.attrs: dict = {}   # GraphDef attrs written to the .om
        self.meta: dict = {}    # conversion bookkeeping (framework, opset, warnings, model attrs); not written
        self.infer_memo = None  # shape-inference results by what they depend on (ops.infer_memo), made on first use

    # ---- building -------------------------------------------------------------------------
    def add(self, op: Op, inputs: Iterable[Ref | None] = ()) -> Op:
        name = op.name
        if name in self._ops:
            raise GraphError(DUPLICATE_NAME, f"duplicate op name '{name}'", node=name)
        self._ops[name] = op
        self._pos[name] = len(self._added)
        self._added.append(name)
        self._in[name] = {}
        self._out[name] = {}
        self._topo = None
        for i, ref in enumerate(inputs):
            if ref is not None:
                self.connect(ref, name, i)
        return op

    def add_const(self, name: str, value: np.ndarray, source: str | None = None) -> Op:
        value = np.asarray(value)
        desc = TensorDesc(dtype=from_numpy(value.dtype), shape=tuple(value.shape), name=name)
        return self.add(Op(name, "Const", outputs=[desc], value=value, source=source))

    def add_data(self, name: str, desc: TensorDesc, index: int) -> Op:
        return self.add(Op(name, "Data", attrs={"index": index}, outputs=[desc], source=name))

    def connect(self, src: Ref, dst: str, dst_idx: int) -> None:
        """Make input ``dst_idx`` of op ``dst`` read ``src`` (replacing what it read before)."""
        src_name, src_idx = src
        if src_name not in self._ops:
            raise GraphError(UNKNOWN_INPUT, f"op '{dst}' reads from unknown op '{src_name}'", node=dst)
        if dst not in self._ops:
            raise GraphError(INTERNAL_ERROR, f"cannot connect '{src_name}' to op '{dst}': no op has that name",
                             node=dst)
        self.disconnect(dst, dst_idx)
        self._in[dst][dst_idx] = (src_name, src_idx)
        self._out[src_name][(dst, dst_idx)] = src_idx
        self._topo = None

    def disconnect(self, dst: str, dst_idx: int) -> None:
        ins = self._in.get(dst)
        old = ins.pop(dst_idx, None) if ins else None
        if old is not None:
            del self._out[old[0]][(dst, dst_idx)]
            self._topo = None

    def remove(self, name: str) -> None:
        op = self._ops.pop(name, None)
        if op is None:
            raise GraphError(OUTPUT_NODE_NOT_FOUND, f"no op named '{name}' in the graph", node=name)
        for k, (src, _) in self._in.pop(name).items():
            del self._out[src][(name, k)]
        for (dst, k) in self._out.pop(name):
            del self._in[dst][k]
        del self._pos[name]
        self._topo = None
        base, _, suffix = name.rpartition("_")
        if suffix.isdigit() and 1 <= int(suffix) < self._suffix.get(base, 0) and str(int(suffix)) == suffix:
            self._suffix[base] = int(suffix)   # a freed base_i: unique_name hands it out again

    def mark(self) -> int:
        """A position in the insertion history; ``added_since(mark)`` gives the ops added after it."""
        return len(self._added)

    def added_since(self, mark: int) -> list:
        ops = self._ops
        return [ops[n] for n in self._added[mark:] if n in ops]

    def unique_name(self, base: str) -> str:
        """``base``, or else ``base_i`` with the smallest i >= 1 that no op has."""
        if base not in self._ops:
            return base
        i = self._suffix.get(base, 1)
        while f"{base}_{i}" in self._ops:
            i += 1
        self._suffix[base] = i
        return f"{base}_{i}"

    # ---- queries --------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self._ops

    def __len__(self) -> int:
        return len(self._ops)

    def op(self, name: str) -> Op:
        try:
            return self._ops[name]
        except KeyError:
            raise GraphError(OUTPUT_NODE_NOT_FOUND, f"no op named '{name}' in the graph", node=name) from None

    def ops(self) -> Iterator[Op]:
        """Ops in insertion order (a snapshot: the graph may be changed while iterating)."""
        return iter(list(self._ops.values()))

    def inputs_of(self, name: str) -> list:
        """Producer refs of an op's inputs, by input index; None where an optional input is absent."""
        ins = self._in.get(name)
        if not ins:
            return []
        try:
            return [ins[i] for i in range(len(ins))]   # no absent input (the common case)
        except KeyError:
            return [ins.get(i) for i in range(max(ins) + 1)]

    def input_descs(self, name: str) -> list:
        return [None if r is None else self.desc(r) for r in self.inputs_of(name)]

    def desc(self, ref: Ref) -> TensorDesc:
        return self.op(ref[0]).outputs[ref[1]]

    def consumers(self, name: str, out_idx: int | None = None) -> list:
        """(consumer name, input index) pairs reading this op's output (all outputs if None), in insertion
        order of the consumers."""
        outs = self._out.get(name)
        if not outs:
            return []
        res = [vk for vk, s in outs.items() if out_idx is None or s == out_idx]
        pos = self._pos
        return sorted(res, key=lambda vk: (pos[vk[0]], vk[1]))

    def unread_ops(self) -> list:
        """Names of the ops whose outputs no op reads, in insertion order."""
        return [name for name, readers in self._out.items() if not readers]

    def producers(self, name: str) -> list:
        """Names of the ops ``name`` reads from (each once, in input order)."""
        return list(dict.fromkeys(src for src, _ in self._in.get(name, {}).values()))

    def has_consumers(self, name: str) -> bool:
        """Whether any op reads an output of ``name`` (O(1), unlike ``consumers``)."""
        return bool(self._out.get(name))

    def replace_uses(self, old: Ref, new: Ref) -> None:
        """Make every reader of ``old`` read ``new`` instead."""
        for v, k in self.consumers(old[0], old[1]):
            self.connect(new, v, k)

    def topo_order(self) -> list:
        """Ops in a deterministic topological order: of the ops whose producers have all come, always the one
        added first (a lexicographical topological sort by insertion position)."""
        if self._topo is None:
            self._topo = self._sorted_names()
        ops = self._ops
        return [ops[n] for n in self._topo]

    def _sorted_names(self) -> list:
        pos, ins = self._pos, self._in
        # Frontends add ops after their producers: then insertion order is the answer.
        if all(pos[src] < p for name, p in pos.items() for src, _ in ins[name].values()):
            return list(self._ops)
        waiting = {name: len(edges) for name, edges in ins.items()}
        ready = [(pos[name], name) for name, count in waiting.items() if not count]
        heapq.heapify(ready)
        order = []
        while ready:
            _, name = heapq.heappop(ready)
            order.append(name)
            for dst, _ in self._out[name]:
                waiting[dst] -= 1
                if not waiting[dst]:
                    heapq.heappush(ready, (pos[dst], dst))
        if len(order) != len(self._ops):
            cycle = self.find_cycle() or []
            raise GraphError(INTERNAL_ERROR, f"graph {self.name!r} has a cycle of data edges: "
                             + " -> ".join(repr(n) for n in cycle[:8]), node=cycle[0] if cycle else None)
        return order

    def find_cycle(self) -> list | None:
        """The names along one cycle of data edges (in edge order), or None for an acyclic graph."""
        state: dict = {}                    # name -> 1 on the current path, 2 done
        for start in self._ops:
            if start in state:
                continue
            path, iters = [start], [iter(self._out[start])]
            state[start] = 1
            while path:
                nxt = next(iters[-1], None)
                if nxt is None:
                    state[path.pop()] = 2
                    iters.pop()
                    continue
                dst = nxt[0]
                if state.get(dst) == 1:
                    return path[path.index(dst):]
                if dst not in state:
                    state[dst] = 1
                    path.append(dst)
                    iters.append(iter(self._out[dst]))
        return None

    def data_ops(self) -> list:
        data = [op for op in self._ops.values() if op.type == "Data"]  # real files may lack the index attr
        at = {id(op): i for i, op in enumerate(data)}
        return sorted(data, key=lambda o: (o.attrs.get("index", at[id(o)]), at[id(o)]))

    def net_output(self) -> Op | None:
        name = self._net_output
        if name is not None and name in self._ops and self._ops[name].type == "NetOutput":
            return self._ops[name]
        for op in self._ops.values():
            if op.type == "NetOutput":
                self._net_output = op.name
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

    def to_networkx(self):
        """The graph as a networkx MultiDiGraph, for analysis with networkx's algorithms: a node per op (attributes
        ``op``: the Op, ``type``), an edge per data edge from producer to reader with ``src_index`` (the output)
        and ``dst_index`` (the input). A snapshot: later edits of this Graph do not show in it."""
        import networkx as nx   # only for this view: the IR keeps its own adjacency (speed, see the module doc)
        view = nx.MultiDiGraph(name=self.name)
        for op in self._ops.values():   # insertion order; a cyclic graph has a view too
            view.add_node(op.name, op=op, type=op.type)
        for dst, ins in self._in.items():
            for k, (src, index) in sorted(ins.items()):
                view.add_edge(src, dst, src_index=index, dst_index=k)
        return view

    def copy(self) -> "Graph":
        """A structural copy: new Op objects with shared (read-only) weights."""
        new = Graph(self.name)
        new.attrs = dict(self.attrs)
        new.meta = dict(self.meta)
        for op in self._ops.values():
            new.add(op.clone())
        for dst, ins in self._in.items():
            for k, ref in ins.items():
                new.connect(ref, dst, k)
        return new
