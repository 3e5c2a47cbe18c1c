"""The exporter's op table: ``@emits("Conv2D", ...)`` registers how one canonical op becomes ONNX nodes.

An emitter receives an ``Emit`` (the op, its attrs with defaults filled, its inputs as ONNX value names
in the plain layout and compute dtype, their descs and constant values, the output names to produce)
and adds nodes to ``emit.g``. It raises ``Refusal`` when this particular op cannot be written (the
exporter then lists every refused op at once, with E11009).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import INVALID_OM_FILE, OmFormatError
from ..ir import DataType, TensorDesc
from .builder import OnnxGraph, numpy_of, onnx_type

BASE_OPSET = 21  # every exported model imports at least this default-domain opset

# canonical op type -> emitter; canonical op type -> the ONNX opset it needs beyond BASE_OPSET
EMITTERS: dict[str, Callable] = {}
MIN_OPSET: dict[str, int] = {}


def emits(*op_types: str, opset: int = BASE_OPSET):
    def wrap(fn: Callable) -> Callable:
        for t in op_types:
            if t in EMITTERS:
                raise RuntimeError(f"ONNX emitter for {t} registered twice")
            EMITTERS[t] = fn
            if opset > BASE_OPSET:
                MIN_OPSET[t] = opset
        return fn

    return wrap


class Refusal(Exception):
    """This op cannot be expressed in ONNX (the message says why)."""


@dataclass
class Emit:
    op: object              # the IR Op
    attrs: dict             # its attrs, defaults filled
    inputs: list            # ONNX value name per input, None when absent
    descs: list             # TensorDesc per input (plain layout, compute dtype), None when absent
    consts: list            # constant value per input (compute dtype), None when not a Const
    outputs: list           # the ONNX names this op's outputs must get
    out_descs: list         # TensorDesc per output (plain layout, compute dtype)
    g: OnnxGraph
    exporter: object = None  # the GraphExporter (control-flow emitters export bodies through it)
    out_elems: dict = None   # {output: (element dtype, element shape)} of sequence outputs the emitter knows
    out_shapes: dict = None  # {output: shape} for outputs whose IR shape is unknown but the emitter knows it

    def __post_init__(self):
        self.out_elems = {} if self.out_elems is None else self.out_elems
        self.out_shapes = {} if self.out_shapes is None else self.out_shapes

    # ---- inputs ---------------------------------------------------------------------------------
    def input(self, i: int):
        return self.inputs[i] if i < len(self.inputs) else None

    def has(self, i: int) -> bool:
        return self.input(i) is not None

    def desc(self, i: int) -> TensorDesc | None:
        return self.descs[i] if i < len(self.descs) else None

    def dtype(self, i: int) -> int:
        d = self.desc(i)
        if d is None:   # an emitter reads the type of an input the op must have: a damaged or crafted .om
            missing = f"input {i}" if any(n is not None for n in self.inputs) else "inputs"
            raise OmFormatError(INVALID_OM_FILE, f"op '{self.op.name}' ({self.op.type}) has no {missing} (the "
                                "offline model is damaged)", node=self.op.name)
        return int(d.dtype)

    def shape(self, i: int):
        d = self.desc(i)
        return None if d is None else d.shape

    def rank(self, i: int) -> int | None:
        s = self.shape(i)
        return None if s is None else len(s)

    def value(self, i: int):
        return self.consts[i] if i < len(self.consts) else None

    def static_shape(self, i: int, what: str) -> tuple:
        d = self.desc(i)
        if d is None or not d.is_static:
            raise Refusal(f"{what} needs a static shape for input {i}, got "
                          f"{'unknown' if d is None or d.shape is None else list(d.shape)}")
        return tuple(d.shape)

    def known_rank(self, i: int, what: str) -> int:
        r = self.rank(i)
        if r is None:
            raise Refusal(f"{what} needs the rank of input {i}, which is unknown")
        return r

    # ---- building -------------------------------------------------------------------------------
    def node(self, op_type: str, inputs, outputs=1, **attrs) -> list:
        return self.g.node(op_type, inputs, outputs, name=self.op.name, **attrs)

    def out(self, op_type: str, inputs, **attrs) -> list:
        """A node producing exactly this op's outputs."""
        return self.g.node(op_type, inputs, self.outputs, name=self.op.name, **attrs)

    def one(self, op_type: str, inputs, **attrs) -> str:
        return self.node(op_type, inputs, 1, **attrs)[0]

    def const(self, value, dtype=None, hint: str = "") -> str:
        return self.g.const(value, f"{self.op.name}_{hint or 'const'}", dtype)

    def scalar(self, value, dtype: int) -> str:
        """A 0-d constant of one of our DataTypes."""
        return self.const(np.asarray(value, numpy_of(dtype)), hint="scalar")

    def ints(self, values, hint: str = "ints") -> str:
        return self.const(np.asarray(list(values), np.int64).reshape(-1), hint=hint)

    def axes(self, i: int) -> str | None:
        """Axes given as input i (a constant by then; passes/constants.py) or as the "axes" attribute (None when
        that is empty too)."""
        if self.has(i):
            return self.ints(np.asarray(self.value(i)).reshape(-1), "axes")
        return self.ints(self.attrs["axes"], "axes") if self.attrs["axes"] else None

    def cast(self, name: str, dtype: int) -> str:
        return self.one("Cast", [name], to=onnx_type(dtype))

    def as_dtype(self, i: int, dtype: int) -> str | None:
        """Input i in ``dtype`` (a constant is converted in place, a value gets a Cast)."""
        if not self.has(i):
            return None
        if self.dtype(i) == int(dtype):
            return self.input(i)
        v = self.value(i)
        if v is not None:
            return self.const(np.asarray(v).astype(numpy_of(dtype)), hint=f"in{i}")
        return self.cast(self.input(i), dtype)

    def int64(self, i: int) -> str | None:
        """Input i as int64 (ONNX shape-like inputs are int64)."""
        return self.as_dtype(i, DataType.DT_INT64)

    def transpose(self, name: str, perm) -> str:
        return self.one("Transpose", [name], perm=list(perm))

    def needs_opset(self, version: int) -> None:
        """This op's ONNX form needs default-domain opset ``version`` (an attribute that came later than the
        opset its emitter declares)."""
        self.exporter.state.opset_needs.add(int(version))

    def refuse(self, why: str) -> Refusal:
        return Refusal(why)
