"""Tests of gradient descent, the Gram trick and mini-batch gradients."""

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


def lstsq(X, Y):
    return np.linalg.lstsq(X, Y, rcond=None)[0]


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# --- the constants -------------------------------------------------------------------------------


def test_lipschitz_and_strong_convexity_are_the_extreme_hessian_eigenvalues(data):
    X, _ = data
    eigenvalues = np.linalg.eigvalsh(2 / len(X) * X.T @ X)
    assert lipschitz_constant(X) == pytest.approx(eigenvalues[-1], rel=1e-12)
    assert strong_convexity_constant(X) == pytest.approx(eigenvalues[0], rel=1e-12)
    assert lipschitz_constant(np.diag([3.0, 1.0])) == pytest.approx(9.0)  # (2/2) * 3^2


def test_lipschitz_constant_bounds_gradient_differences(data):
    X, Y = data
    L = lipschitz_constant(X)
    rng = np.random.default_rng(0)
    for _ in range(20):
        V, W = rng.standard_normal((2, 4, 3))
        diff = matgrad.grad_W(V, X, Y) - matgrad.grad_W(W, X, Y)
        assert np.linalg.norm(diff) <= L * np.linalg.norm(V - W) * (1 + 1e-12)
    # the bound is attained along the top eigenvector of X^T X
    top = np.linalg.eigh(X.T @ X)[1][:, -1]
    V = np.outer(top, [1.0, 0.0, 0.0])
    ratio = np.linalg.norm(matgrad.grad_W(V, X, Y) - matgrad.grad_W(0 * V, X, Y)) / np.linalg.norm(V)
    assert ratio == pytest.approx(L, rel=1e-10)


def test_strong_convexity_is_zero_for_wide_data():
    X = np.random.default_rng(0).standard_normal((3, 5))
    assert strong_convexity_constant(X) == 0.0


def test_contraction_factor(data):
    X, _ = data
    L, mu = lipschitz_constant(X), strong_convexity_constant(X)
    assert contraction_factor(X) == pytest.approx(1 - mu / L)
    assert contraction_factor(X, 2 / (L + mu)) == pytest.approx((L - mu) / (L + mu))
    assert contraction_factor(X, 2.5 / L) == pytest.approx(1.5)


def test_descent_flops():
    assert descent_flops(1000, 10, 2, 5) == 5 * 4 * 1000 * 10 * 2
    assert descent_flops(1000, 10, 2, 5, gram=True) == 2 * 1000 * 100 + 2 * 1000 * 10 * 2 + 5 * 2 * 100 * 2
    assert descent_flops(1000, 10, 2, 0, gram=True) == 2 * 1000 * 100 + 2 * 1000 * 10 * 2
    with pytest.raises(ValueError, match="n_iter"):
        descent_flops(10, 2, 1, -1)


# --- gradient descent ----------------------------------------------------------------------------


@pytest.mark.parametrize("gram", [False, True])
def test_reaches_the_lstsq_solution(data, gram):
    X, Y = data
    result = gradient_descent(X, Y, gram=gram)
    assert result.converged and not result.diverged
    assert relative(result.W, lstsq(X, Y)) < 1e-8
    assert result.step == pytest.approx(1 / lipschitz_constant(X))
    assert result.loss_history.shape == result.grad_norm_history.shape == (result.n_iter + 1,)
    assert result.grad_norm_history[-1] <= 1e-10 * max(1.0, result.grad_norm_history[0])


def test_vector_targets(data):
    X, Y = data
    y = Y[:, 0]
    result = gradient_descent(X, y)
    assert result.W.shape == (4,)
    assert relative(result.W, lstsq(X, y)) < 1e-8


def test_gram_and_plain_paths_agree(data):
    X, Y = data
    plain = gradient_descent(X, Y, max_iter=30, tol=0.0)
    gram = gradient_descent(X, Y, max_iter=30, tol=0.0, gram=True)
    assert plain.n_iter == gram.n_iter == 30
    assert relative(gram.W, plain.W) < 1e-12
    g0 = plain.grad_norm_history[0]
    np.testing.assert_allclose(gram.grad_norm_history, plain.grad_norm_history, rtol=1e-8, atol=1e-13 * g0)
    np.testing.assert_allclose(gram.loss_history[:10], plain.loss_history[:10], rtol=1e-10)


