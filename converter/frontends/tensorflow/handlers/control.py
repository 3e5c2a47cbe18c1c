"""TF functional control flow: If / StatelessIf become the canonical If with one subgraph per branch, While /
StatelessWhile the canonical Loop (TF1 Switch/Merge and loop frames arrive here as If/While nodes, made by
the functionalize package). Branch and body functions are converted with what is known of their arguments:
constants become Consts inside the body, other arguments Data ops with their dtype and shape. An If whose
predicate is known (a constant, or computed from shapes fixed by then) is replaced by its taken branch."""
from __future__ import annotations

import numpy as np

from ....errors import MODEL_LOAD_FAILED
from ....ir import DataType, Graph, Op, TensorDesc, from_numpy
from ....ir.inline import inline_graph
from ..registry import NodeContext, tf_op

MAX_SHAPE_ROUNDS = 4      # While: body conversions until the loop variables' shapes settle


def _function(ctx: NodeContext, key: str):
    name = ctx.attr(key)
    function = ctx.converter.functions.get(name)
    if function is None:
        raise ctx.fail(f"{key} calls function '{name}', which the graph's library does not define", MODEL_LOAD_FAILED)
    return function


def _known(ctx: NodeContext, ref):
    """What a body may know of an outer tensor: its constant value (an ndarray), else its TensorDesc."""
    value = ctx.converter.graph.const_value(ref)
    if value is None:
        value = ctx.converter.tracker.value(ref)
    if value is not None:
        return np.asarray(value)
    desc = ctx.converter.tracker.desc(ref)
    return desc if desc is not None else TensorDesc(shape=None)


def _branch_converter(ctx: NodeContext, key: str, known: list):
    return ctx.converter.convert_function(_function(ctx, key), f"{ctx.name}_{key}", known)


def _outputs(ctx: NodeContext, refs: list) -> list:
    """Identity ops named after the node for the outputs of an inlined branch, so the node's outputs keep their
    names; the remove_identity pass drops them."""
    return [ctx.op("Identity", [ref], suffix="" if i == 0 else f"out{i}")[0] for i, ref in enumerate(refs)]


@tf_op("If", "StatelessIf", inputs=1)
def if_op(ctx: NodeContext):
    """If(cond, inputs...): each branch function takes the inputs and returns the outputs (Tout)."""
    args = list(ctx.inputs[1:])
    known = [_known(ctx, ref) for ref in args]
    inputs = [ref for ref, k in zip(args, known) if not isinstance(k, np.ndarray)]
    cond = ctx.value(0)
    if cond is not None and np.asarray(cond).size == 1:   # the dead branch is folded away
        key = "then_branch" if bool(np.asarray(cond).reshape(-1)[0]) else "else_branch"
        taken = _branch_converter(ctx, key, known).graph
        return _outputs(ctx, inline_graph(ctx.builder.graph, taken, inputs, f"{ctx.name}/{key}"))
    branches = {key: _branch_converter(ctx, key, known) for key in ("then_branch", "else_branch")}
    results = {key: [b.tracker.desc(r) for r in b.graph.output_refs()] for key, b in branches.items()}
    counts = {key: len(r) for key, r in results.items()}
    if counts["then_branch"] != counts["else_branch"]:
        raise ctx.fail(f"its branches return {counts['then_branch']} and {counts['else_branch']} values")
    refs = ctx.op("If", [ctx.input(0)] + inputs, n_out=counts["then_branch"])
    op = ctx.builder.graph.op(refs[0][0])
    op.subgraphs = {key: b.graph for key, b in branches.items()}
    for desc, then, other in zip(op.outputs, results["then_branch"], results["else_branch"]):
        if then is not None and other is not None and then.dtype == other.dtype:   # for the nodes that follow
            desc.dtype, desc.shape = then.dtype, _relaxed(then, other.shape).shape
    return refs


def _returns_argument(function, k: int) -> bool:
    """Body result k is argument k itself (a loop invariant, passed through unchanged)."""
    sig = function.signature
    if k >= len(sig.output_arg) or k >= len(sig.input_arg):
        return False
    return function.ret.get(sig.output_arg[k].name) == sig.input_arg[k].name


