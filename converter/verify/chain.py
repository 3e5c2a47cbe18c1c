"""Compare a chain of offline models with its source models run in fp32, one after the other."""
from __future__ import annotations

import numpy as np

from ..errors import INVALID_ARGUMENT_VALUE, ConverterError
from ..framework import Framework
from .compare import Tolerance, compare_arrays
from .reference import framework_of, run_onnx
from .verify import _source_form


def compare_chain(pipe, sources: list, src_feeds: dict, outs: dict, min_cosine: float = 0.999) -> dict:
    """Run the source models in turn (ONNX), mapping tensors as the pipeline does; compare final outputs."""
    if len(sources) != len(pipe.sessions):
        raise ConverterError(INVALID_ARGUMENT_VALUE,
                             f"--reference needs {len(pipe.sessions)} source models, got {len(sources)}")
    if any(framework_of(s) != Framework.ONNX for s in sources):
        raise ConverterError(INVALID_ARGUMENT_VALUE, "--reference supports ONNX source models")
    ref = run_onnx(sources[0], src_feeds)
    for mapping, src, sess in zip(pipe.maps, sources[1:], pipe.sessions[1:]):
        first_out = pipe.sessions[pipe.sessions.index(sess) - 1]
        names = dict(zip(first_out.output_names, [first_out.graph.desc(r).name for r in first_out.output_refs]))
        feeds = {}
        for out_name, in_name in mapping.items():
            key = names.get(out_name) or out_name
            feeds[in_name] = ref[key] if key in ref else ref[out_name]
        ref = run_onnx(src, feeds)
    last = pipe.sessions[-1]
    tol = Tolerance(atol=np.inf, rtol=0.0, min_cosine=min_cosine)
    report = {"outputs": []}
    for name, r in zip(last.output_names, last.output_refs):
        d = last.graph.desc(r)
        got = _source_form(outs[name], d)
        expected = ref.get(d.name or name, ref.get(name))
        report["outputs"].append({"name": name, **compare_arrays(got, np.asarray(expected), tol)})
    report["passed"] = all(o["passed"] for o in report["outputs"])
    return report
