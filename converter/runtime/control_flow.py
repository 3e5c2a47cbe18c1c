"""Executing ops with bodies: If (one of two branches), Loop (ONNX semantics: trip count and/or
condition, loop-carried values, scan outputs stacked along a new first axis) Scan (the body once per
slice of the scan inputs, states carried, per-slice outputs stacked) and SequenceMap (the body once per
sequence element)."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, UNSUPPORTED_OP, ConverterError
from ..ir import to_numpy
from ..ops.control import scan_axis
from ..ops.registry import SequenceValue

MAX_ITERATIONS = 10_000_000   # a Loop running longer is refused (a model that never stops, or a crafted count)


def _call(body, args: list) -> list:
    return body.run_outputs({d.name: a for d, a in zip(body.inputs, args)})


def _one(op, value, what: str):
    """The single value of a condition or trip count (E10001 when it holds none or several)."""
    flat = np.asarray(value).reshape(-1)
    if flat.size != 1:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"{op.type} '{op.name}': its {what} holds {flat.size} values; "
                             "it must hold one", node=op.name)
    return flat[0]


def run_if(session, op, args: list) -> list:
    key = "then_branch" if bool(_one(op, args[0], "condition")) else "else_branch"
    return _call(session.body_session(op, key), args[1:])


def run_loop(session, op, args: list) -> list:
    """args: [M or None, cond or None, carried..., outer...]; body inputs: [i, cond, carried..., outer...]."""
    body = session.body_session(op, "body")
    n_carried = int(op.attrs.get("num_carried", 0))
    trip = None if args[0] is None else int(_one(op, args[0], "trip count"))
    cond = True if args[1] is None else bool(_one(op, args[1], "condition"))
    if trip is not None and trip > MAX_ITERATIONS:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"Loop '{op.name}': trip count {trip} is more than the "
                             f"{MAX_ITERATIONS} iterations the runtime runs", node=op.name)
    carried = list(args[2:2 + n_carried])
    outer = list(args[2 + n_carried:])
    scans: list = []
    i = 0
    while cond and (trip is None or i < trip):
        outs = _call(body, [np.array(i, np.int64), np.array(cond)] + carried + outer)
        cond = bool(_one(op, outs[0], "condition output"))
        carried = list(outs[1:1 + n_carried])
        if not scans:
            scans = [[] for _ in outs[1 + n_carried:]]
        for acc, value in zip(scans, outs[1 + n_carried:]):
            acc.append(np.asarray(value))
        i += 1
        if trip is None and i > MAX_ITERATIONS:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"Loop '{op.name}' did not stop after {MAX_ITERATIONS} "
                                 "iterations", node=op.name)
    n_scan = len(op.outputs) - n_carried
    stacked = [np.stack(acc) for acc in scans] if scans else [np.zeros((0,), np.float32)] * n_scan
    return carried + stacked


def _empty_scan_output(op, d):
    """A scan output of 0 iterations: its inferred shape (0 along the scan axis)."""
    if d.shape is None or sum(1 for dim in d.shape if dim < 0) > 1 or 0 not in d.shape and -1 not in d.shape:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"Scan '{op.name}': the scan inputs are empty (0 iterations) and the "
                             "shape of the scan outputs is unknown", node=op.name)
    return np.zeros(tuple(max(dim, 0) for dim in d.shape), to_numpy(d.dtype))


def run_scan(session, op, args: list) -> list:
    """args: [states..., scan inputs..., outer...]; body inputs: [states..., one slice per scan input,
    outer...]; outputs: [final states..., scan outputs stacked along their axes]. A batched Scan (opset 8)
    takes [sequence_lens or None, ...] and runs that per batch element (axis 0)."""
    a = op.attrs
    n = int(a.get("num_states", 0)) + int(a["num_scan_inputs"])
    body = session.body_session(op, "body")
    if not a.get("batched"):
        return _scan(op, body, args[:n], args[n:])
    lens, explicit, outer = args[0], args[1:1 + n], list(args[1 + n:])
    batch = np.shape(explicit[0])[0] if explicit else 0
    steps = np.shape(explicit[-1])[1] if int(a["num_scan_inputs"]) else 0
    results = []
    for b in range(batch):
        length = steps if lens is None else int(np.asarray(lens).reshape(-1)[b])
        if not 0 < length <= steps:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"Scan '{op.name}': sequence length {length} of batch "
                                 f"element {b} is not in 1..{steps}", node=op.name)
        k = int(a.get("num_states", 0))
        outs = _scan(op, body, [x[b] for x in explicit[:k]] + [np.asarray(x[b])[:length] for x in explicit[k:]],
                     outer)
        results.append(outs[:k] + [np.pad(o, [(0, steps - length)] + [(0, 0)] * (o.ndim - 1)) for o in outs[k:]])
    return [np.stack(column) for column in zip(*results)]


def _scan(op, body, explicit: list, outer: list) -> list:
    a = op.attrs
    n_states = int(a.get("num_states", 0))
    states = list(explicit[:n_states])
    scans = [np.asarray(x) for x in explicit[n_states:]]
    in_dirs, out_dirs = list(a.get("scan_input_directions") or []), list(a.get("scan_output_directions") or [])
    axes = [scan_axis(a.get("scan_input_axes") or [], k, x.ndim) for k, x in enumerate(scans)]
    lengths = {x.shape[axis] for x, axis in zip(scans, axes)}
    if len(lengths) > 1:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"Scan '{op.name}': the scan inputs have different lengths "
                             f"{sorted(lengths)} along their scan axes", node=op.name)
    steps = lengths.pop() if lengths else 0
    collected: list = []
    for t in range(steps):
        slices = [np.take(x, steps - 1 - t if k < len(in_dirs) and in_dirs[k] else t, axis=axis)
                  for k, (x, axis) in enumerate(zip(scans, axes))]
        outs = _call(body, states + slices + outer)
        states = list(outs[:n_states])
        if not collected:
            collected = [[] for _ in outs[n_states:]]
        for acc, value in zip(collected, outs[n_states:]):
            acc.append(np.asarray(value))
    n_out = len(op.outputs) - n_states
    if not collected:
        return states + [_empty_scan_output(op, d) for d in op.outputs[n_states:]]
    stacked = []
    for k, acc in enumerate(collected[:n_out]):
        if k < len(out_dirs) and out_dirs[k]:
            acc = acc[::-1]
        axis = scan_axis(a.get("scan_output_axes") or [], k, acc[0].ndim + 1)
        stacked.append(np.stack(acc, axis=axis))
    return states + stacked


def run_sequence_map(session, op, args: list) -> list:
    """args: [sequence, sequences or tensors..., outer...]: the body on the i-th element of every sequence."""
    count = int(op.attrs.get("num_inputs", 1))
    mapped, outer = args[:count], list(args[count:])
    lengths = {len(a) for a in mapped if isinstance(a, list)}
    if len(lengths) > 1:
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"SequenceMap '{op.name}': the sequences have different "
                             f"lengths {sorted(lengths)}", node=op.name)
    body = session.body_session(op, "body")
    results = [SequenceValue() for _ in op.outputs]
    for i in range(lengths.pop() if lengths else 0):
        outs = _call(body, [a[i] if isinstance(a, list) else a for a in mapped] + outer)
        for acc, value in zip(results, outs):
            acc.append(np.asarray(value))
    return results


RUNNERS = {"If": run_if, "Loop": run_loop, "Scan": run_scan, "SequenceMap": run_sequence_map}


def run_body_op(session, op, args: list) -> list:
    """Run an op with bodies; `session` runs the op's graph and gives the sessions of its bodies."""
    try:
        runner = RUNNERS[op.type]
    except KeyError:
        raise ConverterError(UNSUPPORTED_OP, f"the runtime cannot execute control-flow op type {op.type}",
                             node=op.name) from None
    return runner(session, op, args)
