"""Shape inference with unknown (-1) dims: known dims still come out, unknown ones stay -1."""
import numpy as np
import pytest

from converter.ir import TensorDesc
from converter.ops import get
from converter.ops.registry import InferContext


def infer(op_type, shapes, attrs, values=None):
    spec = get(op_type)
    op = type("FakeOp", (), {"name": "n", "type": op_type})()
    descs = [None if s is None else TensorDesc(shape=s) for s in shapes]
    values = values or [None] * len(shapes)
    return spec.infer(InferContext(op, descs, values, spec.normalize(attrs)))[0].shape


W = np.zeros((8, 3, 3, 3), np.float32)
WT = np.zeros((3, 8, 3, 3), np.float32)


@pytest.mark.parametrize("op_type,shapes,attrs,values,expected", [
    ("Conv2D", [(-1, 3, -1, 10), W.shape], {"strides": [2, 2], "pads": [1, 1, 1, 1]}, [None, W], (-1, 8, -1, 5)),
    ("Conv2D", [(1, -1, 9, -1), W.shape], {"data_format": "NHWC", "auto_pad": "SAME_UPPER"}, [None, W],
     (1, -1, 9, 8)),
    ("Conv2DTranspose", [(-1, 3, -1, 4), WT.shape], {"strides": [2, 2]}, [None, WT], (-1, 8, -1, 9)),
    ("Conv2DTranspose", [(1, 3, -1, -1), WT.shape], {"output_shape": [7, 8]}, [None, WT], (1, 8, 7, 8)),
    ("MaxPool", [(-1, 4, -1, 8)], {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": True}, None,
     (-1, 4, -1, 4)),
    ("PadV3", [(-1, 3), (4,)], {}, [None, np.array([1, 0, 2, 1])], (-1, 4)),
    ("DepthToSpace", [(-1, 8, -1, 3)], {"blocksize": 2}, None, (-1, 2, -1, 6)),
    ("BatchMatMulV2", [(-1, 3, 4), (4, 5)], {}, None, (-1, 3, 5)),
])
def test_infer_keeps_known_dims(op_type, shapes, attrs, values, expected):
    assert tuple(infer(op_type, shapes, attrs, values)) == expected
