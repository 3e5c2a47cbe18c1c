"""`atc --mode=3`: check every source op against our converters and their attribute rules, and write the
report in ATC's check_result.json format (schema: schemas/check-report.schema.json)."""
from __future__ import annotations

import json
from collections import Counter

from .conversion import build_graph, load_source_graph
from .errors import ConverterError
from .options import ConvertOptions

OK, UNSUPPORTED, BAD_PARAM, NAME_REPEATED = 0, 1, 2, 9


def _entry(name: str, op_type: str, causes: list) -> dict:
    return {"name": name, "type": op_type, "result": "failed" if causes else "success",
            "cause": causes or [{"code": OK, "message": "success"}]}


def _onnx_entries(path: str) -> tuple:
    from .frontends.onnx.convert import _opset
    from .frontends.onnx.reader import load_model
    from .frontends.onnx.registry import find_handler
    model = load_model(path)
    opset = _opset(model)
    names = Counter(n.name for n in model.graph.node if n.name)
    entries = []
    for i, n in enumerate(model.graph.node):
        causes = []
        name = n.name or f"{n.op_type}_{i}"
        if n.domain not in ("", "ai.onnx") or find_handler(n.op_type, opset) is None:
            causes.append({"code": UNSUPPORTED, "message": f"op type {n.op_type} (domain '{n.domain or 'ai.onnx'}', "
                           f"opset {opset}) is not supported"})
        if n.name and names[n.name] > 1:
            causes.append({"code": NAME_REPEATED, "message": f"op name {n.name} is used {names[n.name]} times"})
        entries.append(_entry(name, n.op_type, causes))
    return model.graph.name or "model", entries


def _generic_entries(options: ConvertOptions) -> tuple:
    """Caffe/TF: per source op type via the frontend's supported table."""
    try:
        graph = load_source_graph(options)
    except ConverterError as exc:
        if exc.code not in ("E11009", "E13010"):
            raise
        return "model", [_entry("(model)", "(unsupported types)", [{"code": UNSUPPORTED, "message": exc.message}])]
    seen, entries = set(), []
    for op in graph.ops():
        if op.type in ("Data", "Const", "NetOutput"):
            continue
        key = op.source or op.name
        if key in seen:
            continue
        seen.add(key)
        entries.append(_entry(key, op.type, []))
    return graph.name, entries


def _attribute_causes(options: ConvertOptions, entries: list) -> None:
    """Convert the model (without writing) and attach a 'parameter invalid' cause to the op that fails."""
    try:
        build_graph(options)
    except ConverterError as exc:
        if exc.option is not None:  # about the command line (e.g. unfixed input shapes), not an op
            return
        target = next((e for e in entries if exc.node and e["name"] == exc.node), None)
        cause = {"code": BAD_PARAM, "message": f"{exc.code}: {exc.message}"}
        if target is None:
            entries.append(_entry(exc.node or "(model)", "(conversion)", [cause]))
        else:
            target["result"] = "failed"
            target["cause"] = [c for c in target["cause"] if c["code"] != OK] + [cause]


def precheck(options: ConvertOptions) -> dict:
    """Run the pre-check, write --check_report, and raise E10001... if any op failed."""
    from .fileio import write_text_atomic
    if options.framework == 5:
        name, entries = _onnx_entries(options.model)
    else:
        name, entries = _generic_entries(options)
    if all(e["result"] == "success" for e in entries):
        _attribute_causes(options, entries)
    failed = sum(e["result"] == "failed" for e in entries)
    report = {"name": name, "result": "failed" if failed else "success", "total": len(entries),
              "pass": len(entries) - failed, "fail": failed, "op": entries}
    path = options.check_report or "check_result.json"
    write_text_atomic(path, json.dumps(report, indent=2), option="--check_report")
    if failed:
        bad = [f"{e['name']} ({e['type']})" for e in entries if e["result"] == "failed"]
        raise ConverterError("E11009" if any(c["code"] == UNSUPPORTED for e in entries for c in e["cause"])
                             else "E10001",
                             f"pre-check failed for {failed} of {len(entries)} ops: {', '.join(bad[:10])}"
                             f"{' ...' if len(bad) > 10 else ''}; see {path}")
    return report
