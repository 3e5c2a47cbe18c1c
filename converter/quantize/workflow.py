"""quantize() and create_config(): the steps of post-training quantization, and its output files.

For ``--output OUT`` (the conversion's, without .om) quantize writes, all or nothing:
  OUT_record.txt             the record (AMCT ScaleOffsetRecord, text)
  OUT_quant_config.json      the config that was used (defaults filled in)
  OUT.om                     the int8 deploy .om (int8 weights + scales, quant ops; the user's precision)
  OUT_fake_quant_model.onnx  and OUT_deploy_model.onnx (QDQ) for ONNX sources,
  OUT_fake_quant_model.om    for Caffe and TensorFlow sources (float simulation, force_fp32)
  with auto_calibration (auto_calibration.py), also OUT_auto_calibration_ranking.json (the layers' sensitivity,
  most sensitive first) and OUT_auto_calibration_record.json (every configuration tried and its figures); the
  config then has quant_enable false for the layers rolled back to float.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ..errors import INVALID_ARGUMENT_VALUE, ConverterError
from ..fileio import output_folder, write_text_atomic
from ..fileio.temp_files import temp_name
from ..options import ConvertOptions
from . import config as qconfig
from .auto_calibration import auto_calibrate, check_targets
from .calibrate import calibrate
from .data import BatchSource
from .graphs import finish, fp32_graph
from .layers import find_layers
from .record import to_text
from .rewrite import apply_record


@dataclass
class QuantizeResult:
    """Paths written, and what was quantized."""

    record: str
    config: str
    om: str
    fake_quant: str
    deploy_onnx: str | None = None
    layers: list = field(default_factory=list)      # names of the quantized layers
    records: dict = field(default_factory=dict)
    auto_calibration: dict | None = None            # ranking, history, rolled_back (with auto_calibration)
    auto_files: tuple = ()                          # the ranking and record files of auto calibration


class _Outputs:
    """Files written to temporary names beside their targets (fileio's naming, so a killed run's leftovers
    are swept) and renamed together at the end; on failure the temporary files are removed."""

    def __init__(self):
        self.pending = []   # (tmp, target)

    def path(self, target: str) -> str:
        folder, name = os.path.split(os.path.abspath(target))
        output_folder(folder, "--output")
        tmp = os.path.join(folder, temp_name(name))
        self.pending.append((tmp, target))
        return tmp

    def text(self, target: str, text: str) -> str:
        write_text_atomic(self.path(target), text, option="--output")
        return target

    def commit(self) -> None:
        for tmp, target in self.pending:
            os.replace(tmp, target)
        self.pending = []

    def discard(self) -> None:
        for tmp, _ in self.pending:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.pending = []


def model_layers(options: ConvertOptions) -> tuple:
    """(fp32 graph with default fusion, its quantizable layers)."""
    graph = fp32_graph(options)
    return graph, find_layers(graph)


def create_config(options: ConvertOptions, path: str, *, act_algo: str = "ifmr", batch_num: int = 1,
                  activation_offset: bool = True, skip_layers=()) -> dict:
    """Write AMCT's default config for the model's quantizable layers to ``path``; returns it."""
    _, layers = model_layers(options)
    cfg = qconfig.default_config(layers, act_algo=act_algo, batch_num=batch_num,
                                 activation_offset=activation_offset, skip_layers=skip_layers)
    write_text_atomic(path, qconfig.dumps(cfg), option="--create-config")
    return cfg


def resolve_config(options: ConvertOptions, config_path: str | None, **defaults) -> tuple:
    """(fp32 graph built with the config's fusion choices, layers, config)."""
    graph, layers = model_layers(options)
    cfg = qconfig.load(config_path, layers) if config_path else qconfig.default_config(layers, **defaults)
    skipped = qconfig.fusion_skipped(cfg)
    if skipped:
        graph = fp32_graph(options, frozenset(skipped))
        layers = find_layers(graph)
    return graph, layers, cfg


def _write_om(graph, path: str, options: ConvertOptions, outputs: _Outputs, extra_attrs: dict) -> None:
    from ..api import model_attrs
    from ..om.writer import write_om
    write_om(graph, outputs.path(path), {**model_attrs(options), **graph.meta.get("model_attrs", {}), **extra_attrs})


def quantize(options: ConvertOptions, calibration: list, *, config_path: str | None = None,
             batch_num: int | None = None, act_algo: str = "ifmr", record_path: str | None = None,
             auto_calibration: bool = False, min_cosine: float = 0.99, min_top1: float = 0.95,
             sensitivity: str = "layer") -> QuantizeResult:
    """Calibrate the model of ``options`` on the calibration specs (see data.BatchSource) and write the
    quantized models and the record next to ``options.output``. With ``auto_calibration``, the layers whose
    quantization hurts most are left in float until the fake-quant model meets min_cosine / min_top1 on the
    calibration batches (auto_calibration.py). Nothing is written on failure."""
    from ..api import output_path
    om_path = output_path(options)
    stem = om_path[:-3]
    if auto_calibration:
        check_targets(min_cosine, min_top1, sensitivity)
    graph, layers, cfg = resolve_config(options, config_path, act_algo=act_algo)
    if batch_num is not None:
        if batch_num <= 0:
            raise ConverterError(INVALID_ARGUMENT_VALUE, "--batch-num must be greater than zero", option="--batch-num")
        cfg["batch_num"] = batch_num
    data = BatchSource(graph, calibration)
    batches = data.take(cfg["batch_num"])
    records = calibrate(graph, layers, cfg, data, batches)
    if not records:
        raise ConverterError(INVALID_ARGUMENT_VALUE, "no layer to quantize: the model has no convolution or matrix product "
                             "with constant weights, or the config disables them all")
    auto = None
    if auto_calibration:
        records, auto = auto_calibrate(graph, layers, records, data, batches, min_cosine, min_top1,
                                       sensitivity)
        for name in auto["rolled_back"]:
            cfg[name]["quant_enable"] = False
    result = QuantizeResult(record=record_path or stem + "_record.txt", config=stem + "_quant_config.json",
                            om=om_path, fake_quant="", layers=list(records), records=records, auto_calibration=auto)
    outputs = _Outputs()
    try:
        outputs.text(result.record, to_text(records))
        if auto is not None:
            result.auto_files = (stem + "_auto_calibration_ranking.json", stem + "_auto_calibration_record.json")
            outputs.text(result.auto_files[0], json.dumps(auto["ranking"], indent=4) + "\n")
            outputs.text(result.auto_files[1], json.dumps(auto["history"], indent=4) + "\n")
        outputs.text(result.config, qconfig.dumps(cfg))
        attrs = {"quantized_layers": ",".join(records)}
        deploy = finish(apply_record(graph.copy(), layers, records), options)
        _write_om(deploy, om_path, options, outputs, attrs)
        if options.framework == 5:
            import onnx

            from .onnx_models import quantized_onnx
            result.fake_quant = stem + "_fake_quant_model.onnx"
            result.deploy_onnx = stem + "_deploy_model.onnx"
            for path, is_deploy in ((result.fake_quant, False), (result.deploy_onnx, True)):
                onnx.save(quantized_onnx(options.model, graph, layers, records, is_deploy), outputs.path(path))
        else:
            result.fake_quant = stem + "_fake_quant_model.om"
            fake = finish(apply_record(graph.copy(), layers, records), options, precision_mode="force_fp32")
            _write_om(fake, result.fake_quant, options, outputs, attrs)
        outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    return result
