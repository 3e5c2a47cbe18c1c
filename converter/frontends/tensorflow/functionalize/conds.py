"""TF1 conditionals (Switch/Merge groups) -> functional If nodes.

tf.cond with control flow v1 sends every tensor a branch reads through a Switch on the predicate (output 1
feeds the true branch, output 0 the false one) and joins each result of the two branches with a Merge. Nodes
that read nothing from outside a branch (constants) are tied to it by a control edge from a pivot: an Identity
of the output of Switch(pred, pred) for that branch. Those control edges are what place them in a branch.

Every node gets the set of (predicate, branch) conditions under which it runs: a Switch adds its predicate
and port, a Merge removes the one predicate its inputs differ in, any other node runs under the union of its
inputs' (data and control) conditions. The Merges that remove the same predicate under the same outer
conditions, and whose branches share nodes, form one conditional; the innermost ones are replaced first by an
If node with two library functions (then: the true branch, else: the false one) over the tensors the branches
read, and each Merge by an Identity of its If output under its own name. An If whose predicate is a Const is
later replaced by its taken branch (functions.inline_function_calls).
"""
from __future__ import annotations

from ....proto import tf_graph_pb2 as tfpb
from ..names import split_tensor_name
from .graph_edit import (MERGE, SWITCH, NodeMap, fresh_function_name, make_function, ref_string, refusal,
                         topo_order)

DEAD = None     # the state of a tensor that never carries a value (a Switch port its own predicate rules out)


def predicate_key(nodes: NodeMap, node) -> tuple:
    """The predicate tensor of a Switch, seen through Identity chains (tf.cond switches data on an Identity
    of the predicate and its pivots on the predicate itself)."""
    ref = NodeMap.data_inputs(node)[1]
    for _ in range(64):
        src = nodes.nodes.get(ref[0])
        if src is None or src.op not in ("Identity", "Snapshot") or not NodeMap.data_inputs(src):
            break
        ref = NodeMap.data_inputs(src)[0]
    return ref


def _join(states: list):
    merged: dict = {}
    for st in states:
        if st is DEAD:
            return DEAD
        for key, branch in st.items():
            if merged.get(key, branch) != branch:
                return DEAD         # both branches of one predicate at once: never runs
            merged[key] = branch
    return merged


class CondStates:
    """The condition state of every node output: {predicate key: branch}, or DEAD."""

    def __init__(self, nodes: NodeMap):
        self.nodes = nodes
        self.node_state: dict = {}       # name -> state (a Switch: the state of its inputs)
        self.port_state: dict = {}       # (switch name, port) -> state
        self.merge_info: dict = {}       # merge name -> (outer state, predicate key, {branch: data input})
        for name in topo_order(nodes):
            self._visit(nodes[name])

    def of(self, ref) -> dict:
        if ref in self.port_state:
            return self.port_state[ref]
        return self.node_state.get(ref[0], {})

    def _visit(self, node) -> None:
        data = [self.of(r) for r in NodeMap.data_inputs(node) if r[0] in self.nodes]
        control = [self.node_state.get(c, {}) for c in NodeMap.control_inputs(node) if c in self.nodes]
        if node.op in MERGE:
            self._merge(node, data, control)
            return
        state = _join(data + control)
        self.node_state[node.name] = state
        if node.op in SWITCH and len(NodeMap.data_inputs(node)) >= 2:
            key = predicate_key(self.nodes, node)
            for port in (0, 1):
                self.port_state[(node.name, port)] = DEAD if state is DEAD or state.get(key, port) != port \
                    else {**state, key: port}

    def _merge(self, node, data: list, control: list) -> None:
        live = [(i, st) for i, st in enumerate(data) if st is not DEAD]
        if not live:
            self.node_state[node.name] = DEAD
            return
        if len(live) == 1:                      # the other input never carries a value: an Identity
            self.node_state[node.name] = _join([live[0][1]] + control)
            return
        keys = set().union(*(st.keys() for _, st in live))
        differ = [k for k in keys if len({st.get(k) for _, st in live}) > 1]
        if len(live) != 2 or len(differ) != 1 or any(k not in st for k in differ for _, st in live):
            raise refusal(f"Merge '{node.name}' does not join the two branches of one conditional", node.name)
        key = differ[0]
        outer = {k: v for k, v in live[0][1].items() if k != key}
        self.node_state[node.name] = _join([outer] + control)
        self.merge_info[node.name] = (outer, key, {st[key]: i for i, st in live})   # branch -> data input


