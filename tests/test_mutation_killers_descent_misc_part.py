"""Tests written to kill the mutants that survived mutation testing (``make mutation``).

Each test states a documented property of the numerical core that the other tests left unchecked:
mixed-precision input, ``check_finite=False``, the stopping rule of gradient descent, the refusal
threshold of the normal-equation solvers, where finite differences evaluate ``f``, and the error
estimate of the gradient checker, which must be exactly the documented rounding model.
docs/DEVELOPERS.md lists the mutants that remain, each with the reason it is equivalent.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import matgrad

gd = importlib.import_module("matgrad.descent")
ne = importlib.import_module("matgrad.solvers")
fd = importlib.import_module("matgrad.finite_differences")
gc = importlib.import_module("matgrad.gradient_check")

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
TINY = float(np.finfo(np.float64).tiny)


def rng_problem(N=6, d=3, k=2, seed=0, vector=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    W = rng.standard_normal((d,) if vector else (d, k))
    Y = rng.standard_normal((N,) if vector else (N, k))
    return W, X, Y



# ---------------------------------------------------------------------------------------------------
# gradient descent: the stopping rule, Gram steps, SGD divergence, the small print
# ---------------------------------------------------------------------------------------------------


def descent_problem(seed=0, N=30, d=4, k=2, scale=1.0):
    X, _, Y = matgrad.make_regression(N, d, k, seed=seed)
    return X, scale * Y


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize(("scale", "tol"), [(1.0, 1e-6), (1e-3, 1e-2), (1e-3, 1e-9), (30.0, 1e-8)])
def test_stopping_rule_is_the_first_small_gradient(gram, scale, tol):
    """Converged at the first t with g_t <= tol * max(1, g_0), and not a step earlier (both paths)."""
    X, Y = descent_problem(scale=scale)
    result = matgrad.gradient_descent(X, Y, tol=tol, gram=gram, max_iter=5000)
    g = result.grad_norm_history
    threshold = tol * max(1.0, g[0])
    assert result.converged and not result.diverged
    assert g[-1] <= threshold and np.all(g[:-1] > threshold)
    assert result.n_iter == len(g) - 1 == len(result.loss_history) - 1
    assert f"<= tol * max(1, g_0) = {threshold:.2e}" in result.message


@pytest.mark.parametrize("step_in_units_of_1_over_L", [0.5, 1.0, 1.9, 2.1, 3.0])
def test_gram_steps_agree_with_plain_steps(step_in_units_of_1_over_L):
    """gram=True takes the same steps: the same verdict, number of steps and iterates (to rounding)."""
    X, Y = descent_problem(seed=1)
    L = matgrad.lipschitz_constant(X)
    kwargs = {"step": step_in_units_of_1_over_L / L, "max_iter": 400, "tol": 1e-9, "keep_path": True}
    plain = matgrad.gradient_descent(X, Y, **kwargs)
    gram = matgrad.gradient_descent(X, Y, gram=True, **kwargs)
    assert (gram.converged, gram.diverged, gram.n_iter) == (plain.converged, plain.diverged, plain.n_iter)
    assert gram.gram and not plain.gram
    assert gram.path.shape == plain.path.shape == (plain.n_iter + 1, 4, 2)
    scale = np.abs(plain.path).max()
    np.testing.assert_allclose(gram.path, plain.path, rtol=1e-6, atol=1e-9 * scale)
    np.testing.assert_allclose(gram.grad_norm_history, plain.grad_norm_history, rtol=1e-5,
                               atol=1e-9 * plain.grad_norm_history[0])
    assert plain.diverged == (step_in_units_of_1_over_L > 2)
    if plain.diverged:
        assert "diverged after" in plain.message and "steps above 2/L diverge" in plain.message
        assert f"(step {step_in_units_of_1_over_L:.3g}/L;" in plain.message
        assert gram.message == plain.message


def test_an_exactly_zero_gradient_stops_even_with_tol_zero():
    """With tol = 0 the iteration runs to max_iter unless the gradient becomes exactly zero."""
    X = np.eye(2)  # L = (2/2) * 1 = 1: the step 1/L = 1 lands on the minimiser Y in one step
    Y = np.array([[3.0], [-1.0]])
    for gram in (False, True):
        result = matgrad.gradient_descent(X, Y, tol=0.0, gram=gram)
        assert result.converged and result.n_iter == 1 and result.grad_norm_history[-1] == 0.0
        np.testing.assert_array_equal(result.W, Y)


def test_gradient_descent_defaults():
    X, Y = descent_problem(seed=2)
    result = matgrad.gradient_descent(X, Y, tol=0.0)
    assert result.n_iter == 1000 and not result.converged and not result.gram  # max_iter=1000, gram=False
    assert result.path is None and result.step == 1 / matgrad.lipschitz_constant(X)
    assert not result.loss_history.flags.writeable and result.loss_history.dtype == np.float64
    text = repr(result)
    assert f"final loss {result.loss_history[-1]:.3e}" in text
    assert f"final gradient norm {result.grad_norm_history[-1]:.3e}" in text
    assert "(= 1/L)" in text


def test_gradient_descent_from_a_given_start_leaves_it_alone():
    X, Y = descent_problem(seed=3)
    W0 = np.ones((4, 2))
    result = matgrad.gradient_descent(X, Y, W0=W0, max_iter=3, keep_path=True)
    np.testing.assert_array_equal(W0, 1.0)
    np.testing.assert_array_equal(result.path[0], W0)
    assert result.loss_history[0] == pytest.approx(matgrad.loss(W0, X, Y), rel=1e-12)


def test_sgd_detects_divergence_and_stops():
    X, Y = descent_problem(seed=4)
    L = matgrad.lipschitz_constant(X)
    result = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=30, step=5 / L, n_epochs=200)
    assert result.diverged and result.n_epochs < 200 and result.n_steps == result.n_epochs
    assert result.loss_history[-1] > gd.DIVERGENCE_FACTOR**2 * result.loss_history[0] or not np.isfinite(
        result.loss_history[-1]
    )
    calm = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=7, n_epochs=3)
    assert not calm.diverged and calm.n_epochs == 3 and calm.n_steps == 3 * math.ceil(30 / 7)
    assert f"final loss {calm.loss_history[-1]:.3e}" in repr(calm)
    default = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=7)
    assert default.n_epochs == 10
    same = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=7, seed=0)
    np.testing.assert_array_equal(default.W, same.W)


def test_sgd_starts_where_it_is_told():
    X, Y = descent_problem(seed=5)
    W0 = np.full((4, 2), 0.5)
    result = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=30, n_epochs=1, W0=W0)
    assert result.loss_history[0] == pytest.approx(matgrad.loss(W0, X, Y), rel=1e-12)


def test_minibatch_of_one_row():
    W, X, Y = rng_problem()
    G = matgrad.descent.minibatch_gradient(W, X, Y, [4])
    np.testing.assert_allclose(G, 2 * np.outer(X[4], X[4] @ W - Y[4]), rtol=1e-12)


def test_strong_convexity_of_a_square_matrix():
    """N = d: mu = (2/N) sigma_min(X)^2 > 0 for an invertible X (only N < d forces 0)."""
    X = np.array([[2.0, 0.0], [0.0, 0.5]])
    assert matgrad.descent.strong_convexity_constant(X) == pytest.approx(2 / 2 * 0.25, rel=1e-14)
    assert matgrad.descent.strong_convexity_constant(X[:1]) == 0.0


def test_lipschitz_and_strong_convexity_are_squares_of_singular_values():
    X = np.diag([3.0, 0.5])
    assert matgrad.lipschitz_constant(X) == 9.0
    assert matgrad.descent.strong_convexity_constant(X) == 0.25


