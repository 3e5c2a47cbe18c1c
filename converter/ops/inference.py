"""Shape/dtype inference and constant folding of ops in a graph, with the ops' own infer functions and
kernels: one op (``infer_op``, used by frontends and passes) or a whole graph until stable
(``infer_graph``, the shape-inference pass and the bodies of If/Loop ops)."""
from __future__ import annotations

from math import prod

import numpy as np

from ..errors import INTERNAL_ERROR, INVALID_ARGUMENT_VALUE, TENSOR_TOO_LARGE, ConverterError, GraphError
from ..ir import DataType, Graph, TensorDesc, from_numpy, to_numpy
from ..ir.inline import inline_graph
from ..ir.sizes import MAX_ITEMSIZE, MAX_TENSOR_BYTES, check_tensor_bytes, element_count, is_allocation_failure
from . import fold_budget
from .control import scan_axis
from .infer_memo import MISS, InferMemo
from .registry import InferContext, get, run_kernel, with_trait

MAX_ROUNDS = 8      # whole-graph rounds before infer_graph gives up on reaching a fixed point


def _fold_outputs(graph: Graph, op, outs: list, origin: int = 0) -> None:
    """Replace ``op`` by one Const per output carrying the computed values (which derive from ``origin``
    bytes of source constants: fold_budget)."""
    names = []
    for i, value in enumerate(outs):
        src_desc = op.outputs[i] if i < len(op.outputs) else None
        base = op.name if len(outs) == 1 else f"{op.name}_out{i}"
        names.append((base, value, src_desc))
    consumers = {i: graph.consumers(op.name, i) for i in range(len(outs))}
    graph.remove(op.name)
    for i, (base, value, src_desc) in enumerate(names):
        value = np.asarray(value, order="C")
        const = graph.add_const(graph.unique_name(base), value, source=op.source)
        fold_budget.record(graph, [const.name], origin)
        if src_desc is not None:
            const.outputs[0].name = src_desc.name
            const.outputs[0].format = src_desc.format
        for v, k in consumers[i]:
            graph.connect((const.name, 0), v, k)


def shape_dummy(desc):
    """A zero-strided array with desc's dtype and (static) shape, for kernels that read only the shape."""
    return np.broadcast_to(np.zeros((), to_numpy(desc.dtype)), desc.shape)


def _set_outputs(op, descs) -> bool:
    """Give op's outputs these (dtype, shape) pairs (adding outputs as needed); True if any changed."""
    changed = False
    while len(op.outputs) < len(descs):
        op.outputs.append(TensorDesc(shape=None))
    for d, (dtype, shape) in zip(op.outputs, descs):
        shape = None if shape is None else tuple(map(int, shape))
        dtype = int(dtype)
        if d.dtype != dtype or d.shape != shape:
            d.dtype, d.shape = dtype, shape
            changed = True
    return changed


def _feed(body: Graph, feeds: list) -> None:
    """Give the body's Data ops these (dtype, shape) descs, in order."""
    for data, (dtype, shape) in zip(body.data_ops(), feeds):
        data.outputs[0].dtype, data.outputs[0].shape = dtype, shape


def _relax(shape, new):
    """The shape that covers both: dims that differ unknown (-1), a rank that differs unknown (None)."""
    if shape is None or new is None or len(shape) != len(new):
        return None
    return tuple(a if a == b else -1 for a, b in zip(shape, new))


def _settled_feeds(body: Graph, feeds: list, n_carried: int, warn) -> list:
    """The body's input descs with each carried value's shape relaxed until the body gives it back unchanged
    (a carried tensor that grows on every pass gets an unknown dim). Tried on copies of the body, since
    inference folds: a shape fixed too early would be baked into constants."""
    for _ in range(MAX_ROUNDS):
        trial = body.copy()
        _feed(trial, feeds)
        infer_graph(trial, warn=warn)
        outs = [trial.desc(r) for r in trial.output_refs()]
        relaxed = list(feeds)
        for k in range(n_carried):
            dtype, shape = feeds[2 + k]
            if shape is not None and 1 + k < len(outs):
                relaxed[2 + k] = (dtype, _relax(shape, outs[1 + k].shape))
        if relaxed == feeds:
            return feeds
        feeds = relaxed
    return feeds[:2] + [(dtype, None) for dtype, _ in feeds[2:2 + n_carried]] + feeds[2 + n_carried:]