def _ref(s: str) -> tuple:
    return split_tensor_name(s)


class CondGroup:
    """Merges of one conditional (same predicate, same outer state, branches sharing nodes)."""

    def __init__(self, key, outer: dict, merges: list):
        self.key, self.outer, self.merges = key, outer, merges
        self.branch_nodes = {0: set(), 1: set()}


def _branch_closure(nodes: NodeMap, states: CondStates, root: tuple, key, branch: int, outer: dict) -> set:
    """Nodes of one branch that ``root`` depends on (data and control edges)."""
    want = {**outer, key: branch}
    seen, stack = set(), [root[0]]
    while stack:
        name = stack.pop()
        if name in seen or name not in nodes:
            continue
        node = nodes[name]
        if node.op in SWITCH and predicate_key(nodes, node) == key and states.node_state.get(name) == outer:
            continue                               # an entry into the branch: its input is an If argument
        st = states.node_state.get(name, {})
        if st is DEAD or st.get(key) != branch:
            continue                               # outside the branch
        if st != want:
            raise refusal(f"node '{name}' runs under conditions that no single tf.cond describes", name)
        seen.add(name)
        stack.extend(s for s, _ in NodeMap.data_inputs(node))
        stack.extend(NodeMap.control_inputs(node))
    return seen


def find_groups(nodes: NodeMap, states: CondStates) -> list:
    """The innermost conditionals (deepest outer state), each a CondGroup."""
    if not states.merge_info:
        return []
    depth = max(len(info[0]) for info in states.merge_info.values())
    candidates = [(m, info) for m, info in states.merge_info.items() if len(info[0]) == depth]
    owner: dict = {}           # branch node -> group index
    groups: list = []
    for merge, (outer, key, branches) in candidates:
        node = nodes[merge]
        refs = NodeMap.data_inputs(node)
        members = {b: _branch_closure(nodes, states, refs[i], key, b, outer) for b, i in branches.items()}
        hits = {owner[n] for b in members.values() for n in b if n in owner}
        mine = CondGroup(key, outer, [merge])
        mine.branch_nodes = members
        for i in sorted(hits):
            other = groups[i]
            if other.key != key or other.outer != outer:
                raise refusal(f"Merge '{merge}' shares branch nodes with another conditional", merge)
            mine.merges = other.merges + mine.merges
            for b in (0, 1):
                mine.branch_nodes[b] |= other.branch_nodes[b]
            groups[i] = None
        groups.append(mine)
        for b in (0, 1):
            for n in mine.branch_nodes[b]:
                owner[n] = len(groups) - 1
    return [g for g in groups if g is not None]


