"""The canonical op registry: each op type declared once with attrs, shape inference and a kernel.

Ops are declared with ``@register(type, attrs=..., infer=...)`` on their numpy kernel, in the
modules listed in ``converter/ops/__init__.py``. A kernel takes ``(inputs, attrs)`` where inputs is
a list of numpy arrays (None for absent optional inputs) and attrs is the op's attributes with
defaults filled in; it returns one array or a list of arrays. An infer function takes an
``InferContext`` and returns a list of ``TensorDesc`` (dtype and shape; other fields are filled by
the shape-inference pass).

Facts about an op type that passes and frontends act on are declared with the op, never listed in a
pass: ``traits`` (names from ``TRAITS``, asked with ``with_trait``/``has_trait``), ``param_inputs``
(inputs precision leaves as they are), ``const_inputs`` (inputs whose value must be known once the graph is
folded, such as Squeeze axes: passes/constants.py refuses the op otherwise) and ``spatial_rank`` (convolutions,
looked up by ``by_spatial_rank``). ``category`` groups the op in ``omtool ops`` and docs/supported-ops.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, UNSUPPORTED_OP, GraphError
from ..ir import DataType, TensorDesc, from_numpy
from ..ir.dtypes import is_ml_dtype, is_narrow_float

REQUIRED = object()

# Attribute value types: int, float, str, bool, ints, floats, strs, tensor (np.ndarray), dtype (int)
ATTR_TYPES = {"int", "float", "str", "bool", "ints", "floats", "strs", "tensor", "dtype", "any"}


@dataclass(frozen=True)
class Attr:
    type: str
    default: Any = REQUIRED
    doc: str = ""


class InferContext:
    """What shape inference may look at: the op, its input descs, and constant input values. Whether the infer
    function looked at the values at all is recorded (``read_values``): a result that did not depend on them is
    reused for ops with other values (ops.infer_memo)."""

    __slots__ = ("op", "inputs", "_values", "attrs", "read_values")

    def __init__(self, op: Any, inputs: list, values: list, attrs: dict):
        self.op = op
        self.inputs = inputs        # TensorDesc | None per input
        self._values = values       # np.ndarray | None per input (known constant values)
        self.attrs = attrs          # attrs with defaults filled in
        self.read_values = False

    @property
    def values(self) -> list:
        self.read_values = True
        return self._values

    def shape(self, i: int):
        """Input i's shape; None when it is unknown or the (optional) input is absent."""
        d = self.inputs[i] if i < len(self.inputs) else None
        return None if d is None else d.shape

    def dtype(self, i: int) -> int:
        """Input i's dtype; E10001 when the op has no input i (a malformed op)."""
        d = self.inputs[i] if i < len(self.inputs) else None
        if d is None:
            raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{getattr(self.op, 'name', '?')}' "
                             f"({getattr(self.op, 'type', '?')}) has no input {i}", node=getattr(self.op, "name", None))
        return d.dtype

    def value(self, i: int):
        return self.values[i] if i < len(self.values) else None

    def require(self, *indices: int) -> None:
        """E10001 unless inputs ``indices`` are all present (an op that lost a required input)."""
        for i in indices:
            self.dtype(i)

    def has(self, i: int) -> bool:
        return i < len(self.inputs) and self.inputs[i] is not None


# The trait vocabulary: what a trait means to the passes that ask for it. register() refuses other names.
TRAITS = {
    "structural": "graph plumbing (Data, Const, NetOutput): no computation; inference and precision skip it",
    "conv": "convolution, (x, filter OIHW, bias?): per-channel affine ops after it fold into its weights",
    "conv_transpose": "transposed convolution, (x, filter IOHW, bias?)",
    "cube": "compute-heavy (cube unit) op: runs in fp16 under --precision_mode=allow_fp32_to_fp16",
    "no_fp16": "the device kernel exists in fp32 only (or fp16 rounding would change the result): keeps fp32 "
               "in every precision mode",
    "keep_fp32_mix": "numerically sensitive: keeps fp32 under allow_mix_precision (ATC's mix list, simplified; "
                     "--modify_mixlist edits it)",
    "movement": "only moves data: follows its input's dtype instead of forcing one",
    "never_fold": "never constant-folded (random values, run-time sequences, quantized weights kept int8)",
    "shape_only": "its value depends only on the input's shape: folded as soon as that shape is static",
}

