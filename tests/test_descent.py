"""Tests of gradient descent, the Gram trick, the exact loss and mini-batch gradients (matgrad.descent)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import matgrad
from matgrad.descent import (
    DIVERGENCE_FACTOR,
    contraction_factor,
    descent_flops,
    exact_loss,
    gradient_descent,
    gram_gradient,
    gram_loss,
    gram_matrices,
    lipschitz_constant,
    minibatch_gradient,
    stochastic_gradient_descent,
    strong_convexity_constant,
)


@pytest.fixture
def data():
    """Well-conditioned data with several outputs (cond(X) is about 1.5)."""
    X, _, Y = matgrad.make_regression(120, 4, 3, noise=0.1, seed=3)
    return X, Y


def ill_conditioned(seed=5):
    """Features on different scales, so that convergence is slow enough to watch (rho about 0.97)."""
    X, _, Y = matgrad.make_regression(80, 3, 2, noise=0.3, seed=seed)
    return X * np.array([3.0, 1.0, 0.5]), Y


def lstsq(X, Y):
    return np.linalg.lstsq(X, Y, rcond=None)[0]


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def both_paths(X, Y, **kwargs):
    return gradient_descent(X, Y, **kwargs), gradient_descent(X, Y, gram=True, **kwargs)


# --- the constants -------------------------------------------------------------------------------------------------


def test_lipschitz_and_strong_convexity_are_the_extreme_hessian_eigenvalues(data):
    X, _ = data
    eigenvalues = np.linalg.eigvalsh(2 / len(X) * X.T @ X)
    assert lipschitz_constant(X) == pytest.approx(eigenvalues[-1], rel=1e-12)
    assert strong_convexity_constant(X) == pytest.approx(eigenvalues[0], rel=1e-12)
    assert lipschitz_constant(np.diag([3.0, 0.5])) == pytest.approx(9.0)  # (2/2) * 3^2
    assert strong_convexity_constant(np.diag([3.0, 0.5])) == pytest.approx(0.25)


def test_lipschitz_constant_bounds_gradient_differences_and_is_attained(data):
    X, Y = data
    L = lipschitz_constant(X)
    rng = np.random.default_rng(0)
    for _ in range(20):
        V, W = rng.standard_normal((2, 4, 3))
        diff = matgrad.grad_W(V, X, Y) - matgrad.grad_W(W, X, Y)
        assert np.linalg.norm(diff) <= L * np.linalg.norm(V - W) * (1 + 1e-12)
    top = np.linalg.eigh(X.T @ X)[1][:, -1]  # along the top eigenvector of X^T X the bound is an equality
    V = np.outer(top, [1.0, -2.0, 0.5])
    ratio = np.linalg.norm(matgrad.grad_W(V, X, Y) - matgrad.grad_W(0 * V, X, Y)) / np.linalg.norm(V)
    assert ratio == pytest.approx(L, rel=1e-10)


def test_strong_convexity_is_zero_for_wide_data_and_positive_for_square_invertible_data():
    X = np.random.default_rng(0).standard_normal((3, 5))
    assert strong_convexity_constant(X) == 0.0
    square = np.array([[2.0, 1.0], [0.0, 0.5]])
    sigma_min = np.linalg.svd(square, compute_uv=False)[-1]
    assert strong_convexity_constant(square) == pytest.approx(sigma_min**2, rel=1e-14)


def test_contraction_factor_of_the_default_the_best_and_a_too_large_step(data):
    X, _ = data
    L, mu = lipschitz_constant(X), strong_convexity_constant(X)
    assert contraction_factor(X) == pytest.approx(1 - mu / L)
    assert contraction_factor(X, 2 / (L + mu)) == pytest.approx((L - mu) / (L + mu))
    assert contraction_factor(X, 2.5 / L) == pytest.approx(1.5)


def test_the_default_step_of_a_zero_X_is_refused_but_a_given_step_runs():
    X, Y = np.zeros((3, 2)), np.array([1.0, -2.0, 0.5])
    for gram in (False, True):
        with pytest.raises(ValueError, match="X is zero"):
            gradient_descent(X, Y, gram=gram)
        result = gradient_descent(X, Y, step=0.1, gram=gram)  # the gradient is exactly zero
        assert result.converged and result.n_iter == 0 and result.lipschitz == 0.0
    with pytest.raises(ValueError, match="X is zero"):
        contraction_factor(X)


def test_descent_flops_are_the_leading_order_counts():
    assert descent_flops(1000, 10, 2, 5) == 5 * 4 * 1000 * 10 * 2
    setup = 1000 * 10 * 10 + 2 * 1000 * 10 * 2  # X^T X by the symmetric product (N d^2), X^T Y (2 N d k)
    assert descent_flops(1000, 10, 2, 0, gram=True) == setup
    assert descent_flops(1000, 10, 2, 5, gram=True) == setup + 5 * 2 * 100 * 2
    # the Gram path needs fewer flops after about (d + 2k) / (4k) steps: 1.5 at (200000, 20, 5)
    first = next(
        t for t in itertools.count(1) if descent_flops(200_000, 20, 5, t, gram=True) < descent_flops(200_000, 20, 5, t)
    )
    assert first == 2


@pytest.mark.parametrize("N", [10_000, 1_000_000])
def test_the_gram_break_even_does_not_depend_on_N(N):
    # (d + 2k) / (4k) = 10.5 for d = 40, k = 1: the Gram path is ahead from step 11 on, for small and large N
    first = next(t for t in itertools.count(1) if descent_flops(N, 40, 1, t, gram=True) < descent_flops(N, 40, 1, t))
    assert first == 11


@pytest.mark.parametrize(
    ("args", "error", "name"),
    [((0, 3, 2, 5), ValueError, "N"), ((10, 3, 0, 5), ValueError, "k"), ((10, 1.5, 2, 5), TypeError, "d"),
     ((10, 3, 2, -1), ValueError, "n_iter"), ((10, 3, 2, 2.0), TypeError, "n_iter")],
)  # fmt: skip
def test_descent_flops_names_a_bad_count(args, error, name):
    with pytest.raises(error, match=rf"^{name} must"):
        descent_flops(*args)


# --- gradient descent ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gram", [False, True])
def test_reaches_the_lstsq_solution(data, gram):
    X, Y = data
    result = gradient_descent(X, Y, gram=gram)
    assert result.converged and not result.diverged and result.gram == gram
    assert relative(result.W, lstsq(X, Y)) < 1e-8
    assert result.step == pytest.approx(1 / lipschitz_constant(X), rel=1e-12)
    assert result.loss_history.shape == result.grad_norm_history.shape == (result.n_iter + 1,)
    assert result.message.startswith(f"converged after {result.n_iter} steps")


@pytest.mark.parametrize("gram", [False, True])
def test_vector_targets_give_a_vector_of_weights(data, gram):
    X, Y = data
    result = gradient_descent(X, Y[:, 0], gram=gram)
    assert result.W.shape == (4,)
    assert relative(result.W, lstsq(X, Y[:, 0])) < 1e-8


@pytest.mark.parametrize("factor", [0.5, 1.0, 1.9, 2.1, 3.0])
def test_gram_and_plain_paths_take_the_same_steps(factor):
    X, Y = ill_conditioned(seed=1)
    L = lipschitz_constant(X)
    plain, gram = both_paths(X, Y, step=factor / L, max_iter=400, tol=1e-9, keep_path=True)
    assert (gram.converged, gram.diverged, gram.n_iter) == (plain.converged, plain.diverged, plain.n_iter)
    assert plain.diverged == (factor > 2)
    scale = np.abs(plain.path).max()
    np.testing.assert_allclose(gram.path, plain.path, rtol=1e-6, atol=1e-9 * scale)
    g0 = plain.grad_norm_history[0]
    np.testing.assert_allclose(gram.grad_norm_history, plain.grad_norm_history, rtol=1e-5, atol=1e-9 * g0)
    atol = 1e-12 * float(np.sum(Y * Y)) / len(Y)  # gram_loss: absolute accuracy about eps ||Y||^2 / N
    np.testing.assert_allclose(gram.loss_history, plain.loss_history, rtol=1e-6, atol=atol)


def test_the_loss_history_is_the_loss_of_the_iterates(data):
    X, Y = data
    for result in both_paths(X, Y, max_iter=10, tol=0.0, keep_path=True):
        direct = [matgrad.loss(W, X, Y) for W in result.path]
        np.testing.assert_allclose(result.loss_history, direct, rtol=1e-10)
        norms = [np.linalg.norm(matgrad.grad_W(W, X, Y)) for W in result.path]
        np.testing.assert_allclose(result.grad_norm_history, norms, rtol=1e-9)


def test_one_step_from_a_given_start(data):
    X, Y = data
    W0 = np.random.default_rng(1).standard_normal((4, 3))
    result = gradient_descent(X, Y, W0=W0, step=0.1, max_iter=1, tol=0.0)
    np.testing.assert_allclose(result.W, W0 - 0.1 * matgrad.grad_W(W0, X, Y), rtol=1e-14)
    assert result.n_iter == 1 and not result.converged and not result.diverged
    assert result.message == "stopped after max_iter=1 steps without meeting the stopping rule"
    assert result.loss_history[0] == pytest.approx(matgrad.loss(W0, X, Y), rel=1e-14)


@pytest.mark.parametrize("gram", [False, True])
def test_the_starting_point_is_left_alone(gram):
    X, Y = ill_conditioned()
    W0 = np.ones((3, 2))
    result = gradient_descent(X, Y, W0=W0, max_iter=3, keep_path=True, gram=gram)
    np.testing.assert_array_equal(W0, 1.0)
    np.testing.assert_array_equal(result.path[0], W0)
    at_once = gradient_descent(np.eye(2), np.eye(2), W0=np.eye(2), gram=gram)  # W0 is the minimiser
    assert at_once.n_iter == 0 and not np.shares_memory(at_once.W, W0)


def test_the_path_holds_every_iterate_when_asked_for(data):
    X, Y = data
    result = gradient_descent(X, Y, max_iter=5, tol=0.0, keep_path=True)
    assert result.path.shape == (6, 4, 3)
    np.testing.assert_array_equal(result.path[-1], result.W)
    np.testing.assert_allclose(result.path[3], gradient_descent(X, Y, max_iter=3, tol=0.0).W, rtol=1e-15)
    assert gradient_descent(X, Y, max_iter=5).path is None


def test_defaults_and_repr(data):
    X, Y = data
    result = gradient_descent(X, Y, tol=0.0)
    assert result.n_iter == 1000 and not result.converged and not result.gram and result.path is None
    assert result.step == 1 / lipschitz_constant(X) and result.lipschitz == lipschitz_constant(X)
    text = repr(result)
    assert text.startswith(f"DescentResult(n_iter=1000, converged=False, diverged=False, step={result.step:.3g}")
    assert f"final loss {result.loss_history[-1]:.3e}, final gradient norm {result.grad_norm_history[-1]:.3e}" in text


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize("tol", [0.0, 1e-10])
def test_a_start_at_the_minimiser_has_converged(gram, tol):
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    W_star = np.array([[1.0, -1.0], [2.0, 0.5]])
    result = gradient_descent(X, X @ W_star, W0=W_star, tol=tol, gram=gram)
    assert result.converged and result.n_iter == 0 and result.grad_norm_history.tolist() == [0.0]
    np.testing.assert_array_equal(result.W, W_star)


@pytest.mark.parametrize("gram", [False, True])
def test_an_exactly_zero_gradient_stops_even_with_tol_zero(gram):
    X, Y = np.eye(2), np.array([[3.0], [-1.0]])  # L = 1: the step 1/L lands on the minimiser Y
    result = gradient_descent(X, Y, tol=0.0, gram=gram)
    assert result.converged and result.n_iter == 1 and result.grad_norm_history[-1] == 0.0
    np.testing.assert_array_equal(result.W, Y)


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize(("scale", "tol"), [(1.0, 1e-6), (1e-3, 1e-2), (1e-3, 1e-9), (30.0, 1e-8)])
def test_the_stopping_rule_is_the_first_small_gradient(gram, scale, tol):
    """Converged at the first t with g_t <= tol * max(1, g_0): relative above g_0 = 1, absolute below."""
    X, _, Y = matgrad.make_regression(30, 4, 2, seed=0)
    result = gradient_descent(X, scale * Y, tol=tol, gram=gram, max_iter=5000)
    g = result.grad_norm_history
    threshold = tol * max(1.0, g[0])
    assert result.converged and g[-1] <= threshold and np.all(g[:-1] > threshold)
    assert f"<= tol * max(1, g_0) = {threshold:.2e}" in result.message


def test_loss_is_monotone_for_step_one_over_L():
    X, Y = ill_conditioned()
    losses = gradient_descent(X, Y, max_iter=60, tol=0.0).loss_history
    assert np.all(np.diff(losses) <= 1e-14 * losses[0])
    assert losses[-1] < losses[0] / 2


@pytest.mark.parametrize("factor", [1.0, 0.5, 1.5])
def test_linear_rate_bound(factor):
    X, Y = ill_conditioned()
    L = lipschitz_constant(X)
    rho = contraction_factor(X, factor / L)
    assert 0.9 < rho < 1
    W_star = lstsq(X, Y)
    loss_star = matgrad.loss(W_star, X, Y)
    run = gradient_descent(X, Y, step=factor / L, max_iter=80, tol=0.0, keep_path=True)
    gaps = run.loss_history - loss_star
    for t in (1, 5, 20, 80):
        assert np.linalg.norm(run.path[t] - W_star) <= rho**t * np.linalg.norm(W_star) * (1 + 1e-10)
        assert gaps[t] <= rho ** (2 * t) * gaps[0] * (1 + 1e-8) + 1e-14
    assert gaps[80] > 0.0  # the bound is not vacuous


@pytest.mark.parametrize("gram", [False, True])
def test_a_step_above_two_over_L_diverges_cleanly_at_the_first_large_gradient(data, gram):
    X, Y = data
    L = lipschitz_constant(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(X, Y, step=2.5 / L, max_iter=10_000, gram=gram)
    g = result.grad_norm_history
    assert result.diverged and not result.converged and result.n_iter < 10_000
    assert g[-1] > DIVERGENCE_FACTOR * g[0] and np.all(g[:-1] <= DIVERGENCE_FACTOR * g[0])
    assert result.message.startswith(f"diverged after {result.n_iter} steps") and "2/beta" in result.message


@pytest.mark.parametrize("gram", [False, True])
def test_a_step_that_overflows_is_divergence_without_warnings(data, gram):
    X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(X, Y, step=1e300, gram=gram)
    assert result.diverged and not result.converged and result.n_iter <= 2
    assert not (np.isfinite(result.loss_history[-1]) and np.isfinite(result.grad_norm_history[-1]))


def test_a_step_below_two_over_L_converges(data):
    X, Y = data
    result = gradient_descent(X, Y, step=1.9 / lipschitz_constant(X), max_iter=5000)
    assert result.converged and relative(result.W, lstsq(X, Y)) < 1e-8


def test_float32_data_take_the_same_steps_on_both_paths_in_float64():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    Y = rng.standard_normal((40, 2)).astype(np.float32)
    plain, gram = both_paths(X, Y)
    assert plain.converged and gram.converged and gram.n_iter == plain.n_iter
    assert plain.W.dtype == gram.W.dtype == np.float64
    np.testing.assert_allclose(gram.W, plain.W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(plain.W, lstsq(X.astype(np.float64), Y.astype(np.float64)), rtol=1e-8)
    XtX, XtY, _ = gram_matrices(X, Y)
    assert XtX.dtype == XtY.dtype == np.float64


# --- the Gram matrices and the exact loss --------------------------------------------------------------------------


def test_gram_loss_and_gradient_match_the_direct_formulas(data):
    X, Y = data
    XtX, XtY, YtY = gram_matrices(X, Y)
    np.testing.assert_allclose(XtX, X.T @ X, rtol=1e-14)
    assert YtY == pytest.approx(np.sum(Y**2), rel=1e-14)
    W = np.random.default_rng(2).standard_normal((4, 3))
    assert gram_loss(W, XtX, XtY, YtY, len(X)) == pytest.approx(matgrad.loss(W, X, Y), rel=1e-12)
    np.testing.assert_allclose(gram_gradient(W, XtX, XtY, len(X)), matgrad.grad_W(W, X, Y), rtol=1e-11, atol=1e-13)
    check = matgrad.check_gradient(matgrad.loss, lambda W_, X_, Y_: gram_gradient(W_, XtX, XtY, len(X)), W, args=(X, Y))
    assert check.ok


def test_gram_loss_loses_accuracy_by_cancellation():
    X, _, Y = matgrad.make_regression(60, 3, 1, noise=1e-7, seed=0)
    W = lstsq(X, Y)
    reference = exact_loss(W, X, Y)
    assert abs(matgrad.loss(W, X, Y) - reference) / reference < 1e-6
    assert abs(gram_loss(W, *gram_matrices(X, Y), len(X)) - reference) / reference > 1e-3


def test_exact_loss_agrees_with_the_float_loss(data):
    X, Y = data
    W = np.random.default_rng(4).standard_normal((4, 3))
    assert exact_loss(W, X, Y) == pytest.approx(matgrad.loss(W, X, Y), rel=1e-13)
    assert exact_loss(W[:, 0], X, Y[:, 0]) == pytest.approx(matgrad.loss(W[:, 0], X, Y[:, 0]), rel=1e-13)
    assert exact_loss(np.array([1.0, 2.0]), np.eye(2), np.zeros(2)) == 2.5
    # the floats 0.1 + 0.2 - 0.3 sum to exactly 2^-55; float arithmetic rounds 0.1 + 0.2 first and gets 2^-54
    assert exact_loss(np.array([1.0, 1.0]), np.array([[0.1, 0.2]]), np.array([0.3])) == 2.0**-110


# --- mini-batches --------------------------------------------------------------------------------------------------


def test_minibatch_gradients_of_a_partition_average_to_the_full_gradient(data):
    X, Y = data
    W = np.random.default_rng(5).standard_normal((4, 3))
    batches = np.split(np.random.default_rng(6).permutation(len(X)), 8)  # 8 batches of 15 rows
    average = np.mean([minibatch_gradient(W, X, Y, b) for b in batches], axis=0)
    np.testing.assert_allclose(average, matgrad.grad_W(W, X, Y), rtol=1e-12, atol=1e-14)
    assert relative(minibatch_gradient(W, X, Y, batches[0]), matgrad.grad_W(W, X, Y)) > 1e-3  # one batch: noisy


def test_minibatch_gradient_is_unbiased_over_all_subsets():
    X, _, Y = matgrad.make_regression(6, 2, 2, seed=1)
    W = np.array([[1.0, -0.5], [2.0, 0.3]])
    subsets = [np.array(s) for s in itertools.combinations(range(6), 2)]
    average = np.mean([minibatch_gradient(W, X, Y, s) for s in subsets], axis=0)
    np.testing.assert_allclose(average, matgrad.grad_W(W, X, Y), rtol=1e-12)
    np.testing.assert_allclose(minibatch_gradient(W, X, Y, np.arange(6)), matgrad.grad_W(W, X, Y), rtol=1e-13)


def test_minibatch_of_one_row(problem):
    W, X, Y = problem
    G = minibatch_gradient(W, X, Y, [4])
    np.testing.assert_allclose(G, 2 * np.outer(X[4], X[4] @ W - Y[4]), rtol=1e-12)


def test_sgd_is_seeded_and_makes_progress(data):
    X, Y = data
    step = 0.5 / lipschitz_constant(X)
    a = stochastic_gradient_descent(X, Y, batch_size=10, step=step, n_epochs=5, seed=7)
    b = stochastic_gradient_descent(X, Y, batch_size=10, step=step, n_epochs=5, seed=7)
    assert np.array_equal(a.W, b.W) and a.n_steps == 5 * 12 and a.loss_history.shape == (6,)
    assert a.loss_history[-1] < 1.5 * matgrad.loss(lstsq(X, Y), X, Y)
    assert not a.diverged
    assert f"batch_size=10, sampling='reshuffle', diverged=False, final loss {a.loss_history[-1]:.3e}" in repr(a)


def test_sgd_defaults_and_uneven_batches(data):
    X, Y = data
    run = stochastic_gradient_descent(X, Y, batch_size=7)
    assert run.n_epochs == 10 and run.n_steps == 10 * math.ceil(120 / 7)
    assert run.step == 1 / lipschitz_constant(X)
    np.testing.assert_array_equal(run.W, stochastic_gradient_descent(X, Y, batch_size=7, seed=0).W)
    W0 = np.full((4, 3), 0.5)
    started = stochastic_gradient_descent(X, Y, batch_size=120, n_epochs=1, W0=W0)
    assert started.loss_history[0] == pytest.approx(matgrad.loss(W0, X, Y), rel=1e-12)


@pytest.mark.parametrize("sampling", ["reshuffle", "independent"])
def test_sgd_with_full_batches_is_gradient_descent(data, sampling):
    X, Y = data
    sgd = stochastic_gradient_descent(X, Y, batch_size=len(X), n_epochs=7, sampling=sampling)
    assert relative(sgd.W, gradient_descent(X, Y, max_iter=7, tol=0.0).W) < 1e-12
    assert sgd.sampling == sampling and f"sampling={sampling!r}" in repr(sgd)


def _plateau(X, Y, factor, sampling):
    """Mean loss excess over epochs 50..200, averaged over three seeds, at the step factor/beta."""
    loss_star = matgrad.loss(lstsq(X, Y), X, Y)
    step = factor / lipschitz_constant(X)
    runs = [
        stochastic_gradient_descent(X, Y, batch_size=10, step=step, n_epochs=200, seed=s, sampling=sampling)
        for s in range(3)
    ]
    return np.mean([np.mean(run.loss_history[50:] - loss_star) for run in runs])


def test_the_sgd_plateau_falls_like_the_step_squared_with_reshuffling_and_like_the_step_without(data):
    X, Y = data
    reshuffle = _plateau(X, Y, 0.4, "reshuffle") / _plateau(X, Y, 0.1, "reshuffle")
    independent = _plateau(X, Y, 0.4, "independent") / _plateau(X, Y, 0.1, "independent")
    assert reshuffle > 4**1.5  # a 4 times smaller step: about 16 times (slope 2)
    assert 4**0.5 < independent < 4**1.5  # about 4 times (slope 1)


def test_independent_batches_repeat_rows_within_an_epoch():
    # X = I: a step on the batch {i} moves only entry i of W, so with batch_size = 1 the entries of W
    # after one epoch show which rows were used
    N = 50
    Y = np.arange(N, dtype=float)
    reshuffled = stochastic_gradient_descent(np.eye(N), Y, batch_size=1, step=0.25, n_epochs=1)
    independent = stochastic_gradient_descent(np.eye(N), Y, batch_size=1, step=0.25, n_epochs=1, sampling="independent")
    assert np.count_nonzero(reshuffled.W[1:]) == N - 1  # every row once (row 0 has y = 0)
    assert np.count_nonzero(independent.W[1:]) < N - 1  # some rows not at all


def test_sgd_rejects_an_unknown_sampling(data):
    X, Y = data
    with pytest.raises(ValueError, match="^sampling must be"):
        stochastic_gradient_descent(X, Y, batch_size=10, sampling="replace")


def test_sgd_divergence_is_reported_without_warnings(data):
    X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = stochastic_gradient_descent(X, Y, batch_size=10, step=1e3, n_epochs=50)
        huge = stochastic_gradient_descent(X, Y, batch_size=1, step=1e300, n_epochs=5)
    assert result.diverged and result.n_epochs < 50
    assert huge.diverged and huge.n_epochs == 1 and not np.isfinite(huge.loss_history[-1])


def test_sgd_stops_at_the_first_loss_beyond_the_divergence_threshold():
    """X = [[1]], y = 1, step 5.5: each epoch multiplies the error by -10, so the loss after t epochs is 10^(2t).

    The loss reaches DIVERGENCE_FACTOR**2 = 1e24 times the initial loss at t = 12 (not beyond it) and
    passes it at t = 13, where SGD stops.
    """
    result = stochastic_gradient_descent([[1.0]], [1.0], batch_size=1, step=5.5, n_epochs=200)
    assert result.diverged and result.n_epochs == result.n_steps == 13
    np.testing.assert_allclose(result.loss_history, [10.0 ** (2 * t) for t in range(14)], rtol=1e-12)


def test_sgd_fluctuating_around_the_minimiser_is_not_divergence():
    """X = [[1], [1]], Y = [1, -1]: SGD starts at the minimiser 0, and each one-row step with the step 1/L moves
    w to that row's target, so the loss doubles and stays there: the fluctuation of constant-step SGD."""
    result = stochastic_gradient_descent([[1.0], [1.0]], [1.0, -1.0], batch_size=1, n_epochs=3)
    assert not result.diverged and result.n_epochs == 3 and result.n_steps == 6
    np.testing.assert_allclose(result.loss_history, [1.0, 2.0, 2.0, 2.0], rtol=1e-12)


