"""The nn op family is complete: every canonical op and ONNX handler named in the brief is registered."""
import pytest

from converter.frontends.onnx.registry import HANDLERS
from converter.ops import all_specs

NN_OPS = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "MaxPool",
          "AvgPool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "BatchNorm", "InstanceNorm", "LayerNorm",
          "GroupNorm", "LRN", "MeanVarianceNormalization", "LpNormalization", "MatMulV2", "BatchMatMulV2", "PadV3",
          "Resize", "DepthToSpace", "SpaceToDepth"]
ONNX_TYPES = ["Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool",
              "BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization", "LRN",
              "MeanVarianceNormalization", "LpNormalization", "MatMul", "Gemm", "Pad", "Resize", "Upsample",
              "DepthToSpace", "SpaceToDepth"]


@pytest.mark.parametrize("op_type", NN_OPS)
def test_canonical_op_has_infer_and_doc(op_type):
    spec = all_specs()[op_type]
    assert spec.infer is not None and spec.doc


@pytest.mark.parametrize("onnx_type", ONNX_TYPES)
def test_onnx_handler_registered(onnx_type):
    assert HANDLERS.get(onnx_type)
