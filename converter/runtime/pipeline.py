"""Pipeline: chained offline models (net1's outputs feed net2's inputs) run with no conversion between them.

Each link maps outputs of one model to inputs of the next; the pair must agree exactly in dtype, shape
and format (an fp16 NC1HWC0 output can only feed an fp16 NC1HWC0 input), as on the device.
"""
from __future__ import annotations

from ..errors import INVALID_ARGUMENT_VALUE, NODE_NOT_FOUND, ConverterError
from ..ir import DataType
from .session import Session


def _desc_text(d) -> str:
    return f"{DataType(d.dtype).name} {list(d.shape or [])} {d.format}"


class Pipeline:
    """``Pipeline([a.om, b.om], maps=[{"a_out": "b_in"}]).run({a inputs}) -> {b outputs}``."""

    def __init__(self, models: list, maps: list | None = None):
        self.sessions = [m if isinstance(m, Session) else Session(m) for m in models]
        if len(self.sessions) < 2:
            raise ConverterError(INVALID_ARGUMENT_VALUE, "a chain needs at least two models")
        self.maps = [dict(m) for m in (maps or [])] + [None] * (len(self.sessions) - 1 - len(maps or []))
        self.maps = [self._link(i, m) for i, m in enumerate(self.maps)]

    def _outputs(self, s: Session) -> dict:
        return {n: s.graph.desc(r) for n, r in zip(s.output_names, s.output_refs)}

    def _link(self, i: int, mapping: dict | None) -> dict:
        a, b = self.sessions[i], self.sessions[i + 1]
        outs = self._outputs(a)
        ins = {op.name: op.outputs[0] for op in b.inputs}
        if not mapping:
            if len(outs) != len(ins):
                raise ConverterError(INVALID_ARGUMENT_VALUE,
                                     f"model {i + 1} has {len(outs)} outputs and model {i + 2} has "
                                     f"{len(ins)} inputs: give the pairs with --map OUT=IN")
            mapping = dict(zip(outs, ins))
        for out_name, in_name in mapping.items():
            if out_name not in outs:
                raise ConverterError(NODE_NOT_FOUND, f"chain pair {out_name}={in_name}: model {i + 1} has no output "
                                     f"'{out_name}'; outputs are: {', '.join(outs)}", node=out_name)
            if in_name not in ins:
                raise ConverterError(NODE_NOT_FOUND, f"chain pair {out_name}={in_name}: model {i + 2} has no input "
                                     f"'{in_name}'; inputs are: {', '.join(ins)}", node=in_name)
            o, n = outs[out_name], ins[in_name]
            if (o.dtype, tuple(o.shape or ()), o.format) != (n.dtype, tuple(n.shape or ()), n.format):
                raise ConverterError(INVALID_ARGUMENT_VALUE,
                                     f"chain pair {out_name}={in_name} does not match: the output is "
                                     f"{_desc_text(o)} but the input expects {_desc_text(n)}; rebuild one side "
                                     "(--is_output_fp16/--output_type/--is_output_adjust_hw_layout on the first, "
                                     "--input_fp16_nodes/--is_input_adjust_hw_layout on the second)",
                                     node=f"{out_name}={in_name}")
        return mapping

    def run(self, feeds: dict) -> dict:
        """Run every model in turn; returns the last model's outputs."""
        outs = self.sessions[0].run(feeds)
        for mapping, nxt in zip(self.maps, self.sessions[1:]):
            outs = nxt.run({mapping[k]: v for k, v in outs.items() if k in mapping})
        return outs