# --- input errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"step": 0.0}, ValueError, "step"),
        ({"step": -1.0}, ValueError, "step"),
        ({"step": float("nan")}, ValueError, "step"),
        ({"step": "big"}, TypeError, "step"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"tol": -1e-3}, ValueError, "tol"),
        ({"tol": "1e-3"}, TypeError, "tol"),
        ({"W0": np.zeros((3, 3))}, ValueError, r"W0 has shape \(3, 3\).*\(4, 3\)"),
        ({"W0": np.zeros(4)}, ValueError, r"W0 has shape \(4,\)"),
        ({"W0": np.ones((4, 3)) * 1j}, TypeError, "W0 must be real"),
        ({"W0": np.full((4, 3), np.nan)}, ValueError, "W0 contains"),
    ],
)
@pytest.mark.parametrize("gram", [False, True])
def test_gradient_descent_rejects_bad_options(data, kwargs, error, match, gram):
    with pytest.raises(error, match=match):
        gradient_descent(*data, gram=gram, **kwargs)


def test_gradient_descent_rejects_bad_data(data):
    X, Y = data
    with pytest.raises(ValueError, match=r"\(119, 3\).*\(120, 4\)"):
        gradient_descent(X, Y[:-1])
    with pytest.raises(ValueError, match="2-D"):
        gradient_descent(X[:, 0], Y)
    with pytest.raises(ValueError, match=r"Y must have shape.*\(120, 3, 1\)"):
        gradient_descent(X, Y[:, :, None])
    with pytest.raises(ValueError, match="X contains .* non-finite"):
        gradient_descent(np.where(X > 2, np.nan, X), Y)
    with pytest.raises(TypeError, match="X must be real"):
        gradient_descent(X + 0j, Y)
    with pytest.raises(TypeError, match="X"):
        gradient_descent([["a"]], [[1.0]])
    with pytest.raises(ValueError, match="Y contains"):
        stochastic_gradient_descent(X, np.full_like(Y, np.inf), batch_size=1)