def _relaxed(before: TensorDesc, after) -> TensorDesc:
    """The desc a loop variable keeps over every pass: dims that the body changes become unknown (-1), a rank
    it changes (or does not know) unknown."""
    if before.shape is None or before.dtype == DataType.DT_VARIANT:
        return before
    if after is None or len(after) != len(before.shape):
        return before.copy(shape=None)
    return before.copy(shape=tuple(b if b == a else -1 for b, a in zip(before.shape, after)))


def _settled_body(ctx: NodeContext, body_fn, known: list, carried: list):
    """Convert the body with the carried variables' shapes, relaxing those the body changes until they hold
    for every pass (a fixed point: the body maps those shapes onto themselves)."""
    for _ in range(MAX_SHAPE_ROUNDS):
        body = ctx.converter.convert_function(body_fn, f"{ctx.name}_body", known)
        outs = body.graph.output_refs()
        changed = False
        for k in carried:
            new = _relaxed(known[k], body.tracker.shape(outs[k]))
            if new.shape != known[k].shape:
                known[k], changed = new, True
        if not changed:
            return body.graph
    for k in carried:
        known[k] = known[k].copy(shape=None)
    return ctx.converter.convert_function(body_fn, f"{ctx.name}_body", known).graph


@tf_op("While", "StatelessWhile")
def while_op(ctx: NodeContext):
    """While(vars...): `while cond(vars): vars = body(vars)` becomes the canonical Loop (no trip count): the
    first condition is cond(initial vars) in the graph, and the Loop body is body(vars) followed by cond of
    the new vars, as the body's condition output. Variables the body passes through unchanged are loop
    invariants: constants are copied into the bodies, other tensors are outer inputs of the Loop."""
    cond_fn, body_fn = _function(ctx, "cond"), _function(ctx, "body")
    graph = ctx.builder.graph
    refs = list(ctx.inputs)
    known = [_known(ctx, ref) for ref in refs]
    carried, outer = [], []
    for k, ref in enumerate(refs):
        if _returns_argument(body_fn, k):
            if not isinstance(known[k], np.ndarray):
                outer.append(k)
        else:
            if isinstance(known[k], np.ndarray):   # a carried value that starts as a constant
                known[k] = TensorDesc(dtype=from_numpy(known[k].dtype), shape=tuple(known[k].shape))
            carried.append(k)
    body_g = _settled_body(ctx, body_fn, known, carried)
    cond_g = ctx.converter.convert_function(cond_fn, f"{ctx.name}_cond", known).graph
    fed = [k for k in range(len(refs)) if not isinstance(known[k], np.ndarray)]   # body Data ops, in order
    first = inline_graph(graph, cond_g, [refs[k] for k in fed], f"{ctx.name}/cond0")[0]

    loop_body = Graph(f"{ctx.name}_body")
    loop_body.add_data("iteration", TensorDesc(dtype=DataType.DT_INT64, shape=()), 0)
    loop_body.add_data("condition", TensorDesc(dtype=DataType.DT_BOOL, shape=()), 1)
    inside = {}
    for pos, k in enumerate(carried + outer):
        name = loop_body.unique_name(f"var{k}")
        loop_body.add_data(name, known[k].copy(name=None), 2 + pos)
        inside[k] = (name, 0)
    new_vars = inline_graph(loop_body, body_g, [inside[k] for k in fed], "body")
    after = [new_vars[k] if k in carried else inside[k] for k in fed]
    cond_out = inline_graph(loop_body, cond_g, after, "cond")[0]
    loop_body.add(Op("NetOutput", "NetOutput", {"output_names": ["condition"] + [f"var{k}" for k in carried]}),
                  [cond_out] + [new_vars[k] for k in carried])
    loop = ctx.op("Loop", [None, first] + [refs[k] for k in carried + outer], {"num_carried": len(carried)},
                  n_out=len(carried))
    graph.op(loop[0][0]).subgraphs = {"body": loop_body}
    for desc, k in zip(graph.op(loop[0][0]).outputs, carried):     # the settled shapes, for the nodes that follow
        desc.dtype, desc.shape, desc.attrs = known[k].dtype, known[k].shape, dict(known[k].attrs)
    results = dict(zip(carried, loop))
    return [results.get(k, ref) for k, ref in enumerate(refs)]    # invariants leave as they came in