# Headings of the op categories in `omtool ops` and docs/supported-ops.md, in that order.
CATEGORIES = {
    "graph": "Graph structure", "elementwise": "Elementwise math", "bitwise": "Bitwise",
    "activation": "Activations", "nn": "Neural network layers", "reduce": "Reductions and scans",
    "tensor": "Tensor shape and data movement", "layout": "Layout", "sequence": "Recurrent and sequence ops",
    "string": "Strings", "signal": "Signal processing", "detection": "Detection and Caffe-specific",
    "quantization": "Quantization", "preprocess": "Preprocessing", "control": "Control flow",
    "random": "Random numbers",
}


@dataclass
class OpSpec:
    type: str
    kernel: Callable
    infer: Callable | None
    attrs: dict = field(default_factory=dict)
    doc: str = ""
    category: str = ""
    traits: frozenset = frozenset()         # names from TRAITS
    param_inputs: frozenset = frozenset()   # input indices that are parameters: precision never casts them
    spatial_rank: int | None = None         # number of spatial axes (convolutions)
    const_inputs: frozenset = frozenset()   # input indices whose value must be known at conversion (after folding)
    epilogues: frozenset = frozenset()      # op types the kernel applies to its output itself (attrs "_epilogue")

    def normalize(self, attrs: dict, node: str = "") -> dict:
        """Attrs with defaults filled, required ones checked, values coerced to their declared type."""
        out = {}
        for name, spec in self.attrs.items():
            if name in attrs:
                try:
                    out[name] = coerce(spec.type, attrs[name])
                except (TypeError, ValueError, OverflowError) as exc:
                    raise GraphError(INVALID_ARGUMENT_VALUE, f"op '{node}' ({self.type}): attribute '{name}' is not a "
                                     f"valid {spec.type} ({exc})", node=node) from None
            elif spec.default is REQUIRED:
                raise GraphError(INVALID_ARGUMENT_VALUE,
                                 f"op '{node}' ({self.type}) is missing required attribute '{name}'",
                                 node=node)
            else:
                out[name] = spec.default
        for name, value in attrs.items():  # keep unknown/private attrs (e.g. _source_names)
            out.setdefault(name, value)
        return out


def coerce(kind: str, value):
    if value is None:
        return None
    if kind == "dtype":
        return int(DataType(int(value)))  # a number that is no DataType: ValueError
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    if kind == "str":
        return value.decode() if isinstance(value, bytes) else str(value)
    if kind == "ints":
        return [int(v) for v in value]
    if kind == "floats":
        return [float(v) for v in value]
    if kind == "strs":
        return [v.decode() if isinstance(v, bytes) else str(v) for v in value]
    return value


_REGISTRY: dict[str, OpSpec] = {}


def register(op_type: str, *, attrs: dict | None = None, infer: Callable | None = None,
             category: str = "", doc: str = "", traits=(), param_inputs=(), spatial_rank: int | None = None,
             const_inputs=(), epilogues=()):
    """Decorator registering a kernel as the canonical op ``op_type`` with its facts (see the module doc).
    ``epilogues``: single-input op types (e.g. Relu) the kernel can apply to its own output when the runtime
    passes attrs["_epilogue"] = that type (the runtime then skips the op that follows); "Add" (a residual
    Add of a value of the output's form) and "BiasAdd" (an Add of a constant with one value per element of
    the last axis) come with the other value as the kernel's last input (see Session._fuse_epilogues)."""
    unknown = sorted(set(traits) - set(TRAITS))
    if unknown:
        raise RuntimeError(f"op type {op_type}: unknown trait(s) {unknown}; declare them in registry.TRAITS")

    def wrap(kernel: Callable) -> Callable:
        if op_type in _REGISTRY:
            raise RuntimeError(f"op type {op_type} registered twice")
        _REGISTRY[op_type] = OpSpec(op_type, kernel, infer, dict(attrs or {}),
                                    doc or (kernel.__doc__ or "").strip().split("\n")[0], category,
                                    frozenset(traits), frozenset(int(i) for i in param_inputs), spatial_rank,
                                    frozenset(int(i) for i in const_inputs), frozenset(epilogues))
        return kernel

    return wrap