def test_gram_functions_reject_bad_shapes_and_values(data):
    X, Y = data
    XtX, XtY, YtY = gram_matrices(X, Y)
    W = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"XtX has shape \(4, 3\)"):
        gram_gradient(W, XtX[:, :3], XtY, len(X))
    with pytest.raises(ValueError, match=r"XtY has shape \(4, 2\)"):
        gram_loss(W, XtX, XtY[:, :2], YtY, len(X))
    with pytest.raises(ValueError, match="YtY"):
        gram_loss(W, XtX, XtY, -1.0, len(X))
    with pytest.raises(ValueError, match="N"):
        gram_gradient(W, XtX, XtY, 0)
    with pytest.raises(TypeError, match="XtX must be real"):
        gram_gradient(W, XtX + 0j, XtY, len(X))


def test_minibatches_reject_bad_indices_and_sizes(data):
    X, Y = data
    W = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"0\.\.119"):
        minibatch_gradient(W, X, Y, np.array([0, 120]))
    with pytest.raises(ValueError, match="non-empty"):
        minibatch_gradient(W, X, Y, np.array([], dtype=int))
    with pytest.raises(TypeError, match="boolean mask"):
        minibatch_gradient(W, X, Y, np.ones(120, dtype=bool))
    with pytest.raises(TypeError, match="integer"):
        minibatch_gradient(W, X, Y, np.array([0.5]))
    with pytest.raises(ValueError, match="batch_size"):
        stochastic_gradient_descent(X, Y, batch_size=121)
    with pytest.raises(ValueError, match="n_epochs"):
        stochastic_gradient_descent(X, Y, batch_size=1, n_epochs=0)


