"""Editing a GraphDef's nodes in place while control flow is functionalized: the nodes by name in file order,
who reads what (data and control edges), and turning a set of nodes into a library function (FunctionDef)."""
from __future__ import annotations

from ....errors import INVALID_ARGUMENT_VALUE, UNSUPPORTED_OP, GraphError, UnsupportedOpError
from ....proto import tf_graph_pb2 as tfpb
from ..names import is_control_input, split_tensor_name

ENTER = ("Enter", "RefEnter")
EXIT = ("Exit", "RefExit")
NEXT_ITERATION = ("NextIteration", "RefNextIteration")
SWITCH = ("Switch", "RefSwitch")
MERGE = ("Merge", "RefMerge")
LOOP_COND = ("LoopCond",)
CONTROL_FLOW_OPS = ENTER + EXIT + NEXT_ITERATION + SWITCH + MERGE + LOOP_COND
ADVICE = ("Freeze the graph with control flow v2 (TF2: convert_variables_to_constants_v2(..., "
          "lower_control_flow=False)) or open an issue with the model.")


def refusal(message: str, node: str | None = None) -> UnsupportedOpError:
    """E11009 for TF1 control flow whose structure cannot be turned into If/While."""
    return UnsupportedOpError(UNSUPPORTED_OP, f"{message}. {ADVICE}", node=node)


# How many data inputs each control-flow op has (Merge: at least one).
ARITY = {**{op: 1 for op in ENTER + EXIT + NEXT_ITERATION + LOOP_COND}, **{op: 2 for op in SWITCH}}


def check_arity(nodes) -> None:
    """E10001 for a control-flow node with the wrong number of data inputs (a damaged or hand-made graph)."""
    for n in nodes:
        count = sum(not is_control_input(s) for s in n.input)
        want = ARITY.get(n.op)
        if (want is not None and count != want) or (n.op in MERGE and count < 1):
            need = f"{want}" if want is not None else "at least 1"
            raise GraphError(INVALID_ARGUMENT_VALUE, f"node '{n.name}' ({n.op}) has {count} data inputs; a {n.op} "
                             f"has {need}", node=n.name)


def ref_string(name: str, index: int) -> str:
    return name if index == 0 else f"{name}:{index}"


class NodeMap:
    """The GraphDef's nodes by name (file order kept), with helpers to read and rewire edges."""

    def __init__(self, nodes):
        self.nodes: dict = {}
        for n in nodes:
            self.nodes[n.name] = n

    def __contains__(self, name: str) -> bool:
        return name in self.nodes

    def __getitem__(self, name: str):
        node = self.nodes.get(name)
        if node is None:   # a node of a loop already rewritten (or of none), read from elsewhere
            raise refusal(f"control flow: '{name}' is read outside the while loop or branch that computes it", name)
        return node

    def values(self):
        return list(self.nodes.values())

    @staticmethod
    def data_inputs(node) -> list:
        """(name, index) per data input."""
        return [split_tensor_name(s) for s in node.input if not is_control_input(s)]

    @staticmethod
    def control_inputs(node) -> list:
        return [s[1:] for s in node.input if is_control_input(s)]

    def consumers(self) -> dict:
        """name -> [(consumer name, input position or None for a control edge)]."""
        out: dict = {name: [] for name in self.nodes}
        for n in self.nodes.values():
            pos = 0
            for s in n.input:
                if is_control_input(s):
                    out.setdefault(s[1:], []).append((n.name, None))
                else:
                    out.setdefault(split_tensor_name(s)[0], []).append((n.name, pos))
                    pos += 1
        return out

    def unique_name(self, base: str, taken=()) -> str:
        name, i = base, 1
        while name in self.nodes or name in taken:
            name = f"{base}_{i}"
            i += 1
        return name

    def add(self, node) -> None:
        self.nodes[node.name] = node

    def remove(self, names) -> None:
        for name in names:
            self.nodes.pop(name, None)

    def replace(self, name: str, op: str, inputs: list, attrs: dict | None = None):
        """Put a new node under an existing name (so every reader keeps reading it)."""
        node = tfpb.NodeDef(name=name, op=op)
        node.input.extend(inputs)
        for key, value in (attrs or {}).items():
            node.attr[key].CopyFrom(value)
        self.nodes[name] = node
        return node

    def strip_control_inputs(self, dropped: set) -> None:
        """Drop control edges from nodes that no longer exist (or are in ``dropped``)."""
        for n in self.nodes.values():
            keep = [s for s in n.input if not (is_control_input(s) and (s[1:] in dropped or s[1:] not in self.nodes))]
            if len(keep) != len(n.input):
                del n.input[:]
                n.input.extend(keep)


def fresh_function_name(base: str, library: dict, taken: set) -> str:
    """A library function name not used yet (nor handed out in this pass)."""
    name, i = base, 1
    while name in library or name in taken:
        name = f"{base}_{i}"
        i += 1
    taken.add(name)
    return name


def make_function(name: str, nodes: list, arg_of: dict, n_args: int, results: list):
    """A FunctionDef called ``name``: ``nodes`` (NodeDefs, copied) with their inputs rewritten: a tensor in
    ``arg_of`` ((node, index) -> argument position) reads that argument, a node in ``nodes`` keeps its reference,
    control edges to anything else are dropped. ``results``: one (node, index) per output."""
    fdef = tfpb.FunctionDef()
    fdef.signature.name = name
    for k in range(n_args):
        fdef.signature.input_arg.add(name=f"_arg{k}")   # TF node names never start with '_'
    members = {n.name for n in nodes}

    def mapped(ref) -> str:
        if ref in arg_of:
            return f"_arg{arg_of[ref]}"
        if ref[0] not in members:
            raise refusal(f"control flow: '{ref[0]}' is read inside a loop or branch it is not part of", ref[0])
        return f"{ref[0]}:{ref[1]}"

    for n in nodes:
        new = fdef.node_def.add()
        new.CopyFrom(n)
        del new.input[:]
        for s in n.input:
            if is_control_input(s):
                if s[1:] in members:
                    new.input.append(s)
            else:
                new.input.append(mapped(split_tensor_name(s)))
    for k, ref in enumerate(results):
        fdef.signature.output_arg.add(name=f"_out{k}")
        fdef.ret[f"_out{k}"] = mapped(ref)
    return fdef


def topo_order(nodes: NodeMap, back_edge=lambda node, src: False) -> list:
    """Node names in dependency order over data and control edges, skipping edges for which
    back_edge(node, source name) is true; E11009 on a cycle."""
    indegree, users = {}, {}
    for n in nodes.values():
        srcs = [split_tensor_name(s)[0] for s in n.input]
        srcs = [s for s in srcs if s in nodes and not back_edge(n, s)]
        indegree[n.name] = len(srcs)
        for s in srcs:
            users.setdefault(s, []).append(n.name)
    ready = [name for name, d in indegree.items() if d == 0]
    order = []
    while ready:
        name = ready.pop()
        order.append(name)
        for u in users.get(name, ()):
            indegree[u] -= 1
            if indegree[u] == 0:
                ready.append(u)
    if len(order) != len(indegree):
        stuck = sorted(name for name, d in indegree.items() if d > 0)
        raise refusal(f"the graph has a cycle that is not a while loop (e.g. through '{stuck[0]}')", stuck[0])
    return order
