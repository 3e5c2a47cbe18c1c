"""Executing ops with bodies: If (one of two branches) and Loop (ONNX semantics: trip count and/or
condition, loop-carried values, scan outputs stacked along a new first axis)."""
from __future__ import annotations

import numpy as np

from ..errors import INTERNAL_ERROR, UNSUPPORTED_OP, ConverterError


def _call(body, args: list) -> list:
    return body.run_outputs({d.name: a for d, a in zip(body.inputs, args)})


def run_if(session, op, args: list) -> list:
    key = "then_branch" if bool(np.asarray(args[0]).reshape(-1)[0]) else "else_branch"
    return _call(session.body_session(op, key), args[1:])


def run_loop(session, op, args: list) -> list:
    """args: [M or None, cond or None, carried..., outer...]; body inputs: [i, cond, carried..., outer...]."""
    body = session.body_session(op, "body")
    n_carried = int(op.attrs.get("num_carried", 0))
    trip = None if args[0] is None else int(np.asarray(args[0]).reshape(-1)[0])
    cond = True if args[1] is None else bool(np.asarray(args[1]).reshape(-1)[0])
    carried = list(args[2:2 + n_carried])
    outer = list(args[2 + n_carried:])
    scans: list = []
    i = 0
    while cond and (trip is None or i < trip):
        outs = _call(body, [np.array(i, np.int64), np.array(cond)] + carried + outer)
        cond = bool(np.asarray(outs[0]).reshape(-1)[0])
        carried = list(outs[1:1 + n_carried])
        if not scans:
            scans = [[] for _ in outs[1 + n_carried:]]
        for acc, value in zip(scans, outs[1 + n_carried:]):
            acc.append(np.asarray(value))
        i += 1
        if trip is None and i > 10_000_000:
            raise ConverterError(INTERNAL_ERROR, f"Loop '{op.name}' did not stop after 10 million iterations",
                                 node=op.name)
    n_scan = len(op.outputs) - n_carried
    stacked = [np.stack(acc) for acc in scans] if scans else [np.zeros((0,), np.float32)] * n_scan
    return carried + stacked


RUNNERS = {"If": run_if, "Loop": run_loop}


def run_body_op(session, op, args: list) -> list:
    """Run an op with bodies; `session` runs the op's graph and gives the sessions of its bodies."""
    try:
        runner = RUNNERS[op.type]
    except KeyError:
        raise ConverterError(UNSUPPORTED_OP, f"the runtime cannot execute control-flow op type {op.type}",
                             node=op.name) from None
    return runner(session, op, args)
