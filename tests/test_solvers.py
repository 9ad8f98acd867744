"""Tests of the normal-equation solvers, the minimum-norm solution and the polynomial features (matgrad.solvers)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import matgrad
from matgrad.solvers import METHODS, minimum_norm_solution, polynomial_features, solve_normal_equations

EPS = np.finfo(np.float64).eps


@st.composite
def well_conditioned_problems(draw):
    """(X, Y) with X = Q D V (orthonormal Q and V, singular values in [1, 10]), Y a matrix or a vector."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    d = draw(st.integers(1, 6))
    N = draw(st.integers(d, 12))
    Q, _ = np.linalg.qr(rng.standard_normal((N, d)))
    X = Q * rng.uniform(1.0, 10.0, size=d) @ np.linalg.qr(rng.standard_normal((d, d)))[0]
    Y = rng.standard_normal((N, draw(st.integers(1, 3)))) if draw(st.booleans()) else rng.standard_normal(N)
    return X, Y


@given(well_conditioned_problems())
def test_every_solver_agrees_with_lstsq_and_zeroes_the_gradient(problem):
    X, Y = problem
    reference = np.linalg.lstsq(X, Y, rcond=None)[0]
    for method in METHODS:
        W = solve_normal_equations(X, Y, method=method)
        assert W.shape == (X.shape[1], *Y.shape[1:]), method
        np.testing.assert_allclose(W, reference, rtol=1e-10, atol=1e-10, err_msg=method)
        scale = np.linalg.norm(matgrad.grad_W(np.zeros_like(W), X, Y)) + 1.0
        assert np.linalg.norm(matgrad.grad_W(W, X, Y)) <= 1e-12 * scale, method


def test_default_method_is_qr_and_recovers_exact_weights():
    X, W_true, _ = matgrad.make_regression(30, 4, 2, seed=3)
    np.testing.assert_allclose(solve_normal_equations(X, X @ W_true), W_true, rtol=1e-12, atol=1e-12)


def test_the_solution_is_a_minimum_not_just_a_stationary_point():
    X, _, Y = matgrad.make_regression(20, 3, 2, seed=4)
    W = solve_normal_equations(X, Y)
    best = matgrad.loss(W, X, Y)
    rng = np.random.default_rng(5)
    for _ in range(20):
        assert matgrad.loss(W + 1e-3 * rng.standard_normal(W.shape), X, Y) > best


def test_columns_of_very_different_scales_are_solved():
    """The rank test measures the condition with unit columns: scaling a column does not make X singular."""
    X, W_true, _ = matgrad.make_regression(25, 3, 2, seed=6)
    scales = np.array([1e8, 1.0, 1e-8])  # unscaled, X^T X would look singular (condition number about 1e32)
    X, W_true = X * scales, W_true / scales[:, None]
    for method in ("cholesky", "qr"):  # (lstsq, like np.linalg.lstsq, drops singular values below eps * largest)
        np.testing.assert_allclose(solve_normal_equations(X, X @ W_true, method), W_true, rtol=1e-8, err_msg=method)


def test_errors_follow_the_condition_number():
    """Cholesky loses about cond(X)^2 eps, QR and lstsq about cond(X) eps, on consistent polynomial fits."""
    X = polynomial_features(np.linspace(0.0, 1.0, 100), 8)
    W_true = np.random.default_rng(0).standard_normal(X.shape[1])
    Y = X @ W_true
    cond = np.linalg.cond(X)
    assert 1e5 < cond < 1e7
    errors = {m: np.linalg.norm(solve_normal_equations(X, Y, m) - W_true) / np.linalg.norm(W_true) for m in METHODS}
    assert errors["qr"] < 100 * EPS * cond
    assert errors["lstsq"] < 100 * EPS * cond
    assert errors["cholesky"] < 100 * EPS * cond**2
    assert errors["cholesky"] > 1000 * errors["qr"]  # squaring the condition number costs digits


