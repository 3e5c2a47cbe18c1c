"""Inlines calls of library functions (PartitionedCall / StatefulPartitionedCall, and If with a constant
condition) into the GraphDef, and turns function bodies into graphs for the If op's branches.

Freezing usually inlines every function, but some stay called (e.g. Keras layers compiled with
XLA). A call node is replaced by the function's nodes, renamed "<call>/<node>", and by an
IdentityN named like the call whose inputs are the function's results, so "<call>:i" still reads
result i. Inside a body, a node input is a signature input name or "node:output_arg:index".
"""
from __future__ import annotations

from ...errors import MODEL_LOAD_FAILED, GraphError

CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")
IF_OPS = ("If", "StatelessIf")
MAX_DEPTH = 16

# Ops with more than one output arg: arg name -> position of its first output. Every other op has
# a single output arg (possibly a list) and "arg:index" is output index.
_OUTPUT_ARGS = {
    "FusedBatchNorm": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"),
    "FusedBatchNormV2": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"),
    "FusedBatchNormV3": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2",
                         "reserve_space_3"),
    "TopKV2": ("values", "indices"),
    "Switch": ("output_false", "output_true"),
}


def _output_index(op: str, arg: str, index: int) -> int:
    names = _OUTPUT_ARGS.get(op)
    return names.index(arg) + index if names and arg in names else index


def _body_tensor(ref: str, prefix: str, arg_map: dict, body_ops: dict, call: str) -> str:
    """A body tensor reference as a graph tensor name."""
    if ref.startswith("^"):
        name = ref[1:]
        return f"^{prefix}{name}" if name in body_ops else (f"^{arg_map[name]}" if name in arg_map else "")
    if ref in arg_map:
        return arg_map[ref]
    parts = ref.split(":")
    node = parts[0]
    if node not in body_ops:
        raise GraphError(MODEL_LOAD_FAILED,
                         f"function called by '{call}' reads '{ref}', which it does not define", node=call)
    index = 0
    if len(parts) == 3:
        if not parts[2].isdigit():
            raise GraphError(MODEL_LOAD_FAILED, f"function called by '{call}' has a malformed tensor reference '{ref}'",
                             node=call)
        index = _output_index(body_ops[node], parts[1], int(parts[2]))
    elif len(parts) == 2 and parts[1].isdigit():
        index = int(parts[1])
    return f"{prefix}{node}:{index}"


def _inline_call(graph, call, function, inputs) -> list:
    """New NodeDefs replacing one call node (``inputs``: the node inputs the function receives)."""
    sig = function.signature
    inputs = [i for i in inputs if not i.startswith("^")]
    if len(inputs) != len(sig.input_arg):
        raise GraphError(MODEL_LOAD_FAILED,
                         f"'{call.name}' passes {len(inputs)} inputs to function '{sig.name}', which "
                         f"takes {len(sig.input_arg)}", node=call.name)
    arg_map = {arg.name: src for arg, src in zip(sig.input_arg, inputs)}
    body_ops = {n.name: n.op for n in function.node_def}
    prefix = f"{call.name}/"
    nodes = []
    for n in function.node_def:
        new = type(n)()
        new.CopyFrom(n)
        new.name = prefix + n.name
        del new.input[:]
        for ref in n.input:
            mapped = _body_tensor(ref, prefix, arg_map, body_ops, call.name)
            if mapped:
                new.input.append(mapped)
        nodes.append(new)
    results = type(call)(name=call.name, op="IdentityN")
    for arg in sig.output_arg:
        if arg.name not in function.ret:
            raise GraphError(MODEL_LOAD_FAILED,
                             f"function '{sig.name}' has no result for output '{arg.name}'", node=call.name)
        results.input.append(_body_tensor(function.ret[arg.name], prefix, arg_map, body_ops, call.name))
    nodes.append(results)
    return nodes


def _callee(node, functions: dict, consts: dict):
    """The function a node calls and the node inputs it receives: a call, or an If whose condition is
    a Const node (the chosen branch); None otherwise."""
    if node.op in CALL_OPS:
        f = functions.get(node.attr["f"].func.name)
        return None if f is None else (f, list(node.input))
    if node.op in IF_OPS and node.input and node.input[0].split(":")[0] in consts:
        taken = bool(consts[node.input[0].split(":")[0]])
        f = functions.get(node.attr["then_branch" if taken else "else_branch"].func.name)
        return None if f is None else (f, list(node.input[1:]))
    return None


def _const_scalars(graph) -> dict:
    from .reader import tensor_to_array
    out = {}
    for n in graph.node:
        if n.op == "Const" and n.attr["value"].tensor.ByteSize() < 64:
            value = tensor_to_array(n.attr["value"].tensor, n.name)
            if value.size == 1:
                out[n.name] = value.reshape(-1)[0]
    return out


def library_functions(graph) -> dict:
    return {f.signature.name: f for f in graph.library.function}


def inline_function_calls(graph, functions: dict | None = None) -> int:
    """Replace every call of a library function in ``graph`` (a GraphDef), and every If whose condition
    is a constant, by the function's body; returns how many were inlined. Calls of functions the
    library lacks are left (reported as unsupported)."""
    functions = library_functions(graph) if functions is None else functions
    if not functions:
        return 0
    count = 0
    for _ in range(MAX_DEPTH):
        consts = _const_scalars(graph) if any(n.op in IF_OPS for n in graph.node) else {}
        targets = {n.name: _callee(n, functions, consts) for n in graph.node}
        calls = [n for n in graph.node if targets[n.name] is not None]
        if not calls:
            return count
        kept = [n for n in graph.node if targets[n.name] is None]
        new_nodes = []
        for call in calls:
            function, inputs = targets[call.name]
            new_nodes += _inline_call(graph, call, function, inputs)
        merged = list(kept) + new_nodes
        copies = [type(n)() for n in merged]
        for dst, src in zip(copies, merged):
            dst.CopyFrom(src)
        del graph.node[:]
        graph.node.extend(copies)
        count += len(calls)
    raise GraphError(MODEL_LOAD_FAILED, f"function calls are nested more than {MAX_DEPTH} deep")


def function_as_graphdef(function):
    """A GraphDef of a function body: a Placeholder per input arg (named "__arg_<name>"), the body's
    nodes with their inputs in graph syntax, and the tensors of the results in output order."""
    from ...proto import tf_graph_pb2 as tfpb
    sig = function.signature
    graph = tfpb.GraphDef()
    arg_map = {}
    for arg in sig.input_arg:
        placeholder = graph.node.add(name=f"__arg_{arg.name}", op="Placeholder")
        placeholder.attr["dtype"].type = arg.type or 1
        placeholder.attr["shape"].shape.unknown_rank = True
        arg_map[arg.name] = placeholder.name
    body_ops = {n.name: n.op for n in function.node_def}
    for n in function.node_def:
        new = graph.node.add()
        new.CopyFrom(n)
        del new.input[:]
        new.input.extend(t for t in (_body_tensor(r, "", arg_map, body_ops, sig.name) for r in n.input) if t)
    results = [_body_tensor(function.ret[arg.name], "", arg_map, body_ops, sig.name) for arg in sig.output_arg]
    return graph, results