# --- errors name the argument at fault, and the documented edge cases ---------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda X, Y: gradient_descent(X, Y, step=-1.0), ValueError, "step"),
        (lambda X, Y: gradient_descent(X, Y, max_iter=0), ValueError, "max_iter"),
        (lambda X, Y: gradient_descent(X, Y, tol=-1.0), ValueError, "tol"),
        (lambda X, Y: stochastic_gradient_descent(X, Y, batch_size=0), ValueError, "batch_size"),
        (lambda X, Y: stochastic_gradient_descent(X, Y, batch_size=1.5), TypeError, "batch_size"),
        (lambda X, Y: stochastic_gradient_descent(X, Y, batch_size=2, n_epochs=0), ValueError, "n_epochs"),
        (lambda X, Y: strong_convexity_constant(X[:, 0]), ValueError, "X"),
        (lambda X, Y: strong_convexity_constant(X + 1j), TypeError, "X"),
        (lambda X, Y: gram_gradient(np.ones((2, 2)) * 1j, np.eye(2), np.ones((2, 2)), 3), TypeError, "W"),
        (lambda X, Y: gram_loss(np.ones(2), np.eye(2), ["a", "b"], 1.0, 3), TypeError, "XtY"),
        (lambda X, Y: gram_gradient(np.ones(2), np.eye(2), np.ones(2), 0), ValueError, "N"),
        (lambda X, Y: gram_loss(np.ones(2), np.eye(2), np.ones(2), -1.0, 3), ValueError, "YtY"),
    ],
)
def test_an_invalid_argument_is_named_at_the_start_of_the_error(call, error, name):
    X, Y = np.random.default_rng(7).standard_normal((2, 6, 2))
    with pytest.raises(error, match=rf"^{name} must"):
        call(X, Y)