def test_polynomial_features_values_and_growing_condition():
    F = polynomial_features(np.array([2.0, -1.0]), 3)
    np.testing.assert_array_equal(F, [[1.0, 2.0, 4.0, 8.0], [1.0, -1.0, 1.0, -1.0]])
    assert polynomial_features([0, 1, 2], 0).shape == (3, 1)
    t = np.linspace(0.0, 1.0, 50)
    conds = [np.linalg.cond(polynomial_features(t, p)) for p in range(1, 9)]
    assert all(b > 2 * a for a, b in zip(conds, conds[1:], strict=False))


# --- refusals ------------------------------------------------------------------------------------------------------


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
    with pytest.raises(np.linalg.LinAlgError, match="lstsq") as info:
        solve_normal_equations(X, np.ones(X.shape[0]), method=method)
    assert isinstance(info.value, ValueError)
    assert f"method='{method}' needs X of full column rank" in str(info.value)
    if X.shape[0] < X.shape[1]:
        assert "fewer rows than columns" in str(info.value)
    if not X[:, -1].any():
        assert "column 1 of X is zero" in str(info.value)


def test_random_rank_deficient_X_is_refused():
    rng = np.random.default_rng(7)
    for _ in range(50):
        N, d = rng.integers(4, 60), rng.integers(2, 8)
        r = rng.integers(1, d)
        X = rng.standard_normal((N, r)) @ rng.standard_normal((r, d)) * 10 ** rng.uniform(-3, 3, size=d)
        for method in ("cholesky", "qr"):
            with pytest.raises(np.linalg.LinAlgError):
                solve_normal_equations(X, rng.standard_normal(N), method=method)


def unit_column_rcond(X, method):
    """The reciprocal condition number the solvers test, with the columns of X scaled to unit norm."""
    s = 1.0 / np.linalg.norm(X, axis=0)
    if method == "qr":
        sv = np.linalg.svd(np.linalg.qr(X)[1] * s, compute_uv=False)
        return sv[-1] / sv[0]
    ev = np.linalg.eigvalsh(X.T @ X * np.outer(s, s))
    return ev[0] / ev[-1]


def nearly_dependent(method, target):
    """X = [[1, 1], [0, t], [0, 0]], with t found by bisection so that its reciprocal condition number is ``target``."""
    lo, hi = 1e-20, 1.0
    for _ in range(200):
        t = math.sqrt(lo * hi)
        lo, hi = (
            (t, hi) if unit_column_rcond(np.array([[1.0, 1.0], [0.0, t], [0.0, 0.0]]), method) < target else (lo, t)
        )
    return np.array([[1.0, 1.0], [0.0, hi], [0.0, 0.0]])


@pytest.mark.parametrize("method", ["qr", "cholesky"])
def test_the_refusal_threshold_is_ten_d_eps(method):
    """Solved just above 10 d u, refused below (d = 2), as the module documents."""
    d = 2
    for factor, solved in ((11.5, True), (20.0, True), (9.0, False), (4.0, False)):
        X = nearly_dependent(method, factor * d * EPS)
        assert (factor - 1) * d * EPS < unit_column_rcond(X, method) < (factor + 1) * d * EPS
        Y = X @ np.array([1.0, 2.0])
        if solved:
            assert np.all(np.isfinite(solve_normal_equations(X, Y, method)))
        else:
            with pytest.raises(np.linalg.LinAlgError, match="not above 10 d u"):
                solve_normal_equations(X, Y, method)


def test_lstsq_drops_tiny_singular_values_like_numpy():
    X = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-17], [1.0, 1.0]])
    np.testing.assert_allclose(solve_normal_equations(X, np.full(3, 2.0), "lstsq"), [1.0, 1.0], rtol=1e-12)


# --- the minimum-norm solution -------------------------------------------------------------------------------------


