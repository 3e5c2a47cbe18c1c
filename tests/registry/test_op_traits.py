"""Facts about op types are declared with the ops (register(..., traits=..., param_inputs=..., spatial_rank=...))
and passes ask for them: every trait a pass or frontend asks for is declared by some op, and the trait sets are
exactly the string sets the passes held before they moved into the ops (so no op silently changes class)."""
import re
from pathlib import Path

import pytest

import converter
from converter import ops
from converter.ops.registry import CATEGORIES, TRAITS, register

SOURCE = Path(converter.__file__).parent

# The sets as passes/precision.py and passes/shape_inference.py spelled them before the traits existed.
BEFORE = {
    "no_fp16": {"DetectionOutput", "PriorBox", "NonZero", "Range", "TopK", "NonMaxSuppression",
                "QuantizeLinear", "DynamicQuantizeLinear",
                "NonMaxSuppressionV5", "NonMaxSuppressionWithOverlaps", "CTCGreedyDecoder"},   # issue 12: TF ops
    "cube": {"Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
             "MatMulV2", "BatchMatMulV2", "Einsum"},
    "keep_fp32_mix": {"Softmax", "LogSoftmax", "LayerNorm", "GroupNorm", "InstanceNorm", "LpNormalization",
                      "ReduceMean", "ReduceSum", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
                      "ReduceLogSumExp", "ReduceSumSquare", "CumSum", "Exp", "Log", "Pow", "Normalize",
                      "Erf", "Rsqrt", "Sqrt", "RealDiv", "Reciprocal", "Softplus"},
    "movement": {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "ConcatD", "Split", "Slice",
                 "GatherV2", "GatherElements", "GatherND", "Tile", "BroadcastTo", "Identity", "PadV3",
                 "DepthToSpace", "SpaceToDepth", "TransData"},
    # NEVER_FOLD also named RandomNormal, RandomUniform, RandomNormalLike and RandomUniformLike, which are not
    # registered ops (the frontends refuse them); whoever adds them declares never_fold on them. The TF
    # random ops (issue 14: RandomStandardNormal, RandomUniform; issue 12: the other stateful ones and the
    # stateless draws, but not StatelessRandomGetKeyCounter, a pure scramble of its seed) did.
    "never_fold": {"SequenceEmpty", "SequenceConstruct", "SequenceInsert", "SequenceErase", "SplitToSequence",
                   "SequenceReserve", "SequenceSetItem", "DequantizeLinear", "RandomStandardNormal", "RandomUniform",
                   "TruncatedNormal", "RandomUniformInt", "Multinomial", "RandomShuffle", "StatelessRandomUniformV2",
                   "StatelessRandomNormalV2", "StatelessTruncatedNormalV2", "StatelessRandomUniformIntV2",
                   "StatelessMultinomial"},
    "shape_only": {"Shape", "Size"},
    "structural": {"Data", "Const", "NetOutput"},
    "conv": {"Conv1D", "Conv2D", "Conv3D"},
    "conv_transpose": {"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"},
}
# Issue 12: a TensorArray scatter makes a run-time sequence too.
BEFORE["never_fold"] = BEFORE["never_fold"] | {"SequenceScatter"}
# Ops added since, with the traits they were declared with (issue 11, ONNX conformance: the losses sum over
# the whole batch, which overflows fp16; DFT/STFT sum the whole signal; batch statistics are reductions like
# LayerNorm's; LinearAttention's state accumulates over every step; optionals are run-time values).
ADDED = {
    "no_fp16": {"NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "DFT", "STFT"},
    "keep_fp32_mix": {"BatchNormTraining", "LinearAttention"},
    "never_fold": {"Optional", "OptionalHasElement", "OptionalGetElement"},
}
PARAM_INPUTS_BEFORE = {"Resize": {1, 2}, "DequantizeLinear": {1}, "QLinearConv": {1, 4, 6},
                       "QLinearMatMul": {1, 4, 6},
                       "CropAndResize": {1}}   # issue 12: box coordinates stay fp32 (fp16 moves the sampled pixels)
# issue 11: a cast before Bitcast would change the bits it reads; the others are lengths, axes and steps
PARAM_INPUTS_ADDED = {"Bitcast": {0}, "DFT": {1, 2}, "STFT": {1, 3}}

ASKED = [r'(?:with_trait|by_spatial_rank)\(\s*"(\w+)"', r'has_trait\([^,()]+,\s*"(\w+)"',
         r'"(\w+)"\s+(?:not\s+)?in\s+spec\.traits']


def asked_traits() -> dict:
    """Trait name -> the converter files that ask for it."""
    found: dict = {}
    for path in sorted(SOURCE.rglob("*.py")):
        text = path.read_text()
        for pattern in ASKED:
            for name in re.findall(pattern, text):
                found.setdefault(name, set()).add(str(path.relative_to(SOURCE)))
    return found


def test_the_passes_ask_for_traits_through_the_registry():
    asked = asked_traits()
    assert {"no_fp16", "cube", "keep_fp32_mix", "movement", "never_fold", "shape_only", "conv",
            "conv_transpose", "structural"} <= set(asked), asked


@pytest.mark.parametrize("trait", sorted(asked_traits()))
def test_every_trait_asked_for_is_declared_by_an_op(trait):
    assert trait in TRAITS, f"{trait} (asked for in {sorted(asked_traits()[trait])}) is not in registry.TRAITS"
    assert ops.with_trait(trait), f"no op declares {trait}"


@pytest.mark.parametrize("trait", sorted(TRAITS))
def test_every_declared_trait_names_the_same_ops_as_before(trait):
    assert ops.with_trait(trait) == BEFORE[trait] | ADDED.get(trait, set())


def test_param_inputs_are_those_precision_held_before():
    declared = {name: set(spec.param_inputs) for name, spec in ops.all_specs().items() if spec.param_inputs}
    assert declared == PARAM_INPUTS_BEFORE | PARAM_INPUTS_ADDED


def test_conv_types_by_spatial_rank():
    assert ops.by_spatial_rank("conv") == {1: "Conv1D", 2: "Conv2D", 3: "Conv3D"}
    assert ops.by_spatial_rank("conv_transpose") == {1: "Conv1DTranspose", 2: "Conv2DTranspose",
                                                     3: "Conv3DTranspose"}


def test_the_old_string_sets_are_gone_from_passes_and_frontends():
    for path in list((SOURCE / "passes").rglob("*.py")) + list((SOURCE / "frontends").rglob("*.py")):
        text = path.read_text()
        for name in ("NO_FP16", "CUBE_OPS", "KEEP_FP32_MIX", "MOVEMENT", "PARAM_INPUTS", "NEVER_FOLD",
                     "SHAPE_ONLY", '"Conv1D"', '"Conv2DTranspose"'):
            assert name not in text, f"{path.relative_to(SOURCE)} still spells {name}"


def test_frontends_do_not_import_passes():
    for path in (SOURCE / "frontends").rglob("*.py"):
        assert not re.search(r"from \.+passes|import converter\.passes|from converter\.passes", path.read_text()), path


def test_unknown_traits_are_refused():
    with pytest.raises(RuntimeError, match="unknown trait"):
        register("NotAnOp", traits={"cubic"})
    with pytest.raises(KeyError, match="unknown op trait"):
        ops.with_trait("cubic")
    with pytest.raises(KeyError, match="unknown op trait"):
        ops.has_trait("Conv2D", "cubic")
    assert not ops.has("NotAnOp")


def test_has_trait_of_an_unregistered_type_is_false():
    assert not ops.has_trait("NoSuchOp", "cube")
    assert ops.param_inputs("NoSuchOp") == frozenset()


def test_every_op_has_a_known_category():
    unknown = {name: spec.category for name, spec in ops.all_specs().items() if spec.category not in CATEGORIES}
    assert not unknown