def _infer_loop(graph: Graph, op, warn) -> bool:
    """Loop: body inputs are (iteration, condition, carried..., outer...); carried values get the shapes the
    body keeps over every pass (see _settled_feeds), outputs the dtype of their inputs; scan outputs get a
    leading unknown dim."""
    ins = graph.input_descs(op.name)
    n = int(op.attrs.get("num_carried", 0))
    body = op.subgraphs["body"]
    n_in, n_out = len(body.data_ops()), len(body.output_refs())
    if n < 0 or len(ins) < 2 + n or n_in != len(ins) or n_out < 1 + n:
        raise GraphError(INVALID_ARGUMENT_VALUE, f"Loop '{op.name}': {len(ins)} inputs with {n} carried values do "
                         f"not fit a body of {n_in} inputs and {n_out} outputs (it takes iteration, condition, the "
                         "carried values and the outer values; it gives the condition, the carried values and "
                         "scan outputs)", node=op.name)
    fixed = [(DataType.DT_INT64, ()), (DataType.DT_BOOL, ())]
    feeds = fixed + [(d.dtype, d.shape) if d is not None else (DataType.DT_FLOAT, None) for d in ins[2:]]
    feeds = _settled_feeds(body, feeds, n, warn)
    _feed(body, feeds)
    infer_graph(body, warn=warn)
    outs = [body.desc(r) for r in body.output_refs()]
    carried = []
    for k in range(n):
        shape, d_out = feeds[2 + k][1], outs[1 + k]
        carried.append((d_out.dtype, shape if shape == d_out.shape else None))
    scans = [(d.dtype, None if d.shape is None else (-1,) + tuple(d.shape)) for d in outs[1 + n:]]
    return _set_outputs(op, carried + scans)


def _infer_scan(graph: Graph, op, warn) -> bool:
    """Scan: body inputs are (states..., one slice per scan input, outer...); states keep the dtype of the
    body's results and a shape where the body keeps it; scan outputs get the scan length inserted at their
    axes (unknown when no scan input has a known one)."""
    ins = graph.input_descs(op.name)
    attrs = get("Scan").normalize(op.attrs, op.name)
    n, m = attrs["num_states"], attrs["num_scan_inputs"]
    batch = None
    if attrs["batched"]:   # opset 8: drop sequence_lens and the batch axis; the body sees one batch element
        ins = ins[1:]
        known = [d.shape[0] for d in ins[:n + m] if d is not None and d.shape]
        batch = known[0] if known else -1
        ins = [None if d is None else d.copy(shape=None if d.shape is None else tuple(d.shape[1:])) if k < n + m
               else d for k, d in enumerate(ins)]
    feeds, length = [], -1
    for k, d in enumerate(ins):
        if d is None:
            feeds.append((DataType.DT_FLOAT, None))
        elif n <= k < n + m and d.shape is not None:
            axis = scan_axis(attrs["scan_input_axes"], k - n, len(d.shape))
            length = d.shape[axis] if length == -1 else length
            feeds.append((d.dtype, tuple(d.shape[:axis]) + tuple(d.shape[axis + 1:])))
        else:
            feeds.append((d.dtype, None if n <= k < n + m else d.shape))
    body = op.subgraphs["body"]
    _feed(body, feeds)
    infer_graph(body, warn=warn)
    outs = [body.desc(r) for r in body.output_refs()]
    states = [(d.dtype, d.shape if ins[k] is not None and ins[k].shape == d.shape else None)
              for k, d in enumerate(outs[:n])]
    scans = []
    for k, d in enumerate(outs[n:]):
        shape = None
        if d.shape is not None:
            axis = scan_axis(attrs["scan_output_axes"], k, len(d.shape) + 1)
            shape = tuple(d.shape[:axis]) + (length,) + tuple(d.shape[axis:])
        scans.append((d.dtype, shape))
    if batch is not None:
        states = [(dt, None if shape is None else (batch, *shape)) for dt, shape in states]
        scans = [(dt, None if shape is None else (batch, *shape)) for dt, shape in scans]
    return _set_outputs(op, states + scans)


def _infer_sequence_map(graph: Graph, op, warn) -> bool:
    """SequenceMap: the body sees one element of each sequence input (other inputs whole); each body output
    becomes a sequence of its dtype."""
    ins = graph.input_descs(op.name)
    count = int(op.attrs.get("num_inputs", 1))
    body = op.subgraphs["body"]
    for k, (data, d) in enumerate(zip(body.data_ops(), ins)):
        if d is None:
            continue
        if k < count and d.dtype == DataType.DT_VARIANT:
            elem = d.attrs.get("elem_dtype")
            data.outputs[0].dtype, data.outputs[0].shape = (elem if elem is not None else data.outputs[0].dtype), None
        else:
            data.outputs[0].dtype, data.outputs[0].shape = d.dtype, d.shape
    infer_graph(body, warn=warn)
    changed = False
    outs = [body.desc(r) for r in body.output_refs()]
    while len(op.outputs) < len(outs):
        op.outputs.append(TensorDesc(shape=None))
    for d, out in zip(op.outputs, outs):
        if d.dtype != DataType.DT_VARIANT or d.attrs.get("elem_dtype") != int(out.dtype):
            d.dtype, d.shape = DataType.DT_VARIANT, None
            d.attrs["elem_dtype"] = int(out.dtype)
            changed = True
    return changed


