"""Tests of the normal-equation solvers, the minimum-norm solution and the polynomial features."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import matgrad
from matgrad.solvers import METHODS, minimum_norm_solution, polynomial_features, solve_normal_equations

EPS = np.finfo(np.float64).eps


@st.composite
def well_conditioned_problems(draw):
    """(X, Y) with X = Q D (orthonormal Q, singular values in [1, 10]), Y a matrix or a vector."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    d = draw(st.integers(1, 6))
    N = draw(st.integers(d, 12))
    Q, _ = np.linalg.qr(rng.standard_normal((N, d)))
    X = Q * rng.uniform(1.0, 10.0, size=d) @ np.linalg.qr(rng.standard_normal((d, d)))[0]
    Y = rng.standard_normal((N, draw(st.integers(1, 3)))) if draw(st.booleans()) else rng.standard_normal(N)
    return X, Y


@given(well_conditioned_problems())
def test_every_solver_agrees_and_zeroes_the_gradient(problem):
    X, Y = problem
    solutions = {method: solve_normal_equations(X, Y, method=method) for method in METHODS}
    reference = np.linalg.solve(X.T @ X, X.T @ Y)
    for method, W in solutions.items():
        assert W.shape == (X.shape[1], *Y.shape[1:]), method
        np.testing.assert_allclose(W, reference, rtol=1e-10, atol=1e-10, err_msg=method)
        # the minimiser is a zero of the gradient (relative to the gradient's scale at W = 0)
        scale = np.linalg.norm(matgrad.grad_W(np.zeros_like(W), X, Y)) + 1.0
        assert np.linalg.norm(matgrad.grad_W(W, X, Y)) <= 1e-12 * scale, method


def test_default_method_is_qr_and_recovers_exact_weights():
    X, W_true, _ = matgrad.make_regression(30, 4, 2, seed=3)
    Y = X @ W_true
    np.testing.assert_allclose(solve_normal_equations(X, Y), W_true, rtol=1e-12, atol=1e-12)


def test_solution_is_a_minimum_not_just_a_stationary_point():
    X, _, Y = matgrad.make_regression(20, 3, 2, seed=4)
    W = solve_normal_equations(X, Y)
    best = matgrad.loss(W, X, Y)
    rng = np.random.default_rng(5)
    for _ in range(20):
        assert matgrad.loss(W + 1e-3 * rng.standard_normal(W.shape), X, Y) > best


def test_errors_follow_the_condition_number():
    """Cholesky loses about cond(X)^2 * eps, QR about cond(X) * eps, on consistent polynomial fits."""
    t = np.linspace(0.0, 1.0, 100)
    X = polynomial_features(t, 8)
    W_true = np.random.default_rng(0).standard_normal(X.shape[1])
    Y = X @ W_true
    cond = np.linalg.cond(X)
    assert 1e5 < cond < 1e7
    errors = {
        m: np.linalg.norm(solve_normal_equations(X, Y, method=m) - W_true) / np.linalg.norm(W_true) for m in METHODS
    }
    assert errors["qr"] < 100 * EPS * cond
    assert errors["lstsq"] < 100 * EPS * cond
    assert errors["cholesky"] < 100 * EPS * cond**2
    assert errors["cholesky"] > 1000 * errors["qr"]  # squaring the condition number costs digits


def test_polynomial_features_condition_grows_with_degree():
    t = np.linspace(0.0, 1.0, 50)
    conds = [np.linalg.cond(polynomial_features(t, p)) for p in range(1, 9)]
    assert all(b > 2 * a for a, b in zip(conds, conds[1:], strict=False))


def test_polynomial_features_values():
    F = polynomial_features(np.array([2.0, -1.0]), 3)
    np.testing.assert_array_equal(F, [[1.0, 2.0, 4.0, 8.0], [1.0, -1.0, 1.0, -1.0]])
    assert polynomial_features([0, 1, 2], 0).shape == (3, 1)


@pytest.mark.parametrize("method", ["cholesky", "qr"])
@pytest.mark.parametrize(
    "X",
    [
        np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 9.0], [7.0, 8.0, 15.0], [1.0, 0.0, 1.0]]),  # column 3 = 1 + 2
        np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]),  # a zero column
        np.ones((2, 3)),  # fewer rows than columns
        polynomial_features(np.linspace(0.0, 1.0, 100), 25),  # numerically rank-deficient
    ],
    ids=["dependent-column", "zero-column", "wide", "degree-25"],
)
def test_rank_deficient_X_is_refused_with_advice(method, X):
    Y = np.ones(X.shape[0])
    with pytest.raises(np.linalg.LinAlgError, match="lstsq") as info:
        solve_normal_equations(X, Y, method=method)
    assert isinstance(info.value, ValueError)
    assert "full column rank" in str(info.value)