def test_one_step_from_a_given_start(data):
    X, Y = data
    W0 = np.random.default_rng(1).standard_normal((4, 3))
    result = gradient_descent(X, Y, W0=W0, step=0.1, max_iter=1, tol=0.0)
    np.testing.assert_allclose(result.W, W0 - 0.1 * matgrad.grad_W(W0, X, Y), rtol=1e-14)
    assert result.n_iter == 1 and not result.converged
    assert result.loss_history[0] == pytest.approx(matgrad.loss(W0, X, Y), rel=1e-14)


def test_path_records_every_iterate(data):
    X, Y = data
    result = gradient_descent(X, Y, max_iter=5, tol=0.0, keep_path=True)
    assert result.path.shape == (6, 4, 3)
    np.testing.assert_array_equal(result.path[-1], result.W)
    np.testing.assert_allclose(result.path[3], gradient_descent(X, Y, max_iter=3, tol=0.0).W, rtol=1e-15)
    assert gradient_descent(X, Y, max_iter=5).path is None


def test_starting_at_the_minimiser_converges_at_once():
    X = np.eye(3)
    result = gradient_descent(X, np.zeros(3))
    assert result.converged and result.n_iter == 0


def test_loss_is_monotone_for_step_one_over_L(data):
    X, Y = data
    result = gradient_descent(X, Y, max_iter=60, tol=0.0)
    losses = result.loss_history
    assert np.all(np.diff(losses) <= 1e-14 * losses[0])
    assert losses[-1] < losses[0] / 2


@pytest.mark.parametrize("factor", [1.0, 0.5, 1.5])
def test_linear_rate_bound(factor):
    # an ill-conditioned problem, so that the rate is slow enough to be seen over many steps
    X, _, Y = matgrad.make_regression(80, 3, 2, noise=0.3, seed=5)
    X = X * np.array([3.0, 1.0, 0.5])
    L = lipschitz_constant(X)
    rho = contraction_factor(X, factor / L)
    assert 0.9 < rho < 1
    W_star = lstsq(X, Y)
    loss_star = matgrad.loss(W_star, X, Y)
    history = gradient_descent(X, Y, step=factor / L, max_iter=80, tol=0.0)
    gaps = history.loss_history - loss_star
    for t in (1, 5, 20, 80):
        W_t = gradient_descent(X, Y, step=factor / L, max_iter=t, tol=0.0).W
        assert np.linalg.norm(W_t - W_star) <= rho**t * np.linalg.norm(W_star) * (1 + 1e-10)
        # the loss gap even shrinks like rho^(2t); the brief bound rho^t holds a fortiori
        assert gaps[t] <= rho ** (2 * t) * gaps[0] * (1 + 1e-8) + 1e-14
        assert gaps[t] <= rho**t * gaps[0]
    # the bound is not vacuous: the gap really does shrink geometrically, not faster than a strong bound
    assert gaps[80] > 0.0


