"""Canonical ops with no one-to-one ONNX node (used by the TF/Caffe frontends), checked against
independent numpy/python formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

from converter.ops import get, registry

RNG = np.random.default_rng(4)
X = RNG.uniform(-8, 8, (3, 5)).astype(np.float32)
Y = RNG.uniform(0.5, 3, (5,)).astype(np.float32) * np.where(RNG.random(5) < 0.5, -1, 1).astype(np.float32)


def run(op_type, inputs, attrs=None):
    spec = get(op_type)
    return registry.run_kernel(spec, inputs, spec.normalize(attrs or {}, "n"))[0]


def python_sigmoid(v):
    return 1 / (1 + math.exp(-v))


CASES = [  # (op, inputs, attrs, reference computed elementwise in python floats)
    ("FloorDiv", [X, Y], {}, lambda a, b: math.floor(a / b)),
    ("SquaredDifference", [X, Y], {}, lambda a, b: (a - b) ** 2),
    ("Rsqrt", [np.abs(X) + 0.1], {}, lambda a: 1 / math.sqrt(a)),
    ("Square", [X], {}, lambda a: a * a),
    ("Relu6", [X], {}, lambda a: min(max(a, 0.0), 6.0)),
    ("Swish", [X], {}, lambda a: a * python_sigmoid(a)),
    ("Swish", [X], {"scale": 1.702}, lambda a: a * python_sigmoid(1.702 * a)),
]


@pytest.mark.parametrize("op,inputs,attrs,ref", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_against_python(op, inputs, attrs, ref):
    got = run(op, inputs, attrs)
    arrays = np.broadcast_arrays(*[np.asarray(x, np.float64) for x in inputs])
    want = np.vectorize(ref)(*arrays)
    assert got.dtype == inputs[0].dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_floor_div_int():
    a = np.array([7, -7, 7, -7], np.int32)
    b = np.array([2, 2, -2, -2], np.int32)
    np.testing.assert_array_equal(run("FloorDiv", [a, b]), [3, -4, -4, 3])


def test_cast_like_kernel():
    out = run("CastLike", [np.array([1.7, -1.7], np.float32), np.zeros(1, np.int64)])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [1, -1])