def get(op_type: str) -> OpSpec:
    try:
        return _REGISTRY[op_type]
    except KeyError:
        raise GraphError(UNSUPPORTED_OP, f"op type '{op_type}' is not a registered canonical op") from None


def has(op_type: str) -> bool:
    return op_type in _REGISTRY


def all_specs() -> dict:
    return dict(sorted(_REGISTRY.items()))


def _known_trait(trait: str) -> str:
    if trait not in TRAITS:
        raise KeyError(f"unknown op trait '{trait}'; the traits are declared in converter/ops/registry.py TRAITS")
    return trait


def with_trait(trait: str) -> frozenset:
    """The op types that declare ``trait``."""
    _known_trait(trait)
    return frozenset(name for name, spec in _REGISTRY.items() if trait in spec.traits)


def has_trait(op_type: str, trait: str) -> bool:
    """True if ``op_type`` is a registered op declaring ``trait``."""
    _known_trait(trait)
    spec = _REGISTRY.get(op_type)
    return spec is not None and trait in spec.traits


def by_spatial_rank(trait: str) -> dict:
    """Spatial rank -> op type, over the ops declaring ``trait`` and a spatial_rank ({1: "Conv1D", ...})."""
    return {spec.spatial_rank: name for name, spec in sorted(_REGISTRY.items())
            if _known_trait(trait) in spec.traits and spec.spatial_rank is not None}


def const_inputs(op_type: str) -> frozenset:
    """Input indices of op_type that must be constants once the graph is folded (passes.constants checks)."""
    spec = _REGISTRY.get(op_type)
    return spec.const_inputs if spec is not None else frozenset()


def param_inputs(op_type: str) -> frozenset:
    """Input indices of ``op_type`` that are parameters rather than data (precision leaves their dtype)."""
    spec = _REGISTRY.get(op_type)
    return spec.param_inputs if spec is not None else frozenset()


class SequenceValue(list):
    """A runtime sequence of arrays (ONNX sequence types): kept as a list, never turned into an array."""


class OptionalValue:
    """A runtime ONNX optional: ``value`` is a tensor, a SequenceValue, or None (empty)."""

    def __init__(self, value=None):
        self.value = value

    def __repr__(self):
        return f"OptionalValue({self.value!r})"


RUNTIME_VALUES = (SequenceValue, OptionalValue)   # kernel results kept as they are (not made arrays)


class KernelInputs(list):
    """The inputs a kernel gets: reading one the op does not have (a malformed op, e.g. in a crafted .om) is
    E10001, not an IndexError that would pass for a bug of ours."""

    def __getitem__(self, index):
        try:
            return list.__getitem__(self, index)
        except IndexError:
            raise GraphError(INVALID_ARGUMENT_VALUE, f"the op has {len(self)} input(s); it needs input {index}") \
                from None


# ops that convert between exact types themselves (everything else computes bfloat16/float8 in float32)
EXACT_TYPE_OPS = {"Cast", "CastLike", "Const"}


def computes_narrow_in_fp32(spec: OpSpec) -> bool:
    """Whether the op computes fp16/bfloat16/float8 values in float32 (rounded to the type after): every op
    but conversions and quantization ops, which handle those types exactly (a float8 zero point names the
    output type)."""
    return spec.type not in EXACT_TYPE_OPS and spec.category != "quantization"


def run_kernel(spec: OpSpec, inputs: list, attrs: dict) -> list:
    """Run a kernel; returns one value per output (arrays, or SequenceValues / OptionalValues for sequence and
    optional outputs).

    Kernels are written for numpy types: bfloat16 and float8/float4 inputs (ml_dtypes) are widened to float32
    and the kernel's float32 results rounded back to that type (the runtime's fp16 emulation, for these types),
    except for conversions and quantization ops, which handle those types exactly."""
    narrow = None
    if computes_narrow_in_fp32(spec):
        narrow = next((a.dtype for a in inputs if isinstance(a, np.ndarray) and is_ml_dtype(a.dtype)
                       and is_narrow_float(from_numpy(a.dtype))), None)
        if narrow is not None:
            inputs = [a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == narrow else a for a in inputs]
    out = spec.kernel(KernelInputs(inputs), attrs)
    if not isinstance(out, (list, tuple)) or isinstance(out, SequenceValue):
        out = [out]
    out = [o if isinstance(o, RUNTIME_VALUES) else np.asarray(o) for o in out]
    if narrow is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            out = [o.astype(narrow) if isinstance(o, np.ndarray) and o.dtype == np.float32 else o for o in out]
    return out


