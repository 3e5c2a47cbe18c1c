"""TF functional control flow: If / StatelessIf become the canonical If with one subgraph per branch
(an If whose condition is a Const node was already replaced by its branch when functions were inlined)."""
from __future__ import annotations

from ..registry import NodeContext, tf_op


def _branch_graph(ctx: NodeContext, key: str):
    from ..convert import TfConverter
    from ..functions import function_as_graphdef
    name = ctx.attr(key)
    function = ctx.converter.functions.get(name)
    if function is None:
        raise ctx.fail(f"{key} calls function '{name}', which the graph's library does not define", "E10041")
    graphdef, results = function_as_graphdef(function)
    sub = TfConverter(graphdef, {}, results, ctx.converter.functions, all_inputs=True).convert()
    sub.name = f"{ctx.name}_{key}"
    return sub


@tf_op("If", "StatelessIf")
def if_op(ctx: NodeContext):
    """If(cond, inputs...): each branch function takes the inputs and returns the outputs (Tout)."""
    subgraphs = {"then_branch": _branch_graph(ctx, "then_branch"), "else_branch": _branch_graph(ctx, "else_branch")}
    outputs = len(subgraphs["then_branch"].output_refs())
    refs = ctx.op("If", ctx.inputs, n_out=outputs)
    ctx.builder.graph.op(refs[0][0]).subgraphs = subgraphs
    return refs
