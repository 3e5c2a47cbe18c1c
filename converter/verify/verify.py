"""verify(): run the source model and the .om on the same inputs, compare every output, and optionally
bisect to the first op whose output diverges (tensors matched by the source tensor names ops record)."""
from __future__ import annotations

import numpy as np

from ..errors import CAFFE_WEIGHT_OPTION_MISSING, INVALID_FRAMEWORK, NODE_NOT_FOUND, ConverterError
from ..framework import Framework
from ..ir import Graph
from ..ops.layout import from_nc1hwc0
from ..runtime import Session
from ..runtime.inputs import model_feeds, random_inputs, source_desc, source_feeds
from .compare import Tolerance, compare_arrays, default_tolerance, with_overrides
from .reference import framework_of, run_caffe, run_onnx, run_tensorflow


def _source_form(value: np.ndarray, d) -> np.ndarray:
    if d.format == "NC1HWC0" and value.ndim == 5 and d.origin_shape:
        fmt = d.origin_format or "NCHW"
        value = from_nc1hwc0(value, d.origin_shape[1] if fmt == "NCHW" else d.origin_shape[3], fmt)
    return value


def _run_source(source: str, fw: int, weight, feeds: dict, wanted: list) -> dict:
    if fw == Framework.ONNX:
        return run_onnx(source, feeds, wanted)
    if fw == Framework.TENSORFLOW:
        return run_tensorflow(source, feeds, wanted)
    if fw == Framework.CAFFE:
        if not weight:
            raise ConverterError(CAFFE_WEIGHT_OPTION_MISSING,
                                 "verifying a Caffe model needs --weight (the .caffemodel)")
        return run_caffe(source, weight, feeds)
    raise ConverterError(INVALID_FRAMEWORK, f"cannot verify against framework {fw}")


def _load_feeds(session: Session, feeds: dict | None, seed: int) -> dict:
    src = random_inputs(session.graph, seed)
    for key, value in (feeds or {}).items():
        if key not in src:
            raise ConverterError(NODE_NOT_FOUND, f"--input '{key}' is not an input of the model; inputs are: "
                                 f"{', '.join(src)}", node=key)
        dtype, _ = source_desc(session.graph.op(key).outputs[0])
        src[key] = np.asarray(value).astype(dtype, copy=False)
    return src


def verify(source: str, om, *, weight: str | None = None, feeds: dict | None = None, seed: int = 0,
           tol: Tolerance | None = None, bisect: bool = False, framework: int | None = None, **overrides) -> dict:
    """A report dict: per-output figures and verdicts, overall 'passed', and 'bisect' when asked.

    tol None: the defaults for what the model computes in (compare.default_tolerance: fp16 or fp32), with
    the Tolerance fields given in ``overrides`` (atol=..., min_cosine=...; None keeps the default)."""
    fw = framework if framework is not None else framework_of(source)
    session = Session(om)
    graph: Graph = session.graph
    precision, defaults = default_tolerance(graph)
    if tol is None:
        tol = with_overrides(defaults, **overrides)
    else:
        precision = "given"
    src_feeds = _load_feeds(session, feeds, seed)
    our_feeds = model_feeds(graph, src_feeds)
    out_descs = [graph.desc(r) for r in session.output_refs]
    source_names = [d.name or n for d, n in zip(out_descs, session.output_names)]
    ours = session.run(our_feeds, capture=bisect)
    captured = ours.pop("__all__", {})
    wanted = list(source_names)
    if bisect:
        wanted += [n for n in captured if n not in wanted]
    ref = _run_source(source, fw, weight, source_feeds(graph, src_feeds), wanted if fw != Framework.CAFFE else [])
    report = {"source": str(source), "om": str(om) if not isinstance(om, Graph) else "<graph>",
              "tolerance": {"atol": tol.atol, "rtol": tol.rtol, "min_cosine": tol.min_cosine,
                            "peak_atol": tol.peak_atol, "defaults": precision},
              "inputs": {k: {"dtype": str(v.dtype), "shape": list(v.shape)} for k, v in src_feeds.items()},
              "outputs": []}
    for i, (name, d, sname) in enumerate(zip(session.output_names, out_descs, source_names)):
        got = _source_form(ours[name], d)
        expected = ref.get(sname)
        if expected is None:
            expected = list(ref.values())[i] if i < len(ref) else None
        if expected is None:
            entry = {"name": name, "passed": False, "reason": "the source model has no such output"}
        else:
            entry = {"name": name, **compare_arrays(got, np.asarray(expected), tol)}
        report["outputs"].append(entry)
    report["passed"] = all(o["passed"] for o in report["outputs"])
    if bisect:
        report["bisect"] = _bisect(graph, captured, ref, tol)
    return report


def _bisect(graph: Graph, captured: dict, ref: dict, tol: Tolerance) -> dict:
    """The first op (in execution order) whose output, also present in the source, diverges."""
    checked = 0
    for op in graph.topo_order():
        if op.type in ("Data", "Const", "NetOutput"):
            continue
        for i, d in enumerate(op.outputs):
            if not d.name or d.name not in captured or d.name not in ref:
                continue
            checked += 1
            res = compare_arrays(_source_form(np.asarray(captured[d.name]), d), np.asarray(ref[d.name]), tol)
            if not res["passed"]:
                return {"found": True, "op": op.name, "type": op.type, "source_node": op.source,
                        "tensor": d.name, "checked": checked, **res}
    return {"found": False, "checked": checked}
