"""TF1 while loops -> functional While nodes.

A tf.while_loop built with control flow v1 is a frame: Enter nodes bring each loop variable in (and, with
is_constant, each loop invariant), a Merge per variable joins the initial value with the NextIteration of the
previous pass, LoopCond holds the condition, a Switch per variable sends the value on into the body (output 1)
or out to an Exit (output 0). Frames nest (a while inside a while is a frame inside a frame).

Each frame, innermost first, becomes one While node whose inputs are the variables' initial values followed by
the invariants, with two library functions over the same arguments: cond (the LoopCond input) and body (the
NextIteration inputs, then the invariants unchanged). Every Exit becomes an Identity of the While output it
leaves with, under its own name, so readers of the Exit are untouched. This is what TensorFlow's
functionalize_control_flow and GE's parser do; the While handler turns the result into the canonical Loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ....proto import tf_graph_pb2 as tfpb
from .graph_edit import (ENTER, EXIT, LOOP_COND, MERGE, NEXT_ITERATION, SWITCH, NodeMap, fresh_function_name,
                         make_function, ref_string, refusal, topo_order)


def _is_back_edge(nodes: NodeMap, node, src: str) -> bool:
    return node.op in MERGE and nodes[src].op in NEXT_ITERATION


def assign_frames(nodes: NodeMap) -> dict:
    """name -> frame path (a tuple of frame names, () for the graph itself). Enter opens its frame_name inside
    its input's frame, Exit leaves it; any other node lives in the innermost frame among its inputs (a node
    with no inputs, e.g. a Const, lives outside every loop unless a control edge puts it inside)."""
    frames: dict = {}
    for name in topo_order(nodes, lambda n, s: _is_back_edge(nodes, n, s)):
        node = nodes[name]
        srcs = [s for s in (n for n, _ in NodeMap.data_inputs(node)) if s in frames]
        srcs += [s for s in NodeMap.control_inputs(node) if s in frames]
        if node.op in ENTER:
            parent = frames[srcs[0]] if srcs else ()
            frames[name] = parent + (node.attr["frame_name"].s.decode("utf-8", "replace"),)
            continue
        if node.op in EXIT:
            inner = frames[srcs[0]] if srcs else ()
            if not inner:
                raise refusal(f"Exit node '{name}' is not inside a while loop", name)
            frames[name] = inner[:-1]
            continue
        paths = [frames[s] for s in srcs]
        deepest = max(paths, key=len, default=())
        for p in paths:
            if deepest[:len(p)] != p:
                raise refusal(f"node '{name}' reads tensors of two different while loops ({p[-1]!r} and "
                              f"{deepest[-1]!r}) without Enter/Exit", name)
        frames[name] = deepest
    return frames


@dataclass
class LoopVar:
    enter: str
    merge: str
    switch: str | None = None
    next_iteration: str | None = None
    exits: list = field(default_factory=list)


@dataclass
class Frame:
    path: tuple
    members: list                      # node names whose frame is exactly this one (file order)

    @property
    def name(self) -> str:
        return self.path[-1]


def _frames(frames: dict) -> list:
    """The loops' frames, innermost first."""
    by_path: dict = {}
    for name, path in frames.items():
        if path:
            by_path.setdefault(path, Frame(path, [])).members.append(name)
    return sorted(by_path.values(), key=lambda f: -len(f.path))