def _infer_subgraph_op(graph: Graph, op, warn) -> bool:
    """Ops with bodies. If: give each branch's Data ops the descs of the op's inputs after the first, infer
    the branches, and take outputs the branches agree on (unknown dims where they differ). Loop: see above."""
    if op.type == "Loop":
        return _infer_loop(graph, op, warn)
    if op.type == "If" and _inline_decided_if(graph, op):
        return True
    if op.type == "Scan":
        return _infer_scan(graph, op, warn)
    if op.type == "SequenceMap":
        return _infer_sequence_map(graph, op, warn)
    ins = graph.input_descs(op.name)[1:]
    results = []
    for sub in op.subgraphs.values():
        for data, d in zip(sub.data_ops(), ins):
            if d is not None:
                data.outputs[0].dtype, data.outputs[0].shape = d.dtype, d.shape
        infer_graph(sub, warn=warn)
        results.append([sub.desc(r) for r in sub.output_refs()])
    merged = []
    for i in range(len(results[0])):
        cands = [r[i] for r in results if i < len(r)]
        shape = cands[0].shape if len({c.shape for c in cands}) == 1 else None
        if shape is None and all(c.shape is not None for c in cands) and len({len(c.shape) for c in cands}) == 1:
            shape = tuple(a if all(c.shape[k] == a for c in cands) else -1 for k, a in enumerate(cands[0].shape))
        merged.append((cands[0].dtype, shape))
    return _set_outputs(op, merged)


def check_output_sizes(op, descs) -> None:
    """TENSOR_TOO_LARGE (before anything is allocated) when a static output shape holds more bytes than a
    device has (ir.sizes.MAX_TENSOR_BYTES); the shape's dims are counted exactly."""
    for i, d in enumerate(descs):
        if d is None or d.shape is None:
            continue
        dims = [int(x) for x in d.shape]
        if any(x < 0 for x in dims) or prod(dims) * MAX_ITEMSIZE <= MAX_TENSOR_BYTES:
            continue   # unknown dims, or small enough whatever its type (the common case: no message built)
        what = (f"model input '{op.name}'" if op.type == "Data" else f"op '{op.name}' ({op.type}): output {i}") \
            + f", shape {list(d.shape)},"
        try:
            itemsize = to_numpy(d.dtype).itemsize
        except (KeyError, TypeError, ValueError):
            continue
        check_tensor_bytes(element_count(d.shape, what), itemsize, what,
                           error=lambda code, message: GraphError(code, message, node=op.name))


def _infer_descs(spec, op, descs, values, attrs):
    if spec.infer is None:
        return None
    new = spec.infer(InferContext(op, descs, values, attrs))
    check_output_sizes(op, new)
    return new


def _try_fold(graph: Graph, op, spec, refs, values, attrs) -> tuple:
    """Fold an op whose inputs are all constant, unless its result would exceed the fold budget
    (fold_budget). Returns (folded, descs): the output descs inference gave, for an op left in place."""
    descs = [None if r is None else graph.desc(r) for r in refs]
    new = _infer_descs(spec, op, descs, values, attrs)
    origin = fold_budget.source_bytes(graph, refs, values)
    predicted = None if new is None else fold_budget.output_bytes(new)
    if predicted is not None and not fold_budget.allows(graph, origin, predicted):
        return False, new
    outs = run_kernel(spec, [v if r is not None else None for r, v in zip(refs, values)], attrs)
    if predicted is None and not fold_budget.allows(graph, origin, sum(getattr(o, "nbytes", 0) for o in outs)):
        # the size was not known before the kernel ran: keep the op, with the shapes it computed
        if all(isinstance(o, np.ndarray) for o in outs):
            new = [TensorDesc(dtype=from_numpy(o.dtype), shape=tuple(o.shape)) for o in outs]
        return False, new
    _fold_outputs(graph, op, outs, origin)
    return True, None


def _inline_decided_if(graph: Graph, op) -> bool:
    """An If whose condition folding made a constant becomes the branch it takes (the other one, which may not
    even fit the shapes, is dropped): its ops are copied into the graph, reading the If's inputs."""
    refs = graph.inputs_of(op.name)
    cond = graph.const_value(refs[0]) if refs and refs[0] is not None else None
    if cond is None or np.asarray(cond).size != 1 or set(op.subgraphs) != {"then_branch", "else_branch"}:
        return False
    branch = op.subgraphs["then_branch" if bool(np.asarray(cond).reshape(-1)[0]) else "else_branch"]
    outs = inline_graph(graph, branch, refs[1:], prefix=op.name)
    for i, ref in enumerate(outs):
        if ref is not None and op.outputs[i].name and not graph.desc(ref).name:
            graph.desc(ref).name = op.outputs[i].name
        graph.replace_uses((op.name, i), ref)
    graph.remove(op.name)
    return True


