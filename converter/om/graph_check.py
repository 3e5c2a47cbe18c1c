"""check_graph: the checks an .om graph must pass before it is run, so that a crafted or damaged file is
refused when it is loaded (E10003 naming the op) instead of failing inside the runtime.

Checked, in every graph and body: each data input comes from an op of the same graph and names one of its
outputs (control edges ``op:-1`` are not data inputs and are kept aside by the reader, as real ATC files have
them); one NetOutput, read by no op; Data ops have an output desc and are numbered 0..n-1; Const ops in the
graphs the runtime runs have a value; no cycle of data edges; output descs hold data types we know (model
inputs one with values) and static shapes no larger than a device holds (ir.sizes.MAX_TENSOR_BYTES); ops with
bodies (If, Loop, Scan, SequenceMap) have them, If and Loop bodies take the inputs the op passes and If
branches give its outputs. Weight ranges (offset and size inside the WEIGHTS_DATA partition) are checked when
the weights are read (attrs.tensor_from_proto). What ops compute is not checked here: a kernel that fails on
its inputs is diagnosed by the op's shape inference (runtime.session.run_failure)."""
from __future__ import annotations

from ..errors import INVALID_OM_FILE, OmFormatError
from ..ir import DataType, Graph, to_numpy
from ..ops.inference import check_output_sizes
from .model_def import ATTR_UNRESOLVED_INPUTS as UNRESOLVED

KNOWN_TYPES = frozenset(int(t) for t in DataType)
BODIES = {"If": ("then_branch", "else_branch"), "Loop": ("body",), "Scan": ("body",),
          "SequenceMap": ("body",)}   # the bodies the runtime runs


def _bad(graph: Graph, op_name: str, what: str) -> OmFormatError:
    return OmFormatError(INVALID_OM_FILE,
                         f"the offline model is not valid: graph {graph.name!r}, op {op_name!r}: {what}",
                         node=op_name)


def _check_descs(graph: Graph, op) -> None:
    """Output descs hold data types we know; model inputs one with values; static sizes a device holds."""
    for i, d in enumerate(op.outputs):
        for dtype in (d.dtype, d.origin_dtype):
            if dtype is not None and int(dtype) not in KNOWN_TYPES:
                raise _bad(graph, op.name, f"output {i} has data type number {int(dtype)}, which is no GE data type")
    if op.type == "Data" and op.outputs[0].dtype != DataType.DT_VARIANT:
        try:
            to_numpy(op.outputs[0].dtype)
        except (KeyError, ValueError):
            raise _bad(graph, op.name, f"the model input has data type {DataType(op.outputs[0].dtype).name}, "
                       "which holds no values") from None
    check_output_sizes(op, op.outputs)


def _check_body_arity(graph: Graph, op) -> None:
    """An If branch takes the If's inputs after the condition; a Loop body takes all of the Loop's inputs (trip
    count, condition, carried and outer values) and gives the condition and the carried values at least."""
    n_in = len(graph.inputs_of(op.name))
    if op.type == "If":
        for key in BODIES["If"]:
            if len(op.subgraphs[key].data_ops()) != n_in - 1:
                raise _bad(graph, op.name, f"its {key} takes {len(op.subgraphs[key].data_ops())} inputs; the If "
                           f"passes it {n_in - 1}")
            if len(op.subgraphs[key].output_refs()) < len(op.outputs):
                raise _bad(graph, op.name, f"its {key} gives {len(op.subgraphs[key].output_refs())} outputs; the "
                           f"If has {len(op.outputs)}")
    elif op.type == "Loop":
        body, carried = op.subgraphs["body"], int(op.attrs.get("num_carried", 0) or 0)
        if len(body.data_ops()) != n_in or len(body.output_refs()) < 1 + carried or carried > n_in - 2:
            raise _bad(graph, op.name, f"its body ({len(body.data_ops())} inputs, {len(body.output_refs())} "
                       f"outputs) does not fit a Loop of {n_in} inputs with {carried} carried values")


def _check_data_indices(graph: Graph) -> None:
    """Data ops that carry an ``index`` number 0, 1, ... once each (the order inputs are fed and bound in)."""
    data = [op for op in graph.ops() if op.type == "Data" and "index" in op.attrs]
    indices = [op.attrs["index"] for op in data]
    if any(not isinstance(i, int) or isinstance(i, bool) for i in indices) or \
            sorted(indices) != list(range(len(indices))):
        shown = sorted(str(i) for i in indices)
        raise _bad(graph, data[0].name, f"its Data ops are numbered {', '.join(shown[:8])}; they must be numbered "
                   f"0 to {len(indices) - 1}, each once")


def check_graph(graph: Graph, runs: bool = True) -> None:
    """``runs``: the runtime runs this graph (the main graph and the BODIES of the ops it runs); a graph kept
    only for what it describes (a compiled model's PartitionedCall body, ...) may hold Consts of GE's own
    encoding that we do not read."""
    _check_data_indices(graph)
    outputs = [op.name for op in graph.ops() if op.type == "NetOutput"]
    if len(outputs) != 1:
        raise _bad(graph, outputs[1] if outputs else graph.name, f"the graph has {len(outputs)} NetOutput ops; it "
                   "needs one")
    for op in graph.ops():
        if op.type == "Data" and not op.outputs:
            raise _bad(graph, op.name, "the Data op has no output description")
        _check_descs(graph, op)
        missing = op.attrs.get(UNRESOLVED)
        if missing:
            raise _bad(graph, op.name, f"input {missing[0]!r} names an op that is not in the graph")
        if runs and op.type == "Const" and op.value is None:
            raise _bad(graph, op.name, "the Const op has no value")
        for ref in graph.inputs_of(op.name):
            if ref is not None and graph.op(ref[0]).type == "NetOutput":
                raise _bad(graph, op.name, f"input {ref[0]!r} is the graph's NetOutput, which has no outputs")
            if ref is not None and not 0 <= ref[1] < len(graph.op(ref[0]).outputs):
                raise _bad(graph, op.name, f"input {ref[0]!r}:{ref[1]} names output {ref[1]} of an op with "
                           f"{len(graph.op(ref[0]).outputs)} outputs")
        missing = [key for key in BODIES.get(op.type, ()) if key not in op.subgraphs]
        if missing:
            raise _bad(graph, op.name, f"the {op.type} op has no {' / '.join(missing)} graph")
        _check_body_arity(graph, op)
        for key, sub in op.subgraphs.items():
            check_graph(sub, runs and key in BODIES.get(op.type, ()))
    cycle = graph.find_cycle()
    if cycle:
        raise _bad(graph, cycle[0], "its data edges form a cycle: " + " -> ".join(repr(n) for n in cycle[:8])
                   + (" ..." if len(cycle) > 8 else ""))
