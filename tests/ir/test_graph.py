"""The IR Graph's own adjacency: inputs by index, readers, the cached deterministic topological order (ties
by insertion order, as networkx's lexicographical sort gave), unique names after removals, cycles found, and
pruning of ops no output depends on."""
import heapq
import random

import numpy as np
import pytest

from converter.errors import GraphError
from converter.ir import Graph, Op, TensorDesc
from converter.passes.simplify import prune_dead_ops


def _op(graph: Graph, name: str, inputs=(), n_out: int = 1) -> Op:
    return graph.add(Op(name, "Add", outputs=[TensorDesc(shape=(1,)) for _ in range(n_out)]), inputs)


def _reference_order(graph: Graph) -> list:
    """Kahn's algorithm taking, of the ready ops, always the one added first."""
    names = [op.name for op in graph.ops()]
    pos = {n: i for i, n in enumerate(names)}
    waiting = {n: len([r for r in graph.inputs_of(n) if r is not None]) for n in names}
    ready = [(pos[n], n) for n in names if not waiting[n]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, n = heapq.heappop(ready)
        order.append(n)
        for v, _ in graph.consumers(n):
            waiting[v] -= 1
            if not waiting[v]:
                heapq.heappush(ready, (pos[v], v))
    return order


def test_inputs_and_readers_by_index():
    g = Graph()
    g.add_data("x", TensorDesc(shape=(1,)), 0)
    _op(g, "a", [("x", 0), None, ("x", 0)])
    assert g.inputs_of("a") == [("x", 0), None, ("x", 0)]
    assert g.consumers("x") == [("a", 0), ("a", 2)] and g.has_consumers("x") and not g.has_consumers("a")
    _op(g, "b", [("a", 0)])
    g.replace_uses(("a", 0), ("x", 0))
    assert g.inputs_of("b") == [("x", 0)] and not g.has_consumers("a")
    g.disconnect("a", 2)
    assert g.inputs_of("a") == [("x", 0)]
    g.remove("x")
    assert g.inputs_of("a") == [] and g.inputs_of("b") == [] and g.producers("b") == []
    with pytest.raises(GraphError):
        g.connect(("ghost", 0), "a", 0)


def test_topological_order_matches_the_lexicographic_rule_and_follows_edits():
    rng = random.Random(0)
    g = Graph()
    g.add_data("x", TensorDesc(shape=(1,)), 0)
    names = ["x"]
    for i in range(200):   # added in a random order: producers may come after their readers
        _op(g, f"n{i}")
        names.append(f"n{i}")
    order = {n: i for i, n in enumerate(rng.sample(names, len(names)))}   # a hidden DAG order
    for i in range(200):
        before = [n for n in names if order[n] < order[f"n{i}"]]
        for k, src in enumerate(rng.sample(before, min(2, len(before)))):
            g.connect((src, 0), f"n{i}", k)
    assert [op.name for op in g.topo_order()] == _reference_order(g)
    g.remove("n5")
    _op(g, "late", [("x", 0)])
    assert [op.name for op in g.topo_order()] == _reference_order(g)


def test_unique_name_hands_out_the_smallest_free_suffix_again():
    g = Graph()
    for name in ("c", "c_1", "c_2", "c_3"):
        _op(g, name)
    assert g.unique_name("c") == "c_4"
    g.remove("c_2")
    assert g.unique_name("c") == "c_2"
    _op(g, "c_2")
    assert g.unique_name("c") == "c_4" and g.unique_name("d") == "d"


def test_cycles_are_found_and_refused_by_the_order():
    g = Graph()
    _op(g, "a")
    _op(g, "b", [("a", 0)])
    _op(g, "c", [("b", 0)])
    assert g.find_cycle() is None
    g.connect(("c", 0), "a", 0)
    assert g.find_cycle() == ["a", "b", "c"]
    with pytest.raises(GraphError):
        g.topo_order()


def test_copy_keeps_order_edges_and_shares_weights():
    g = Graph("g")
    g.add_data("x", TensorDesc(shape=(2,)), 0)
    w = g.add_const("w", np.ones(2, np.float32))
    _op(g, "a", [("x", 0), ("w", 0)])
    c = g.copy()
    assert [op.name for op in c.topo_order()] == ["x", "w", "a"] and c.inputs_of("a") == [("x", 0), ("w", 0)]
    assert c.op("w") is not w and c.op("w").value is w.value


def test_prune_removes_exactly_what_no_output_depends_on():
    g = Graph()
    g.add_data("x", TensorDesc(shape=(1,)), 0)
    g.add_data("unused_input", TensorDesc(shape=(1,)), 1)
    _op(g, "live", [("x", 0)])
    _op(g, "dead1", [("live", 0)])          # reads a live op, read by nothing that matters
    _op(g, "dead2", [("dead1", 0), ("x", 0)])
    _op(g, "dead_root")
    _op(g, "dead_leaf", [("dead_root", 0)])
    g.add_const("w", np.ones(1, np.float32))
    _op(g, "live2", [("live", 0), ("w", 0)])
    g.add(Op("NetOutput", "NetOutput"), [("live2", 0)])
    assert prune_dead_ops(g)
    assert sorted(op.name for op in g.ops()) == ["NetOutput", "live", "live2", "unused_input", "w", "x"]
    assert not prune_dead_ops(g)


def test_networkx_view_has_every_op_and_edge():
    import networkx as nx
    g = Graph("g")
    g.add_data("x", TensorDesc(shape=(2,)), 0)
    g.add_const("w", np.ones(2, np.float32))
    _op(g, "a", [("x", 0), ("w", 0)])
    _op(g, "b", [("a", 0), ("a", 0)])        # one producer read twice: two edges
    view = g.to_networkx()
    assert list(nx.topological_sort(view)) == [op.name for op in g.topo_order()]
    assert view.nodes["a"]["type"] == "Add" and view.nodes["a"]["op"] is g.op("a")
    edges = sorted((u, v, d["src_index"], d["dst_index"]) for u, v, d in view.edges(data=True))
    assert edges == [("a", "b", 0, 0), ("a", "b", 0, 1), ("w", "a", 0, 1), ("x", "a", 0, 0)]