def test_rank_deficient_minimisers_and_the_minimum_norm_one():
    rng = np.random.default_rng(8)
    A = rng.standard_normal((20, 2))
    X = np.column_stack([A, A[:, 0] - 2 * A[:, 1]])  # null vector z = (1, -2, -1)
    z = np.array([1.0, -2.0, -1.0])
    Y = rng.standard_normal((20, 2))
    W_min = minimum_norm_solution(X, Y)
    np.testing.assert_allclose(W_min, solve_normal_equations(X, Y, method="lstsq"), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W_min.T @ z, 0.0, atol=1e-12)  # orthogonal to the null space
    best = matgrad.loss(W_min, X, Y)
    for c in (np.array([1.0, 0.0]), np.array([-3.0, 0.5])):
        W_other = W_min + np.outer(z, c)  # another minimiser, of larger norm
        assert matgrad.loss(W_other, X, Y) == pytest.approx(best, rel=1e-12)
        assert np.linalg.norm(W_other) > np.linalg.norm(W_min)


def test_minimum_norm_solution_is_the_solution_for_full_rank():
    X, _, Y = matgrad.make_regression(15, 3, 2, seed=9)
    np.testing.assert_allclose(minimum_norm_solution(X, Y), solve_normal_equations(X, Y), rtol=1e-10)
    assert minimum_norm_solution(X, Y[:, 0]).shape == (3,)


def test_underdetermined_minimum_norm_interpolates():
    rng = np.random.default_rng(10)
    X, Y = rng.standard_normal((3, 6)), rng.standard_normal(3)
    W = minimum_norm_solution(X, Y)
    np.testing.assert_allclose(X @ W, Y, atol=1e-12)
    np.testing.assert_allclose(W, np.linalg.lstsq(X, Y, rcond=None)[0], atol=1e-12)


# --- input errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: solve_normal_equations(np.eye(3), np.ones(3), method="svd"), ValueError, "cholesky.*qr.*lstsq"),
        (lambda: solve_normal_equations(np.eye(3), np.ones(3), method=None), ValueError, "method"),
        (lambda: solve_normal_equations(np.eye(3), np.ones(4)), ValueError, r"\(3, 3\).*\(4,\)"),
        (lambda: solve_normal_equations(np.ones(3), np.ones(3)), ValueError, r"2-D.*\(3,\)"),
        (lambda: solve_normal_equations(np.eye(3), np.ones((3, 1, 1))), ValueError, r"\(3, 1, 1\)"),
        (lambda: solve_normal_equations(np.eye(2), [1.0, np.nan]), ValueError, "Y contains .* non-finite"),
        (lambda: solve_normal_equations(np.eye(2) + 0j, np.ones(2)), TypeError, "X must be real"),
        (lambda: solve_normal_equations("abc", np.ones(2)), TypeError, "X"),
        (lambda: minimum_norm_solution(np.eye(2), np.ones((3, 2))), ValueError, r"\(2, 2\).*\(3, 2\)"),
        (lambda: minimum_norm_solution(np.eye(2), np.ones(2) * 1j), TypeError, "Y must be real"),
        (lambda: polynomial_features(np.ones(3), -1), ValueError, "non-negative"),
        (lambda: polynomial_features(np.ones(3), 2.0), TypeError, "integer"),
        (lambda: polynomial_features(np.ones((3, 1)), 2), ValueError, r"1-D.*\(3, 1\)"),
        (lambda: polynomial_features([1.0, np.inf], 2), ValueError, "non-finite"),
    ],
)
def test_bad_input_is_rejected_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integer_input_is_computed_in_float64():
    X, Y = [[1, 0], [0, 1], [1, 1]], [1, 2, 3]
    for method in METHODS:
        W = solve_normal_equations(X, Y, method=method)
        assert W.dtype == np.float64
        np.testing.assert_allclose(W, [1.0, 2.0], rtol=1e-12)