def test_complex_input_is_refused_by_the_real_only_functions(problem):
    W, X, Y = problem
    with pytest.raises(TypeError, match=r"^X must be real"):
        strong_convexity_constant(X + 0.5j)
    with pytest.raises(TypeError, match=r"^W must be real"):
        exact_loss(W + 0.5j, X, Y)
    with pytest.raises(TypeError, match=r"^W must be real"):
        minibatch_gradient(W + 0.5j, X, Y, [0, 3])


def test_gram_functions_accept_a_vector_of_weights(problem):
    W, X, Y = problem
    w, y = W[:, 0], Y[:, 0]
    XtX, Xty, yty = gram_matrices(X, y)
    assert Xty.shape == (3,)
    G = gram_gradient(w, XtX, Xty, len(X))
    assert G.shape == (3,)
    np.testing.assert_allclose(G, matgrad.grad_W(w, X, y), rtol=1e-12, atol=1e-14)
    assert gram_loss(w, XtX, Xty, yty, len(X)) == pytest.approx(matgrad.loss(w, X, y), rel=1e-12)


def test_gram_loss_accepts_zero_targets(problem):
    W, X, _ = problem
    Y = np.zeros((len(X), 2))
    XtX, XtY, YtY = gram_matrices(X, Y)
    assert YtY == 0.0
    assert gram_loss(W, XtX, XtY, 0.0, len(X)) == pytest.approx(matgrad.loss(W, X, Y), rel=1e-12)


