"""Tests of the extended losses: ridge, weighted, intercept, sum and half-mean conventions."""

from __future__ import annotations

import numpy as np
import pytest

import matgrad
from matgrad.chapters.extensions import (
    add_intercept_column,
    half_mse_grad_W,
    half_mse_loss,
    intercept_grad,
    intercept_loss,
    ridge_grad_W,
    ridge_loss,
    ridge_solution,
    sum_grad_W,
    sum_loss,
    weighted_grad_W,
    weighted_loss,
)

LAM = 0.3


@pytest.fixture(params=["matrix", "vector"])
def case(request):
    """(W, X, Y, weights, b) with k = 2 outputs, or the single-output case."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((9, 3))
    if request.param == "matrix":
        W, Y, b = rng.standard_normal((3, 2)), rng.standard_normal((9, 2)), rng.standard_normal(2)
    else:
        W, Y, b = rng.standard_normal(3), rng.standard_normal(9), np.array(rng.standard_normal())
    weights = rng.uniform(0.1, 3.0, size=9)
    return W, X, Y, weights, b


def check(f, g, x, **kwargs):
    return matgrad.check_gradient(f, g, x, **kwargs)


# --- the gradients pass the checker, plausible wrong variants do not ------------------------------


def test_ridge_gradient(case):
    W, X, Y, _, _ = case
    assert check(lambda w: ridge_loss(w, X, Y, LAM), lambda w: ridge_grad_W(w, X, Y, LAM), W)
    assert check(lambda w: ridge_loss(w, X, Y, LAM), lambda w: ridge_grad_W(w, X, Y, LAM), W, method="complex")
    without_two = lambda w: matgrad.grad_W(w, X, Y) + LAM * w  # noqa: E731
    assert not check(lambda w: ridge_loss(w, X, Y, LAM), without_two, W)


def test_weighted_gradient(case):
    W, X, Y, r, _ = case
    assert check(lambda w: weighted_loss(w, X, Y, r), lambda w: weighted_grad_W(w, X, Y, r), W)
    twice = lambda w: weighted_grad_W(w, X, Y, r**2)  # noqa: E731  (weights applied twice)
    unweighted = lambda w: matgrad.grad_W(w, X, Y)  # noqa: E731
    assert not check(lambda w: weighted_loss(w, X, Y, r), twice, W)
    assert not check(lambda w: weighted_loss(w, X, Y, r), unweighted, W)


def test_intercept_gradients(case):
    W, X, Y, _, b = case
    assert check(lambda w: intercept_loss(w, b, X, Y), lambda w: intercept_grad(w, b, X, Y)[0], W)
    assert check(lambda c: intercept_loss(W, c, X, Y), lambda c: intercept_grad(W, c, X, Y)[1], b)
    # wrong: the residual without the bias, or no gradient for the bias at all
    without_bias = lambda w: matgrad.grad_W(w, X, Y)  # noqa: E731
    assert not check(lambda w: intercept_loss(w, b, X, Y), without_bias, W)
    assert not check(lambda c: intercept_loss(W, c, X, Y), lambda c: np.zeros_like(c), b)
    assert intercept_grad(W, b, X, Y)[1].shape == np.shape(b)


def test_sum_and_half_mean_gradients(case):
    W, X, Y, _, _ = case
    assert check(lambda w: sum_loss(w, X, Y), lambda w: sum_grad_W(w, X, Y), W)
    assert check(lambda w: half_mse_loss(w, X, Y), lambda w: half_mse_grad_W(w, X, Y), W)
    # the mean-loss gradient is wrong for the other two conventions
    assert not check(lambda w: sum_loss(w, X, Y), lambda w: matgrad.grad_W(w, X, Y), W)
    assert not check(lambda w: half_mse_loss(w, X, Y), lambda w: matgrad.grad_W(w, X, Y), W)


# --- values and equivalences ------------------------------------------------------------------------


def test_special_cases_reduce_to_the_plain_loss(case):
    W, X, Y, _, b = case
    N = X.shape[0]
    base = matgrad.loss(W, X, Y)
    assert ridge_loss(W, X, Y, 0.0) == pytest.approx(base, rel=1e-14)
    assert ridge_loss(W, X, Y, LAM) == pytest.approx(base + LAM * np.sum(W**2), rel=1e-14)
    assert weighted_loss(W, X, Y, np.ones(N)) == pytest.approx(base, rel=1e-14)
    assert intercept_loss(W, np.zeros_like(b), X, Y) == pytest.approx(base, rel=1e-14)
    assert sum_loss(W, X, Y) == pytest.approx(N * base, rel=1e-14)
    assert half_mse_loss(W, X, Y) == pytest.approx(base / 2, rel=1e-14)
    np.testing.assert_allclose(sum_grad_W(W, X, Y), N * matgrad.grad_W(W, X, Y), rtol=1e-13)
    np.testing.assert_allclose(half_mse_grad_W(W, X, Y), matgrad.grad_W(W, X, Y) / 2, rtol=1e-13)


def test_weighted_is_plain_least_squares_on_scaled_rows(case):
    W, X, Y, r, _ = case
    s = np.sqrt(r)
    Xs, Ys = s[:, None] * X, s.reshape((-1,) + (1,) * (Y.ndim - 1)) * Y
    assert weighted_loss(W, X, Y, r) == pytest.approx(matgrad.loss(W, Xs, Ys), rel=1e-13)
    np.testing.assert_allclose(weighted_grad_W(W, X, Y, r), matgrad.grad_W(W, Xs, Ys), rtol=1e-12, atol=1e-14)


def test_bias_gradient_equals_gradient_with_a_column_of_ones(case):
    W, X, Y, _, b = case
    X1 = add_intercept_column(X)
    W1 = np.concatenate([W, b[None]]) if W.ndim == 2 else np.append(W, b)
    assert X1.shape == (X.shape[0], X.shape[1] + 1) and np.all(X1[:, -1] == 1.0)
    assert intercept_loss(W, b, X, Y) == pytest.approx(matgrad.loss(W1, X1, Y), rel=1e-13)
    gW, gb = intercept_grad(W, b, X, Y)
    G1 = matgrad.grad_W(W1, X1, Y)
    np.testing.assert_allclose(gW, G1[:-1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb, G1[-1], rtol=1e-12, atol=1e-14)


def test_ridge_solution_zeroes_the_gradient(case):
    _, X, Y, _, _ = case
    W = ridge_solution(X, Y, LAM)
    scale = np.linalg.norm(matgrad.grad_W(np.zeros_like(W), X, Y))
    assert np.linalg.norm(ridge_grad_W(W, X, Y, LAM)) < 1e-12 * scale
    N, d = X.shape
    np.testing.assert_allclose(W, np.linalg.solve(X.T @ X + N * LAM * np.eye(d), X.T @ Y), rtol=1e-10)
    np.testing.assert_allclose(ridge_solution(X, Y, 0.0), np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-10)


def test_conventions_share_the_minimiser_and_the_step_one_over_L(case):
    _, X, Y, _, _ = case
    N = X.shape[0]
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    scale = np.linalg.norm(sum_grad_W(np.zeros_like(W_star), X, Y))
    for grad in (matgrad.grad_W, sum_grad_W, half_mse_grad_W):
        assert np.linalg.norm(grad(W_star, X, Y)) < 1e-12 * scale
    # the step 1/L of each convention (L = 2 lmax/N, 2 lmax, lmax/N) moves W by the same amount
    lmax = np.linalg.eigvalsh(X.T @ X)[-1]
    W = np.ones_like(W_star)
    moves = [
        matgrad.grad_W(W, X, Y) / (2 * lmax / N),
        sum_grad_W(W, X, Y) / (2 * lmax),
        half_mse_grad_W(W, X, Y) / (lmax / N),
    ]
    np.testing.assert_allclose(moves[1], moves[0], rtol=1e-12)
    np.testing.assert_allclose(moves[2], moves[0], rtol=1e-12)


# --- input errors -----------------------------------------------------------------------------------


def test_regularisation_must_be_non_negative(case):
    W, X, Y, _, _ = case
    with pytest.raises(ValueError, match="lam"):
        ridge_loss(W, X, Y, -0.1)
    with pytest.raises(ValueError, match="lam"):
        ridge_grad_W(W, X, Y, float("inf"))
    with pytest.raises(TypeError, match="lam"):
        ridge_grad_W(W, X, Y, "0.1")
    with pytest.raises(TypeError, match="lam"):
        ridge_solution(X, Y, True)


def test_weights_are_checked(case):
    W, X, Y, r, _ = case
    with pytest.raises(ValueError, match=r"weights has shape \(8,\).*\(9,\)"):
        weighted_loss(W, X, Y, r[:-1])
    with pytest.raises(ValueError, match=r"weights\[2\]"):
        weighted_grad_W(W, X, Y, np.where(np.arange(9) == 2, -1.0, r))
    with pytest.raises(ValueError, match="non-finite"):
        weighted_grad_W(W, X, Y, np.where(np.arange(9) == 2, np.nan, r))
    with pytest.raises(TypeError, match="real"):
        weighted_loss(W, X, Y, r + 0j)


def test_bias_shape_is_checked(case):
    W, X, Y, _, b = case
    wrong = np.zeros(5)
    with pytest.raises(ValueError, match=r"b has shape \(5,\)"):
        intercept_loss(W, wrong, X, Y)
    with pytest.raises(ValueError, match=r"b has shape \(5,\)"):
        intercept_grad(W, wrong, X, Y)


@pytest.mark.parametrize(
    "fn",
    [
        lambda W, X, Y: ridge_loss(W, X, Y, LAM),
        lambda W, X, Y: ridge_grad_W(W, X, Y, LAM),
        lambda W, X, Y: weighted_loss(W, X, Y, np.ones(len(X))),
        lambda W, X, Y: weighted_grad_W(W, X, Y, np.ones(len(X))),
        sum_loss,
        sum_grad_W,
        half_mse_loss,
        half_mse_grad_W,
    ],
)
def test_core_input_checks_apply(case, fn):
    W, X, Y, _, _ = case
    with pytest.raises(ValueError, match=r"Y has shape"):
        fn(W, X, Y[:-1])
    with pytest.raises(ValueError, match="non-finite"):
        fn(W, np.where(X > 1, np.inf, X), Y)
    with pytest.raises(TypeError, match="numeric"):
        fn(W, X.astype(str), Y)
    # integers are promoted, not truncated
    Xi = np.rint(3 * X).astype(int)
    assert np.allclose(fn(W, Xi, Y), fn(W, Xi.astype(float), Y))


def test_add_intercept_column_checks_its_input():
    with pytest.raises(ValueError, match="2-D"):
        add_intercept_column(np.ones(3))
    assert add_intercept_column([[1, 2]]).tolist() == [[1.0, 2.0, 1.0]]


@pytest.mark.parametrize("lam", [1e-3, 1.0, 1e6, 1e16, 1e30, 1e60])
@pytest.mark.parametrize("vector", [False, True])
def test_ridge_solution_is_accurate_for_any_lambda(lam, vector):
    """Large lambda: the stacked least-squares problem would drown X in the rounding of sqrt(N lam) I
    (relative error eps sqrt(N lam) / ||X||, and W = 0 from lam ~ 1e60); the result must stay accurate."""
    rng = np.random.default_rng(99)
    X = rng.standard_normal((12, 4))
    Y = rng.standard_normal(12) if vector else rng.standard_normal((12, 2))
    W = ridge_solution(X, Y, lam)
    expected = np.linalg.solve(X.T @ X + 12 * lam * np.eye(4), X.T @ Y)  # condition number <= 1 + 1e3 here
    assert W.shape == expected.shape
    assert np.linalg.norm(W - expected) <= 1e-12 * np.linalg.norm(expected)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("X", "Y", "lam", "expected"),
    [
        ([[1e-20], [2e-20]], [1e300, -1e300], 1e-20, [-1e280 / 2e-20]),  # (X^T Y) / (N lam), X^T X negligible
        ([[3e-250], [1e-250]], [1e250, 1e250], 1e200, [4.0 / 2e200]),
    ],
)
def test_ridge_solution_at_the_ends_of_the_float64_range(X, Y, lam, expected):
    """c Y overflowed, and c X went subnormal, in the first version of the large-lambda branch."""
    W = ridge_solution(X, Y, lam)
    np.testing.assert_allclose(W, expected, rtol=1e-12)
