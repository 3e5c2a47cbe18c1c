"""ONNX emitters: If, Loop and Scan, whose IR bodies become ONNX subgraphs.

IR bodies take every value as a Data op (If branches: the If's inputs after the condition; Loop bodies:
iteration number, condition, carried values, then the outer values they read; Scan bodies: states, scan
input slices, then the outer values). ONNX bodies declare only their formal inputs (none for If;
iteration, condition and carried values for Loop; states and slices for Scan) and read outer values by
name, so the remaining Data ops are bound to the outer values' names.
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


def _body(e: Emit):
    if "body" not in e.op.subgraphs:
        raise Refusal("the body subgraph is missing")
    return e.op.subgraphs["body"]


def _values(e: Emit, start: int, count: int, what: str) -> list:
    """The Values of inputs start..start+count (each must be present)."""
    refs = e.exporter.graph.inputs_of(e.op.name)
    values = []
    for k in range(count):
        ref = refs[start + k] if start + k < len(refs) else None
        if ref is None:
            raise Refusal(f"{what} {k} is absent")
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
    _body(e)   # (exported by _loop_body)
    n_carried = int(e.attrs["num_carried"])
    carried = _values(e, 2, n_carried, "loop-carried value")
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


@emits("Scan")
def scan(e: Emit):
    """Body inputs: the states and one slice of each scan input; the body reads outer values by name."""
    body_graph = _body(e)
    if e.attrs["batched"]:
        raise Refusal("a batched Scan (opset 8) has no form in the opsets the exporter writes (9 on has no batch "
                      "axis nor sequence_lens)")
    n, m = int(e.attrs["num_states"]), int(e.attrs["num_scan_inputs"])
    values = _values(e, 0, n + m, "state or scan input")
    if any(int(v.desc.dtype) == SEQUENCE for v in values):
        raise Refusal("a state or scan input is a sequence (ONNX Scan takes tensors)")
    formal = [(v.name, int(v.desc.dtype), None, None) for v in values]
    body, results = e.exporter.export_body(body_graph, formal, _outer(e, n + m), f"{e.op.name}_body")
    if len(results) != len(e.outputs):
        raise Refusal(f"the body has {len(results)} outputs for {len(e.outputs)} op outputs")
    lists = {k: [int(v) for v in e.attrs[k]] or None for k in
             ("scan_input_directions", "scan_input_axes", "scan_output_directions", "scan_output_axes")}
    e.out("Scan", [v.name for v in values], body=body, num_scan_inputs=m, **lists)


@emits("SequenceMap")
def sequence_map(e: Emit):
    """Body inputs: one element of each sequence input, tensor inputs whole; outer values by name."""
    body_graph = _body(e)
    count = int(e.attrs["num_inputs"])
    values = _values(e, 0, count, "input")
    formal = [(v.name, v.elem if int(v.desc.dtype) == SEQUENCE else int(v.desc.dtype), None, None) for v in values]
    if any(f[1] is None for f in formal):
        raise Refusal("the element type of a sequence input is unknown")
    body, results = e.exporter.export_body(body_graph, formal, _outer(e, count), f"{e.op.name}_body")
    if len(results) != len(e.outputs):
        raise Refusal(f"the body has {len(results)} outputs for {len(e.outputs)} op outputs")
    for i, r in enumerate(results):
        e.out_elems[i] = (int(r.desc.dtype), None if r.desc.shape is None else tuple(r.desc.shape))
    e.out("SequenceMap", [v.name for v in values], body=body)