@pytest.mark.parametrize("gram", [False, True])
def test_step_above_two_over_L_diverges_cleanly(data, gram):
    X, Y = data
    L = lipschitz_constant(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = gradient_descent(X, Y, step=2.5 / L, max_iter=10_000, gram=gram)
        huge = gradient_descent(X, Y, step=1e300, gram=gram)
    assert not result.converged and result.diverged
    assert result.n_iter < 10_000
    assert result.grad_norm_history[-1] > DIVERGENCE_FACTOR * result.grad_norm_history[0]
    assert not huge.converged and huge.diverged and "overflowed" in huge.message


def test_step_below_two_over_L_converges(data):
    X, Y = data
    L = lipschitz_constant(X)
    result = gradient_descent(X, Y, step=1.9 / L, max_iter=5000)
    assert result.converged and relative(result.W, lstsq(X, Y)) < 1e-8


def test_result_histories_are_read_only(data):
    result = gradient_descent(*data, max_iter=3)
    with pytest.raises(ValueError):
        result.loss_history[0] = 0.0
    assert "DescentResult(n_iter=3" in repr(result)


# --- Gram matrices ---------------------------------------------------------------------------------


def test_gram_loss_and_gradient_match_direct_formulas(data):
    X, Y = data
    XtX, XtY, YtY = gram_matrices(X, Y)
    W = np.random.default_rng(2).standard_normal((4, 3))
    assert gram_loss(W, XtX, XtY, YtY, len(X)) == pytest.approx(matgrad.loss(W, X, Y), rel=1e-12)
    np.testing.assert_allclose(gram_gradient(W, XtX, XtY, len(X)), matgrad.grad_W(W, X, Y), rtol=1e-11, atol=1e-13)


def test_gram_loss_loses_accuracy_by_cancellation():
    X, W_true, Y = matgrad.make_regression(60, 3, 1, noise=1e-7, seed=0)
    W = lstsq(X, Y)
    reference = exact_loss(W, X, Y)
    direct = matgrad.loss(W, X, Y)
    gram = gram_loss(W, *gram_matrices(X, Y), len(X))
    assert abs(direct - reference) / reference < 1e-6
    assert abs(gram - reference) / reference > 1e-3


def test_exact_loss_agrees_with_loss(data):
    X, Y = data
    W = np.random.default_rng(4).standard_normal((4, 3))
    assert exact_loss(W, X, Y) == pytest.approx(matgrad.loss(W, X, Y), rel=1e-13)
    assert exact_loss(np.array([1.0, 2.0]), np.eye(2), np.zeros(2)) == 2.5


# --- mini-batches ----------------------------------------------------------------------------------


def test_minibatch_gradients_of_a_partition_average_to_the_full_gradient(data):
    X, Y = data
    W = np.random.default_rng(5).standard_normal((4, 3))
    batches = np.split(np.random.default_rng(6).permutation(len(X)), 8)  # 8 batches of 15 rows
    average = np.mean([minibatch_gradient(W, X, Y, b) for b in batches], axis=0)
    np.testing.assert_allclose(average, matgrad.grad_W(W, X, Y), rtol=1e-12, atol=1e-14)
    # one batch alone is a different (noisy) estimate
    assert relative(minibatch_gradient(W, X, Y, batches[0]), matgrad.grad_W(W, X, Y)) > 1e-3


def test_minibatch_gradient_is_unbiased_over_all_subsets():
    X, _, Y = matgrad.make_regression(6, 2, 2, seed=1)
    W = np.ones((2, 2))
    subsets = [np.array(s) for s in itertools.combinations(range(6), 2)]
    average = np.mean([minibatch_gradient(W, X, Y, s) for s in subsets], axis=0)
    np.testing.assert_allclose(average, matgrad.grad_W(W, X, Y), rtol=1e-12)
    np.testing.assert_allclose(minibatch_gradient(W, X, Y, np.arange(6)), matgrad.grad_W(W, X, Y), rtol=1e-13)


def test_sgd_is_seeded_and_makes_progress(data):
    X, Y = data
    step = 0.5 / lipschitz_constant(X)
    a = stochastic_gradient_descent(X, Y, batch_size=10, step=step, n_epochs=5, seed=7)
    b = stochastic_gradient_descent(X, Y, batch_size=10, step=step, n_epochs=5, seed=7)
    assert np.array_equal(a.W, b.W) and a.n_steps == 5 * 12 and a.loss_history.shape == (6,)
    assert a.loss_history[-1] < 1.5 * matgrad.loss(lstsq(X, Y), X, Y)
    assert not a.diverged


def test_sgd_with_full_batches_is_gradient_descent(data):
    X, Y = data
    sgd = stochastic_gradient_descent(X, Y, batch_size=len(X), n_epochs=7)
    gd = gradient_descent(X, Y, max_iter=7, tol=0.0)
    assert relative(sgd.W, gd.W) < 1e-12


def test_sgd_divergence_is_reported(data):
    X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = stochastic_gradient_descent(X, Y, batch_size=10, step=1e3, n_epochs=50)
    assert result.diverged and result.n_epochs < 50


# --- input errors ----------------------------------------------------------------------------------


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
        ({"W0": np.zeros((3, 3))}, ValueError, r"W0 has shape \(3, 3\).*\(4, 3\)"),
        ({"W0": np.zeros(4)}, ValueError, "W0"),
    ],
)
def test_gradient_descent_rejects_bad_options(data, kwargs, error, match):
    with pytest.raises(error, match=match):
        gradient_descent(*data, **kwargs)


def test_gradient_descent_rejects_bad_data(data):
    X, Y = data
    with pytest.raises(ValueError, match=r"\(120, 3\)"):
        gradient_descent(X, Y[:-1])
    with pytest.raises(ValueError, match="2-D"):
        gradient_descent(X[:, 0], Y)
    with pytest.raises(ValueError, match="non-finite"):
        gradient_descent(np.where(X > 2, np.nan, X), Y)
    with pytest.raises(TypeError, match="real"):
        gradient_descent(X + 0j, Y)
    with pytest.raises(TypeError):
        gradient_descent([["a"]], [[1.0]])
    with pytest.raises(ValueError, match="Lipschitz"):
        gradient_descent(np.zeros((3, 2)), np.ones(3))