# ---- shared inference helpers -------------------------------------------------------------------

def flat_ints(value) -> list:
    """A tensor value (or list) as a flat list of Python ints."""
    return [int(v) for v in np.asarray(value).reshape(-1)]


def desc(dtype, shape) -> TensorDesc:
    return TensorDesc(dtype=int(dtype), shape=None if shape is None else tuple(map(int, shape)))


def same_as_input(i: int = 0):
    """Infer: one output with the dtype and shape of input i."""

    def infer(ctx: InferContext):
        return [desc(ctx.dtype(i), ctx.shape(i))]

    return infer


def same_as_input_along_axis(attr: str = "axis"):
    """Infer: the shape and dtype of input 0, for an op working along the axis in attr ``attr`` (E10001 when
    that axis is out of range for the input's rank)."""

    def infer(ctx: InferContext):
        shape = ctx.shape(0)
        if shape is not None:
            axis = int(ctx.attrs[attr])
            if not -len(shape) <= axis < len(shape):
                raise GraphError(INVALID_ARGUMENT_VALUE, f"{attr} {axis} is out of range for a {len(shape)}-D input",
                                 node=ctx.op.name)
        return [desc(ctx.dtype(0), shape)]

    return infer


def broadcast_shapes(*shapes):
    """numpy broadcasting of shapes that may contain -1 (unknown); None if any rank is unknown. Per axis a
    known dim wins over 1 and -1, and -1 over 1; two different known dims (neither 1) cannot broadcast."""
    if any(s is None for s in shapes):
        return None
    if not shapes:
        return ()
    out = tuple(shapes[0])
    for shape in shapes[1:]:
        if shape == out:   # the common case: nothing to broadcast
            continue
        longer, shorter = (out, tuple(shape)) if len(out) >= len(shape) else (tuple(shape), out)
        lead = len(longer) - len(shorter)
        dims = list(longer[:lead])
        for x, y in zip(longer[lead:], shorter):
            if x == y or y == 1 or (y == -1 and x != 1):
                dims.append(x)
            elif x == 1 or x == -1:
                dims.append(y)
            else:
                raise GraphError(INVALID_ARGUMENT_VALUE, f"shapes {shapes} cannot be broadcast together")
        out = tuple(dims)
    return out


def broadcast(dtype_from: int | None = 0, out_dtype: int | None = None):
    """Infer: one output whose shape broadcasts all inputs; dtype of input dtype_from or out_dtype."""

    def infer(ctx: InferContext):
        ctx.require(*range(len(ctx.inputs)))  # every input is needed (an .om op may have lost one)
        shapes = [d.shape for d in ctx.inputs if d is not None]
        dt = out_dtype if out_dtype is not None else ctx.dtype(dtype_from)
        return [desc(dt, broadcast_shapes(*shapes))]

    return infer


def by_kernel_on_shapes(ctx: InferContext):
    """Infer by running the kernel on zero-strided dummies (for ops whose output shape depends only
    on input shapes and constant inputs, and whose kernel is cheap on such views)."""
    from ..ir import to_numpy
    from . import registry
    args = []
    for d, v in zip(ctx.inputs, ctx.values + [None] * (len(ctx.inputs) - len(ctx.values))):
        if d is None:
            args.append(None)
        elif v is not None:
            args.append(v)
        elif not d.is_static:
            return [desc(d.dtype, None) for d in ctx.op.outputs] or [desc(ctx.dtype(0), None)]
        else:
            args.append(np.broadcast_to(np.zeros((), to_numpy(d.dtype)), d.shape))
    outs = registry.run_kernel(registry.get(ctx.op.type), args, ctx.attrs)
    return [desc(from_numpy(o.dtype), o.shape) for o in outs]


FLOAT = DataType.DT_FLOAT
