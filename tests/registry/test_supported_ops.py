"""The supported-op list (docs/supported-ops.md) is generated from the registries and must agree with them;
every op declared by a frontend maps to canonical ops the runtime can execute."""
import re

from converter import ops
from converter.omtool import main as omtool
from converter.support import frontend_tables, supported_ops_markdown


def test_doc_is_up_to_date(repo):
    doc = (repo / "docs" / "supported-ops.md").read_text()
    assert doc == supported_ops_markdown(), "regenerate with: omtool ops --markdown > docs/supported-ops.md"


def test_doc_lists_exactly_the_registered_canonical_ops(repo):
    doc = (repo / "docs" / "supported-ops.md").read_text()
    section = doc.split("## Canonical ops", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| (\w+) \|", section, flags=re.M)) - {"op"}
    assert listed == set(ops.all_specs())


def test_every_canonical_op_has_a_kernel_and_doc():
    for name, spec in ops.all_specs().items():
        assert callable(spec.kernel), name
        assert spec.doc, f"{name} has no one-line description"


def test_onnx_table_covers_the_foundation_ops():
    onnx_ops = set(frontend_tables()["ONNX"])
    needed = {"Conv", "ConvTranspose", "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid",
              "HardSigmoid", "HardSwish", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
              "LRN", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Sum", "Max", "Min",
              "Concat", "Split", "Slice", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Softmax",
              "LogSoftmax", "Dropout", "Identity", "Pad", "Resize", "Upsample", "Shape", "Gather",
              "ConstantOfShape", "Range", "Expand", "Cast", "ReduceMean", "ReduceSum", "ReduceMax", "Erf", "Where",
              "Equal", "LayerNormalization", "Tile", "TopK", "ArgMax", "CumSum", "Einsum", "InstanceNormalization",
              "GroupNormalization", "Mish", "Softplus", "Elu", "Selu", "Neg", "Abs", "Reciprocal", "Not", "And",
              "Or", "Less", "Greater", "ReduceL2", "ReduceProd", "ReduceMin", "DepthToSpace", "SpaceToDepth",
              "NonZero", "LSTM", "GRU", "If", "Loop", "NonMaxSuppression"}
    assert needed <= onnx_ops, sorted(needed - onnx_ops)


def test_omtool_ops_prints_the_list(capsys):
    assert omtool(["ops"]) == 0
    out = capsys.readouterr().out
    assert "Conv2D" in out and "ONNX op types" in out
