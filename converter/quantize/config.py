"""The quantization config JSON, in AMCT's layout and with AMCT's defaults (create_quant_config):

    {"version": 1, "batch_num": 1, "activation_offset": true, "do_fusion": true, "skip_fusion_layers": [],
     "<layer>": {"quant_enable": true,
                 "activation_quant_params": {"num_bits": 8, "max_percentile": 0.999999,
                     "min_percentile": 0.999999, "search_range": [0.7, 1.3], "search_step": 0.01,
                     "act_algo": "ifmr"},                  # or {"num_bits": 8, "act_algo": "hfmg", "num_of_bins": 4096}
                 "weight_quant_params": {"num_bits": 8, "wts_algo": "arq_quantize", "channel_wise": true}}}

Field names, value ranges and defaults follow AMCT's published config documentation ("training-free
quantization config file": version 1 only; batch_num > 0; percentiles in (0.5, 1]; search_range 0 < start <
end; 0 < search_step <= end - start; num_of_bins in 1024/2048/4096/8192; IFMR and HFMG parameters never
together; channel_wise only for convolutions; a per-layer "asymmetric" overrides activation_offset).
We quantize to int8 only: num_bits other than 8 and AMCT's other algorithms (ada_quantize, joint_quant) are
refused with E10001. Every problem is an E-code naming the key; layers missing from a file get defaults.
"""
from __future__ import annotations

import json
import math

from ..errors import (
    FILE_PARSE_FAILED,
    INVALID_ARGUMENT_VALUE,
    NODE_NOT_FOUND,
    ConverterError,
)
from ..fileio import parse_json, read_text

VERSION = 1
IFMR_DEFAULTS = {"max_percentile": 0.999999, "min_percentile": 0.999999, "search_range": [0.7, 1.3],
                 "search_step": 0.01}
HFMG_BINS = (1024, 2048, 4096, 8192)
GLOBAL_KEYS = ("version", "batch_num", "activation_offset", "joint_quant", "do_fusion", "skip_fusion_layers")
LAYER_KEYS = ("quant_enable", "activation_quant_params", "weight_quant_params")
ACT_KEYS = {"ifmr": ("num_bits", "max_percentile", "min_percentile", "search_range", "search_step", "act_algo",
                     "asymmetric"),
            "hfmg": ("num_bits", "act_algo", "num_of_bins", "asymmetric")}
WTS_KEYS = ("num_bits", "wts_algo", "channel_wise")


def _bad(where: str, what: str, option: str = "--config") -> ConverterError:
    return ConverterError(INVALID_ARGUMENT_VALUE, f"quantization config: {where}: {what}", option=option)


def layer_defaults(layer, act_algo: str = "ifmr") -> dict:
    act = {"num_bits": 8}
    if act_algo == "hfmg":
        act.update(act_algo="hfmg", num_of_bins=4096)
    else:
        act.update(IFMR_DEFAULTS, search_range=list(IFMR_DEFAULTS["search_range"]), act_algo="ifmr")
    return {"quant_enable": True, "activation_quant_params": act,
            "weight_quant_params": {"num_bits": 8, "wts_algo": "arq_quantize", "channel_wise": layer.channel_wise_ok}}


def default_config(layers: list, *, act_algo: str = "ifmr", batch_num: int = 1, activation_offset: bool = True,
                   skip_layers=()) -> dict:
    """AMCT's create_quant_config result for these layers (skip_layers get quant_enable false)."""
    if act_algo not in ("ifmr", "hfmg"):
        raise _bad("act_algo", f"'{act_algo}' is not ifmr or hfmg", option="--act-algo")
    config = {"version": VERSION, "batch_num": batch_num, "activation_offset": activation_offset,
              "do_fusion": True, "skip_fusion_layers": []}
    names = {layer.name for layer in layers}
    for name in skip_layers:
        if name not in names:
            raise ConverterError(NODE_NOT_FOUND, f"skip layer '{name}' is not a quantizable layer of the model; "
                                 f"layers: {', '.join(sorted(names))}", node=name)
    for layer in layers:
        config[layer.name] = layer_defaults(layer, act_algo)
        config[layer.name]["quant_enable"] = layer.name not in set(skip_layers)
    return config


