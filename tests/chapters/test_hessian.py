"""Tests of chapter 10's Hessian of the loss: the linear map and the dense matrix on vec(W)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import matgrad
from matgrad.chapters.hessian import hessian_vector_product, hessian_W
from matgrad.finite_differences import numerical_hessian

# entries on a grid of tenths in [-2, 2]: no underflow, and exact rank deficiencies stay exact
unit = st.integers(-20, 20).map(lambda i: i / 10)


def vec(A):
    """Column-major vectorisation, written independently of the module."""
    return np.concatenate([A[:, j] for j in range(A.shape[1])]) if A.ndim == 2 else A


@st.composite
def hessian_problems(draw):
    """(X, W, Y, V) with moderate entries; W, Y and V vectors in about half the cases."""
    N, d = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    tail = () if draw(st.booleans()) else (draw(st.integers(1, 4)),)
    X = draw(arrays(np.float64, (N, d), elements=unit))
    W = draw(arrays(np.float64, (d, *tail), elements=unit))
    Y = draw(arrays(np.float64, (N, *tail), elements=unit))
    V = draw(arrays(np.float64, (d, *tail), elements=unit))
    return X, W, Y, V


def test_known_small_hessian():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])  # X^T X = [[10, 14], [14, 20]], N = 2
    np.testing.assert_allclose(hessian_W(X, 1), [[10.0, 14.0], [14.0, 20.0]])
    H = hessian_W(X, 2)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H[:2, :2], H[2:, 2:])
    np.testing.assert_array_equal(H[:2, 2:], 0.0)  # outputs do not interact
    np.testing.assert_allclose(hessian_vector_product(np.array([[1.0], [0.0]]), X), [[10.0], [14.0]])


@given(hessian_problems())
def test_hessian_vector_product_equals_dense_hessian_on_vec(problem):
    X, _, _, V = problem
    k = 1 if V.ndim == 1 else V.shape[1]
    HV = hessian_vector_product(V, X)
    assert HV.shape == V.shape
    np.testing.assert_allclose(vec(HV), hessian_W(X, k) @ vec(V), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(HV, 2 / X.shape[0] * X.T @ X @ V, rtol=1e-12, atol=1e-12)


@given(hessian_problems())
def test_hessian_matches_finite_differences_of_grad_W(problem):
    X, W, Y, _ = problem
    k = 1 if W.ndim == 1 else W.shape[1]
    numerical = numerical_hessian(matgrad.grad_W, W, args=(X, Y))
    H = hessian_W(X, k)
    assert numerical.shape == H.shape == (W.size, W.size)
    np.testing.assert_allclose(numerical, H, rtol=1e-6, atol=1e-7)


@given(hessian_problems())
def test_hessian_is_the_derivative_of_the_gradient_along_V(problem):
    X, W, Y, V = problem
    change = matgrad.grad_W(W + V, X, Y) - matgrad.grad_W(W, X, Y)  # exact: the gradient is affine
    np.testing.assert_allclose(change, hessian_vector_product(V, X), rtol=1e-9, atol=1e-9)


@given(hessian_problems())
def test_second_order_taylor_expansion_is_exact(problem):
    X, W, Y, V = problem
    G = matgrad.grad_W(W, X, Y)
    predicted = matgrad.loss(W, X, Y) + np.sum(G * V) + 0.5 * np.sum(V * hessian_vector_product(V, X))
    assert matgrad.loss(W + V, X, Y) == pytest.approx(predicted, rel=1e-9, abs=1e-9)


@given(hessian_problems())
def test_hessian_is_symmetric_positive_semidefinite(problem):
    X, W, _, _ = problem
    k = 1 if W.ndim == 1 else W.shape[1]
    H = hessian_W(X, k)
    np.testing.assert_array_equal(H, H.T)
    eigenvalues = np.linalg.eigvalsh(H)
    assert eigenvalues.min() >= -1e-12 * max(1.0, eigenvalues.max())
    assert np.linalg.matrix_rank(H) == k * np.linalg.matrix_rank(X)


@given(hessian_problems(), st.floats(0.0, 1.0))
def test_loss_is_convex_along_segments(problem, t):
    X, W, Y, V = problem
    left, right = matgrad.loss(W, X, Y), matgrad.loss(V, X, Y)
    middle = matgrad.loss((1 - t) * W + t * V, X, Y)
    assert middle <= (1 - t) * left + t * right + 1e-9 * (1 + left + right)


def test_order_is_column_major_not_row_major():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3))
    G = 2 / 6 * X.T @ X
    H = hessian_W(X, 2)
    np.testing.assert_allclose(H, np.kron(np.eye(2), G))
    assert not np.allclose(H, np.kron(G, np.eye(2)))  # the row-major (C order) Hessian differs
    V = rng.standard_normal((3, 2))
    assert not np.allclose(H @ V.reshape(-1), hessian_vector_product(V, X).reshape(-1))


def test_wrong_hessian_is_detected_by_finite_differences():
    rng = np.random.default_rng(1)
    X, W, Y = rng.standard_normal((8, 3)), rng.standard_normal((3, 2)), rng.standard_normal((8, 2))
    numerical = numerical_hessian(matgrad.grad_W, W, args=(X, Y))
    assert not np.allclose(numerical, 0.5 * hessian_W(X, 2), rtol=1e-3)  # forgot the factor 2
    assert not np.allclose(numerical, hessian_W(X, 2) * 8, rtol=1e-3)  # forgot the 1/N


def test_hessian_does_not_form_a_different_answer_for_integer_input():
    X = [[1, 2], [3, 4], [5, 6]]
    np.testing.assert_allclose(hessian_vector_product([1, 1], X), 2 / 3 * np.array(X).T @ np.array(X) @ [1, 1])
    assert hessian_W(X, 3).dtype == np.float64


def test_with_one_output_by_default():
    X = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(hessian_W(X), 2 / 3 * X.T @ X)
    np.testing.assert_array_equal(hessian_W(X), hessian_W(X, 1))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: hessian_vector_product(np.ones((2, 2)), np.ones((4, 3))), ValueError, "mismatch"),
        (lambda: hessian_W(np.ones((3, 2)), 0), ValueError, "at least 1"),
        (lambda: hessian_W(np.ones((3, 2)), 1.5), TypeError, "integer"),
        (lambda: hessian_W(np.ones((3, 2)), True), TypeError, "integer"),
    ],
)
def test_bad_input_is_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call()