def test_gram_functions_reject_bad_shapes(data):
    X, Y = data
    XtX, XtY, YtY = gram_matrices(X, Y)
    W = np.zeros((4, 3))
    with pytest.raises(ValueError, match="square"):
        gram_gradient(W, XtX[:, :3], XtY, len(X))
    with pytest.raises(ValueError, match=r"XtY has shape \(4, 2\)"):
        gram_loss(W, XtX, XtY[:, :2], YtY, len(X))
    with pytest.raises(ValueError, match="YtY"):
        gram_loss(W, XtX, XtY, -1.0, len(X))
    with pytest.raises(ValueError, match="N"):
        gram_gradient(W, XtX, XtY, 0)


def test_minibatch_rejects_bad_indices(data):
    X, Y = data
    W = np.zeros((4, 3))
    with pytest.raises(ValueError, match="0..119"):
        minibatch_gradient(W, X, Y, np.array([0, 120]))
    with pytest.raises(ValueError, match="non-empty"):
        minibatch_gradient(W, X, Y, np.array([], dtype=int))
    with pytest.raises(TypeError, match="boolean mask"):
        minibatch_gradient(W, X, Y, np.ones(120, dtype=bool))
    with pytest.raises(TypeError, match="integer"):
        minibatch_gradient(W, X, Y, np.array([0.5]))
    with pytest.raises(ValueError, match="batch_size"):
        stochastic_gradient_descent(X, Y, batch_size=121)


@pytest.mark.filterwarnings("error")  # no RuntimeWarning: the overflow is the verdict
@pytest.mark.parametrize("gram", [False, True])
def test_overflowing_targets_diverge_at_step_zero_without_warnings(gram):
    """||Y||^2 beyond float64: both paths report divergence at step 0 (the Gram path used to warn on X^T Y)."""
    X = np.random.default_rng(0).standard_normal((10, 2))
    result = gradient_descent(X, np.full(10, 1e155), gram=gram)
    assert result.diverged and result.n_iter == 0
    assert result.message.startswith("diverged after 0 steps: the loss or the gradient overflowed")


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("gram", [False, True])
def test_default_step_of_an_overflowing_lipschitz_constant_is_refused_on_both_paths(gram):
    with pytest.raises(ValueError, match=r"Lipschitz constant .* of X with shape \(4, 2\) overflows float64"):
        gradient_descent(np.full((4, 2), 1e160), np.ones(4), gram=gram)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("gram", [False, True])
def test_gram_matrix_of_inf_minus_inf_diverges_at_step_zero_without_warnings(gram):
    """(X^T X)_12 = (+inf) + (-inf): the NaN is reported as divergence, not as an 'invalid value' warning.

    2000 rows, so that the BLAS sums the overflowing products in separate blocks (within one block an FMA
    kernel keeps adding finite products to +inf and never forms inf - inf). The plain path never forms
    X^T X: its first gradient, (2e160, 0), is finite with a finite norm, and the step 1e-300, far above
    2/L, makes the second one 1e20 times larger.
    """
    X = np.vstack([np.tile([1e160, 1e160], (1000, 1)), np.tile([1e160, -1e160], (1000, 1))])
    Y = np.ones(2000)
    result = gradient_descent(X, Y, step=1e-300, gram=gram)
    if gram:
        assert result.diverged and result.n_iter == 0
        assert result.message.startswith("diverged after 0 steps: the loss or the gradient overflowed")
    else:
        assert result.diverged and result.n_iter == 1
        assert result.grad_norm_history[0] == pytest.approx(2e160, rel=1e-12)
        assert result.message.startswith("diverged after 1 steps: the gradient norm grew beyond 1e+12 times")
    assert "(step 1e-300; the Lipschitz constant L overflows float64;" in result.message
    with pytest.raises(ValueError, match="overflows float64"):
        gradient_descent(X, Y, gram=gram)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("gram", [False, True])
def test_an_overflowing_gram_matrix_is_reported_not_a_lapack_error(gram):
    """X of size 1e200: X^T X is +inf (no NaN), and LAPACK's eigvalsh would not converge on it.

    The default step is refused with the Lipschitz-constant error; a given step runs and reports divergence,
    and neither the message nor the repr speaks of a step of 'inf/L' or 'nan/L'.
    """
    X = 1e200 * np.random.default_rng(0).standard_normal((20, 3))
    Y = np.ones((20, 2))
    with pytest.raises(ValueError, match=r"Lipschitz constant .* of X with shape \(20, 3\) overflows float64"):
        gradient_descent(X, Y, gram=gram)
    result = gradient_descent(X, Y, step=1e-300, gram=gram)
    assert result.diverged and result.n_iter <= 1 and result.lipschitz == math.inf
    assert "(step 1e-300; the Lipschitz constant L overflows float64;" in result.message
    text = repr(result)
    assert "step=1e-300, gram=" in text and "/L" not in text


