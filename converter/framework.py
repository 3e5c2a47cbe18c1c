"""The source frameworks: ATC's ``--framework`` numbers (also the ``framework_type`` an .om records) and what
each one means for the input layout. The one place that knows which number is which framework."""
from __future__ import annotations

from enum import IntEnum


class Framework(IntEnum):
    """``--framework`` values ATC accepts (atc-cli.md "Frameworks"); MindSpore means a GE IR ``.air`` model
    (converter/ascend/air.py), whose Data ops declare their own formats (no entry in INPUT_FORMATS).

    An IntEnum, so a member equals its number (options built from plain ints compare equal) and formats as
    the number in messages (``f"--framework={fw}"`` reads ``--framework=5``)."""
    CAFFE = 0
    MINDSPORE = 1
    TENSORFLOW = 3
    ONNX = 5

    @property
    def label(self) -> str:
        """The framework's name as messages print it: Caffe, MindSpore, TensorFlow, ONNX."""
        return _LABELS[self]


_LABELS = {Framework.CAFFE: "Caffe", Framework.MINDSPORE: "MindSpore", Framework.TENSORFLOW: "TensorFlow",
           Framework.ONNX: "ONNX"}

# --input_format values each framework accepts (checked by options and by the layout pass)
INPUT_FORMATS = {Framework.CAFFE: ("NCHW", "ND"),
                 Framework.TENSORFLOW: ("NCHW", "NHWC", "ND", "NCDHW", "NDHWC"),
                 Framework.ONNX: ("NCHW", "ND", "NCDHW")}
ALL_INPUT_FORMATS = ("NCHW", "NHWC", "ND", "NCDHW", "NDHWC")


def default_input_format(framework) -> str:
    """The layout of the model's inputs when --input_format is not given: NHWC for TensorFlow, else NCHW."""
    return "NHWC" if framework == Framework.TENSORFLOW else "NCHW"