def test_random_rank_deficient_X_is_refused():
    rng = np.random.default_rng(7)
    for _ in range(50):
        N, d = rng.integers(4, 60), rng.integers(2, 8)
        r = rng.integers(1, d)
        X = rng.standard_normal((N, r)) @ rng.standard_normal((r, d)) * 10 ** rng.uniform(-3, 3, size=d)
        for method in ("cholesky", "qr"):
            with pytest.raises(np.linalg.LinAlgError):
                solve_normal_equations(X, rng.standard_normal(N), method=method)


def test_rank_deficient_minimisers_and_the_minimum_norm_one():
    rng = np.random.default_rng(8)
    A = rng.standard_normal((20, 2))
    X = np.column_stack([A, A[:, 0] - 2 * A[:, 1]])  # null vector z = (1, -2, -1)
    z = np.array([1.0, -2.0, -1.0])
    assert np.linalg.norm(X @ z) < 1e-12
    Y = rng.standard_normal((20, 2))
    W_min = minimum_norm_solution(X, Y)
    np.testing.assert_allclose(W_min, solve_normal_equations(X, Y, method="lstsq"), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W_min.T @ z, 0.0, atol=1e-12)  # orthogonal to the null space
    best = matgrad.loss(W_min, X, Y)
    for c in (np.array([1.0, 0.0]), np.array([-3.0, 0.5])):
        W_other = W_min + np.outer(z, c)  # another minimiser
        assert matgrad.loss(W_other, X, Y) == pytest.approx(best, rel=1e-12)
        assert np.linalg.norm(W_other) > np.linalg.norm(W_min)
        np.testing.assert_allclose(matgrad.grad_W(W_other, X, Y), 0.0, atol=1e-12)


def test_minimum_norm_solution_is_the_solution_for_full_rank():
    X, _, Y = matgrad.make_regression(15, 3, 2, seed=9)
    np.testing.assert_allclose(minimum_norm_solution(X, Y), solve_normal_equations(X, Y), rtol=1e-10)
    assert minimum_norm_solution(X, Y[:, 0]).shape == (3,)


def test_underdetermined_minimum_norm_interpolates():
    rng = np.random.default_rng(10)
    X, Y = rng.standard_normal((3, 6)), rng.standard_normal(3)
    W = minimum_norm_solution(X, Y)
    np.testing.assert_allclose(X @ W, Y, atol=1e-12)
    assert matgrad.loss(W, X, Y) < 1e-24


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: solve_normal_equations(np.eye(3), np.ones(3), method="svd"), ValueError, "cholesky.*qr.*lstsq"),
        (lambda: solve_normal_equations(np.eye(3), np.ones(3), method=None), ValueError, "method"),
        (lambda: solve_normal_equations(np.eye(3), np.ones(4)), ValueError, r"\(3, 3\).*\(4,\)"),
        (lambda: solve_normal_equations(np.ones(3), np.ones(3)), ValueError, r"2-D.*\(3,\)"),
        (lambda: solve_normal_equations(np.eye(3), np.ones((3, 1, 1))), ValueError, r"\(3, 1, 1\)"),
        (lambda: solve_normal_equations(np.ones((0, 2)), np.ones(0)), ValueError, "at least one row"),
        (lambda: solve_normal_equations(np.eye(2), [1.0, np.nan]), ValueError, "non-finite"),
        (lambda: solve_normal_equations(np.eye(2) + 0j, np.ones(2)), ValueError, "real"),
        (lambda: solve_normal_equations("abc", np.ones(2)), TypeError, "numeric"),
        (lambda: minimum_norm_solution(np.eye(2), np.ones((3, 2))), ValueError, r"\(2, 2\).*\(3, 2\)"),
        (lambda: polynomial_features(np.ones(3), -1), ValueError, "non-negative"),
        (lambda: polynomial_features(np.ones(3), 2.0), TypeError, "integer"),
        (lambda: polynomial_features(np.ones((3, 1)), 2), ValueError, r"1-D.*\(3, 1\)"),
        (lambda: polynomial_features([1.0, np.inf], 2), ValueError, "non-finite"),
    ],
)
def test_bad_input_is_rejected_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integer_input_is_promoted():
    X = [[1, 0], [0, 1], [1, 1]]
    Y = [1, 2, 3]
    for method in METHODS:
        np.testing.assert_allclose(solve_normal_equations(X, Y, method=method), [1.0, 2.0], rtol=1e-12)
