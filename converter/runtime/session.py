"""Session: run a Graph (or an .om file) with the registry kernels, freeing tensors after their last use.

Kernels run inside the session's Workspace (ops/workspace.py): scratch buffers are reused from run to run
and forms of constant inputs (fp16 weights widened to fp32, weight matrices in the layout a product wants)
are prepared once. A Session is not meant to be run from several threads at once.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from .. import ops
from ..configs.gears import parse_gears
from ..errors import (EMPTY_REQUIRED_OPTION, INPUT_SHAPE_RANK_MISMATCH, INTERNAL_ERROR, INVALID_ARGUMENT_VALUE,
                      NODE_NOT_FOUND, TENSOR_TOO_LARGE, UNSUPPORTED_OP, ConverterError)
from ..ir import DataType, Graph, TensorDesc, from_numpy, to_numpy
from ..ir.dtypes import NARROW_FLOATS, is_ml_dtype
from ..ir.sizes import is_allocation_failure
from ..ops import blas, threads
from ..ops import random as random_ops
from ..ops.layout import from_nc1hwc0, to_nc1hwc0
from ..ops.registry import InferContext, OptionalValue, SequenceValue, computes_narrow_in_fp32, run_kernel
from ..ops.workspace import Workspace
from .control_flow import run_body_op

FP16 = np.dtype(np.float16)
NARROW = NARROW_FLOATS | {DataType.DT_FLOAT16}  # float types kernels compute in float32, rounded to the type after


def run_failure(op, spec, args: list, attrs: dict, exc: Exception) -> ConverterError:
    """The error for a kernel that raised: the op's shape inference, asked about the inputs it was given, says
    whether they fit the op. If not, the model is at fault (a crafted or damaged .om, inputs of another
    shape): its E-code and reason. If they fit, the kernel failed on valid inputs: a bug of ours (E19999).
    Run only after a failure, so running costs nothing."""
    if is_allocation_failure(exc):
        return ConverterError(TENSOR_TOO_LARGE, f"op '{op.name}' ({op.type}) needs more memory than this machine has",
                              node=op.name)
    if spec.infer is not None and not op.subgraphs:
        descs = [None if a is None else TensorDesc(dtype=from_numpy(a.dtype), shape=a.shape)
                 if isinstance(a, np.ndarray) else TensorDesc(dtype=DataType.DT_VARIANT, shape=None) for a in args]
        try:
            spec.infer(InferContext(op, descs, list(args), attrs))
        except ConverterError as refusal:
            return ConverterError(refusal.code, f"op '{op.name}' ({op.type}) cannot run on its inputs: "
                                  f"{refusal.message}", node=op.name)
        except Exception:  # noqa: BLE001 - inference cannot tell: the kernel's failure stands
            pass
    return ConverterError(INTERNAL_ERROR, f"op '{op.name}' ({op.type}) failed at run time: {type(exc).__name__}: "
                          f"{exc}", node=op.name)


class Session:
    """``Session(path_or_graph).run({input_name: array}) -> {output_name: array}``."""

    def __init__(self, model, strict_shapes: bool = True, source=None, random_seed: int | None = None):
        """model: a Graph or an .om path (ours, or a real ATC/GE file, which is lowered to canonical ops; source
        names the framework model it was compiled from, for what the .om does not record). random_seed fixes
        the numbers of random ops whose seeds are 0 (TensorFlow draws fresh ones then)."""
        self.strict_shapes = strict_shapes  # loop bodies see other shapes than inference recorded
        self.random_seed = random_seed
        self._root = self          # the session whose run() a body session runs within (random streams)
        self._streams: dict = {}   # id(op) -> PhiloxStream of each stateful random op, this run (root only)
        if isinstance(model, Graph):
            self.graph = model
        elif isinstance(model, (str, os.PathLike)):
            from ..ascend.loading import load_om_graph
            self.graph = load_om_graph(os.fspath(model), source)
        else:
            raise TypeError("Session needs a Graph or a path to an .om file")
        self._bodies: dict = {}
        self.workspace = Workspace()
        self._plan()

    def _plan(self) -> None:
        g = self.graph
        self.order = [op for op in g.topo_order() if op.type not in ("Data", "NetOutput")]
        missing = sorted({op.type for op in self.order if not ops.has(op.type)})
        if missing:
            raise ConverterError(UNSUPPORTED_OP, f"the runtime has no kernel for op type(s): {', '.join(missing)}")
        self.inputs = g.data_ops()
        self.output_refs = g.output_refs()
        self.output_names = g.output_names()
        self._steps = []
        self._const_refs = {(op.name, 0) for op in self.order if op.type == "Const"}
        last_use: dict = {}
        for pos, op in enumerate(self.order):
            for r in g.inputs_of(op.name):
                if r is not None:
                    last_use[r] = pos
        for r in self.output_refs:
            last_use[r] = len(self.order)
        for pos, op in enumerate(self.order):
            spec = ops.get(op.type)
            refs = g.inputs_of(op.name)
            free = [r for r in set(refs) if r is not None and last_use.get(r) == pos]
            attrs = spec.normalize(op.attrs, op.name) if op.type != "Const" else {}
            narrow = any(d.dtype in NARROW for d in op.outputs) and computes_narrow_in_fp32(spec)
            self._steps.append([op, spec, refs, attrs, free, narrow, None])
        self._fuse_epilogues()

    def _fuse_epilogues(self) -> None:
        """An op whose kernel applies its only consumer itself (OpSpec.epilogues, e.g. a conv's Relu) runs with
        attrs["_epilogue"] and the consumer just passes the value on: one pass over the data less. Not when
        the producer's value is needed unfused (a model output) or the two outputs differ in form.

        A residual Add (the producer's value plus another value of the same form, computed before the
        producer runs) is applied the same way by producers that list "Add": attrs["_epilogue"] = "Add", the
        other value's ref in attrs["_residual"] (given to the kernel as its last input), and a Relu that is
        the Add's only reader is taken along ("AddRelu"). An Add of a constant with one value per element of
        the last axis (a product's bias, `_is_bias`) is applied by producers that list "BiasAdd", the constant
        given the same way. Not for narrow floats (their rounding between ops)."""
        g = self.graph
        outputs = set(self.output_refs)
        steps = {step[0].name: step for step in self._steps}
        position = {step[0].name: i for i, step in enumerate(self._steps)}
        for step in self._steps:
            op, spec = step[0], step[1]
            if not spec.epilogues or len(op.outputs) != 1 or (op.name, 0) in outputs or step[6] is not None:
                continue
            nxt = self._only_reader(op, steps)
            takes = spec.epilogues | ({"Add"} if "BiasAdd" in spec.epilogues else set())
            if nxt is None or nxt[0].type not in takes or nxt[0].subgraphs \
                    or _form(nxt[0].outputs[0]) != _form(op.outputs[0]) or _form(op.outputs[0])[3]:
                continue
            refs = g.inputs_of(nxt[0].name)
            if len(refs) == 1:
                step[6] = {**step[3], "_epilogue": nxt[0].type}   # the producer's attrs when fused
                nxt[6] = ("fused", 0)                               # the consumer passes its input on
                continue
            if nxt[0].type != "Add" or len(refs) != 2 or refs.count((op.name, 0)) != 1 \
                    or op.outputs[0].dtype in NARROW:
                continue
            mine = refs.index((op.name, 0))
            other = refs[1 - mine]
            if "BiasAdd" in spec.epilogues and self._is_bias(other, op.outputs[0]):
                step[6] = {**step[3], "_epilogue": "BiasAdd", "_residual": other}
                nxt[6] = ("fused", mine)
                continue
            if "Add" not in spec.epilogues or other is None or _form(g.desc(other)) != _form(op.outputs[0]) \
                    or position.get(other[0], -1) >= position[op.name]:
                continue
            epilogue = "Add"
            relu = self._only_reader(nxt[0], steps) if (nxt[0].name, 0) not in outputs else None
            if relu is not None and relu[0].type == "Relu" and len(g.inputs_of(relu[0].name)) == 1 \
                    and relu[6] is None and _form(relu[0].outputs[0]) == _form(op.outputs[0]):
                epilogue = "AddRelu"
                relu[6] = ("fused", 0)
            step[6] = {**step[3], "_epilogue": epilogue, "_residual": other}
            nxt[6] = ("fused", mine)

    def _is_bias(self, ref, out) -> bool:
        """A constant of out's dtype holding one value per element of out's last axis (shape (n,), or 1s then
        n), the form a product's bias takes."""
        if ref is None or ref not in self._const_refs or not out.shape:
            return False
        d = self.graph.desc(ref)
        shape = tuple(d.shape or ())
        return d.dtype == out.dtype and len(shape) >= 1 and shape[-1] == out.shape[-1] > 0 \
            and all(n == 1 for n in shape[:-1]) and len(shape) <= len(out.shape)

    def _only_reader(self, op, steps: dict):
        """The step of the one op that reads op's output (once, as its only use), else None."""
        readers = self.graph.consumers(op.name)
        if len(readers) != 1 or readers[0][0] not in steps:
            return None
        return steps[readers[0][0]]

    def body_session(self, op, key: str) -> "Session":
        """The Session of body `key` of an If/Loop op, made on first use and kept: bodies run once per
        iteration. Body sessions accept the shapes each iteration gives them."""
        if (op.name, key) not in self._bodies:
            body = Session(op.subgraphs[key], strict_shapes=False, random_seed=self.random_seed)
            body._root = self._root
            self._bodies[(op.name, key)] = body
        return self._bodies[(op.name, key)]

    def _random_stream(self, op, attrs: dict):
        """The generator state of a stateful random op for this run: made at its first execution (seeds 0 and a
        session random seed: a fixed pair per op, numbered in the order the ops first run), then advanced by
        each execution."""
        streams = self._root._streams
        if id(op) not in streams:
            if self.random_seed is not None and not (attrs["seed"] or attrs["seed2"]):
                seeds = random_ops.seeds_for_session(self.random_seed, len(streams))
                attrs = dict(attrs, seed=seeds[0], seed2=seeds[1])
            streams[id(op)] = random_ops.new_stream(attrs)
        return streams[id(op)]

    def input_info(self) -> list:
        return [(op.name, op.outputs[0]) for op in self.inputs]

    def _feed(self, feeds: dict) -> dict:
        values = {}
        by_name = {}
        for op in self.inputs:
            by_name[op.name] = op
            if op.outputs[0].name:
                by_name.setdefault(op.outputs[0].name, op)
        for key, arr in feeds.items():
            op = by_name.get(key) or by_name.get(key.rsplit(":", 1)[0])
            if op is None:
                raise ConverterError(NODE_NOT_FOUND, f"'{key}' is not an input of the model; inputs are: "
                                     f"{', '.join(o.name for o in self.inputs)}", node=key)
            desc = op.outputs[0]
            if desc.dtype == DataType.DT_VARIANT:  # a sequence (list of tensors) or an optional (value or None)
                values[(op.name, 0)] = variant_value(arr, desc)
                continue
            arr = np.asarray(arr)
            want = to_numpy(desc.dtype)
            if arr.dtype != want:
                if want.kind == "O" and arr.dtype.kind in "US":
                    arr = arr.astype(object)
                elif arr.dtype.kind != want.kind and not (arr.dtype.kind in "iu" and want.kind in "iu"):
                    raise ConverterError(INVALID_ARGUMENT_VALUE,
                                         f"input '{key}' must be {want}, got {arr.dtype}", node=key)
                arr = arr.astype(want)
            if self.strict_shapes and desc.shape is not None and (len(desc.shape) != arr.ndim or any(
                    d >= 0 and d != a for d, a in zip(desc.shape, arr.shape))):
                raise ConverterError(INPUT_SHAPE_RANK_MISMATCH,
                                     f"input '{key}' must have shape {list(desc.shape)}, got "
                                     f"{list(arr.shape)}", node=key)
            values[(op.name, 0)] = arr
        for op in self.inputs:
            if (op.name, 0) not in values:
                raise ConverterError(EMPTY_REQUIRED_OPTION, f"no value given for model input '{op.name}'", node=op.name)
        self._check_gear({op.name: np.shape(values[(op.name, 0)]) for op in self.inputs
                          if op.outputs[0].dtype != DataType.DT_VARIANT})
        return values

    def _check_gear(self, shapes: dict) -> None:
        """A multi-profile model runs only at one of its gears (--dynamic_batch_size/_image_size/_dims)."""
        attrs = self.graph.meta.get("model_attrs", {})
        if "dynamic_gears" not in attrs:
            return
        gears = parse_gears(attrs["dynamic_gears"])
        if any(all(tuple(shapes[n]) == tuple(s) for n, s in g.items() if n in shapes) for g in gears):
            return
        given = "; ".join(f"{n}:{','.join(map(str, s))}" for n, s in shapes.items())
        raise ConverterError(INVALID_ARGUMENT_VALUE, f"input shapes {given} match none of the model's gears "
                             f"({attrs.get('dynamic_gear_type')}): {' | '.join(attrs['dynamic_gears'])}")

    def run(self, feeds: dict, capture: bool = False, profile: dict | None = None) -> dict:
        """Execute the graph. With capture=True also return every intermediate tensor by its source
        tensor name (for bisecting), under the key '__all__'. With a `profile` dict, add to it per op
        type [seconds, calls] of the kernels run (a tool's per-op-type time profile)."""
        values = self._feed(feeds)
        # inf/nan are values like any other here (fp16 overflow gives inf, as on a device): no numpy warnings
        with self.workspace.active(), blas.single_threaded(), threads.awake(), np.errstate(all="ignore"):
            return self._execute(values, capture, profile)

    def _widened(self, ref, value):
        """An input as narrow-float emulation computes it: fp16/bf16/float8 in fp32 (constants widened once per
        session); anything else as it is."""
        if not _is_narrow(value):
            return value
        if ref in self._const_refs:
            return self.workspace.prepared("fp32", value, _to_fp32, op=ref[0])
        wide = self.workspace.empty(value.shape, np.float32)
        np.copyto(wide, value, casting="unsafe")
        return wide

    def _stored(self, raw: list, descs: list) -> list:
        """Kernel outputs in the form their descriptors store (_storage_view); an fp32 result that was only
        computed to be rounded to fp16 goes back to the workspace."""
        outs = []
        for i in range(min(len(raw), len(descs))):
            value = raw[i]
            stored = _storage_view(value, descs[i], self.workspace)
            outs.append(stored)
            if stored is not value:
                raw[i] = None
                self.workspace.recycle(value)
        return outs

    def _execute(self, values: dict, capture: bool, profile: dict | None) -> dict:
        captured = {} if capture else None
        if self._root is self:
            self._streams = {}
        g = self.graph
        ws = self.workspace
        for op, spec, refs, attrs, free, narrow, fused in self._steps:
            if op.type == "Const":
                outs = [op.value]
            elif type(fused) is tuple and not capture:   # applied by its producer (see _fuse_epilogues)
                outs = [values[refs[fused[1]]]]
            else:
                residual = None
                if type(fused) is dict and not capture:
                    attrs = fused
                    if "_residual" in fused:
                        residual = _compute_view(values[fused["_residual"]], g.desc(fused["_residual"]))
                args = [None if r is None else _compute_view(values[r], g.desc(r)) for r in refs]
                if narrow:  # fp16 (bf16, float8) emulation: fp32 compute on the rounded inputs, result rounded
                    args = [self._widened(r, a) for r, a in zip(refs, args)]
                ws.op = op.name
                if not capture:
                    ws.donated = _donatable(args, refs, free, values)
                start = time.perf_counter() if profile is not None else 0.0
                try:
                    if random_ops.is_stateful(spec):
                        attrs = dict(attrs, **{random_ops.STREAM: self._random_stream(op, attrs)})
                    if residual is not None:
                        args.append(residual)   # the fused Add's other value (not the op's to overwrite)
                    raw = run_body_op(self, op, args) if op.subgraphs else run_kernel(spec, args, attrs)
                    outs = self._stored(raw, op.outputs)
                except ConverterError as exc:
                    if exc.node is None:  # a kernel's own refusal: name the op
                        raise ConverterError(exc.code, f"op '{op.name}' ({op.type}): {exc.message}",
                                             node=op.name) from exc
                    raise
                except Exception as exc:
                    raise run_failure(op, spec, args, attrs, exc) from exc
                finally:
                    ws.op = None
                    ws.donated = []
                if profile is not None:
                    entry = profile.setdefault(op.type, [0.0, 0])
                    entry[0] += time.perf_counter() - start
                    entry[1] += 1
            for i, v in enumerate(outs):
                values[(op.name, i)] = v
                if captured is not None and i < len(op.outputs) and op.outputs[i].name:
                    captured[op.outputs[i].name] = v
            if not capture:
                args = raw = outs = v = None   # drop this step's references before giving memory back
                for r in free:
                    dropped = values.pop(r, None)
                    ws.recycle(dropped)
                    dropped = None
        result = {name: plain_value(values[ref]) for name, ref in zip(self.output_names, self.output_refs)}
        if captured is not None:
            result["__all__"] = captured
        self._last_outputs = [plain_value(values[ref]) for ref in self.output_refs]
        return result

    def run_outputs(self, feeds: dict) -> list:
        """The outputs in order, as a list (for callers that must not rely on output names being unique)."""
        self.run(feeds)
        return self._last_outputs


def _form(desc) -> tuple:
    """What a value looks like at run time (NC1HWC0 values are not fused: they change layout on the way)."""
    return desc.dtype, desc.format, desc.shape, desc.format == "NC1HWC0"


def _donatable(args: list, refs: list, free: list, values: dict) -> list:
    """The input arrays a kernel may overwrite: each is referred to only by `args` and, when its value dies
    at this op, by `values` (any other reference, e.g. a view another value keeps, a later consumer, the
    caller's feed, a weight, rules it out), and it owns its memory or views all of an array nobody else
    refers to."""
    out = []
    for i in range(len(args)):   # (enumerate would keep a reference in the tuple it reuses)
        a = args[i]
        if type(a) is not np.ndarray or not a.flags.writeable or not a.flags.c_contiguous or any(
                a is d for d in out):
            continue
        held = sum(1 for b in args if b is a)
        ref = refs[i]
        if ref in free and values.get(ref) is a:
            held += 1
        # + the variable `a` and getrefcount's argument
        if sys.getrefcount(a) != held + 2:
            continue
        base = a.base
        if base is not None and (type(base) is not np.ndarray or base.base is not None or base.nbytes != a.nbytes
                                 or sys.getrefcount(base) != 3):   # a.base, `base`, getrefcount's argument
            continue
        out.append(a)
    return out


def _is_narrow(a) -> bool:
    """fp16, bfloat16 and float8/float4 arrays: what the emulated narrow-float ops compute in float32."""
    return isinstance(a, np.ndarray) and (a.dtype == FP16 or (is_ml_dtype(a.dtype) and from_numpy(a.dtype) in NARROW))


def _to_fp32(value: np.ndarray) -> np.ndarray:
    return value.astype(np.float32)


def variant_value(value, desc):
    """A fed sequence (a list of arrays) or optional (a value, or None when empty) as the kernels take it."""
    if isinstance(value, (SequenceValue, OptionalValue)):
        return value
    if desc.attrs.get("optional"):
        if value is not None and desc.attrs.get("elem_kind") == "sequence":
            value = SequenceValue(value)
        return OptionalValue(value)
    return SequenceValue(value)


def plain_value(value):
    """A model output as the caller gets it: an optional's content (None when empty), sequences as lists."""
    return value.value if isinstance(value, OptionalValue) else value


def _compute_view(value: np.ndarray, desc) -> np.ndarray:
    """The value as kernels see it: NC1HWC0 tensors in their origin layout."""
    if desc.format == "NC1HWC0" and value.ndim == 5 and desc.origin_shape:
        fmt = desc.origin_format or "NCHW"
        channels = desc.origin_shape[1] if fmt == "NCHW" else desc.origin_shape[3]
        return from_nc1hwc0(value, channels, fmt)
    return value


def _storage_view(value: np.ndarray, desc, workspace=None) -> np.ndarray:
    """The value as the descriptor stores it: fp16-rounded when the op runs in fp16 (bf16, float8: rounded to
    that type), NC1HWC0 when recorded so."""
    if desc.dtype in NARROW and isinstance(value, np.ndarray) and value.dtype.kind == "f" and \
            not is_ml_dtype(value.dtype):
        target = to_numpy(desc.dtype)
        rounded = np.empty(value.shape, target) if workspace is None else workspace.empty(value.shape, target)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow gives inf (NaN without inf), as on a device
            np.copyto(rounded, value, casting="unsafe")
        value = rounded
    if desc.format == "NC1HWC0" and value.ndim == 4:
        value = to_nc1hwc0(value, desc.origin_format or "NCHW")
    return value
