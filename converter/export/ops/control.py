"""ONNX emitters: If and Loop, whose IR bodies become ONNX subgraphs.

IR bodies take every value as a Data op (If branches: the If's inputs after the condition; Loop bodies:
iteration number, condition, carried values, then the outer values they read). ONNX bodies declare only
their formal inputs (none for If; iteration, condition and carried values for Loop) and read outer
values by name, so the remaining Data ops are bound to the outer values' names.
"""
from __future__ import annotations

from ...ir import DataType
from ..registry import Emit, Refusal, emits
from ..sequences import merge

SEQUENCE = DataType.DT_VARIANT


def _outer(e: Emit, start: int) -> list:
    values = []
    for ref in e.exporter.graph.inputs_of(e.op.name)[start:]:
        if ref is None:
            raise Refusal("an absent outer value feeds the body")
        values.append(e.exporter.value(ref))
    return values


def _check_types(e: Emit, bodies: dict) -> None:
    for key, results in bodies.items():
        if len(results) != len(e.outputs):
            raise Refusal(f"body '{key}' has {len(results)} outputs for {len(e.outputs)} op outputs")
    for i, d in enumerate(e.out_descs):
        for key, results in bodies.items():
            if int(results[i].desc.dtype) != int(d.dtype):
                raise Refusal(f"body '{key}' output {i} is {DataType(int(results[i].desc.dtype)).name}, the op "
                              f"output {DataType(int(d.dtype)).name}")


@emits("If")
def if_op(e: Emit):
    captured = _outer(e, 1)
    branches, results = {}, {}
    for key in ("then_branch", "else_branch"):
        if key not in e.op.subgraphs:
            raise Refusal(f"the {key} subgraph is missing")
        branches[key], results[key] = e.exporter.export_body(e.op.subgraphs[key], [], captured,
                                                             f"{e.op.name}_{key}")
    _check_types(e, results)
    for i, (a, b) in enumerate(zip(results["then_branch"], results["else_branch"])):
        if int(a.desc.dtype) == SEQUENCE:
            e.out_elems[i] = (a.elem or b.elem, merge(a.elem_shape, b.elem_shape))
        else:
            e.out_shapes[i] = merge(a.desc.shape, b.desc.shape)
    cond = e.as_dtype(0, DataType.DT_BOOL)
    e.out("If", [cond], then_branch=branches["then_branch"], else_branch=branches["else_branch"])


MAX_BODY_PASSES = 3


def _loop_body(e: Emit, carried: list, captured: list) -> tuple:
    """The Loop body, exported until the element shapes of carried sequences are stable: a pass starts from
    what is known of them (the start values', merged with what the previous pass put in), so the body's
    SequenceAt/ConcatFromSequence get ranks; unstable ones end up unknown."""
    state = e.exporter.state
    shapes = [v.elem_shape if int(v.desc.dtype) == SEQUENCE else None for v in carried]
    for attempt in range(MAX_BODY_PASSES + 1):
        formal = [("iteration", DataType.DT_INT64, None, None), ("condition", DataType.DT_BOOL, None, None)]
        formal += [(v.name, int(v.desc.dtype), v.elem, shape) for v, shape in zip(carried, shapes)]
        mark = len(state.refused)
        body, results = e.exporter.export_body(e.op.subgraphs["body"], formal, captured, f"{e.op.name}_body")
        if len(results) != 1 + len(carried) + (len(e.outputs) - len(carried)):
            return body, results
        merged = [merge(shape, results[1 + k].elem_shape) if int(v.desc.dtype) == SEQUENCE else None
                  for k, (v, shape) in enumerate(zip(carried, shapes))]
        if merged == shapes or attempt == MAX_BODY_PASSES:
            return body, results
        del state.refused[mark:]
        shapes = merged if attempt < MAX_BODY_PASSES - 1 else [None] * len(carried)


@emits("Loop")
def loop(e: Emit):
    if "body" not in e.op.subgraphs:
        raise Refusal("the body subgraph is missing")
    n_carried = int(e.attrs["num_carried"])
    refs = e.exporter.graph.inputs_of(e.op.name)
    carried = []
    for k in range(n_carried):
        ref = refs[2 + k] if 2 + k < len(refs) else None
        if ref is None:
            raise Refusal(f"loop-carried value {k} is absent")
        carried.append(e.exporter.value(ref))
    body, results = _loop_body(e, carried, _outer(e, 2 + n_carried))
    if len(results) != 1 + len(e.outputs):
        raise Refusal(f"the body has {len(results)} outputs; the loop needs condition + {len(e.outputs)}")
    for k, v in enumerate(carried):
        if int(v.desc.dtype) == SEQUENCE:
            e.out_elems[k] = (v.elem, merge(v.elem_shape, results[1 + k].elem_shape))
        else:  # a carried value keeps the dims its start value and the body's result agree on
            e.out_shapes[k] = merge(v.desc.shape, results[1 + k].desc.shape)
    trip = e.one("Reshape", [e.int64(0), e.ints([], "scalar")]) if e.has(0) else None
    cond = e.one("Reshape", [e.as_dtype(1, DataType.DT_BOOL), e.ints([], "scalar")]) if e.has(1) else None
    e.out("Loop", [trip, cond] + [v.name for v in carried], body=body)