class LoopBuilder:
    """Replaces one frame (whose inner frames are While nodes already) by a While node and two functions."""

    def __init__(self, nodes: NodeMap, frames: dict, frame: Frame, library: dict, consumers: dict):
        self.nodes, self.frames, self.frame, self.library = nodes, frames, frame, library
        self.consumers = consumers
        self.members = set(frame.members)

    def _fail(self, message: str, node: str | None = None):
        return refusal(f"while loop '{self.frame.name}': {message}", node)

    def analyse(self) -> None:
        nodes = self.nodes
        enters = [n for n in self.frame.members if nodes[n].op in ENTER]
        cond_nodes = [n for n in self.frame.members if nodes[n].op in LOOP_COND]
        if len(cond_nodes) != 1:
            raise self._fail(f"it has {len(cond_nodes)} LoopCond nodes; a loop has exactly one",
                             cond_nodes[0] if cond_nodes else enters[0] if enters else None)
        self.loop_cond = cond_nodes[0]
        self.vars: list = []
        self.invariants: list = []        # Enter names (constant Enters and Enters that feed no Merge)
        merges_of = {}
        for name in self.frame.members:
            node = nodes[name]
            if node.op in MERGE and any(nodes[s].op in NEXT_ITERATION for s, _ in NodeMap.data_inputs(node)):
                merges_of[name] = node
        enter_merge = {}
        for mname, merge in merges_of.items():
            srcs = [s for s, _ in NodeMap.data_inputs(merge)]
            entries = [s for s in srcs if nodes[s].op in ENTER]
            nexts = [s for s in srcs if nodes[s].op in NEXT_ITERATION]
            if len(srcs) != 2 or len(entries) != 1 or len(nexts) != 1:
                raise self._fail(f"Merge '{mname}' does not join one Enter with one NextIteration", mname)
            var = LoopVar(entries[0], mname, next_iteration=nexts[0])
            enter_merge[entries[0]] = var
            self.vars.append(var)
        for e in enters:
            if e not in enter_merge:
                self.invariants.append(e)
        by_merge = {v.merge: v for v in self.vars}
        for name in self.frame.members:
            node = nodes[name]
            if node.op in SWITCH:
                (src, _), (pred, _) = NodeMap.data_inputs(node)[:2]
                if pred == self.loop_cond:
                    if src not in by_merge:
                        raise self._fail(f"Switch '{name}' on the loop condition does not read a loop Merge", name)
                    by_merge[src].switch = name
        for var in self.vars:
            for user, pos in self.consumers.get(var.switch, ()):
                if pos is not None and self.nodes[user].op in EXIT:
                    var.exits.append(user)
        self.structural = ({v.enter for v in self.vars} | {v.merge for v in self.vars} | set(self.invariants)
                           | {v.switch for v in self.vars if v.switch} | {v.next_iteration for v in self.vars}
                           | {self.loop_cond})

    def _arguments(self) -> dict:
        """(node, index) -> argument position: variable k is read as its Merge, as its Switch's output 1 and as
        its Enter; invariant j (after the variables) as its Enter output."""
        arg_of = {}
        for k, var in enumerate(self.vars):
            for ref in ((var.merge, 0), (var.enter, 0)) + (((var.switch, 1),) if var.switch else ()):
                arg_of[ref] = k
        for j, name in enumerate(self.invariants):
            arg_of[(name, 0)] = len(self.vars) + j
        return arg_of

    def _collect(self, roots: list, arg_of: dict) -> list:
        """Frame members the roots read through data edges, not crossing arguments (control edges only placed
        nodes in the frame); tensors of enclosing frames read directly (not through an Enter) become extra
        invariants."""
        seen, stack = set(), list(roots)
        while stack:
            name = stack.pop()
            if name in seen or name in self.structural:
                continue
            if name not in self.members:
                continue
            seen.add(name)
            node = self.nodes[name]
            for src, idx in NodeMap.data_inputs(node):
                if (src, idx) in arg_of:
                    continue
                if src in self.structural:
                    raise self._fail(f"node '{name}' reads output {idx} of '{src}' ({self.nodes[src].op}), "
                                     "which is not a loop value", name)
                if src not in self.members:
                    self._implicit_invariant(src, idx, arg_of)
                    continue
                stack.append(src)
        return [n for n in self.frame.members if n in seen]

    def _implicit_invariant(self, src: str, idx: int, arg_of: dict) -> None:
        if self.frames.get(src, ()) != self.frame.path[:len(self.frames.get(src, ()))]:
            raise self._fail(f"it reads '{src}', which belongs to another loop", src)
        self.implicit.append((src, idx))
        arg_of[(src, idx)] = len(self.vars) + len(self.invariants) + len(self.implicit) - 1

    def _drop_unread_invariants(self, members: list, results: list) -> dict:
        """Invariants that neither function reads (TensorArray handles, whose edges were dropped) are not
        passed in; returns the argument positions renumbered."""
        read = set(results) | {ref for n in members for ref in NodeMap.data_inputs(self.nodes[n])}
        self.invariants = [e for e in self.invariants if (e, 0) in read]
        arg_of = self._arguments()
        for t, ref in enumerate(self.implicit):
            arg_of[ref] = len(self.vars) + len(self.invariants) + t
        return arg_of

    def build(self, taken_functions: set) -> None:
        self.analyse()
        self.implicit: list = []
        arg_of = self._arguments()
        cond_src = NodeMap.data_inputs(self.nodes[self.loop_cond])
        if not cond_src:
            raise self._fail("LoopCond has no input", self.loop_cond)
        cond_ref = cond_src[0]
        next_refs = [NodeMap.data_inputs(self.nodes[v.next_iteration])[0] for v in self.vars]
        cond_members = self._collect([cond_ref[0]], arg_of)
        body_members = self._collect([r[0] for r in next_refs], arg_of)
        arg_of = self._drop_unread_invariants(cond_members + body_members, [cond_ref] + next_refs)
        n_args = len(self.vars) + len(self.invariants) + len(self.implicit)
        base = self.frame.name[:-len("/while_context")] if self.frame.name.endswith("/while_context") \
            else self.frame.name
        cond_name = fresh_function_name(f"{base}_cond", self.library, taken_functions)
        body_name = fresh_function_name(f"{base}_body", self.library, taken_functions)
        nodes = self.nodes
        cond_fn = make_function(cond_name, [nodes[n] for n in cond_members], arg_of, n_args, [cond_ref])
        passthrough = [(n, 0) for n in self.invariants] + self.implicit
        body_fn = make_function(body_name, [nodes[n] for n in body_members], arg_of, n_args,
                                next_refs + passthrough)
        self.library[cond_name], self.library[body_name] = cond_fn, body_fn
        entered = [NodeMap.data_inputs(nodes[e])[0] for e in [v.enter for v in self.vars] + self.invariants]
        inputs = [ref_string(s, i) for s, i in entered + self.implicit]
        while_name = nodes.unique_name(f"{base}/While")
        node = tfpb.NodeDef(name=while_name, op="While")
        node.input.extend(inputs)
        node.attr["cond"].func.name = cond_name
        node.attr["body"].func.name = body_name
        parent = self.frame.path[:-1]
        nodes.remove(self.frame.members)
        nodes.add(node)
        self.frames[while_name] = parent
        for k, var in enumerate(self.vars):
            for exit_name in var.exits:
                nodes.replace(exit_name, "Identity", [ref_string(while_name, k)])
                self.frames[exit_name] = parent
        for name in self.frame.members:
            self.frames.pop(name, None)


def functionalize_loops(nodes: NodeMap, library: dict) -> int:
    """Replace every while-loop frame by a While node (innermost first); returns how many."""
    frames = assign_frames(nodes)
    loops = _frames(frames)
    taken: set = set()
    for frame in loops:
        frame.members = [n for n in nodes.nodes if frames.get(n) == frame.path]   # inner loops are While nodes now
        LoopBuilder(nodes, frames, frame, library, nodes.consumers()).build(taken)
    leftover = [n.name for n in nodes.values() if n.op in ENTER + EXIT + NEXT_ITERATION + LOOP_COND]
    if leftover:
        raise refusal(f"'{leftover[0]}' ({nodes[leftover[0]].op}) belongs to no while loop", leftover[0])
    return len(loops)