def test_repr_shows_the_loss_of_the_last_iterate(problem):
    W0, X, Y = problem
    one_step = gradient_descent(X, Y, W0=W0, step=0.05, max_iter=1, tol=0.0)
    assert one_step.loss_history[0] > 1.01 * one_step.loss_history[1]
    assert f"final loss {one_step.loss_history[1]:.3e}," in repr(one_step)
    at_start = gradient_descent(np.eye(2), np.eye(2), W0=np.eye(2))  # W0 is the minimiser: no step
    assert at_start.n_iter == 0 and "final loss 0.000e+00" in repr(at_start)


@pytest.mark.parametrize("gram", [False, True])
def test_a_loss_that_overflows_while_the_gradient_is_finite_is_divergence(problem, gram):
    _, X, Y = problem
    X = 1e-3 * X  # so that the gradient (2/N) X^T R is much smaller than the residual R
    W0 = 1e158 * np.random.default_rng(8).standard_normal((3, 2))  # ||R||^2 is about 1e310: beyond float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(X, Y, W0=W0, gram=gram)
    assert result.diverged and not result.converged and result.n_iter == 0
    assert not np.isfinite(result.loss_history[0]) and np.isfinite(result.grad_norm_history[0])


@pytest.mark.parametrize("gram", [False, True])
def test_an_iterate_that_overflows_to_infinity_is_divergence_not_an_error(problem, gram):
    _, X, Y = problem
    Y = 10.0 * Y
    assert np.linalg.norm(matgrad.grad_W(np.zeros((3, 2)), X, Y)) > 2.0  # so that 1e308 * G overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(X, Y, step=1e308, max_iter=50, gram=gram)
    assert result.diverged and result.n_iter == 1
    assert not np.all(np.isfinite(result.W))


def test_sgd_divergence_threshold_is_relative_to_the_initial_loss():
    """X = [[1]], y = 10, step 5.5: the error is multiplied by -10 per epoch, the loss after t epochs is 100 * 10^(2t);
    it passes DIVERGENCE_FACTOR**2 times the initial loss 100 at t = 13, as for y = 1."""
    result = stochastic_gradient_descent([[1.0]], [10.0], batch_size=1, step=5.5, n_epochs=200)
    assert result.diverged and result.n_epochs == 13
    np.testing.assert_allclose(result.loss_history, [100.0 * 10.0 ** (2 * t) for t in range(14)], rtol=1e-12)


def test_sgd_from_a_huge_loss_stops_at_the_first_infinite_loss():
    """From a loss of 1e300, DIVERGENCE_FACTOR**2 times it is infinite: only the overflow of the loss, after
    5 epochs of growth by 100, reveals the divergence."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = stochastic_gradient_descent([[1.0]], [1e150], batch_size=1, step=5.5, n_epochs=30)
    assert result.diverged and result.n_epochs == 5
    assert np.all(np.isfinite(result.loss_history[:-1])) and result.loss_history[-1] == np.inf
