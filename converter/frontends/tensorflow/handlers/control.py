"""TF functional control flow: If / StatelessIf become the canonical If with one subgraph per branch
(an If whose condition is a Const node was already replaced by its branch when functions were inlined)."""
from __future__ import annotations

from ....errors import MODEL_LOAD_FAILED
from ..registry import NodeContext, tf_op


def _branch_graph(ctx: NodeContext, key: str):
    name = ctx.attr(key)
    function = ctx.converter.functions.get(name)
    if function is None:
        raise ctx.fail(f"{key} calls function '{name}', which the graph's library does not define", MODEL_LOAD_FAILED)
    return ctx.converter.convert_function(function, f"{ctx.name}_{key}")


@tf_op("If", "StatelessIf", inputs=1)
def if_op(ctx: NodeContext):
    """If(cond, inputs...): each branch function takes the inputs and returns the outputs (Tout)."""
    subgraphs = {"then_branch": _branch_graph(ctx, "then_branch"), "else_branch": _branch_graph(ctx, "else_branch")}
    outputs = len(subgraphs["then_branch"].output_refs())
    refs = ctx.op("If", ctx.inputs, n_out=outputs)
    ctx.builder.graph.op(refs[0][0]).subgraphs = subgraphs
    return refs


@tf_op("While", "StatelessWhile")
def while_op(ctx: NodeContext):
    """While(vars...): `while cond(vars): vars = body(vars)` becomes the canonical Loop (no trip count): the
    first condition is cond(initial vars) in the graph, and the Loop body is body(vars) followed by cond of
    the new vars, as the body's condition output."""
    from ....ir import DataType, Graph, Op, TensorDesc
    from ....ir.inline import inline_graph
    cond_g, body_g = _branch_graph(ctx, "cond"), _branch_graph(ctx, "body")
    graph = ctx.builder.graph
    first = inline_graph(graph, cond_g, list(ctx.inputs), f"{ctx.name}/cond0")[0]
    loop_body = Graph(f"{ctx.name}_body")
    loop_body.add_data("iteration", TensorDesc(dtype=DataType.DT_INT64, shape=()), 0)
    loop_body.add_data("condition", TensorDesc(dtype=DataType.DT_BOOL, shape=()), 1)
    carried = []
    for k, ref in enumerate(ctx.inputs):
        name = loop_body.unique_name(f"var{k}")
        loop_body.add_data(name, graph.desc(ref).copy(name=None), 2 + k)
        carried.append((name, 0))
    new_vars = inline_graph(loop_body, body_g, carried, "body")
    cond_out = inline_graph(loop_body, cond_g, new_vars, "cond")[0]
    loop_body.add(Op("NetOutput", "NetOutput", {"output_names": ["condition"] + [f"var{k}" for k in
                                                                            range(len(new_vars))]}),
                  [cond_out] + new_vars)
    refs = ctx.op("Loop", [None, first] + list(ctx.inputs), {"num_carried": len(ctx.inputs)},
                  n_out=len(ctx.inputs))
    graph.op(refs[0][0]).subgraphs = {"body": loop_body}
    return refs
