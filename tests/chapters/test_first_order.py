"""Tests of the first-order expansion (chapter 04-first-order): the exact Taylor terms and the remainder test,
vec/unvec, the Kronecker form of X W, and the vectorised Jacobian of the loss."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import finite, regression_problems

import matgrad
from matgrad.chapters.first_order import (
    TAYLOR_WINDOW,
    TaylorTerms,
    central_difference_jacobian,
    exact_remainder,
    first_order_remainder,
    jacobian_residual_vec,
    jacobian_to_gradient,
    kron_identity_left,
    kron_product_matrix,
    loglog_slope,
    loss_jacobian_vec,
    remainder_curve,
    taylor_expansion_terms,
    taylor_test_slope,
    unvec,
    vec,
)

SHAPES = [(1, 1, 1), (1, 3, 2), (5, 1, 1), (4, 3, 2), (6, 2, 5), (3, 4, 1)]


def random_problem(N, d, k, seed=0):
    """``(W, D, X, Y)``: a random point, a random step of its shape, and random data."""
    rng = np.random.default_rng(seed)
    W, X, Y = rng.standard_normal((d, k)), rng.standard_normal((N, d)), rng.standard_normal((N, k))
    return W, rng.standard_normal((d, k)), X, Y


# --- the exact expansion -------------------------------------------------------------------------


def test_the_expansion_of_a_one_by_one_problem_by_hand():
    # W = 0, D = 1, X = [1, 1]^T, Y = [1, 3]^T: L(0) = 5, L(1) = 2, G = (2/2) X^T (-Y) = -4
    terms = taylor_expansion_terms([[0.0]], [[1.0]], [[1.0], [1.0]], [[1.0], [3.0]])
    assert terms == TaylorTerms(constant=5.0, linear=-4.0, quadratic=1.0)
    assert terms.total == 2.0
    assert first_order_remainder([[0.0]], [[1.0]], [[1.0], [1.0]], [[1.0], [3.0]]) == 1.0
    assert exact_remainder([[1.0]], [[1.0], [1.0]]) == 1.0


@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_the_three_terms_add_up_to_the_loss_at_the_moved_point(N, d, k):
    W, D, X, Y = random_problem(N, d, k)
    terms = taylor_expansion_terms(W, D, X, Y)
    assert terms.total == pytest.approx(matgrad.loss(W + D, X, Y), rel=1e-12)
    assert terms.constant == matgrad.loss(W, X, Y)
    assert terms.linear == pytest.approx(np.sum(matgrad.grad_W(W, X, Y) * D), rel=1e-12)
    assert terms.quadratic == pytest.approx(np.sum((X @ D) ** 2) / N, rel=1e-12)


@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_the_computed_remainder_equals_the_closed_form(N, d, k):
    W, D, X, Y = random_problem(N, d, k, seed=1)
    computed = first_order_remainder(W, D, X, Y)
    # a difference of numbers of the size of L: compare on that scale
    scale = max(matgrad.loss(W, X, Y), matgrad.loss(W + D, X, Y))
    assert abs(computed - exact_remainder(D, X)) <= 1e-13 * scale


@given(regression_problems(vector=False))
def test_the_computed_remainder_equals_the_closed_form_for_any_data(problem):
    W, X, Y = problem
    D = np.flip(W).copy() / 2 + 1.0  # a step of W's shape, different from W
    computed = first_order_remainder(W, D, X, Y)
    # rounding happens in X W - Y before the squares, so the scale is that of the uncancelled terms
    norm = np.linalg.norm
    scale = (norm(X) * (norm(W) + norm(D)) + norm(Y)) ** 2 / X.shape[0]
    assert abs(computed - exact_remainder(D, X)) <= 1e-12 * scale + 1e-280


@given(regression_problems(vector=False))
def test_the_remainder_is_nonnegative_quadratic_in_the_step_and_bounded(problem):
    W, X, _ = problem
    r = exact_remainder(W, X)
    assert r >= 0.0
    assert exact_remainder(3.0 * W, X) == pytest.approx(9.0 * r, rel=1e-12, abs=1e-280)
    # the bound of the proof: ||X D||_F <= ||X||_F ||D||_F
    assert r <= np.sum(X**2) * np.sum(W**2) / X.shape[0] * (1 + 1e-12) + 1e-280


def test_the_remainder_does_not_depend_on_W_or_Y():
    W, D, X, Y = random_problem(6, 3, 2, seed=2)
    assert first_order_remainder(W, D, X, Y) == pytest.approx(first_order_remainder(5 * W - 1, D, X, Y + 3), rel=1e-9)


@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_the_remainder_curve_is_quadratic_in_t(N, d, k):
    W, D, X, Y = random_problem(N, d, k, seed=3)
    ts = np.logspace(-3, 1, 9)
    values = remainder_curve(W, D, X, Y, ts)
    np.testing.assert_allclose(values, ts**2 * exact_remainder(D, X), rtol=1e-6)
    assert loglog_slope(ts, values) == pytest.approx(2.0, abs=1e-6)


def test_a_wrong_gradient_gives_a_remainder_of_slope_one():
    W, D, X, Y = random_problem(8, 3, 2, seed=4)
    ts = np.logspace(-6, -3, 7)
    wrong = matgrad.grad_W(W, X, Y) / 2  # the factor 2 forgotten
    values = remainder_curve(W, D, X, Y, ts, gradient=wrong)
    assert loglog_slope(ts, values) == pytest.approx(1.0, abs=1e-2)
    assert np.all(values > 100 * remainder_curve(W, D, X, Y, ts))
    assert abs(first_order_remainder(W, D, X, Y, gradient=wrong) - exact_remainder(D, X)) > 1e-3


def test_a_wrong_gradient_orthogonal_to_the_step_passes_the_slope_test_along_that_step_only():
    W, D, X, Y = random_problem(8, 3, 2, seed=5)
    M = np.random.default_rng(7).standard_normal(W.shape)
    E = M - np.sum(M * D) / np.sum(D * D) * D  # orthogonal to D
    ts = np.logspace(-6, -3, 7)
    G_wrong = matgrad.grad_W(W, X, Y) + E
    assert loglog_slope(ts, remainder_curve(W, D, X, Y, ts, gradient=G_wrong)) == pytest.approx(2.0, abs=1e-3)
    D_other = np.random.default_rng(8).standard_normal(W.shape)
    assert loglog_slope(ts, remainder_curve(W, D_other, X, Y, ts, gradient=G_wrong)) == pytest.approx(1.0, abs=1e-2)


def test_the_remainder_curve_at_tiny_t_is_rounding_sized():
    W, D, X, Y = random_problem(8, 3, 2, seed=5)
    values = remainder_curve(W, D, X, Y, [1e-12, 1e-13])
    assert np.all(values <= 1e-13 * matgrad.loss(W, X, Y))


def test_the_loglog_slope_of_a_power_is_its_exponent():
    assert loglog_slope([1.0, 10.0], [1.0, 1000.0]) == pytest.approx(3.0)
    assert loglog_slope([1e-3, 1e-2, 1e-1], [5e-3, 5e-2, 5e-1]) == pytest.approx(1.0)


# --- vec, unvec and Kronecker products -----------------------------------------------------------


def test_vec_stacks_the_columns():
    A = np.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(vec(A), [1, 4, 2, 5, 3, 6])
    assert vec(A).dtype == np.float64


def test_vec_returns_a_new_array():
    A = np.ones((3, 1))  # a column: the one shape whose Fortran-order reshape could be a view
    vec(A)[0] = 5.0
    assert A[0, 0] == 1.0


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=finite))
def test_unvec_inverts_vec(A):
    np.testing.assert_array_equal(unvec(vec(A), A.shape), A)
    np.testing.assert_array_equal(vec(A), A.T.reshape(-1))  # the definition in other words


def test_unvec_accepts_a_jacobian_row_or_a_column():
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(unvec(vec(A)[None, :], (2, 3)), A)
    np.testing.assert_array_equal(unvec(vec(A)[:, None], (2, 3)), A)


@pytest.mark.parametrize(("m", "p", "q", "n"), [(1, 1, 1, 1), (2, 3, 4, 5), (4, 1, 3, 2), (3, 3, 1, 1)])
def test_vec_of_a_product_is_the_kronecker_matrix_times_vec(m, p, q, n):
    rng = np.random.default_rng(m * 1000 + p * 100 + q * 10 + n)
    A, B, C = rng.standard_normal((m, p)), rng.standard_normal((p, q)), rng.standard_normal((q, n))
    M = kron_product_matrix(A, C)
    assert M.shape == (m * n, p * q)
    np.testing.assert_allclose(M @ vec(B), vec(A @ B @ C), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_I_k_kron_X_is_block_diagonal_and_maps_vec_W_to_vec_XW(N, d, k):
    W, _, X, _ = random_problem(N, d, k)
    K = kron_identity_left(X, k)
    np.testing.assert_allclose(K @ vec(W), vec(X @ W), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(K, kron_product_matrix(X, np.eye(k)))
    for i, j in np.ndindex(k, k):
        block = K[i * N : (i + 1) * N, j * d : (j + 1) * d]
        np.testing.assert_array_equal(block, X if i == j else np.zeros_like(X))


def test_row_major_stacking_needs_the_other_kronecker_order():
    W, _, X, _ = random_problem(4, 3, 2)
    assert not np.allclose(kron_identity_left(X, 2) @ W.reshape(-1), (X @ W).reshape(-1))
    np.testing.assert_allclose(np.kron(X, np.eye(2)) @ W.reshape(-1), (X @ W).reshape(-1))


# --- the Jacobian of the vectorised problem ------------------------------------------------------


@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_the_residual_jacobian_is_exact_for_every_step(N, d, k):
    W, D, X, Y = random_problem(N, d, k, seed=1)
    J = jacobian_residual_vec(X, k)
    assert J.shape == (N * k, d * k)
    change = vec(matgrad.residual(W + D, X, Y)) - vec(matgrad.residual(W, X, Y))
    np.testing.assert_allclose(change, J @ vec(D), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_the_loss_jacobian_is_the_transposed_vec_of_the_gradient(N, d, k):
    W, _, X, Y = random_problem(N, d, k, seed=3)
    J = loss_jacobian_vec(W, X, Y)
    G = matgrad.grad_W(W, X, Y)
    assert J.shape == (1, d * k)
    np.testing.assert_allclose(J, vec(G)[None, :], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jacobian_to_gradient(J, W.shape), G, rtol=1e-12, atol=1e-14)


def test_the_loss_jacobian_passes_finite_differences_in_vec_coordinates():
    W, _, X, Y = random_problem(5, 3, 2, seed=4)

    def f(v):
        return matgrad.loss(unvec(v, W.shape), X, Y)

    def jacobian(v):
        return loss_jacobian_vec(unvec(v, W.shape), X, Y)[0]

    assert matgrad.check_gradient(f, jacobian, vec(W))


def test_a_wrong_kronecker_order_is_rejected_by_the_checker():
    W, _, X, Y = random_problem(5, 3, 2, seed=5)

    def f(v):
        return matgrad.loss(unvec(v, W.shape), X, Y)

    def wrong_jacobian(v):  # R stacked row by row (NumPy's order) against the column-major I_k kron X
        R = matgrad.residual(unvec(v, W.shape), X, Y)
        return (2 / X.shape[0]) * (R.reshape(-1) @ kron_identity_left(X, 2))

    assert not matgrad.check_gradient(f, wrong_jacobian, vec(W))


def test_the_gradient_from_a_jacobian_is_unvec_of_its_transpose():
    np.testing.assert_array_equal(jacobian_to_gradient(np.arange(4.0), (2, 2)), [[0.0, 2.0], [1.0, 3.0]])
    np.testing.assert_array_equal(jacobian_to_gradient(np.arange(4.0)[None, :], (2, 2)), [[0.0, 2.0], [1.0, 3.0]])


def test_the_taylor_test_with_one_window_separates_the_true_gradient_from_a_wrong_one():
    X, _, Y = matgrad.make_regression(20, 4, 3, seed=0)
    rng = np.random.default_rng(1)
    W, D = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    G = matgrad.grad_W(W, X, Y)
    assert TAYLOR_WINDOW[0] < TAYLOR_WINDOW[1] <= 1e-3
    assert taylor_test_slope(W, D, X, Y) == pytest.approx(2.0, abs=1e-3)
    assert taylor_test_slope(W, D, X, Y, gradient=G / 2) == pytest.approx(1.0, abs=0.1)
    assert taylor_test_slope(W, D, X, Y, gradient=G.T.T * 1.5) == pytest.approx(1.0, abs=0.1)


def test_central_difference_jacobian_matches_a_known_jacobian_and_rejects_a_wrong_one():
    A = np.random.default_rng(2).standard_normal((3, 4))
    x = np.random.default_rng(3).standard_normal(4)
    J = central_difference_jacobian(lambda v: A @ v + v @ v, x)
    assert J.shape == (3, 4)
    assert np.allclose(J, A + 2 * x[None, :], rtol=1e-9, atol=1e-9)
    assert not np.allclose(J, A, rtol=1e-6, atol=1e-6)
