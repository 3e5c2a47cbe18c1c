"""Shapes and small constant values of the tensors built so far, for handlers that need them.

TF leaves facts implicit that the canonical ops need explicitly (a Conv2D is grouped when the
input has more channels than its filter; a rank-1 Select condition picks rows). The tracker infers
them with the canonical ops' own infer functions and kernels, from the Placeholder shapes and
--input_shape, without touching the graph (the shape-inference pass does the real work later).
"""
from __future__ import annotations

from ... import ops
from ...ir import Graph, TensorDesc, from_numpy
from ...ops.inference import shape_dummy
from ...ops.registry import InferContext, run_kernel
from .names import split_tensor_name

MAX_VALUE_SIZE = 4096          # values are computed for small outputs only (shapes, indices, sizes)


class ShapeTracker:
    def __init__(self, graph: Graph, input_shapes: dict | None = None):
        self.graph = graph
        self.input_shapes = {split_tensor_name(k)[0]: tuple(int(d) for d in v) for k, v in (input_shapes or {}).items()}
        self.descs: dict = {}      # ref -> TensorDesc (dtype, shape)
        self.values: dict = {}     # ref -> np.ndarray
        self.seen = 0

    def shape(self, ref):
        self._catch_up()
        d = self.descs.get(ref)
        return None if d is None else d.shape

    def value(self, ref):
        self._catch_up()
        return self.values.get(ref)

    def desc(self, ref):
        """A copy of what is known of ref's tensor (dtype, shape; a sequence's element dtype), or None."""
        self._catch_up()
        d = self.descs.get(ref)
        return None if d is None else d.copy()

    def _catch_up(self) -> None:
        for op in self.graph.added_since(self.seen):
            try:
                self._infer(op)
            except Exception:  # noqa: BLE001 - facts we cannot infer stay unknown
                pass
        self.seen = self.graph.mark()

    def _infer(self, op) -> None:
        if op.type == "Const":
            self.descs[(op.name, 0)] = TensorDesc(from_numpy(op.value.dtype), tuple(op.value.shape))
            if op.value.size <= MAX_VALUE_SIZE:
                self.values[(op.name, 0)] = op.value
            return
        if op.type == "Data":
            d = op.outputs[0]
            self.descs[(op.name, 0)] = TensorDesc(d.dtype, self.input_shapes.get(op.name, d.shape), attrs=dict(d.attrs))
            return
        if op.subgraphs:       # If/Loop: what the handler learnt from converting the bodies
            for i, d in enumerate(op.outputs):
                if d.dtype is not None:
                    self.descs[(op.name, i)] = TensorDesc(d.dtype, d.shape, attrs=dict(d.attrs))
            return
        if op.type == "NetOutput" or not ops.has(op.type):
            return
        spec = ops.get(op.type)
        refs = self.graph.inputs_of(op.name)
        descs = [None if r is None else self.descs.get(r, TensorDesc(shape=None)) for r in refs]
        values = [None if r is None else self.values.get(r) for r in refs]
        attrs = spec.normalize(op.attrs, op.name)
        inferred = spec.infer(InferContext(op, descs, values, attrs)) if spec.infer is not None else []
        for i, d in enumerate(inferred):
            self.descs[(op.name, i)] = d
        small = bool(inferred) and all(d.is_static and d.numel() <= MAX_VALUE_SIZE for d in inferred)
        outs = self._evaluate(spec, refs, descs, values, attrs) if small else None
        for i, v in enumerate(outs or []):
            self.descs[(op.name, i)] = TensorDesc(from_numpy(v.dtype), tuple(v.shape))
            self.values[(op.name, i)] = v

    @staticmethod
    def _evaluate(spec, refs, descs, values, attrs):
        """Run the kernel when every input value is known (or only the input shape matters)."""
        present = [v for r, v in zip(refs, values) if r is not None]
        if present and all(v is not None for v in present):
            return run_kernel(spec, values, attrs)
        if "shape_only" in spec.traits and descs and descs[0] is not None and descs[0].is_static:
            return run_kernel(spec, [shape_dummy(descs[0])] + values[1:], attrs)
        return None