def dumps(config: dict) -> str:
    return json.dumps(config, indent=4) + "\n"


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _bad(k, "appears twice (layer names and keys must be unique)")
        out[k] = v
    return out


def load(path: str, layers: list) -> dict:
    """Read, check and complete a config file for these layers."""
    text = read_text(path, "--config")
    try:
        raw = parse_json(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise ConverterError(FILE_PARSE_FAILED, f"--config: '{path}' is not valid JSON: {exc}", option="--config",
                             path=path) from None
    return check(raw, layers)


def _type(where: str, value, kind, name: str):
    ok = isinstance(value, kind) and not (kind in (int, float, (int, float)) and isinstance(value, bool))
    if not ok:
        raise _bad(where, f"must be {name}, got {json.dumps(value)}")
    return value


def _number(where: str, value) -> float:
    _type(where, value, (int, float), "a number")
    if not math.isfinite(value):
        raise _bad(where, "must be finite")
    return float(value)


def check(raw, layers: list) -> dict:
    """A complete, checked config dict (defaults filled in) from a parsed JSON object."""
    if not isinstance(raw, dict):
        raise _bad("top level", "must be a JSON object")
    by_name = {layer.name: layer for layer in layers}
    config = default_config(layers)
    for key, value in raw.items():
        if key in GLOBAL_KEYS:
            config[key] = _check_global(key, value, by_name)
        elif key in by_name:
            config[key] = _check_layer(key, value, by_name[key])
        else:
            raise ConverterError(NODE_NOT_FOUND, f"quantization config: '{key}' is neither a config key nor a "
                                 "quantizable layer of the model (check the layer name; quantizable layers: "
                                 f"{', '.join(by_name) or 'none'})", option="--config", node=key)
    return config


def _check_global(key: str, value, by_name: dict):
    if key == "version":
        if _type(key, value, int, "an integer") != VERSION:
            raise _bad(key, "must be 1")
    elif key == "batch_num":
        if _type(key, value, int, "an integer") <= 0:
            raise _bad(key, "must be greater than zero")
    elif key in ("activation_offset", "do_fusion"):
        _type(key, value, bool, "true or false")
    elif key == "joint_quant":
        if _type(key, value, bool, "true or false"):
            raise _bad(key, "true (eltwise joint quantization) is not supported; use false")
    elif key == "skip_fusion_layers":
        _type(key, value, list, "a list of layer names")
        for name in value:
            _type(key, name, str, "a list of layer names")
            layer = by_name.get(name)
            if layer is None or not layer.is_conv:
                raise ConverterError(NODE_NOT_FOUND, f"quantization config: skip_fusion_layers: '{name}' is not a "
                                     "convolution layer of the model", option="--config", node=name)
        if len(set(value)) != len(value):
            raise _bad(key, "lists a layer twice")
    return value


def _check_layer(name: str, value, layer) -> dict:
    where = f"layer '{name}'"
    _type(where, value, dict, "an object")
    out = layer_defaults(layer, (value.get("activation_quant_params") or {}).get("act_algo", "ifmr")
                         if isinstance(value.get("activation_quant_params"), dict) else "ifmr")
    for key, item in value.items():
        if key not in LAYER_KEYS:
            raise _bad(where, f"unknown parameter '{key}' (known: {', '.join(LAYER_KEYS)})")
        if key == "quant_enable":
            out[key] = _type(f"{where}.{key}", item, bool, "true or false")
        elif key == "activation_quant_params":
            out[key] = _check_act(f"{where}.{key}", item)
        else:
            out[key] = _check_wts(f"{where}.{key}", item, layer)
    return out


def _num_bits(where: str, value) -> int:
    if _type(where, value, int, "an integer") != 8:
        raise _bad(where, f"{value}-bit quantization is not supported; use 8")
    return value


def _check_act(where: str, value) -> dict:
    _type(where, value, dict, "an object")
    hfmg_keys = {"num_of_bins"} & set(value)
    ifmr_keys = set(IFMR_DEFAULTS) & set(value)
    algo = value.get("act_algo", "hfmg" if hfmg_keys else "ifmr")
    if algo not in ("ifmr", "hfmg"):
        raise _bad(f"{where}.act_algo", f"must be \"ifmr\" or \"hfmg\", got {json.dumps(algo)}")
    if (algo == "hfmg" and ifmr_keys) or (algo == "ifmr" and hfmg_keys):
        raise _bad(where, f"IFMR parameters ({', '.join(sorted(ifmr_keys)) or '-'}) and HFMG parameters "
                   f"({', '.join(sorted(hfmg_keys)) or '-'}) cannot be set together (act_algo is {algo})")
    out = {"num_bits": 8}
    if algo == "ifmr":
        out.update(IFMR_DEFAULTS, search_range=list(IFMR_DEFAULTS["search_range"]))
    out["act_algo"] = algo
    if algo == "hfmg":
        out["num_of_bins"] = 4096
    for key, item in value.items():
        at = f"{where}.{key}"
        if key not in ACT_KEYS[algo]:
            raise _bad(where, f"unknown parameter '{key}' for act_algo {algo} (known: {', '.join(ACT_KEYS[algo])})")
        if key == "num_bits":
            out[key] = _num_bits(at, item)
        elif key in ("max_percentile", "min_percentile"):
            v = _number(at, item)
            if not 0.5 < v <= 1.0:
                raise _bad(at, f"must be greater than 0.5 and at most 1.0, got {item}")
            out[key] = item
        elif key == "search_range":
            _type(at, item, list, "a list of two numbers")
            if len(item) != 2:
                raise _bad(at, "must be a list of two numbers [start, end]")
            start, end = _number(at, item[0]), _number(at, item[1])
            if start <= 0 or start >= end:
                raise _bad(at, f"needs 0 < start < end, got {item}")
            out[key] = list(item)
        elif key == "search_step":
            if _number(at, item) <= 0:
                raise _bad(at, "must be greater than zero")
            out[key] = item
        elif key == "num_of_bins":
            if _type(at, item, int, "an integer") not in HFMG_BINS:
                raise _bad(at, f"must be one of {', '.join(map(str, HFMG_BINS))}, got {item}")
            out[key] = item
        elif key == "asymmetric":
            out[key] = _type(at, item, bool, "true or false")
        else:
            out[key] = item
    if algo == "ifmr":
        start, end = out["search_range"]
        if out["search_step"] > end - start + 1e-12:
            raise _bad(f"{where}.search_step", "must be at most search_range[1] - search_range[0]")
    return out


def _check_wts(where: str, value, layer) -> dict:
    _type(where, value, dict, "an object")
    out = {"num_bits": 8, "wts_algo": "arq_quantize", "channel_wise": layer.channel_wise_ok}
    for key, item in value.items():
        at = f"{where}.{key}"
        if key not in WTS_KEYS:
            raise _bad(where, f"unknown parameter '{key}' (known: {', '.join(WTS_KEYS)})")
        if key == "num_bits":
            out[key] = _num_bits(at, item)
        elif key == "wts_algo":
            if item != "arq_quantize":
                raise _bad(at, f"only \"arq_quantize\" is supported, got {json.dumps(item)}")
            out[key] = item
        else:
            if _type(at, item, bool, "true or false") and not layer.channel_wise_ok:
                raise _bad(at, f"must be false for layer type {layer.type} (per-channel weights need a "
                           "convolution)")
            out[key] = item
    return out


def asymmetric(config: dict, layer_name: str) -> bool:
    """Whether the layer's activations are quantized with an offset (per-layer asymmetric wins)."""
    act = config[layer_name]["activation_quant_params"]
    return bool(act.get("asymmetric", config.get("activation_offset", True)))


def fusion_skipped(config: dict) -> set:
    """Layers whose Conv+BN fusion is not done (all convolutions when do_fusion is false)."""
    if not config.get("do_fusion", True):
        return {k for k, v in config.items() if isinstance(v, dict)}
    return set(config.get("skip_fusion_layers", ()))
