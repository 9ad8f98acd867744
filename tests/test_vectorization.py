"""Tests of vec/unvec, the Kronecker form of X W, and the vectorised Jacobian of the loss."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import finite, regression_problems

import matgrad
from matgrad.chapters.first_order import (
    jacobian_residual_vec,
    jacobian_to_gradient,
    kron_identity_left,
    kron_product_matrix,
    loss_jacobian_vec,
    unvec,
    vec,
)

SHAPES = [(1, 1, 1), (1, 3, 2), (5, 1, 1), (4, 3, 2), (6, 2, 5), (3, 4, 1)]


def random_problem(N, d, k, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((d, k)), rng.standard_normal((N, d)), rng.standard_normal((N, k))


def test_vec_stacks_columns():
    A = np.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(vec(A), [1, 4, 2, 5, 3, 6])
    assert vec(A).dtype == np.float64
    np.testing.assert_array_equal(vec([7, 8]), [7.0, 8.0])


def test_vec_returns_a_copy():
    A = np.ones((2, 2))
    v = vec(A)
    v[0] = 5.0
    assert A[0, 0] == 1.0


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=finite))
def test_unvec_inverts_vec(A):
    np.testing.assert_array_equal(unvec(vec(A), A.shape), A)
    # and vec(A) is the transpose flattened row by row (the definition in other words)
    np.testing.assert_array_equal(vec(A), A.T.reshape(-1))


def test_unvec_accepts_a_row_or_a_column():
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(unvec(vec(A)[None, :], (2, 3)), A)
    np.testing.assert_array_equal(unvec(vec(A)[:, None], (2, 3)), A)


@pytest.mark.parametrize("N,d,k", SHAPES)
def test_kronecker_identity_vec_XW(N, d, k):
    W, X, _ = random_problem(N, d, k)
    K = kron_identity_left(X, k)
    assert K.shape == (N * k, d * k)
    np.testing.assert_allclose(K @ vec(W), vec(X @ W), rtol=1e-13, atol=1e-13)
    # block diagonal: k copies of X, zeros elsewhere
    for i in range(k):
        for j in range(k):
            block = K[i * N : (i + 1) * N, j * d : (j + 1) * d]
            np.testing.assert_array_equal(block, X if i == j else np.zeros_like(X))


@given(regression_problems(vector=False))
def test_kronecker_identity_property(problem):
    W, X, _ = problem
    lhs = kron_identity_left(X, W.shape[1]) @ vec(W)
    np.testing.assert_allclose(lhs, vec(X @ W), rtol=1e-12, atol=1e-9 * max(1.0, np.abs(X).max() * np.abs(W).max()))


def test_row_major_vec_would_need_the_other_kronecker_order():
    """A wrong convention (row-major vec with I_k kron X) breaks the identity: the test can fail."""
    W, X, _ = random_problem(4, 3, 2)
    K = kron_identity_left(X, 2)
    assert not np.allclose(K @ W.reshape(-1), (X @ W).reshape(-1))
    # with row-major stacking, X kron I_k is the right matrix
    np.testing.assert_allclose(np.kron(X, np.eye(2)) @ W.reshape(-1), (X @ W).reshape(-1))


@pytest.mark.parametrize("m,p,q,n", [(1, 1, 1, 1), (2, 3, 4, 5), (4, 1, 3, 2), (3, 3, 1, 1)])
def test_kron_product_matrix_identity(m, p, q, n):
    rng = np.random.default_rng(m * 1000 + p * 100 + q * 10 + n)
    A, B, C = rng.standard_normal((m, p)), rng.standard_normal((p, q)), rng.standard_normal((q, n))
    M = kron_product_matrix(A, C)
    assert M.shape == (m * n, p * q)
    np.testing.assert_allclose(M @ vec(B), vec(A @ B @ C), rtol=1e-12, atol=1e-12)
    # the special case C = I_k is I_k kron X
    np.testing.assert_array_equal(kron_product_matrix(A, np.eye(3)), kron_identity_left(A, 3))


@pytest.mark.parametrize("N,d,k", SHAPES)
def test_residual_jacobian_is_exact_for_every_step(N, d, k):
    W, X, Y = random_problem(N, d, k, seed=1)
    D = np.random.default_rng(2).standard_normal((d, k))
    J = jacobian_residual_vec(X, k)
    assert J.shape == (N * k, d * k)
    change = vec(matgrad.residual(W + D, X, Y)) - vec(matgrad.residual(W, X, Y))
    np.testing.assert_allclose(change, J @ vec(D), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("N,d,k", SHAPES)
def test_loss_jacobian_is_transposed_vec_gradient(N, d, k):
    W, X, Y = random_problem(N, d, k, seed=3)
    J = loss_jacobian_vec(W, X, Y)
    G = matgrad.grad_W(W, X, Y)
    assert J.shape == (1, d * k)
    np.testing.assert_allclose(J, vec(G)[None, :], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jacobian_to_gradient(J, W.shape), G, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("N,d,k", SHAPES)
def test_loss_jacobian_passes_finite_differences_in_vec_coordinates(N, d, k):
    W, X, Y = random_problem(N, d, k, seed=4)

    def f(v):
        return matgrad.loss(unvec(v, (d, k)), X, Y)

    def jac(v):
        return loss_jacobian_vec(unvec(v, (d, k)), X, Y).reshape(-1)

    assert matgrad.check_gradient(f, jac, vec(W))


def test_a_wrong_kronecker_order_is_rejected_by_the_checker():
    N, d, k = 5, 3, 2
    W, X, Y = random_problem(N, d, k, seed=5)

    def f(v):
        return matgrad.loss(unvec(v, (d, k)), X, Y)

    def wrong_jac(v):  # R stacked row by row (NumPy's default order) against the column-major I_k kron X
        R = matgrad.residual(unvec(v, (d, k)), X, Y)
        return (2 / N) * (R.reshape(-1) @ kron_identity_left(X, k))

    assert not matgrad.check_gradient(f, wrong_jac, vec(W))


def test_vector_W_means_one_output():
    rng = np.random.default_rng(6)
    X, w, y = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(5)
    J = loss_jacobian_vec(w, X, y)
    assert J.shape == (1, 3)
    np.testing.assert_allclose(J[0], matgrad.grad_W(w, X, y), rtol=1e-12)


def test_jacobian_to_gradient_needs_a_single_row():
    with pytest.raises(ValueError, match=r"single row"):
        jacobian_to_gradient(np.ones((2, 3)), (2, 3))
    np.testing.assert_array_equal(jacobian_to_gradient(np.arange(4.0), (2, 2)), [[0.0, 2.0], [1.0, 3.0]])


def test_input_errors():
    with pytest.raises(TypeError):
        vec([["a", "b"]])
    with pytest.raises(ValueError, match="non-finite"):
        vec([[1.0, np.nan]])
    assert np.isnan(vec([[1.0, np.nan]], check_finite=False)[1])
    with pytest.raises(ValueError, match=r"\(2, 2, 2\)"):
        vec(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"5 entries but shape \(2, 3\) needs 6"):
        unvec(np.ones(5), (2, 3))
    with pytest.raises(ValueError, match="two entries"):
        unvec(np.ones(6), (6,))
    with pytest.raises(TypeError, match="shape"):
        unvec(np.ones(6), 6)
    with pytest.raises(ValueError, match="vector"):
        unvec(np.ones((2, 3)), (2, 3))
    with pytest.raises(ValueError, match="at least 1"):
        kron_identity_left(np.ones((2, 2)), 0)
    with pytest.raises(TypeError, match="integer"):
        kron_identity_left(np.ones((2, 2)), 2.0)
    with pytest.raises(TypeError, match="integer"):
        kron_identity_left(np.ones((2, 2)), True)
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        kron_identity_left(np.ones(4), 2)
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\) but W has shape \(2, 2\)"):
        loss_jacobian_vec(np.ones((2, 2)), np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"Y has shape \(4, 3\)"):
        loss_jacobian_vec(np.ones((3, 2)), np.ones((4, 3)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        loss_jacobian_vec(np.ones((3, 2)), np.full((4, 3), np.inf), np.ones((4, 2)))
    with pytest.raises(TypeError):
        kron_product_matrix(np.ones((2, 2)), None)


def test_integer_input_is_promoted():
    J = loss_jacobian_vec([[1], [0]], [[1, 2], [3, 4]], [[0], [1]])
    assert J.dtype == np.float64
    np.testing.assert_allclose(J, [[1 * 1 + 3 * 2, 2 * 1 + 4 * 2]])
