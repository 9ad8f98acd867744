"""Tests of the exact first-order expansion of the loss and of the remainder (Taylor) test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from strategies import regression_problems

import matgrad
from matgrad.chapters.expansion import (
    TaylorTerms,
    exact_remainder,
    first_order_remainder,
    loglog_slope,
    remainder_curve,
    taylor_expansion_terms,
)

SHAPES = [(1, 1, 1), (1, 3, 2), (5, 1, 1), (4, 3, 2), (6, 2, 5), (3, 4, 1)]


def random_problem(N, d, k, seed=0):
    rng = np.random.default_rng(seed)
    W, X, Y = rng.standard_normal((d, k)), rng.standard_normal((N, d)), rng.standard_normal((N, k))
    D = rng.standard_normal((d, k))
    return W, D, X, Y


def test_known_values():
    # W = 0, D = 1, X = [1, 1]^T, Y = [1, 3]^T: L(0) = 5, L(1) = 2, G = (2/2) X^T (-Y) = -4
    terms = taylor_expansion_terms([[0.0]], [[1.0]], [[1.0], [1.0]], [[1.0], [3.0]])
    assert terms == TaylorTerms(constant=5.0, linear=-4.0, quadratic=1.0)
    assert terms.total == 2.0
    assert first_order_remainder([[0.0]], [[1.0]], [[1.0], [1.0]], [[1.0], [3.0]]) == 1.0
    assert exact_remainder([[1.0]], [[1.0], [1.0]]) == 1.0


@pytest.mark.parametrize("N,d,k", SHAPES)
def test_terms_add_up_to_the_loss(N, d, k):
    W, D, X, Y = random_problem(N, d, k)
    terms = taylor_expansion_terms(W, D, X, Y)
    assert terms.total == pytest.approx(matgrad.loss(W + D, X, Y), rel=1e-12)
    assert terms.constant == matgrad.loss(W, X, Y)
    assert terms.linear == pytest.approx(matgrad.directional_derivative(matgrad.grad_W(W, X, Y), D), rel=1e-12)
    assert terms.quadratic == pytest.approx(np.sum((X @ D) ** 2) / N, rel=1e-12)


@pytest.mark.parametrize("N,d,k", SHAPES)
def test_remainder_identity(N, d, k):
    W, D, X, Y = random_problem(N, d, k, seed=1)
    computed = first_order_remainder(W, D, X, Y)
    # the computed remainder is a difference of numbers of size ~ L, so compare on that scale
    scale = max(matgrad.loss(W, X, Y), matgrad.loss(W + D, X, Y), 1e-300)
    assert abs(computed - exact_remainder(D, X)) <= 1e-13 * scale


@given(regression_problems())
def test_remainder_identity_property(problem):
    W, X, Y = problem
    D = np.flip(W).copy() / 2 + 1.0  # a step of W's shape, different from W
    computed = first_order_remainder(W, D, X, Y)
    # rounding happens in X W - Y before the squares, so the scale is that of the uncancelled terms
    norm = np.linalg.norm
    scale = (norm(X) * (norm(W) + norm(D)) + norm(Y)) ** 2 / X.shape[0]
    assert abs(computed - exact_remainder(D, X)) <= 1e-12 * scale + 1e-280


@given(regression_problems())
def test_remainder_is_nonnegative_quadratic_and_bounded(problem):
    W, X, _ = problem
    r = exact_remainder(W, X)
    assert r >= 0.0
    assert exact_remainder(3.0 * W, X) == pytest.approx(9.0 * r, rel=1e-12, abs=1e-280)
    # the bound used in the proof: ||X D||_F <= ||X||_F ||D||_F
    N = X.shape[0]
    assert r <= np.sum(X**2) * np.sum(W**2) / N * (1 + 1e-12) + 1e-280


def test_remainder_does_not_depend_on_W_or_Y():
    W, D, X, Y = random_problem(6, 3, 2, seed=2)
    r1 = first_order_remainder(W, D, X, Y)
    r2 = first_order_remainder(5 * W - 1, D, X, Y + 3)
    assert r1 == pytest.approx(r2, rel=1e-9)


@pytest.mark.parametrize("N,d,k", SHAPES)
def test_remainder_curve_is_quadratic_in_t(N, d, k):
    W, D, X, Y = random_problem(N, d, k, seed=3)
    ts = np.logspace(-3, 1, 9)
    values = remainder_curve(W, D, X, Y, ts)
    assert values.shape == ts.shape
    np.testing.assert_allclose(values, ts**2 * exact_remainder(D, X), rtol=1e-6)
    assert loglog_slope(ts, values) == pytest.approx(2.0, abs=1e-6)


def test_a_wrong_gradient_gives_slope_one():
    W, D, X, Y = random_problem(8, 3, 2, seed=4)
    ts = np.logspace(-6, -3, 7)
    wrong = matgrad.grad_W(W, X, Y) / 2  # the factor 2 forgotten
    values = remainder_curve(W, D, X, Y, ts, gradient=wrong)
    assert loglog_slope(ts, values) == pytest.approx(1.0, abs=1e-2)
    right = remainder_curve(W, D, X, Y, ts)
    assert np.all(values > 100 * right)
    with pytest.raises(AssertionError):  # the remainder test rejects it: not O(t^2)
        np.testing.assert_allclose(first_order_remainder(W, D, X, Y, gradient=wrong), exact_remainder(D, X))


def test_remainder_curve_at_tiny_t_is_rounding_sized():
    W, D, X, Y = random_problem(8, 3, 2, seed=5)
    values = remainder_curve(W, D, X, Y, [1e-12, 1e-13])
    assert np.all(values <= 1e-13 * matgrad.loss(W, X, Y))


def test_vector_W():
    rng = np.random.default_rng(6)
    X, w, d_, y = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(5)
    assert first_order_remainder(w, d_, X, y) == pytest.approx(exact_remainder(d_, X), rel=1e-10)


def test_loglog_slope_values_and_errors():
    assert loglog_slope([1.0, 10.0], [1.0, 1000.0]) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="two distinct"):
        loglog_slope([1.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="equal length"):
        loglog_slope([1.0, 2.0], [1.0, 2.0, 3.0])


def test_input_errors():
    W, D, X, Y = random_problem(4, 3, 2)
    with pytest.raises(ValueError, match=r"D has shape \(2, 3\) but W has shape \(3, 2\)"):
        first_order_remainder(W, D.T, X, Y)
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\) but W has shape \(2, 3\)"):
        taylor_expansion_terms(W.T, D.T, X, Y)
    with pytest.raises(ValueError, match=r"gradient has shape \(2, 3\)"):
        first_order_remainder(W, D, X, Y, gradient=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\) but D has shape \(2, 2\)"):
        exact_remainder(np.ones((2, 2)), X)
    with pytest.raises(ValueError, match="N = 0"):
        exact_remainder(D, np.ones((0, 3)))
    with pytest.raises(ValueError, match="2-D"):
        exact_remainder(D, np.ones(3))
    with pytest.raises(ValueError, match="non-finite"):
        first_order_remainder(W, np.full_like(D, np.nan), X, Y)
    with pytest.raises(TypeError):
        exact_remainder("D", X)
    with pytest.raises(ValueError, match="1-D"):
        remainder_curve(W, D, X, Y, np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        remainder_curve(W, D, X, Y, [np.inf])


def test_integer_input_is_promoted():
    assert exact_remainder([[1], [1]], [[1, 2], [0, 1]]) == 5.0
