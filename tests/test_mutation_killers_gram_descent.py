"""Tests written to kill the mutants of the Gram path of gradient descent (``gradient_descent(..., gram=True)``).

The Gram path takes its steps in blocks, but it documents that it takes the same steps as ``gram=False``:
the same verdict and number of steps, and the iterates and histories to rounding. These tests compare the
two paths where the blocks must stop early (divergence inside a block, overflow of the loss, a gradient
norm whose squares over- or underflow, an exactly zero gradient, short runs), check the histories against
independent formulas, and check the stopping rule on the edge cases the documentation names.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

import matgrad

gd = importlib.import_module("matgrad.descent")
FACTOR = gd.DIVERGENCE_FACTOR  # documented: 1e12


def descent_problem(seed=0, N=30, d=4, k=2, scale=1.0):
    X, _, Y = matgrad.make_regression(N, d, k, seed=seed)
    return X, scale * Y


def both_paths(X, Y, **kwargs):
    return matgrad.gradient_descent(X, Y, **kwargs), matgrad.gradient_descent(X, Y, gram=True, **kwargs)


def assert_same_run(plain, gram):
    assert (gram.converged, gram.diverged, gram.n_iter) == (plain.converged, plain.diverged, plain.n_iter)
    assert gram.message == plain.message
    assert gram.grad_norm_history.shape == gram.loss_history.shape == (gram.n_iter + 1,)


def test_the_path_is_only_kept_when_asked_for():
    """keep_path defaults to False: result.path is None, also on the Gram path."""
    X, Y = descent_problem(seed=2)
    result = matgrad.gradient_descent(X, Y, gram=True, tol=0.0, max_iter=100)
    assert result.gram and result.n_iter == 100
    assert result.path is None
    kept = matgrad.gradient_descent(X, Y, gram=True, tol=0.0, max_iter=100, keep_path=True)
    assert kept.path.shape == (101, 4, 2)
    np.testing.assert_array_equal(kept.path[-1], kept.W)


@pytest.mark.parametrize("k", [None, 1, 3], ids=["vector", "k=1", "k=3"])
@pytest.mark.parametrize("step_in_units_of_1_over_L", [0.3, 0.8, 1.7])
def test_gram_histories_of_a_single_feature_are_the_losses_of_the_iterates(k, step_in_units_of_1_over_L):
    """d = 1: the loss history of gram=True is L(W_t) of its own iterates, and agrees with gram=False."""
    rng = np.random.default_rng(11)
    N = 9
    X = rng.standard_normal((N, 1))
    Y = rng.standard_normal(N if k is None else (N, k))
    L = matgrad.lipschitz_constant(X)
    # few enough steps that the gradient stays far above its rounding floor
    kwargs = {"step": step_in_units_of_1_over_L / L, "max_iter": 10, "tol": 0.0, "keep_path": True}
    plain, gram = both_paths(X, Y, **kwargs)
    assert gram.n_iter == plain.n_iter == 10
    atol = 1e-12 * float(np.sum(Y * Y)) / N  # gram_loss: absolute accuracy about eps ||Y||^2 / N
    direct = [matgrad.loss(W, X, Y) for W in gram.path]
    np.testing.assert_allclose(gram.loss_history, direct, rtol=1e-9, atol=atol)
    np.testing.assert_allclose(gram.loss_history, plain.loss_history, rtol=1e-9, atol=atol)
    direct_norms = [np.linalg.norm(matgrad.grad_W(W, X, Y)) for W in gram.path]
    np.testing.assert_allclose(gram.grad_norm_history, direct_norms, rtol=1e-7, atol=1e-12 * direct_norms[0])


@pytest.mark.parametrize("step_in_units_of_1_over_L", [0.5, 1.0, 1.9, 3.0])
def test_gram_loss_history_agrees_with_plain_steps(step_in_units_of_1_over_L):
    X, Y = descent_problem(seed=1)
    L = matgrad.lipschitz_constant(X)
    plain, gram = both_paths(X, Y, step=step_in_units_of_1_over_L / L, max_iter=300, tol=1e-9)
    assert_same_run(plain, gram)
    atol = 1e-12 * float(np.sum(Y * Y)) / Y.shape[0]
    np.testing.assert_allclose(gram.loss_history, plain.loss_history, rtol=1e-6, atol=atol)


@pytest.mark.parametrize("scale", [1e-6, 1e-3])
def test_divergence_inside_a_block_is_detected_at_the_first_large_gradient(scale):
    """Diverged at the first t with g_t > DIVERGENCE_FACTOR * g_0, also when g_0 < 1 (both paths).

    With the step 3/L the gradient doubles each step, so it passes 1e12 g_0 after about 40 steps,
    long before the end of a block of 64 steps.
    """
    X, Y = descent_problem(seed=0, scale=scale)
    L = matgrad.lipschitz_constant(X)
    plain, gram = both_paths(X, Y, step=3.0 / L, max_iter=400)
    for result in (plain, gram):
        g = result.grad_norm_history
        assert g[0] < 1.0
        assert result.diverged and not result.converged
        assert g[-1] > FACTOR * g[0] and np.all(g[:-1] <= FACTOR * g[0])
        assert f"diverged after {result.n_iter} steps: the gradient norm grew beyond 1e+12" in result.message
    assert_same_run(plain, gram)
    assert 30 < gram.n_iter < 60


def test_a_gradient_norm_beyond_1e154_stays_finite_and_growth_stops_the_run():
    """The squares of the gradient pass 1e308 but its norm does not: the norm is finite, and the run stops
    when it has grown 1e12 times, as at any scale (the norm is computed with scaling, not as sqrt(dot)).

    X is of size 1e50 (L about 1e100), Y = 0 and W_0 of size 1e45, so g_0 is about 1e145; the step 2.5/L
    makes it grow about 1.5 times a step, through 1e154 and on to 1e157.
    """
    rng = np.random.default_rng(5)
    X = 1e50 * rng.standard_normal((6, 3))
    Y = np.zeros(6)
    W0 = 1e45 * rng.standard_normal(3)
    L = matgrad.lipschitz_constant(X)
    plain, gram = both_paths(X, Y, W0=W0, step=2.5 / L, max_iter=200)
    for result in (plain, gram):
        g = result.grad_norm_history
        assert 1e140 < g[0] < 1e150 and g.max() > 1e155
        assert result.diverged and np.all(np.isfinite(g)) and np.all(np.isfinite(result.loss_history))
        assert g[-1] > FACTOR * g[0] and np.all(g[:-1] <= FACTOR * g[0])
        assert "the gradient norm grew beyond 1e+12 times its initial value" in result.message
    assert_same_run(plain, gram)
    assert 64 < gram.n_iter < 80  # beyond the first block of 64 steps
    np.testing.assert_allclose(gram.grad_norm_history, plain.grad_norm_history, rtol=1e-6)


@pytest.mark.parametrize("gram", [False, True])
def test_a_gradient_norm_below_1e_minus_154_is_not_zero(gram):
    """The squares of a tiny gradient underflow to 0, its norm does not: with tol = 0 no false convergence.

    Entries of about 1e-160: sqrt(dot(G, G)) would be exactly 0, and 0 <= tol * max(1, g_0) = 0 would
    stop the run as converged at once.
    """
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    Y = 1e-160 * np.array([1.0, -3.0, 2.0])
    result = matgrad.gradient_descent(X, Y, tol=0.0, max_iter=3, gram=gram)
    G0 = matgrad.grad_W(np.zeros(2), X, Y)
    expected = 1e-160 * np.linalg.norm(G0 / 1e-160)
    assert result.grad_norm_history[0] == pytest.approx(expected, rel=1e-14, abs=0)
    assert not result.converged and result.n_iter == 3
    assert np.all(result.grad_norm_history > 0)


def test_loss_overflow_after_one_step_stops_there():
    """The loss overflows after one step while the gradient stays small: diverged after 1 step.

    X = c I with c = 1e-10, so L = c^2 and the gradient c R is tiny next to the residual R; the step
    5.3/L multiplies R by -4.3, and the loss 5e307 by 18.5.
    """
    c = 1e-10
    X = c * np.eye(2)
    Y = np.full(2, math.sqrt(5e307))
    L = matgrad.lipschitz_constant(X)
    plain, gram = both_paths(X, Y, step=5.3 / L, max_iter=100)
    for result in (plain, gram):
        assert result.loss_history[0] == pytest.approx(5e307, rel=1e-12)
        assert result.diverged and result.n_iter == 1
        assert result.message.startswith("diverged after 1 steps: the loss or the gradient overflowed")
    assert_same_run(plain, gram)


def overflowing_loss():
    # ||Y||^2 overflows, the gradient (2/N) c Y does not
    return 1e-10 * np.eye(2), np.full(2, 1e154), None


def overflowing_product():
    # X^T X W and X^T Y both overflow to inf, so the Gram gradient is inf - inf = NaN; X W overflows too
    return np.array([[1e150]]), np.array([1e160]), np.array([1e160])


@pytest.mark.filterwarnings("error")  # the overflow is reported as divergence, not as a RuntimeWarning
@pytest.mark.parametrize("problem", [overflowing_loss, overflowing_product])
def test_a_start_that_overflows_diverges_at_once(problem):
    """A loss or gradient that is not finite at W_0 stops as diverged after 0 steps, with that reason."""
    X, Y, W0 = problem()
    L = matgrad.lipschitz_constant(X)
    plain, gram = both_paths(X, Y, W0=W0, step=0.5 / L, max_iter=50)
    for result in (plain, gram):
        assert result.diverged and not result.converged and result.n_iter == 0
        assert result.message == "diverged after 0 steps: the loss or the gradient overflowed " \
            "(step 0.5/L; steps above 2/L diverge)"
        assert not (math.isfinite(result.loss_history[0]) and math.isfinite(result.grad_norm_history[0]))
        assert not np.isnan(result.grad_norm_history[0])  # a NaN gradient is recorded as an infinite norm
    assert_same_run(plain, gram)


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize("tol", [0.0, 1e-10])
def test_a_start_at_the_minimiser_has_converged(gram, tol):
    """g_0 = 0: the stopping rule g_0 <= tol * max(1, g_0) holds at once (0 is not > 1e12 * 0)."""
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    W_star = np.array([[1.0, -1.0], [2.0, 0.5]])
    result = matgrad.gradient_descent(X, X @ W_star, W0=W_star, tol=tol, gram=gram)
    assert result.converged and not result.diverged and result.n_iter == 0
    assert result.grad_norm_history.tolist() == [0.0]
    assert result.message.startswith("converged after 0 steps")
    np.testing.assert_array_equal(result.W, W_star)


@pytest.mark.parametrize("max_iter", [1, 2, 3, 4, 65, 66])
def test_an_exactly_zero_gradient_stops_short_runs(max_iter):
    """X = I (L = 1): the step 1/L lands on the minimiser in one step, for every max_iter."""
    X = np.eye(2)
    Y = np.array([[3.0], [-1.0]])
    plain, gram = both_paths(X, Y, tol=0.0, max_iter=max_iter)
    for result in (plain, gram):
        assert result.converged and result.n_iter == 1 and result.grad_norm_history[-1] == 0.0
        np.testing.assert_array_equal(result.W, Y)
    assert_same_run(plain, gram)


@pytest.mark.parametrize("max_iter", [3, 40, 64, 65, 200])
def test_convergence_at_the_end_of_a_block(max_iter):
    """Converged at the first small gradient also when it falls on the last steps of a (short) block."""
    X, Y = descent_problem(seed=3)
    L = matgrad.lipschitz_constant(X)
    # a first run tells after how many steps the rule is met; then the runs end exactly there or one later
    reference = matgrad.gradient_descent(X, Y, tol=1e-6, step=0.9 / L)
    n = reference.n_iter
    assert 5 < n < 60
    for last in (n, n + 1):
        plain, gram = both_paths(X, Y, tol=1e-6, step=0.9 / L, max_iter=last)
        assert_same_run(plain, gram)
        assert gram.converged and gram.n_iter == n
    plain, gram = both_paths(X, Y, tol=1e-6, step=0.9 / L, max_iter=max_iter)
    assert_same_run(plain, gram)


@pytest.mark.parametrize("gram", [False, True])
def test_descent_does_not_depend_on_the_callers_floating_point_error_state(gram):
    """Gradient descent handles its own floating-point exceptions: np.errstate(all="raise") changes nothing.

    No overflow warning is emitted when it diverges, and with targets of size 1e-150 the products of the
    shrinking gradients underflow (harmlessly) long before the run ends.
    """
    X, Y = descent_problem(seed=4, scale=1e-150)
    expected = matgrad.gradient_descent(X, Y, gram=gram, tol=0.0, max_iter=300)
    with np.errstate(all="raise"):
        result = matgrad.gradient_descent(X, Y, gram=gram, tol=0.0, max_iter=300)
    assert result.n_iter == expected.n_iter > 50
    np.testing.assert_array_equal(result.W, expected.W)
    np.testing.assert_array_equal(result.grad_norm_history, expected.grad_norm_history)
    np.testing.assert_array_equal(result.loss_history, expected.loss_history)
    X, Y = descent_problem(seed=4)
    L = matgrad.lipschitz_constant(X)
    with np.errstate(all="raise"):
        diverging = matgrad.gradient_descent(X, Y, gram=gram, step=3.0 / L, max_iter=2000)
    assert diverging.diverged


def test_gradient_norms_inside_a_block_whose_squares_underflow_are_accurate():
    """Kills x__gram_descent__mutmut_253, _254 and _255 (the loop that recomputes suspicious block norms).

    With targets of size 1e-160 every gradient inside a block has entries near 1e-160, whose squares
    (about 1e-320) are subnormal or 0: sqrt(einsum(...)) of them has lost most digits. The block must
    recompute every norm below 2^-450 with the scaled norm, so that the recorded gradient norms agree with
    the plain path's (which computes each one directly) to rounding, as documented. The mutants recompute
    none of them (253: flatnonzero(None); 254: '&' needs a norm both tiny and infinite) or only the
    others (255: the negation dropped from the underflow test).
    """
    X, Y = descent_problem(seed=2, scale=1e-160)
    plain, gram = both_paths(X, Y, tol=0.0, max_iter=10)  # a block of 10 steps, far from the rounding floor
    assert plain.n_iter == gram.n_iter == 10
    assert np.all(gram.grad_norm_history > 0)
    np.testing.assert_allclose(gram.grad_norm_history, plain.grad_norm_history, rtol=1e-10)


def test_a_block_norm_exactly_at_the_threshold_stops_the_run_there():
    """Kills x__gram_descent__mutmut_251 ('smallest > threshold' in the block's quiet test made '>=').

    The stopping rule is g_t <= tol * max(1, g_0), at the first such t. With X = [[1]], Y = [1] (L = 2)
    and step 1/4 every quantity is exact: g_t = 2 * 0.5^t, and tol = 1/8 gives the threshold 1/4 = g_3.
    With max_iter = 4 the block's last norm is g_3 = the threshold: the block must stop there (converged
    after 3 steps, as the plain path), not run on to step 4.
    """
    X, Y = np.array([[1.0]]), np.array([1.0])
    plain, gram = both_paths(X, Y, step=0.25, tol=0.125, max_iter=4)
    assert plain.converged and plain.n_iter == 3
    assert gram.converged and gram.n_iter == 3
    np.testing.assert_array_equal(gram.grad_norm_history, [2.0, 1.0, 0.5, 0.25])


def test_a_block_gradient_that_overflows_while_its_loss_does_not_stops_the_block():
    """Kills x__gram_descent__mutmut_261 (a non-finite block norm set to None, i.e. NaN, instead of inf).

    The loss after a step can stay finite while the gradient overflows: X = [[6.8e153]] makes
    H = (2/N) X^T X = 9.2e307 (still finite), and Y of about 1 makes g_0 = 1.3e154. With the step
    1.4e154 / L one step gives a gradient of 1.8e308 (inf) and a loss of 1.79e308 (finite). Both paths
    must stop there as diverged after 1 step; a NaN block norm is no stop (NaN > threshold is False),
    so the mutant runs on to step 2 and records NaN.
    """
    x = 6.8e153
    X, Y = np.array([[x]]), np.array([1.3e154 / (2 * x)])
    step = 1.4e154 / (2 * x * x)
    plain, gram = both_paths(X, Y, step=step, max_iter=5)
    for result in (plain, gram):
        assert result.diverged and result.n_iter == 1
        assert math.isfinite(result.loss_history[1]) and result.grad_norm_history[1] == math.inf
        assert "overflowed" in result.message
