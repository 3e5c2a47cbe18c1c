"""Compiled fusion ops: ATC's fusion engine compiles several ops into one device kernel and keeps a single
op in the graph, typed after the first part, with the kernel's name listing the parts in order
(``te_fused_op_conv2d_backprop_input_d_relu_<hash>...``), the fused inputs in order of the parts, and the
source nodes in ``_datadump_original_op_names``. What the file does not keep is how the parts are wired to
each other, and the attributes of the parts (strides, pads, transposes, ...).

We rebuild each fusion from what the file does keep:
- the parts, from the kernel name;
- the wiring, by listing every way the parts can consume the fused inputs in order (each part takes its
  inputs from earlier parts or the next unused fused inputs, every part but the last feeds a later one) and
  keeping it when all the ways compute the same expression (commutative operands and repeated inputs
  considered); otherwise the original model (``source``) decides: the wiring whose edges between the parts
  are the original graph's edges between the nodes GE named;
- the parts' attributes, from the fused op (the first part keeps some), else from the original node of the
  same kind, else from the tensor shapes when only one setting fits (strides and SAME/VALID padding of a
  convolution, the transposes of a matrix product).
Anything left open is reported (E11009, with the other unsupported ops) and names what would settle it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product

from ..errors import UNSUPPORTED_OP, GraphError
from ..ir import TensorDesc
from .ge_graph import GeOp, plain_format, plain_shape
from .registry import GE_OPS, MapContext
from .table import find

KERNEL_PREFIX = "te_fused_op_"
HASH = re.compile(r"^[0-9a-f]{10,}$")
COMMUTATIVE = {"Add", "AddV2", "Mul", "Maximum", "Minimum", "AddN", "Equal", "LogicalAnd", "LogicalOr",
               "SquaredDifference", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "NotEqual"}
# kernel-name spellings that snake_case of the GE type does not give
COMPUTE_NAMES = {"conv2d": "Conv2D", "conv2d_backprop_input_d": "Conv2DBackpropInputD", "mat_mul": "MatMulV2",
                 "matmul": "MatMulV2", "batch_matmul": "BatchMatMulV2", "depthwise_conv2d": "DepthwiseConv2D",
                 "conv2d_transpose_d": "Conv2DTransposeD", "deconvolution": "Deconvolution",
                 "fully_connection": "FullyConnection", "real_div": "RealDiv", "add_n": "AddN"}
# inputs a part may take inside a fusion (quantisation offsets never appear in float kernels)
PART_INPUTS = {"Conv2D": (2, 3), "MatMulV2": (2, 3), "MatMul": (2, 3), "BatchMatMulV2": (2, 3),
               "DepthwiseConv2D": (2, 3), "Conv2DTransposeD": (2, 3), "FullyConnection": (2, 3),
               "Deconvolution": (2, 3)}
MAX_WIRINGS = 20000
# GE part type -> (TF type of the source node, {TF input index: GE attribute it became})
SOURCE_TYPES = {"Conv2D": ("Conv2D", {}), "DepthwiseConv2D": ("DepthwiseConv2dNative", {}),
                "Conv2DBackpropInputD": ("Conv2DBackpropInput", {0: "input_size"}),
                "MatMulV2": ("MatMul", {}), "MatMul": ("MatMul", {}), "BatchMatMulV2": ("BatchMatMulV2", {}),
                "LeakyRelu": ("LeakyRelu", {}), "MaxPool": ("MaxPool", {}), "AvgPool": ("AvgPool", {})}
SOURCE_ATTR_NAMES = {"alpha": "negative_slope"}
TF_TYPES = {"Add": ("Add", "AddV2", "BiasAdd"), "RealDiv": ("RealDiv", "Div")}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _vocabulary() -> dict:
    vocab = {snake(t): t for t in GE_OPS}
    vocab.update(COMPUTE_NAMES)
    return vocab


def kernel_name(op: GeOp) -> str | None:
    value = op.attrs.get(f"{op.name}_kernelname")
    if isinstance(value, str) and value.startswith(KERNEL_PREFIX):
        return value
    for key, value in op.attrs.items():
        if key.endswith("_kernelname") and isinstance(value, str) and value.startswith(KERNEL_PREFIX):
            return value
    return None


def is_fused(op: GeOp) -> bool:
    return kernel_name(op) is not None


def fused_parts(op: GeOp) -> list | None:
    """The GE types of the fused parts, in order, read from the kernel name (None if not readable)."""
    name = kernel_name(op)
    if name is None:
        return None
    tokens = name[len(KERNEL_PREFIX):].split("_")
    end = next((i for i, t in enumerate(tokens) if HASH.match(t)), len(tokens))
    tokens = tokens[:end]
    vocab = _vocabulary()
    parts, i = [], 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            key = "_".join(tokens[i:j])
            if key in vocab:
                parts.append(vocab[key])
                i = j
                break
        else:
            return None
    return parts or None


# ---- wiring --------------------------------------------------------------------------------------

@dataclass
class Wiring:
    """slots[p] = the inputs of part p: ("in", k) fused input k, ("part", q) the output of part q."""

    slots: list = field(default_factory=list)


def _arity(part: str) -> tuple:
    if part in PART_INPUTS:
        return PART_INPUTS[part]
    entry = GE_OPS.get(part)
    return entry.inputs if entry is not None else (1, 1)


def enumerate_wirings(parts: list, n_inputs: int) -> list:
    """Every way the parts can consume the fused inputs in order (see the module docstring)."""
    results: list = []

    def walk(p: int, next_in: int, slots: list, unused: set):
        if len(results) > MAX_WIRINGS:
            return
        if p == len(parts):
            if next_in == n_inputs and not unused:
                results.append(Wiring([list(s) for s in slots]))
            return
        lo, hi = _arity(parts[p])
        for n in range(lo, hi + 1):
            for choice in product(*[[("in",)] + [("part", q) for q in range(p)]] * n):
                internal = [c[1] for c in choice if c[0] == "part"]
                if len(set(internal)) != len(internal):
                    continue
                k = next_in
                these = []
                for c in choice:
                    if c[0] == "in":
                        these.append(("in", k))
                        k += 1
                    else:
                        these.append(c)
                if k > n_inputs:
                    continue
                still = (unused - set(internal)) | ({p} if p < len(parts) - 1 else set())
                walk(p + 1, k, slots + [these], still)

    walk(0, 0, [], set())
    return results


def expression(wiring: Wiring, parts: list, same_input: list):
    """A canonical form of what a wiring computes (commutative operands sorted, repeated inputs merged)."""
    memo = {}

    def expr(p: int):
        if p in memo:
            return memo[p]
        args = []
        for s in wiring.slots[p]:
            args.append(("in", same_input[s[1]]) if s[0] == "in" else expr(s[1]))
        if parts[p] in COMMUTATIVE:
            args = sorted(args, key=repr)
        memo[p] = (parts[p], tuple(args))
        return memo[p]

    return expr(len(parts) - 1)


# ---- the original model --------------------------------------------------------------------------

def _source_nodes(op: GeOp, source) -> list:
    if source is None:
        return []
    return [source.node(n) for n in op.original_names if source.node(n) is not None]


def _tf_matches(part: str, tf_type: str) -> bool:
    return tf_type == part or tf_type in TF_TYPES.get(part, ())


def source_wiring(candidates: list, parts: list, op: GeOp, source):
    """The candidates whose edges between parts are the original graph's edges (pure elementwise fusions,
    where each part is one source node, in the order GE lists them)."""
    nodes = [n for n in _source_nodes(op, source) if n.op not in ("Const", "Identity")]
    if len(nodes) != len(parts) or not all(_tf_matches(p, n.op) for p, n in zip(parts, nodes)):
        return []
    index = {n.name: i for i, n in enumerate(nodes)}
    keep = []
    for w in candidates:
        ok = True
        for p, slots in enumerate(w.slots):
            tf_inputs = [i.split(":")[0].lstrip("^") for i in nodes[p].input if not i.startswith("^")]
            if len(tf_inputs) != len(slots):
                ok = False
                break
            for s, tf_in in zip(slots, tf_inputs):
                inside = index.get(tf_in)
                if (s[0] == "part") != (inside is not None) or (s[0] == "part" and s[1] != inside):
                    ok = False
                    break
            if not ok:
                break
        if ok:
            keep.append(w)
    return keep


def source_attrs(part: str, op: GeOp, source) -> dict | None:
    """Attributes of a part taken from the original node of the matching kind (None if there is none)."""
    if part not in SOURCE_TYPES:
        return None
    tf_type, folded = SOURCE_TYPES[part]
    for node in _source_nodes(op, source):
        if node.op != tf_type:
            continue
        attrs = dict(source.attrs(node))
        for key in list(attrs):
            if key in SOURCE_ATTR_NAMES:
                attrs[SOURCE_ATTR_NAMES[key]] = attrs[key]
        for index, key in folded.items():
            value = source.input_value(node, index)
            if value is not None:
                attrs[key] = [int(v) for v in value.reshape(-1)]
        return attrs
    return None


# ---- attributes from shapes ----------------------------------------------------------------------

def _window_choices(size: int, out: int, kernel: int) -> list:
    """(stride, padding) pairs of a convolution window that turn ``size`` into ``out`` (dilation 1)."""
    found = []
    for s in range(1, max(size, kernel) + 1):
        if -(-size // s) == out:
            found.append((s, "SAME"))
        if size >= kernel and (size - kernel) // s + 1 == out:
            found.append((s, "VALID"))
    return found


def conv_attrs_from_shapes(x_shape, x_fmt: str, w_shape, w_fmt: str, y_shape) -> dict | None:
    """Strides and padding of a 2-D convolution from its shapes when exactly one setting fits."""
    if None in (x_shape, w_shape, y_shape) or len(x_shape) != 4 or len(w_shape) != 4 or x_fmt not in ("NCHW", "NHWC"):
        return None
    if w_fmt not in ("NCHW", "NHWC", "HWCN", "CHWN"):
        return None
    kernel = [w_shape[w_fmt.index(a)] for a in "HW"]
    options = [_window_choices(x_shape[x_fmt.index(a)], y_shape[x_fmt.index(a)], k) for a, k in zip("HW", kernel)]
    pads = {p for o in options for _, p in o}
    both = [pad for pad in pads if all(any(p == pad for _, p in o) for o in options)]
    strides = [[s for s, p in o if p in both] for o in options]
    if len(both) != 1 or any(len(s) != 1 for s in strides):
        return None
    full = [1, 1, 1, 1]
    full[x_fmt.index("H")], full[x_fmt.index("W")] = strides[0][0], strides[1][0]
    return {"strides": full, "padding": both[0], "dilations": [1, 1, 1, 1], "data_format": x_fmt}


def matmul_attrs_from_shapes(a, b, y) -> dict | None:
    if None in (a, b, y) or len(a) != 2 or len(b) != 2 or len(y) != 2:
        return None
    fits = [(t1, t2) for t1 in (False, True) for t2 in (False, True)
            if (a[1] if t1 else a[0]) == y[0] and (b[0] if t2 else b[1]) == y[1]
            and (a[0] if t1 else a[1]) == (b[1] if t2 else b[0])]
    if len(fits) != 1:
        return None
    return {"transpose_x1": fits[0][0], "transpose_x2": fits[0][1]}


NEEDS_ATTRS = {"Conv2D": "strides", "DepthwiseConv2D": "strides", "Conv2DBackpropInputD": "strides",
               "Conv2DTransposeD": "strides", "MaxPool": "ksize", "AvgPool": "ksize", "LeakyRelu": "negative_slope",
               "MatMulV2": "transpose_x1", "MatMul": "transpose_x1", "BatchMatMulV2": "adj_x1"}

NOTE_KEYS = {"strides", "padding", "pads", "dilations", "data_format", "input_size", "transpose_x1", "transpose_x2",
             "transpose_a", "transpose_b", "adj_x1", "adj_x2", "negative_slope", "ksize"}


def shape_attrs(part: str, in_descs: list, out_desc) -> dict | None:
    """Attributes of a part recovered from its shapes (see conv_attrs_from_shapes), or None."""
    shapes = [plain_shape(d) for d in in_descs]
    fmts = [plain_format(d) for d in in_descs]
    y = plain_shape(out_desc)
    if part in ("Conv2D", "DepthwiseConv2D") and len(shapes) >= 2:
        return conv_attrs_from_shapes(shapes[0], fmts[0], shapes[1], fmts[1], y)
    if part == "Conv2DBackpropInputD" and len(shapes) >= 2:
        attrs = conv_attrs_from_shapes(y, fmts[1], shapes[0], fmts[0], shapes[1])
        return None if attrs is None else {**attrs, "input_size": list(y)}
    if part in ("MatMulV2", "MatMul") and len(shapes) >= 2:
        return matmul_attrs_from_shapes(shapes[0], shapes[1], y)
    return None


# ---- planning and building -----------------------------------------------------------------------

@dataclass
class FusionPlan:
    parts: list
    wiring: Wiring | None = None
    attrs: list = field(default_factory=list)
    problem: str | None = None
    notes: list = field(default_factory=list)


def _same_inputs(op: GeOp) -> list:
    first = {}
    out = []
    for k, ref in enumerate(op.inputs):
        out.append(first.setdefault(ref, k) if ref is not None else k)
    return out


def plan(op: GeOp, source) -> FusionPlan:
    parts = fused_parts(op)
    if parts is None:
        return FusionPlan([], problem=f"compiled fusion op with kernel {kernel_name(op)[:60]!r} (parts not known)")
    label = "+".join(parts)
    missing = sorted({p for p in parts if find(p) is None})
    if missing:
        return FusionPlan(parts, problem=f"compiled fusion op {label}: parts without a kernel: {', '.join(missing)}")
    n_inputs = len(op.inputs)
    candidates = enumerate_wirings(parts, n_inputs)
    if len(candidates) > MAX_WIRINGS:
        return FusionPlan(parts, problem=f"compiled fusion op {label} (too many ways to wire {len(parts)} parts "
                                         "to list; not supported)")
    same = _same_inputs(op)
    exprs = {}
    for w in candidates:
        exprs.setdefault(expression(w, parts, same), w)
    fused = FusionPlan(parts)
    if len(exprs) > 1:
        chosen = source_wiring(candidates, parts, op, source)
        chosen_exprs = {expression(w, parts, same) for w in chosen}
        if len(chosen_exprs) == 1:
            fused.wiring = chosen[0]
            fused.notes.append(f"fusion '{op.name}' ({label}): wiring taken from the source model")
        else:
            why = "pass the source model it was compiled from (omtool run --source MODEL)" if source is None else \
                "the source model does not name these parts"
            return FusionPlan(parts, problem=f"compiled fusion op {label} (the file does not record how its "
                                             f"{n_inputs} inputs feed its {len(parts)} parts; {why})")
    elif not exprs:
        return FusionPlan(parts, problem=f"compiled fusion op {label} with {n_inputs} inputs (no wiring fits)")
    else:
        fused.wiring = next(iter(exprs.values()))
    for p, part in enumerate(parts):
        attrs = dict(op.attrs) if p == 0 else {}
        key = NEEDS_ATTRS.get(part)
        if key is None or attrs.get(key) is not None:
            fused.attrs.append(attrs)
            continue
        found = source_attrs(part, op, source)
        how = "the source model"
        if found is None:
            in_descs = [op.input_descs[s[1]] if s[0] == "in" else op.outputs[0] for s in fused.wiring.slots[p]]
            found = shape_attrs(part, in_descs, op.outputs[0] if op.outputs else None)
            how = "the tensor shapes"
        if found is None:
            return FusionPlan(parts, problem=f"compiled fusion op {label} (the attributes of its {part} part are "
                                             "not in the file and the shapes leave them open; pass the source "
                                             "model with --source)")
        shown = {k: v for k, v in sorted(found.items()) if k in NOTE_KEYS}
        if shown:
            fused.notes.append(f"fusion '{op.name}' ({label}): {part} attributes from {how}: "
                               + ", ".join(f"{k}={v}" for k, v in shown.items()))
        fused.attrs.append({**attrs, **found})
    return fused


def fused_problem(op: GeOp, lowering) -> str | None:
    return plan(op, lowering.source).problem


def lower_fused(lowering, op: GeOp) -> list:
    """Build the parts of a fusion op as canonical ops; returns the refs of the fused op's outputs."""
    fused = plan(op, lowering.source)
    if fused.problem:
        raise GraphError(UNSUPPORTED_OP, f"op '{op.name}': {fused.problem}", node=op.name)
    lowering.notes.extend(fused.notes)
    inputs = lowering.op_inputs(op)
    outs: list = []
    last = len(fused.parts) - 1
    for p, (part, attrs) in enumerate(zip(fused.parts, fused.attrs)):
        refs, descs = [], []
        for s in fused.wiring.slots[p]:
            if s[0] == "in":
                refs.append(inputs[s[1]])
                descs.append(op.input_descs[s[1]])
            else:
                refs.append(outs[s[1]])
                descs.append(_part_desc(op))
        name = op.name if p == last else f"{op.name}/part{p}_{part}"
        outputs = op.outputs if p == last else [_part_desc(op)]
        part_op = GeOp(name, part, attrs, inputs=[("", 0)] * len(refs), input_descs=descs, outputs=outputs)
        result = find(part).mapper(MapContext(lowering, part_op, refs))
        if p == last:
            return result
        desc = lowering.graph.desc(result[0])
        desc.name = desc.name or f"{name}:0"
        outs.append(result[0])
    return outs


def _part_desc(op: GeOp) -> TensorDesc:
    """The descriptor of a tensor between two parts: the fused output's layout and dtype."""
    return (op.outputs[0] if op.outputs else TensorDesc()).copy()