@pytest.mark.parametrize("tol", ["1e-3", None, [1e-3]])
def test_a_non_numeric_tol_is_a_type_error(tol):
    with pytest.raises(TypeError, match="tol must be a real number"):
        gradient_descent(np.eye(3), np.ones(3), tol=tol)


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize("scale", [1e-200, 1e-155])
def test_the_default_step_of_a_tiny_nonzero_X_is_refused_as_underflow(gram, scale):
    """sigma_max(X)^2 underflows to 0 (1e-200) or to a subnormal whose inverse overflows (1e-155).

    X is not zero, so the message must not say so, and the step must never be infinite.
    """
    X = scale * np.random.default_rng(0).standard_normal((10, 3))
    expected = "X\\^T X underflow float64" if gram else r"Lipschitz constant .* underflows float64.*pass step"
    with pytest.raises(ValueError, match=expected) as info:
        gradient_descent(X, np.ones(10), gram=gram)
    assert "X is zero" not in str(info.value)
    with pytest.raises(ValueError, match="X is zero"):
        gradient_descent(np.zeros((10, 3)), np.ones(10), gram=gram)


def test_the_gram_path_on_float32_data_takes_the_steps_of_the_plain_path():
    """X^T X and X^T Y are accumulated in float64, as the plain path's products with the float64 W are."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    Y = rng.standard_normal((40, 2)).astype(np.float32)
    plain = gradient_descent(X, Y)
    gram = gradient_descent(X, Y, gram=True)
    assert plain.converged and gram.converged and gram.n_iter == plain.n_iter
    np.testing.assert_allclose(gram.W, plain.W, rtol=1e-12, atol=1e-14)
    true_norm = np.linalg.norm(matgrad.grad_W(gram.W, X.astype(np.float64), Y.astype(np.float64)))
    assert gram.grad_norm_history[-1] == pytest.approx(true_norm, rel=1e-6, abs=1e-15)
    XtX, XtY, _ = matgrad.descent.gram_matrices(X, Y)
    assert XtX.dtype == XtY.dtype == np.float64


def test_the_lipschitz_constant_is_computed_in_float64_without_intermediate_overflow():
    """sigma^2 = 2e309 overflows, (2/N) sigma^2 = 2e306 does not; float32 data give the float64 value, so
    both paths take the same default step."""
    rng = np.random.default_rng(0)
    X = 1e153 * rng.standard_normal((1000, 2))
    sigma = np.linalg.svd(X / 1e153, compute_uv=False)[0]
    assert lipschitz_constant(X) == pytest.approx(2 * sigma**2 / 1000 * 1e306, rel=1e-12)
    X32 = np.vstack([2.1 * np.eye(4)[:, :3]] * 2).astype(np.float32)
    assert lipschitz_constant(X32) == lipschitz_constant(X32.astype(np.float64))
    Y32 = np.random.default_rng(1).standard_normal(8).astype(np.float32)
    plain, gram = gradient_descent(X32, Y32), gradient_descent(X32, Y32, gram=True)
    assert plain.n_iter == gram.n_iter and plain.step == pytest.approx(gram.step, rel=1e-12)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("gram", [False, True])
def test_a_step_whose_multiple_of_1_over_L_is_not_finite_is_shown_in_absolute_terms(gram):
    X = 1e5 * np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    result = gradient_descent(X, np.array([1.0, 2.0, 3.0]), step=1e300, gram=gram)  # step * L = inf
    assert result.diverged and "inf/L" not in result.message and "inf/L" not in repr(result)
    assert "(step 1e+300; L = " in result.message
    zero = gradient_descent(np.zeros((3, 2)), np.ones(3), step=1.0, max_iter=2, gram=gram)  # L = 0
    assert "0/L" not in repr(zero) and "0/L" not in zero.message


def test_the_gram_path_refuses_an_X_whose_products_underflow():
    """Entries below 2^-511: X^T X would be 0 and the Gram gradient wrong ('converged after 0 steps')."""
    X = np.array([[1e-200, 0.0], [0.0, 2e-200], [1e-200, 1e-200]])
    W0 = np.array([1e200, -1e200])
    with pytest.raises(ValueError, match="X\\^T X underflow float64.*gram=False"):
        gradient_descent(X, np.zeros(3), W0=W0, step=1.0, gram=True)
    plain = gradient_descent(X, np.zeros(3), W0=W0, step=1.0, tol=0.0, max_iter=5)
    assert not plain.converged and plain.grad_norm_history[0] > 0
