"""MatMul (2-D and broadcast batched) and Gemm (every transA/transB/alpha/beta/C form) against onnxruntime."""
import itertools

import numpy as np
import pytest

from converter.ops import get

from ._eval import check_against_ort, op_types

rng = np.random.default_rng(3)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


MATMUL_CASES = {
    "2d": ((3, 4), (4, 5), "MatMulV2"),
    "vec_mat": ((4,), (4, 5), "BatchMatMulV2"),
    "mat_vec": ((3, 4), (4,), "BatchMatMulV2"),
    "vec_vec": ((4,), (4,), "BatchMatMulV2"),
    "3d_2d": ((2, 3, 4), (4, 5), "BatchMatMulV2"),
    "2d_3d": ((3, 4), (2, 4, 5), "BatchMatMulV2"),
    "4d_4d_broadcast": ((2, 1, 3, 4), (1, 3, 4, 5), "BatchMatMulV2"),
    "vec_batch": ((4,), (2, 4, 5), "BatchMatMulV2"),
}


@pytest.mark.parametrize("case", sorted(MATMUL_CASES))
@pytest.mark.parametrize("b_const", [False, True])
def test_matmul(tmp_path, case, b_const):
    a_shape, b_shape, op_type = MATMUL_CASES[case]
    graph = check_against_ort(tmp_path, "MatMul", [("a", rand(*a_shape), False), ("b", rand(*b_shape), b_const)])
    assert op_types(graph) == [op_type]


GEMM_C_FORMS = {"none": None, "vector": (5,), "row": (1, 5), "scalar": (), "full": (3, 5), "column": (3, 1)}


@pytest.mark.parametrize("trans_a,trans_b", list(itertools.product([0, 1], [0, 1])))
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, 1.0), (1.0, 2.0), (-1.5, 0.25)])
@pytest.mark.parametrize("c_form", sorted(GEMM_C_FORMS))
def test_gemm_constant_b_and_c(tmp_path, trans_a, trans_b, alpha, beta, c_form):
    a = rand(4, 3) if trans_a else rand(3, 4)
    b = rand(5, 4) if trans_b else rand(4, 5)
    inputs = [("a", a, False), ("b", b, True)]
    if GEMM_C_FORMS[c_form] is not None:
        inputs.append(("c", rand(*GEMM_C_FORMS[c_form]), True))
    attrs = {"transA": trans_a, "transB": trans_b, "alpha": alpha, "beta": beta}
    graph = check_against_ort(tmp_path, "Gemm", inputs, attrs, opset=13)
    types = op_types(graph)
    assert types[0] == "MatMulV2" and "Mul" not in types  # alpha folded into the constant B
    assert ("Add" in types) == (c_form in ("full", "column"))


@pytest.mark.parametrize("alpha,beta,c_form", [(1.0, 1.0, "vector"), (2.0, 1.0, "vector"), (2.0, 0.5, "full"),
                                               (1.0, 3.0, "vector"), (0.5, 1.0, "none")])
def test_gemm_runtime_b_and_c(tmp_path, alpha, beta, c_form):
    inputs = [("a", rand(3, 4), False), ("b", rand(5, 4), False)]
    if GEMM_C_FORMS[c_form] is not None:
        inputs.append(("c", rand(*GEMM_C_FORMS[c_form]), False))
    graph = check_against_ort(tmp_path, "Gemm", inputs, {"transB": 1, "alpha": alpha, "beta": beta}, opset=13)
    assert ("Mul" in op_types(graph)) == (alpha != 1.0 or beta != 1.0)


def test_gemm_opset7_requires_c(tmp_path):
    inputs = [("a", rand(3, 4), False), ("b", rand(4, 5), True), ("c", rand(5), True)]
    check_against_ort(tmp_path, "Gemm", inputs, {"alpha": 2.0, "beta": 0.5}, opset=7)


def test_fp16_in_fp16_out():
    spec = get("BatchMatMulV2")
    y = spec.kernel([rand(2, 3, 4, dtype=np.float16), rand(4, 5, dtype=np.float16)], spec.normalize({}))
    assert y.dtype == np.float16 and y.shape == (2, 3, 5)


def test_transpose_attrs():
    a, b = rand(4, 3), rand(5, 4)
    spec = get("MatMulV2")
    y = spec.kernel([a, b, rand(5)], spec.normalize({"transpose_x1": True, "transpose_x2": True}))
    assert y.shape == (3, 5)
    spec = get("BatchMatMulV2")
    y = spec.kernel([rand(2, 4, 3), rand(2, 5, 4)], spec.normalize({"adj_x1": True, "adj_x2": True}))
    assert y.shape == (2, 3, 5)
