"""Tests written to kill the mutants of ``matgrad.descent`` that survived mutation testing.

Each test states a documented property of gradient descent or stochastic gradient descent that the other
tests left unchecked: errors that name the offending argument, the boolean fields and the repr of the
results, the Gram path's refusal of a zero ``X``, the divergence rule when the loss or the gradient
overflows (verdict, wording, no warning), and the divergence rule of SGD at its threshold
``DIVERGENCE_FACTOR**2`` times the initial loss (the loss analogue of the gradient rule).
The Gram block iteration itself (``_gram_descent``) is covered elsewhere.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import matgrad

gd = importlib.import_module("matgrad.descent")


def descent_problem(seed=0, N=30, d=4, k=2):
    X, _, Y = matgrad.make_regression(N, d, k, seed=seed)
    return X, Y


# ---------------------------------------------------------------------------------------------------
# errors name the offending argument
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gram", [False, True])
@pytest.mark.parametrize(
    ("W0", "error", "pattern"),
    [
        (np.ones((4, 2)) * 1j, TypeError, r"^W0 must be real"),
        (np.full((4, 2), np.nan), ValueError, r"^W0 contains"),
        ([["a"] * 2] * 4, TypeError, r"^W0 must be numeric"),
    ],
    ids=["complex", "nan", "string"],
)
def test_bad_starting_point_is_named_W0(gram, W0, error, pattern):
    X, Y = descent_problem()
    with pytest.raises(error, match=pattern):
        matgrad.gradient_descent(X, Y, W0=W0, gram=gram)
    with pytest.raises(error, match=pattern):
        matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=5, W0=W0)


@pytest.mark.parametrize(
    ("step", "error", "pattern"),
    [(-1.0, ValueError, r"^step must be a finite positive number"), ("1", TypeError, r"^step must be a real number")],
)
@pytest.mark.parametrize("gram", [False, True])
def test_bad_step_is_named_step(gram, step, error, pattern):
    X, Y = descent_problem()
    with pytest.raises(error, match=pattern):
        matgrad.gradient_descent(X, Y, step=step, gram=gram)


@pytest.mark.parametrize(("args", "name"), [((0, 3, 2, 5), "N"), ((10, 0, 2, 5), "d"), ((10, 3, 0, 5), "k")])
def test_descent_flops_names_the_bad_shape(args, name):
    with pytest.raises(ValueError, match=rf"^{name} must be at least 1"):
        gd.descent_flops(*args)
    with pytest.raises(TypeError, match=rf"^{name} must be an integer"):
        gd.descent_flops(*(1.5 if i == "Ndk".index(name) else a for i, a in enumerate(args)))


# ---------------------------------------------------------------------------------------------------
# the default step on the Gram path: refused for a zero X only when it is the default
# ---------------------------------------------------------------------------------------------------


def test_gram_path_refuses_the_default_step_of_a_zero_X_but_runs_with_a_given_step():
    X = np.zeros((3, 2))
    Y = np.array([1.0, -2.0, 0.5])
    for gram in (False, True):
        with pytest.raises(ValueError, match="X is zero, so the Lipschitz constant is 0"):
            matgrad.gradient_descent(X, Y, gram=gram)
        # with a given step there is nothing to refuse: the gradient (2/N) X^T (X W - Y) is exactly zero
        result = matgrad.gradient_descent(X, Y, step=0.1, gram=gram)
        assert result.converged and not result.diverged and result.n_iter == 0
        assert result.lipschitz == 0.0 and result.step == 0.1
        np.testing.assert_array_equal(result.W, np.zeros(2))


# ---------------------------------------------------------------------------------------------------
# results: independent arrays, boolean fields, repr
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gram", [False, True])
def test_result_W_does_not_alias_the_starting_point(gram):
    """Started at the minimiser the iteration stops at once; result.W is still a new array, not W0 itself."""
    X = np.eye(2)
    Y = np.array([[3.0], [-1.0]])
    W0 = Y.copy()  # R = X W0 - Y = 0 exactly
    result = matgrad.gradient_descent(X, Y, W0=W0, gram=gram)
    assert result.converged and result.n_iter == 0
    np.testing.assert_array_equal(result.W, W0)
    assert not np.shares_memory(result.W, W0)
    result.W[...] = 7.0  # the caller's array is left alone
    np.testing.assert_array_equal(W0, Y)


def test_result_fields_and_repr_show_the_flags_and_the_batch_size():
    X, Y = descent_problem(seed=1)
    result = matgrad.gradient_descent(X, Y, max_iter=2)
    assert result.gram is False and result.converged is False and result.diverged is False
    assert "gram=False" in repr(result)
    sgd = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=7, n_epochs=2)
    assert sgd.diverged is False and sgd.batch_size == 7
    assert "batch_size=7, diverged=False" in repr(sgd)


def test_repr_shows_the_final_loss_and_gradient_norm():
    """After one step the loss has changed in its third digit: the repr shows the last entry."""
    X, Y = descent_problem(seed=2)
    result = matgrad.gradient_descent(X, Y, max_iter=1, tol=0.0)
    losses, norms = result.loss_history, result.grad_norm_history
    assert len(losses) == 2 and f"{losses[0]:.3e}" != f"{losses[1]:.3e}"
    text = repr(result)
    assert f"final loss {losses[1]:.3e}, final gradient norm {norms[1]:.3e})" in text
    assert text.startswith(f"DescentResult(n_iter=1, converged=False, diverged=False, step={result.step:.3g} (= 1/L)")


# ---------------------------------------------------------------------------------------------------
# gradient descent: divergence by overflow
# ---------------------------------------------------------------------------------------------------


def overflow_message(t, units):
    what = "the loss or the gradient overflowed"
    return f"diverged after {t} steps: {what} (step {units:.3g}/L; steps above 2/L diverge)"


def test_a_step_that_overflows_diverges_at_once_without_warnings():
    """step = 1e308: W_1 has infinite entries, so X W_1 (inf - inf) and the gradient are NaN.

    Documented: diverged when the loss or gradient is no longer finite, no overflow warning is emitted.
    The non-finite gradient norm is recorded as inf, on both paths alike, with the same wording.
    """
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5, 3))
    Y = rng.standard_normal((5, 2))
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for gram in (False, True):
            results[gram] = result = matgrad.gradient_descent(X, Y, step=1e308, gram=gram)
            assert result.diverged and not result.converged and result.n_iter == 1
            # step * L overflows (inf/L would say nothing): the step is given in absolute terms, with L
            expected = overflow_message(1, 1.0).replace("(step 1/L;", f"(step 1e+308; L = {result.lipschitz:.3g};")
            assert result.message == expected
            assert np.isfinite(result.grad_norm_history[0]) and np.isfinite(result.loss_history[0])
            assert result.grad_norm_history[1] == np.inf
    np.testing.assert_array_equal(results[True].grad_norm_history, results[False].grad_norm_history)
    assert results[True].message == results[False].message


def test_an_overflowing_loss_with_a_finite_gradient_is_divergence():
    """Y has a huge component orthogonal to the column of X: the loss overflows, the gradient does not.

    Documented: diverged when "the loss or gradient is no longer finite", so already at t = 0.
    """
    X = np.array([[1.0], [0.0]])
    Y = np.array([0.0, 1e155])  # ||R||^2 / N > 1e308, grad L = (2/N) X^T R = W stays small
    result = matgrad.gradient_descent(X, Y, W0=[1.0])
    assert result.diverged and not result.converged and result.n_iter == 0
    assert result.loss_history[0] == np.inf and result.grad_norm_history[0] == 1.0
    assert result.message == overflow_message(0, 1.0)


def test_plain_descent_does_not_depend_on_the_callers_error_state():
    """The iteration handles tiny and non-finite values itself: np.errstate(all='raise') changes nothing.

    Here the loss, then the gradient, underflow on the way to the minimiser 0.
    """
    X, Y = np.array([[1.0]]), np.array([0.0])
    kwargs = {"W0": [1.0], "step": 0.375, "tol": 0.0, "max_iter": 2000}
    reference = matgrad.gradient_descent(X, Y, **kwargs)
    with np.errstate(all="raise"):
        result = matgrad.gradient_descent(X, Y, **kwargs)
    assert result.n_iter == reference.n_iter > 100
    assert (result.converged, result.diverged) == (reference.converged, reference.diverged)
    np.testing.assert_array_equal(result.loss_history, reference.loss_history)
    np.testing.assert_array_equal(result.W, reference.W)


# ---------------------------------------------------------------------------------------------------
# stochastic gradient descent: the divergence rule
# ---------------------------------------------------------------------------------------------------


def one_row_sgd(y, step, n_epochs, **kwargs):
    """N = d = 1, X = [[1]]: every epoch is one step w <- w - 2 step (w - y), the error scales by 1 - 2 step."""
    return matgrad.descent.stochastic_gradient_descent([[1.0]], [y], batch_size=1, step=step, n_epochs=n_epochs, **kwargs)


def test_sgd_stops_at_the_first_loss_beyond_the_divergence_threshold():
    """Error factor -10 per epoch from loss 1: the loss after epoch t is 10^(2t), all exact but 10^24.

    At t = 12 the loss equals DIVERGENCE_FACTOR**2 times the initial loss (not beyond it); at t = 13 it is
    beyond: SGD stops there, and not later.
    """
    result = one_row_sgd(1.0, 5.5, 200)
    h = result.loss_history
    threshold = gd.DIVERGENCE_FACTOR**2 * h[0]
    assert h[0] == 1.0 and result.diverged and result.n_epochs == result.n_steps == 13
    assert h[12] == threshold and h[13] > threshold
    assert np.all(h[:-1] <= threshold)
    np.testing.assert_array_equal(h, [10.0 ** (2 * t) for t in range(14)])


def test_sgd_threshold_is_relative_to_the_initial_loss():
    """Error factor -3 per epoch: loss 9^t, beyond 1e24 first at t = 26 (9^25 < 1e24 < 9^26)."""
    result = one_row_sgd(1.0, 2.0, 200)
    h = result.loss_history
    assert result.diverged and result.n_epochs == 26
    assert h[-1] > gd.DIVERGENCE_FACTOR**2 * h[0] >= h[-2]


def test_sgd_stops_at_the_first_non_finite_loss():
    """The initial loss (1e-170)^2 underflows to 0, so only a non-finite loss can stop the run.

    With step 1e150 the error scales by about -2e150 per epoch: the losses are 0, 4e-40, 1.6e261, inf.
    """
    result = one_row_sgd(1e-170, 1e150, 10)
    h = result.loss_history
    assert result.diverged
    assert not np.isfinite(h[-1]) and np.all(np.isfinite(h[:-1]))
    assert h[0] == 0.0 and result.n_epochs == 3


@pytest.mark.parametrize("scale", [1.0, 1.4e-162])
def test_sgd_fluctuating_around_the_minimiser_is_not_divergence(scale):
    """X = [[1], [1]], Y = [s, -s]: the minimiser is 0, where SGD starts; with the step 1/L each batch of one
    row moves w to that row's target, so the loss doubles from s^2 to 2 s^2 and stays there.

    That fluctuation is what constant-step SGD does; it is not divergence, at any scale, also when s^2
    underflows to 0 and 2 s^2 does not.
    """
    s = scale
    result = matgrad.descent.stochastic_gradient_descent([[1.0], [1.0]], [s, -s], batch_size=1, n_epochs=3)
    assert result.diverged is False and result.n_epochs == 3 and result.n_steps == 6
    assert np.all(result.loss_history[1:] > 0)
    assert result.loss_history[1] == result.loss_history[-1]


def test_sgd_overflow_emits_no_warning():
    """SGD handles overflow like gradient descent: a divergence verdict, no RuntimeWarning.

    Batches of one row with step 1e300: W overflows within the first epoch and then turns NaN (inf - inf).
    """
    X, Y = descent_problem(seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = matgrad.descent.stochastic_gradient_descent(X, Y, batch_size=1, step=1e300, n_epochs=5)
    assert result.diverged and result.n_epochs == 1 and not np.isfinite(result.loss_history[-1])


def test_sgd_does_not_depend_on_the_callers_error_state():
    """The loss underflows on the way to the minimiser 0: np.errstate(all='raise') changes nothing."""
    kwargs = {"W0": [1.0], "n_epochs": 600}
    reference = one_row_sgd(0.0, 0.375, **kwargs)
    with np.errstate(all="raise"):
        result = one_row_sgd(0.0, 0.375, **kwargs)
    assert result.n_epochs == reference.n_epochs == 600 and not result.diverged
    np.testing.assert_array_equal(result.loss_history, reference.loss_history)
    np.testing.assert_array_equal(result.W, reference.W)


def test_the_gram_path_accepts_X_whose_largest_entry_is_exactly_2_to_the_minus_511():
    """Kills x_gradient_descent__mutmut_29 ('largest < _GRAM_MIN_ENTRY' made '<=').

    The Gram path refuses an X whose entries are all below 2^-511, because then the products in X^T X are
    subnormal or 0. At exactly 2^-511 they are not: X = [[2^-511]] has X^T X = 2^-1022, the smallest
    normal float64, so L = 2^-1021 and the default step 2^1021 are exact, and one step reaches the
    minimiser W = 2^511 exactly (gradient exactly 0), as on the plain path.
    """
    X = np.array([[2.0**-511]])
    Y = np.array([1.0])
    gram = matgrad.gradient_descent(X, Y, gram=True, tol=0.0)  # g_0 = 2^-510 would meet the default tol
    plain = matgrad.gradient_descent(X, Y, tol=0.0)
    assert gram.lipschitz == plain.lipschitz == 2.0**-1021
    assert gram.converged and gram.n_iter == plain.n_iter == 1
    np.testing.assert_array_equal(gram.W, [2.0**511])
