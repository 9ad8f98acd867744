"""Tests of matgrad.chapters.extensions: ridge, weighted, intercept, sum and half-mean losses."""

from __future__ import annotations

import numpy as np
import pytest

import matgrad
from matgrad import check_gradient
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
    """(W, X, Y, weights, b) at a generic random point: k = 2 outputs, or a single output (vector W)."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((9, 3))
    if request.param == "matrix":
        W, Y, b = rng.standard_normal((3, 2)), rng.standard_normal((9, 2)), rng.standard_normal(2)
    else:
        W, Y, b = rng.standard_normal(3), rng.standard_normal(9), np.array(rng.standard_normal())
    return W, X, Y, rng.uniform(0.1, 3.0, size=9), b


# --- each gradient passes the check, and a plausible wrong variant does not ---------------------------


def test_ridge_gradient_matches_finite_differences_and_the_complex_step(case):
    W, X, Y, _, _ = case
    assert check_gradient(ridge_loss, ridge_grad_W, W, args=(X, Y, LAM))
    assert check_gradient(ridge_loss, ridge_grad_W, W, args=(X, Y, LAM), method="complex")
    without_the_two = lambda w, X, Y, lam: matgrad.grad_W(w, X, Y) + lam * w  # noqa: E731
    assert not check_gradient(ridge_loss, without_the_two, W, args=(X, Y, LAM))


def test_weighted_gradient_applies_the_weights_once(case):
    W, X, Y, r, _ = case
    assert check_gradient(weighted_loss, weighted_grad_W, W, args=(X, Y, r))
    assert check_gradient(weighted_loss, weighted_grad_W, W, args=(X, Y, r), method="complex")
    assert not check_gradient(lambda w: weighted_loss(w, X, Y, r), lambda w: weighted_grad_W(w, X, Y, r**2), W)
    assert not check_gradient(lambda w: weighted_loss(w, X, Y, r), lambda w: matgrad.grad_W(w, X, Y), W)


def test_intercept_gradients_for_W_and_b(case):
    W, X, Y, _, b = case
    assert check_gradient(lambda w: intercept_loss(w, b, X, Y), lambda w: intercept_grad(w, b, X, Y)[0], W)
    assert check_gradient(lambda c: intercept_loss(W, c, X, Y), lambda c: intercept_grad(W, c, X, Y)[1], b)
    assert np.shape(intercept_grad(W, b, X, Y)[1]) == b.shape
    # wrong: the residual without the bias, or no gradient for the bias at all
    assert not check_gradient(lambda w: intercept_loss(w, b, X, Y), lambda w: matgrad.grad_W(w, X, Y), W)
    assert not check_gradient(lambda c: intercept_loss(W, c, X, Y), lambda c: np.zeros_like(c), b)


def test_sum_and_half_mean_gradients_and_not_the_mean_ones(case):
    W, X, Y, _, _ = case
    assert check_gradient(sum_loss, sum_grad_W, W, args=(X, Y))
    assert check_gradient(half_mse_loss, half_mse_grad_W, W, args=(X, Y))
    assert not check_gradient(sum_loss, matgrad.grad_W, W, args=(X, Y))
    assert not check_gradient(half_mse_loss, matgrad.grad_W, W, args=(X, Y))


# --- values, limit cases and equivalences ---------------------------------------------------------------


def test_each_variant_reduces_to_the_plain_loss_in_its_limit_case(case):
    W, X, Y, _, b = case
    N = X.shape[0]
    base, G = matgrad.loss(W, X, Y), matgrad.grad_W(W, X, Y)
    assert ridge_loss(W, X, Y, 0.0) == pytest.approx(base, rel=1e-14)
    np.testing.assert_allclose(ridge_grad_W(W, X, Y, 0.0), G, rtol=1e-14)
    assert weighted_loss(W, X, Y, np.ones(N)) == pytest.approx(base, rel=1e-14)
    np.testing.assert_allclose(weighted_grad_W(W, X, Y, np.ones(N)), G, rtol=1e-13)
    assert intercept_loss(W, np.zeros_like(b), X, Y) == pytest.approx(base, rel=1e-14)
    np.testing.assert_allclose(intercept_grad(W, np.zeros_like(b), X, Y)[0], G, rtol=1e-13)


def test_values_against_direct_formulas(case):
    W, X, Y, r, b = case
    N = X.shape[0]
    R = X @ W - Y
    base = matgrad.loss(W, X, Y)
    assert ridge_loss(W, X, Y, LAM) == pytest.approx(base + LAM * np.sum(W**2), rel=1e-14)
    assert weighted_loss(W, X, Y, r) == pytest.approx(np.sum(r * (R.T**2)) / N, rel=1e-13)
    assert intercept_loss(W, b, X, Y) == pytest.approx(np.sum((R + b) ** 2) / N, rel=1e-13)
    assert sum_loss(W, X, Y) == pytest.approx(N * base, rel=1e-14)
    assert half_mse_loss(W, X, Y) == pytest.approx(base / 2, rel=1e-14)
    np.testing.assert_allclose(sum_grad_W(W, X, Y), N * matgrad.grad_W(W, X, Y), rtol=1e-13)
    np.testing.assert_allclose(half_mse_grad_W(W, X, Y), matgrad.grad_W(W, X, Y) / 2, rtol=1e-13)


def test_losses_are_python_scalars_and_complex_for_complex_W(case):
    W, X, Y, r, b = case
    for value in (ridge_loss(W, X, Y, LAM), weighted_loss(W, X, Y, r), intercept_loss(W, b, X, Y), sum_loss(W, X, Y)):
        assert type(value) is float
    assert type(half_mse_loss(W + 1e-20j, X, Y)) is complex


def test_weighted_is_plain_least_squares_on_rows_scaled_by_root_weights(case):
    W, X, Y, r, _ = case
    s = np.sqrt(r)
    Xs, Ys = s[:, None] * X, (s * Y.T).T
    assert weighted_loss(W, X, Y, r) == pytest.approx(matgrad.loss(W, Xs, Ys), rel=1e-13)
    np.testing.assert_allclose(weighted_grad_W(W, X, Y, r), matgrad.grad_W(W, Xs, Ys), rtol=1e-12, atol=1e-14)


def test_the_bias_is_a_weight_row_on_a_column_of_ones(case):
    W, X, Y, _, b = case
    X1 = add_intercept_column(X)
    W1 = np.concatenate([W, b[None]]) if W.ndim == 2 else np.append(W, b)
    assert X1.shape == (9, 4) and np.all(X1[:, -1] == 1.0)
    assert intercept_loss(W, b, X, Y) == pytest.approx(matgrad.loss(W1, X1, Y), rel=1e-13)
    gW, gb = intercept_grad(W, b, X, Y)
    G1 = matgrad.grad_W(W1, X1, Y)
    np.testing.assert_allclose(gW, G1[:-1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb, G1[-1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lam", [1e-3, LAM, 10.0])
def test_ridge_solution_satisfies_its_normal_equations(case, lam):
    _, X, Y, _, _ = case
    N, d = X.shape
    W = ridge_solution(X, Y, lam)
    np.testing.assert_allclose((X.T @ X + N * lam * np.eye(d)) @ W, X.T @ Y, rtol=1e-10, atol=1e-12)
    scale = np.linalg.norm(matgrad.grad_W(np.zeros_like(W), X, Y))
    assert np.linalg.norm(ridge_grad_W(W, X, Y, lam)) < 1e-12 * scale


def test_ridge_solution_without_penalty_is_least_squares(case):
    _, X, Y, _, _ = case
    np.testing.assert_allclose(ridge_solution(X, Y, 0.0), np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-10)


def test_conventions_share_the_minimiser_and_the_step_one_over_L(case):
    _, X, Y, _, _ = case
    N = X.shape[0]
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    scale = np.linalg.norm(sum_grad_W(np.zeros_like(W_star), X, Y))
    for grad in (matgrad.grad_W, sum_grad_W, half_mse_grad_W):
        assert np.linalg.norm(grad(W_star, X, Y)) < 1e-12 * scale
    lmax = np.linalg.eigvalsh(X.T @ X)[-1]  # L = 2 lmax / N, 2 lmax and lmax / N
    W = np.ones_like(W_star)
    on_mean = matgrad.grad_W(W, X, Y) / (2 * lmax / N)
    np.testing.assert_allclose(sum_grad_W(W, X, Y) / (2 * lmax), on_mean, rtol=1e-12)
    np.testing.assert_allclose(half_mse_grad_W(W, X, Y) / (lmax / N), on_mean, rtol=1e-12)


# --- errors that name the problem ---------------------------------------------------------------------


def test_the_regularisation_must_be_a_finite_non_negative_number(case):
    W, X, Y, _, _ = case
    with pytest.raises(ValueError, match="lam"):
        ridge_loss(W, X, Y, -0.1)
    with pytest.raises(ValueError, match="lam"):
        ridge_grad_W(W, X, Y, float("inf"))
    with pytest.raises(TypeError, match="lam"):
        ridge_solution(X, Y, "0.1")


def test_weights_need_one_non_negative_real_number_per_row(case):
    W, X, Y, r, _ = case
    with pytest.raises(ValueError, match=r"weights has shape \(8,\)"):
        weighted_loss(W, X, Y, r[:-1])
    with pytest.raises(ValueError, match=r"weights\[2\]"):
        weighted_grad_W(W, X, Y, np.where(np.arange(9) == 2, -1.0, r))
    with pytest.raises(TypeError, match="real"):
        weighted_loss(W, X, Y, r + 0j)


def test_the_bias_needs_one_entry_per_output(case):
    W, X, Y, _, _ = case
    with pytest.raises(ValueError, match=r"b has shape \(5,\)"):
        intercept_grad(W, np.zeros(5), X, Y)


@pytest.mark.parametrize("fn", [sum_loss, sum_grad_W, half_mse_loss, half_mse_grad_W, intercept_loss])
def test_shapes_that_do_not_fit_are_named(case, fn):
    W, X, Y, _, b = case
    args = (W, b, X, Y[:-1]) if fn is intercept_loss else (W, X, Y[:-1])
    with pytest.raises(ValueError, match="Y has shape"):
        fn(*args)


def test_ridge_solution_needs_real_data_with_matching_rows(case):
    _, X, Y, _, _ = case
    with pytest.raises(ValueError, match="Y has shape"):
        ridge_solution(X, Y[:-1], LAM)
    with pytest.raises(TypeError, match="real"):
        ridge_solution(X + 0j, Y, LAM)


def test_add_intercept_column_needs_a_matrix():
    assert add_intercept_column([[1, 2]]).tolist() == [[1.0, 2.0, 1.0]]
    with pytest.raises(ValueError, match="2-D"):
        add_intercept_column(np.ones(3))