class IfBuilder:
    """Replaces one CondGroup by an If node and its two branch functions."""

    def __init__(self, nodes: NodeMap, states: CondStates, group: CondGroup, library: dict, taken: set):
        self.nodes, self.states, self.group, self.library, self.taken = nodes, states, group, library, taken

    def _argument(self, ref: tuple, args: list, arg_index: dict) -> tuple:
        """The outer tensor a branch reads through ``ref``: the data input of an entry Switch (one on this
        conditional's predicate, outside the branches), or ref itself."""
        node = self.nodes[ref[0]]
        if node.op in SWITCH and predicate_key(self.nodes, node) == self.group.key \
                and self.states.node_state.get(ref[0]) == self.group.outer:
            ref = NodeMap.data_inputs(node)[0]
        if ref not in arg_index:
            arg_index[ref] = len(args)
            args.append(ref)
        return ref

    def build(self) -> None:
        g, nodes = self.group, self.nodes
        args: list = []
        arg_index: dict = {}
        per_branch = {}
        for branch in (0, 1):
            members = g.branch_nodes[branch]
            results = []
            for merge in g.merges:
                results.append(NodeMap.data_inputs(nodes[merge])[self.states.merge_info[merge][2][branch]])
            used = _data_closure(nodes, [r[0] for r in results], members)
            order = [n for n in nodes.nodes if n in used]
            arg_of_refs = set()
            for n in order:
                for ref in NodeMap.data_inputs(nodes[n]):
                    if ref[0] not in members:
                        arg_of_refs.add(ref)
            for ref in results:
                if ref[0] not in members:
                    arg_of_refs.add(ref)
            per_branch[branch] = (order, results, sorted(arg_of_refs))
        arg_of = {}
        for branch in (1, 0):
            for ref in per_branch[branch][2]:
                arg_of[ref] = self._argument(ref, args, arg_index)
        base = _common_prefix(g.merges)
        functions = {}
        for branch, label in ((1, "then"), (0, "else")):
            order, results, _ = per_branch[branch]
            name = fresh_function_name(f"{base}_{label}", self.library, self.taken)
            positions = {ref: arg_index[outer] for ref, outer in arg_of.items()}
            self.library[name] = make_function(name, [nodes[n] for n in order], positions, len(args), results)
            functions[label] = name
        pred = g.key
        if_name = nodes.unique_name(f"{base}/If")
        node = tfpb.NodeDef(name=if_name, op="If")
        node.input.append(ref_string(*pred))
        node.input.extend(ref_string(*a) for a in args)
        node.attr["then_branch"].func.name = functions["then"]
        node.attr["else_branch"].func.name = functions["else"]
        nodes.remove(g.branch_nodes[0] | g.branch_nodes[1])
        nodes.add(node)
        consumers = nodes.consumers()
        for k, merge in enumerate(g.merges):
            index_read = any(pos is not None and _reads_port(nodes[user], merge, 1)
                             for user, pos in consumers.get(merge, ()))
            if not index_read:
                nodes.replace(merge, "Identity", [ref_string(if_name, k)])
                continue
            true_first = self.states.merge_info[merge][2][1] == 0
            self._merge_with_index(merge, ref_string(if_name, k), pred, true_first)

    def _merge_with_index(self, merge: str, value: str, pred: tuple, true_first: bool) -> None:
        """A Merge whose value_index (output 1) is read: IdentityN(value, index of the branch taken)."""
        nodes = self.nodes
        src = ref_string(*pred)
        if true_first:
            flip = nodes.unique_name(f"{merge}/taken_not")
            not_node = tfpb.NodeDef(name=flip, op="LogicalNot")
            not_node.input.append(src)
            nodes.add(not_node)
            src = flip
        cast = nodes.unique_name(f"{merge}/value_index")
        cast_node = tfpb.NodeDef(name=cast, op="Cast")
        cast_node.input.append(src)
        cast_node.attr["SrcT"].type = 10
        cast_node.attr["DstT"].type = 3
        nodes.add(cast_node)
        nodes.replace(merge, "IdentityN", [value, cast])


def _data_closure(nodes: NodeMap, roots: list, members: set) -> set:
    """The members that the roots read through data edges (what a branch function holds: control edges only
    placed nodes in the branch)."""
    seen, stack = set(), [r for r in roots if r in members]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(s for s, _ in NodeMap.data_inputs(nodes[name]) if s in members)
    return seen


def _reads_port(node, name: str, port: int) -> bool:
    return any(_ref(s) == (name, port) for s in node.input if not s.startswith("^"))


def _common_prefix(names: list) -> str:
    parts = [n.split("/") for n in names]
    common = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    if len(common) == len(parts[0]):
        common = common[:-1]
    return "/".join(common) or names[0]


def functionalize_conds(nodes: NodeMap, library: dict) -> int:
    """Replace every Switch/Merge conditional by an If node (innermost first); returns how many."""
    count, taken = 0, set()
    for _ in range(10_000):
        states = CondStates(nodes)
        groups = find_groups(nodes, states)
        if not groups:
            return count
        for group in groups:
            IfBuilder(nodes, states, group, library, taken).build()
            count += 1
    raise refusal("conditionals nest too deeply")
