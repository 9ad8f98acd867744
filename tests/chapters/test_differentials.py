"""Tests of the losses of the residual (squared error, Huber, log-cosh) and of the chain rule X^T grad l(U)
(chapter 05-differentials)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from strategies import finite

import matgrad
from matgrad.chapters.differentials import (
    composite_grad_W,
    composite_grad_X,
    composite_grad_Y,
    composite_loss,
    huber,
    huber_grad,
    huber_psi,
    huber_rho,
    log_cosh,
    log_cosh_grad,
    log_cosh_psi,
    log_cosh_rho,
    squared_error,
    squared_error_grad,
)

SHAPES = [(1, 1, 1), (5, 1, 1), (7, 3, 2), (6, 2, 5)]
DELTA = 0.7

OUTERS = {
    "squared": (squared_error, squared_error_grad),
    "huber": (functools.partial(huber, delta=DELTA), functools.partial(huber_grad, delta=DELTA)),
    "log_cosh": (log_cosh, log_cosh_grad),
}


def problem_with_outliers(N, d, k, seed=0):
    """Random data whose residuals at W are spread out (some beyond DELTA, some inside)."""
    rng = np.random.default_rng(seed)
    X, W = rng.standard_normal((N, d)), rng.standard_normal((d, k))
    Y = X @ W + rng.standard_normal((N, k)) * 2.0
    return W + 0.3 * rng.standard_normal((d, k)), X, Y


# --- entrywise penalties ---------------------------------------------------------------------------


def test_huber_is_quadratic_inside_delta_and_linear_outside():
    u = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_allclose(huber_rho(u, 1.0), [2.5, 0.5, 0.125, 0.0, 0.125, 0.5, 2.5])
    np.testing.assert_allclose(huber_psi(u, 1.0), [-1.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(huber_rho(u, 10.0), u**2 / 2)  # quadratic when delta exceeds every |u|


@given(arrays(np.float64, st.integers(1, 8), elements=finite), st.floats(0.01, 100.0))
def test_huber_lies_below_the_quadratic_and_the_linear_penalty(u, delta):
    rho = huber_rho(u, delta)
    assert np.all(rho >= 0)
    assert np.all(rho <= u**2 / 2 + 1e-12 * np.maximum(u**2, 1))
    assert np.all(rho <= delta * np.abs(u) + 1e-12 * np.maximum(delta * np.abs(u), 1))


def test_the_penalty_derivatives_match_finite_differences():
    u = np.array([-2.5, -0.8, -0.1, 0.05, 0.4, 1.3, 4.0])  # no entry within a step of +-0.9
    assert matgrad.check_gradient(lambda v: float(np.sum(huber_rho(v, 0.9))), lambda v: huber_psi(v, 0.9), u)
    assert matgrad.check_gradient(lambda v: float(np.sum(log_cosh_rho(v))), log_cosh_psi, u)
    assert not matgrad.check_gradient(lambda v: float(np.sum(huber_rho(v, 0.9))), lambda v: v, u)


def test_log_cosh_is_log_of_cosh_and_does_not_overflow():
    u = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(log_cosh_rho(u), np.log(np.cosh(u)), rtol=1e-13, atol=1e-15)
    huge = log_cosh_rho(np.array([1e4, -1e300]))
    assert huge[0] == pytest.approx(1e4 - np.log(2), rel=1e-15)
    assert np.isfinite(huge).all()
    np.testing.assert_array_equal(log_cosh_psi([-1e308, 0.0, 1e308]), [-1.0, 0.0, 1.0])


# --- outer losses ---------------------------------------------------------------------------------


def test_the_outer_losses_are_means_over_the_rows():
    U = np.array([[0.5, -3.0], [1.0, 0.0]])
    assert squared_error(U) == pytest.approx((0.25 + 9 + 1) / 2)
    np.testing.assert_allclose(squared_error_grad(U), U)
    assert huber(U, 1.0) == pytest.approx((0.125 + 2.5 + 0.5) / 2)
    np.testing.assert_allclose(huber_grad(U, 1.0), [[0.25, -0.5], [0.5, 0.0]])
    assert log_cosh(U) == pytest.approx(np.sum(np.log(np.cosh(U))) / 2)
    np.testing.assert_allclose(log_cosh_grad(U), np.tanh(U) / 2)


@pytest.mark.parametrize("name", OUTERS)
def test_the_outer_gradients_match_finite_differences(name):
    outer, outer_grad = OUTERS[name]
    W, X, Y = problem_with_outliers(7, 3, 2, seed=1)
    assert matgrad.check_gradient(outer, outer_grad, X @ W - Y)


def test_huber_with_a_large_delta_is_half_the_squared_error():
    W, X, Y = problem_with_outliers(9, 3, 2)
    U = X @ W - Y
    delta = 2 * np.abs(U).max()
    assert huber(U, delta) == pytest.approx(squared_error(U) / 2, rel=1e-14)
    G = composite_grad_W(W, X, Y, functools.partial(huber_grad, delta=delta))
    np.testing.assert_allclose(G, matgrad.grad_W(W, X, Y) / 2, rtol=1e-13)


# --- the chain rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_the_squared_error_reproduces_the_books_loss_and_gradients(N, d, k):
    W, X, Y = problem_with_outliers(N, d, k, seed=1)
    assert composite_loss(W, X, Y, squared_error) == pytest.approx(matgrad.loss(W, X, Y), rel=1e-13)
    np.testing.assert_allclose(composite_grad_W(W, X, Y, squared_error_grad), matgrad.grad_W(W, X, Y), rtol=1e-12)
    np.testing.assert_allclose(composite_grad_X(W, X, Y, squared_error_grad), matgrad.grad_X(W, X, Y), rtol=1e-12)
    np.testing.assert_allclose(composite_grad_Y(W, X, Y, squared_error_grad), matgrad.grad_Y(W, X, Y), rtol=1e-12)


@pytest.mark.parametrize("name", OUTERS)
@pytest.mark.parametrize(("N", "d", "k"), SHAPES)
def test_the_composite_gradients_pass_the_checker(name, N, d, k):
    outer, outer_grad = OUTERS[name]
    W, X, Y = problem_with_outliers(N, d, k, seed=2)
    checks = {
        "W": matgrad.check_gradient(
            lambda w: composite_loss(w, X, Y, outer), lambda w: composite_grad_W(w, X, Y, outer_grad), W
        ),
        "X": matgrad.check_gradient(
            lambda x: composite_loss(W, x, Y, outer), lambda x: composite_grad_X(W, x, Y, outer_grad), X
        ),
        "Y": matgrad.check_gradient(
            lambda y: composite_loss(W, X, y, outer), lambda y: composite_grad_Y(W, X, y, outer_grad), Y
        ),
    }
    for variable, check in checks.items():
        assert check, f"{name}, gradient with respect to {variable}: {check.message}"


def test_huber_clipping_is_active_in_the_test_problem():
    W, X, Y = problem_with_outliers(7, 3, 2, seed=2)
    U = np.abs(X @ W - Y)
    assert np.any(U > DELTA) and np.any(U < DELTA)


@pytest.mark.parametrize("name", ["huber", "log_cosh"])
def test_wrong_chain_rules_are_rejected(name):
    outer, outer_grad = OUTERS[name]
    W, X, Y = problem_with_outliers(7, 3, 2, seed=4)

    def f(w):
        return composite_loss(w, X, Y, outer)

    wrong = {
        "the outer gradient without X^T": lambda w: outer_grad(X @ w - Y),
        "transposed: grad l(U)^T X": lambda w: outer_grad(X @ w - Y).T @ X,
        "the squared-error formula": lambda w: X.T @ (X @ w - Y) / X.shape[0],
    }
    for label, candidate in wrong.items():
        assert not matgrad.check_gradient(f, candidate, W), label

    def g(x):
        return composite_loss(W, x, Y, outer)

    wrong_x = {
        "without W^T": lambda x: outer_grad(x @ W - Y),
        "the squared-error formula": lambda x: (x @ W - Y) @ W.T / x.shape[0],
    }
    for label, candidate in wrong_x.items():
        assert not matgrad.check_gradient(g, candidate, X), label
