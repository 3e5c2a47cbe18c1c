"""Post-training int8 quantization as Ascend's AMCT does it: calibrate an fp32 model on a few inputs, write
AMCT's record file and config JSON, a fake-quant model for accuracy simulation and an int8 deploy model
(ONNX QDQ for ONNX sources, and an .om with int8 weights and quant ops), and check it against fp32.

Modules: config (the config JSON), data (calibration .npy files), layers (what is quantizable), algorithms
(IFMR, HFMG, ARQ), calibrate (running the fp32 graph over the data), record (the record file), rewrite (quant
ops into the IR), onnx_models (ONNX fake-quant / QDQ deploy models), graphs (the conversion pipeline split
around quantization), workflow (quantize / create_config), check (cosine, top-1, per-layer bisect),
auto_calibration (AMCT's accuracy-based auto calibration: sensitive layers back to float until a target holds).

The formats and algorithms follow AMCT's public documentation and its open-source release; the code is
ours. Sources (see docs/quantization.md for the details taken from each):
- AMCT user guide (hiascend.com, "AMCT" / "Model Compression Toolkit"): "record file" (the
  scale_offset_record_onnx.proto messages and field numbers), "training-free quantization config file" and
  the calibration_config_onnx.proto fields (version, batch_num, activation_offset, do_fusion,
  skip_fusion_layers, quant_enable, activation_quant_params, weight_quant_params and their defaults),
  "IFMR", "HFMG" and "ARQ" algorithm pages.
- AMCT's open-source code (github.com/hicann/amct, amct_pytorch): field checks and defaults
  (common/config/field.py), HFMG histogram merge and search (custom_op/hfmg/hfmg_impl.py), scale/offset rules
  (custom_op/utils.py calculate_scale_offset), supported layer types (capacity_config.csv).
- torch_npu's reference of the IFMR op (test/custom_ops/test_npu_ifmr.py): percentile init and search.
"""
from .workflow import QuantizeResult, create_config, quantize  # noqa: F401
