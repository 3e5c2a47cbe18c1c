"""What `omtool quantize` and `omtool verify --record` do, behind their typer signatures in omtool.py."""
from __future__ import annotations

import os

from ..errors import EMPTY_REQUIRED_OPTION, INVALID_ARGUMENT_VALUE, ConverterError
from ..options import ConvertOptions, options_from_argv
from . import record as qrecord
from .check import bisect as bisect_layers
from .check import compare, format_report
from .data import BatchSource
from .graphs import fp32_graph
from .layers import find_layers
from .workflow import create_config, quantize

BISECT_BATCHES = 2


def conversion_options(atc_args: list, need_output: bool) -> ConvertOptions:
    """The conversion options, given as to atc (--framework, --model, --input_shape, --output, ...)."""
    args = list(atc_args)
    given = {}
    for i, a in enumerate(args):
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            given[name] = value if eq else (args[i + 1] if i + 1 < len(args) else "")
    if "--framework" not in given:
        model = given.get("--model", "")
        guess = {".onnx": "5", ".pb": "3", ".prototxt": "0"}.get(os.path.splitext(model)[1].lower())
        if guess:
            args.append(f"--framework={guess}")
    if not need_output and "--output" not in given:
        args.append("--mode=3")  # the pre-check mode needs only the model
    return options_from_argv(args)


def _checked(graph, layers, records, data_specs: list, om_path: str, bisect: bool, min_cosine: float,
             min_top1: float) -> dict:
    data = BatchSource(graph, data_specs, option="--check-data")
    batches = list(range(len(data)))
    report = compare(graph, om_path, data, batches, min_cosine, min_top1)
    if bisect:
        report["bisect"] = bisect_layers(graph, layers, records, data, batches[:BISECT_BATCHES])
    return report


def auto_calibration_summary(result) -> str:
    """One line: what auto calibration rolled back, and the figures of the configuration it kept."""
    auto = result.auto_calibration
    back = auto["rolled_back"]
    kept = next(h for h in reversed(auto["history"]) if h["rolled_back"] == back)
    total = len(result.layers) + len(back)
    names = ", ".join(back) if back else "none"
    return (f"auto calibration: {len(back)} of {total} layer(s) left in float ({names}); on the calibration data: "
            f"cosine min {kept['cosine_min']:.6f}, mean {kept['cosine_mean']:.6f}, top-1 {kept['top1_agreement']:.2%} "
            f"({len(auto['history'])} configuration(s) tried)")


def run_quantize(atc_args: list, *, calibration: list, config: str | None, create: str | None, act_algo: str,
                 batch_num: int | None, record: str | None, check_data: list, bisect: bool,
                 min_cosine: float, min_top1: float, auto_calibration: bool = False,
                 sensitivity: str | None = None) -> tuple:
    """(lines to print, report or None)."""
    if sensitivity is not None and not auto_calibration:
        raise ConverterError(INVALID_ARGUMENT_VALUE, "--sensitivity chooses the ranking of --auto-calibration; give "
                             "--auto-calibration too", option="--sensitivity")
    if create and auto_calibration:
        raise ConverterError(INVALID_ARGUMENT_VALUE, "--auto-calibration quantizes the model; --create-config only writes "
                             "the default config: give one of them", option="--auto-calibration")
    if create:
        options = conversion_options(atc_args, need_output=False)
        cfg = create_config(options, create, act_algo=act_algo, batch_num=batch_num or 1)
        layers = [k for k, v in cfg.items() if isinstance(v, dict)]
        return [f"wrote {create}: {len(layers)} quantizable layer(s)"], None
    options = conversion_options(atc_args, need_output=True)
    if bisect and not check_data:
        raise ConverterError(EMPTY_REQUIRED_OPTION, "--bisect needs --check-data (held-out inputs to compare on)",
                             option="--bisect")
    result = quantize(options, calibration, config_path=config, batch_num=batch_num, act_algo=act_algo,
                      record_path=record, auto_calibration=auto_calibration, min_cosine=min_cosine,
                      min_top1=min_top1, sensitivity=sensitivity or "layer")
    lines = [f"quantized {len(result.layers)} layer(s)"]
    if result.auto_calibration is not None:
        lines.append(auto_calibration_summary(result))
    lines += [f"wrote {p}" for p in (result.record, result.config, result.om, result.fake_quant, result.deploy_onnx,
                                     *result.auto_files) if p]
    report = None
    if check_data:
        skipped = {k for k, r in result.records.items() if r.skip_fusion}
        graph = fp32_graph(options, frozenset(skipped))
        report = _checked(graph, find_layers(graph), result.records, check_data, result.om, bisect,
                          min_cosine, min_top1)
        lines.append(format_report(report))
    return lines, report


def verify_quantized(source: str, om_path: str, record_path: str, *, weight: str | None, data: list,
                     bisect: bool, min_cosine: float, min_top1: float, framework: int | None = None) -> dict:
    """`omtool verify SOURCE OM --record REC --data ...`: the int8 .om against the fp32 source graph (built
    with the .om's input shapes and the record's fusion choices)."""
    from ..runtime import Session
    from ..runtime.inputs import source_desc
    from ..verify.reference import framework_of
    session = Session(om_path)
    shapes = tuple((op.name, tuple(source_desc(op.outputs[0])[1])) for op in session.graph.data_ops())
    options = ConvertOptions(framework=framework if framework is not None else framework_of(source),
                             model=source, weight=weight, input_shape=shapes)
    records = qrecord.read(record_path)
    skipped = frozenset(k for k, r in records.items() if r.skip_fusion)
    graph = fp32_graph(options, skipped)
    report = _checked(graph, find_layers(graph), records, data, om_path, bisect, min_cosine, min_top1)
    report["text"] = format_report(report)
    return report
