"""`atc --mode=3`: check every source op against our converters and their attribute rules, and write the
report in ATC's check_result.json format (schema: schemas/check-report.schema.json)."""
from __future__ import annotations

import json
from collections import Counter

from .conversion import build_graph, load_source_graph
from .errors import CAFFE_WEIGHT_OPTION_MISSING, INVALID_ARGUMENT_VALUE, UNSUPPORTED_OP, ConverterError
from .framework import Framework
from .options import ConvertOptions

OK, UNSUPPORTED, BAD_PARAM, NAME_REPEATED = 0, 1, 2, 9


def _entry(name: str, op_type: str, causes: list) -> dict:
    return {"name": name, "type": op_type, "result": "failed" if causes else "success",
            "cause": causes or [{"code": OK, "message": "success"}]}


def _op_entries(ops: list) -> list:
    """One entry per source op from (name, type, why it has no converter or None) triples; names used more
    than once are reported too (ATC's code 9)."""
    names = Counter(name for name, _, _ in ops if name)
    entries = []
    for i, (name, op_type, why) in enumerate(ops):
        causes = [{"code": UNSUPPORTED, "message": why}] if why else []
        if name and names[name] > 1:
            causes.append({"code": NAME_REPEATED, "message": f"op name {name} is used {names[name]} times"})
        entries.append(_entry(name or f"{op_type}_{i}", op_type, causes))
    return entries


def _onnx_entries(options: ConvertOptions) -> tuple:
    from .frontends.onnx.convert import _opset
    from .frontends.onnx.reader import load_model
    from .frontends.onnx.registry import find_handler
    model = load_model(options.model)
    opset = _opset(model)

    def why(n):
        if n.domain in ("", "ai.onnx") and find_handler(n.op_type, opset) is not None:
            return None
        return f"op type {n.op_type} (domain '{n.domain or 'ai.onnx'}', opset {opset}) is not supported"

    return model.graph.name or "model", _op_entries([(n.name, n.op_type, why(n)) for n in model.graph.node])


def _caffe_entries(options: ConvertOptions) -> tuple:
    """Every layer of the TEST phase but the input and training-only ones, as the Caffe frontend sees it
    (after --op_name_map)."""
    from .frontends.caffe.convert import IGNORED, INPUT_LAYERS, apply_op_name_map
    from .frontends.caffe.normalize import in_phase, layer_list
    from .frontends.caffe.reader import read_prototxt
    from .frontends.caffe.registry import find_handler
    if not options.weight:
        raise ConverterError(CAFFE_WEIGHT_OPTION_MISSING,
                             "--weight is required for a Caffe model (the .caffemodel file)",
                             option="--weight")
    net = read_prototxt(options.model).net
    apply_op_name_map(net, options.op_name_map or ())
    return net.name or "model", _op_entries([
        (layer.name, layer.type, None if find_handler(layer.type) else
         f"Caffe layer type {layer.type} is not supported (no converter)")
        for layer in layer_list(net)
        if in_phase(layer) and layer.type not in INPUT_LAYERS and layer.type not in IGNORED])


def _tf_entries(options: ConvertOptions) -> tuple:
    """Every node the outputs (--out_nodes, else the nodes nobody reads) depend on through data or control
    edges, but the Placeholders; TF1 control flow counts as supported (its structure is checked by converting)."""
    from .frontends.tensorflow.convert import ADVICE, INPUT_OPS, TfConverter, is_supported
    from .frontends.tensorflow.reader import load_graphdef
    shapes = {name: tuple(dims) for name, dims in options.input_shape or ()}
    converter = TfConverter(load_graphdef(options.model), shapes, list(options.out_nodes or ()))
    outputs = converter.output_nodes()
    nodes = converter.dependencies(outputs) if outputs else list(converter.graphdef.node)

    def unsupported(op_type):
        if is_supported(op_type):
            return None
        return f"TensorFlow op type {op_type} is not supported (no converter)" + \
            (f". {ADVICE[op_type]}" if op_type in ADVICE else "")

    return "graph", _op_entries([(n.name, n.op, unsupported(n.op)) for n in nodes if n.op not in INPUT_OPS])


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
    if options.framework == Framework.ONNX:
        name, entries = _onnx_entries(options)
    elif options.framework == Framework.CAFFE:
        name, entries = _caffe_entries(options)
    elif options.framework == Framework.TENSORFLOW:
        name, entries = _tf_entries(options)
    else:
        load_source_graph(options)  # E-coded: no such framework
        name, entries = "model", []
    if all(e["result"] == "success" for e in entries):
        _attribute_causes(options, entries)
    failed = sum(e["result"] == "failed" for e in entries)
    report = {"name": name, "result": "failed" if failed else "success", "total": len(entries),
              "pass": len(entries) - failed, "fail": failed, "op": entries}
    path = options.check_report or "check_result.json"
    write_text_atomic(path, json.dumps(report, indent=2), option="--check_report")
    if failed:
        bad = [f"{e['name']} ({e['type']})" for e in entries if e["result"] == "failed"]
        raise ConverterError(UNSUPPORTED_OP if any(c["code"] == UNSUPPORTED for e in entries for c in e["cause"])
                             else INVALID_ARGUMENT_VALUE,
                             f"pre-check failed for {failed} of {len(entries)} ops: {', '.join(bad[:10])}"
                             f"{' ...' if len(bad) > 10 else ''}; see {path}")
    return report
