"""Precision modes (--precision_mode, --keep_dtype, --customize_dtypes, --modify_mixlist): choose fp16 or fp32
per op and insert the Casts.

force_fp16 (ATC's default): every float op runs in fp16 except ops that have no fp16 kernel on the
device (post-processing such as DetectionOutput). allow_fp32_to_fp16: only compute-heavy (cube) ops
run in fp16, others keep fp32. allow_mix_precision: fp16 except numerically sensitive ops (kept fp32).
force_fp32: every float op in fp32. must_keep_origin_dtype: every op in the dtype the source gives it (an fp16
op of an fp16 model or single-op description stays fp16). Ops named in --keep_dtype (by node name, or
`OpType::Type`) keep fp32; --customize_dtypes sets an op's float dtype outright (by name or OpType::T;
float16/float32). fp16 weights are stored as fp16.

Which op is which is declared with the op in converter/ops (registry.TRAITS): the traits "no_fp16", "cube",
"keep_fp32_mix" and "movement", and the op's param_inputs (parameters that keep their dtype).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..ir import DataType, Graph, Op
from ..ir.weights import WeightCaster
from ..ops.inference import infer_op
from .base import PassContext

FP32, FP16 = DataType.DT_FLOAT, DataType.DT_FLOAT16
FLOATS = (FP32, FP16)
FP16_MODES = ("force_fp16", "allow_fp32_to_fp16", "allow_mix_precision")


def keep_dtype_matches(op: Op, entries) -> bool:
    for e in entries:
        if e.startswith("OpType::"):
            if op.type == e[len("OpType::"):]:
                return True
        elif e in (op.name, op.source):
            return True
    return False


def _float_inputs(graph: Graph, op: Op) -> list:
    params = ops.param_inputs(op.type)
    return [(i, r) for i, r in enumerate(graph.inputs_of(op.name))
            if r is not None and graph.desc(r).dtype in FLOATS and i not in params]


FLOAT_NAMES = {"float16": FP16, "float32": FP32, "float": FP32}


def custom_dtype(op: Op, entries):
    """The float dtype --customize_dtypes gives this op's outputs (by node name, or OpType::T), else None."""
    for e in entries:
        if (e.by == "optype" and e.target == op.type) or (e.by == "name" and e.target in (op.name, op.source)):
            names = e.outputs or e.inputs
            return FLOAT_NAMES.get(names[0]) if names else None
    return None


def mix_keep_fp32(changes=()) -> set:
    """The allow_mix_precision keep-fp32 op types after --modify_mixlist changes: black-list adds keep fp32,
    white-list adds run fp16, gray-list ops follow their inputs (kept fp32 here only if black-listed)."""
    keep = set(ops.with_trait("keep_fp32_mix"))
    for name, action, op_type in changes:
        if (name, action) in (("black-list", "to-add"), ("white-list", "to-remove")):
            keep.add(op_type)
        elif (name, action) in (("black-list", "to-remove"), ("white-list", "to-add"), ("gray-list", "to-add")):
            keep.discard(op_type)
    return keep


def _target(graph: Graph, op: Op, mode: str, keep, custom, mix_keep, floats: list) -> int | None:
    """The float dtype ``op`` computes in, or None to leave it as it is. ``floats``: _float_inputs(graph, op)."""
    if op.subgraphs:  # bodies keep their own (source) precision
        return None
    chosen = custom_dtype(op, custom) if custom else None
    if chosen is not None and (floats or any(d.dtype in FLOATS for d in op.outputs)):
        return chosen
    if not floats and not any(d.dtype in FLOATS for d in op.outputs):
        return None
    if mode == "must_keep_origin_dtype" and not keep_dtype_matches(op, keep):
        dts = {graph.desc(r).dtype for _, r in floats}
        return dts.pop() if len(dts) == 1 else None     # the dtype the source computes in (mixed: as it is)
    if ops.has_trait(op.type, "movement"):
        dts = [graph.desc(r).dtype for _, r in floats]
        if keep_dtype_matches(op, keep) or mode not in FP16_MODES:
            return dts[0] if dts else None
        return FP16
    if mode not in FP16_MODES or ops.has_trait(op.type, "no_fp16") or keep_dtype_matches(op, keep):
        return FP32
    if mode == "allow_fp32_to_fp16" and not ops.has_trait(op.type, "cube"):
        return FP32
    if mode == "allow_mix_precision" and op.type in mix_keep:
        return FP32
    return FP16


def cast_ref(graph: Graph, ref, dtype: int, cache: dict, caster: WeightCaster | None = None):
    """A ref holding ``ref``'s value in ``dtype``: an fp16/fp32 copy of a Const (made by ``caster``: in
    pieces, spilled to a temporary file beyond its memory budget), or a new Cast op."""
    key = (ref, int(dtype))
    if key in cache:
        return cache[key]
    src = graph.op(ref[0])
    d = graph.desc(ref)
    np_dtype = np.float16 if dtype == FP16 else np.float32
    suffix = "fp16" if dtype == FP16 else "fp32"
    if src.type == "Const":
        value = (caster or WeightCaster()).cast(src.value, np_dtype)
        const = graph.add_const(graph.unique_name(f"{src.name}_{suffix}"), value, source=src.source)
        const.outputs[0].name = d.name
        const.outputs[0].origin_dtype = d.origin_dtype or d.dtype
        new = (const.name, 0)
    else:
        out = d.copy(dtype=int(dtype), name=None)
        cast = graph.add(Op(graph.unique_name(f"{src.name}_cast_{suffix}"), "Cast", {"dst_type": int(dtype)},
                            [out], source=None), [ref])
        new = (cast.name, 0)
    cache[key] = new
    return new


def set_precision(graph: Graph, ctx: PassContext) -> bool:
    """Give every float op its precision and make the dtypes on every edge agree (inserting Casts)."""
    mode = ctx.options.precision_mode
    keep = tuple(ctx.options.keep_dtype or ())
    custom = tuple(ctx.options.customize_dtypes or ())
    mix_keep = mix_keep_fp32(ctx.options.modify_mixlist or ())
    for e in custom:
        names = set(e.inputs) | set(e.outputs)
        if names - set(FLOAT_NAMES):
            ctx.warnings.append(f"--customize_dtypes: {e.target}: only float16/float32 are applied here; "
                                f"{sorted(names - set(FLOAT_NAMES))} ignored")
    cache: dict = {}
    caster = WeightCaster()
    changed = False
    # names, not Op objects: weights replaced by fp16 copies must be freeable while the pass runs
    for name in [op.name for op in graph.topo_order()]:
        op = graph.op(name) if name in graph else None
        if op is None or ops.has_trait(op.type, "structural"):
            continue
        floats = _float_inputs(graph, op)
        target = _target(graph, op, mode, keep, custom, mix_keep, floats)
        if target is None:
            continue
        for i, ref in floats:
            if graph.desc(ref).dtype != target:
                graph.connect(cast_ref(graph, ref, target, cache, caster), op.name, i)
                if graph.op(ref[0]).type == "Const" and not graph.has_consumers(ref[0]):
                    graph.remove(ref[0])  # the fp32 weight nobody reads any more
                changed = True
        if op.type == "Cast" and op.attrs.get("dst_type") in FLOATS and op.attrs["dst_type"] != target \
                and (mode in FP16_MODES or custom_dtype(op, custom)) and not keep_dtype_matches(op, keep):
            op.attrs["dst_type"] = int(target)
        for d in op.outputs:
            if d.origin_dtype is None:
                d.origin_dtype = d.dtype
        changed |= infer_op(graph, op, fold=False)
    return changed

