"""Graph structure ops: Data (model input), Const (weights), NetOutput (model outputs)."""
from __future__ import annotations

from .registry import Attr, InferContext, register


def _keep(ctx: InferContext):
    return list(ctx.op.outputs)


@register("Data", attrs={"index": Attr("int", 0)}, infer=_keep, category="graph", traits={"structural"})
def data(inputs, attrs):
    """A model input; the runtime feeds its value."""
    raise RuntimeError("Data ops are fed by the runtime, not executed")


@register("Const", attrs={}, infer=_keep, category="graph", traits={"structural"})
def const(inputs, attrs):
    """A constant tensor held in op.value (stored in WEIGHTS_DATA in the .om)."""
    raise RuntimeError("Const ops are read by the runtime, not executed")


@register("NetOutput", attrs={}, infer=lambda ctx: [], category="graph", traits={"structural"})
def net_output(inputs, attrs):
    """Collects the model outputs in order."""
    return []


@register("FileConstant", attrs={"location": Attr("str"), "file_path": Attr("str"), "offset": Attr("int", 0),
                                 "length": Attr("int", 0), "shape": Attr("ints", []), "dtype": Attr("dtype", 1),
                                 "original_shape": Attr("ints", [])},
          infer=_keep, category="graph")
def file_constant(inputs, attrs):
    """A constant whose bytes live in weight/<location> beside the .om (--external_weight=1); the runtime loads it."""
    raise RuntimeError("FileConstant ops are loaded by the runtime (converter.om.external_weights)")