def infer_op(graph: Graph, op, fold: bool = True, warn=None) -> bool:
    """Infer one op's outputs (or fold it into Consts, within the fold budget). Returns True if something
    changed. ``warn`` receives a message when the body of an If/Loop does not settle within MAX_ROUNDS."""
    if op.subgraphs:
        return _infer_subgraph_op(graph, op, warn)
    spec = get(op.type)
    refs = graph.inputs_of(op.name)
    descs, values = [], []
    foldable = bool(refs)
    for r in refs:
        if r is None:
            descs.append(None)
            values.append(None)
            continue
        src = graph.op(r[0])
        descs.append(src.outputs[r[1]])
        values.append(src.value if src.type == "Const" else None)
        foldable = foldable and values[-1] is not None
    if fold and "never_fold" not in spec.traits:
        if foldable and any(r is not None for r in refs):
            folded, new = _try_fold(graph, op, spec, refs, values, spec.normalize(op.attrs, op.name))
            if folded:
                return True
            return False if new is None else _set_outputs(op, [(n.dtype, n.shape) for n in new])
        if "shape_only" in spec.traits and descs and descs[0] is not None and descs[0].is_static:
            outs = run_kernel(spec, [shape_dummy(descs[0])] + values[1:], spec.normalize(op.attrs, op.name))
            _fold_outputs(graph, op, outs)
            return True
    new = _inferred(graph, spec, op, descs, values)
    return False if new is None else _set_outputs(op, new)


def _inferred(graph: Graph, spec, op, descs: list, values: list):
    """(dtype, shape) per output by op's infer function, or None when it has none; a result the graph's
    InferMemo kept for the same key is reused (see ops.infer_memo)."""
    if spec.infer is None:
        spec.normalize(op.attrs, op.name)   # attrs that do not fit are refused all the same
        return None
    memo = graph.infer_memo
    if memo is None:
        memo = graph.infer_memo = InferMemo()
    key = memo.key(op, descs)
    if key is not None:
        found = memo.get(key, values)
        if found is not MISS:
            return found
    ctx = InferContext(op, descs, values, spec.normalize(op.attrs, op.name))
    new = spec.infer(ctx)
    check_output_sizes(op, new)
    result = tuple((int(n.dtype), None if n.shape is None else tuple(map(int, n.shape))) for n in new)
    if key is not None:
        memo.put(key, values, ctx.read_values, result)
    return result


def infer_op_named(graph: Graph, op, fold: bool = True, warn=None) -> bool:
    """``infer_op`` with its failures named after the op. An op's infer function or kernel refuses what does
    not fit (shapes, attribute values) with a ConverterError (E10001 with the reason, ...), which keeps its
    code; any other exception is a bug of ours, reported as E19999 naming the op (the cause is chained)."""
    try:
        return infer_op(graph, op, fold, warn)
    except ConverterError as exc:
        if exc.node:
            raise
        raise GraphError(exc.code, f"op '{op.name}' ({op.type}): {exc.message}", node=op.name) from exc
    except Exception as exc:
        if is_allocation_failure(exc):  # a size inference could not foresee: say so, not E19999
            raise GraphError(TENSOR_TOO_LARGE, f"op '{op.name}' ({op.type}): computing its constant result needs more "
                             "memory than this machine has; is the model file damaged?", node=op.name) from exc
        raise GraphError(INTERNAL_ERROR, f"internal error in the shape inference of op '{op.name}' ({op.type}): "
                         f"{type(exc).__name__}: {exc}; please report it with the model", node=op.name) from exc


def infer_graph(graph: Graph, fold: bool = True, warn=None) -> bool:
    """Run inference (and constant folding) over the graph in topological order, repeating until stable or
    MAX_ROUNDS rounds have run (then ``warn``, if given, receives a message). Returns True if anything changed."""
    structural = with_trait("structural")
    for data in graph.data_ops():
        check_output_sizes(data, data.outputs)
    any_change = False
    for _ in range(MAX_ROUNDS):
        changed = False
        for op in graph.topo_order():
            if op.type in structural or op.name not in graph:
                continue
            changed |= infer_op_named(graph, op, fold, warn)
        any_change |= changed
        if not changed:
            return any_change
    if warn is not None:
        warn(f"shape inference and constant folding stopped after {MAX_ROUNDS} rounds without settling "
             f"(graph {graph.name!r}, {len(graph)} ops); shapes or constants may be left unknown")
    return any_change
