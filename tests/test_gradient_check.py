"""Tests of check_gradient: right gradients pass, wrong ones fail, entry by entry, and the verdict explains
itself with its cost and, on a failure, a diagnosis."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import matgrad
from matgrad import GradientCheck, check_gradient, grad_W, loss, make_regression
from matgrad.examples import log_det, log_det_grad, smooth_problems
from matgrad.gradient_check import decisive, entry_tolerance, rounding_error

METHODS = ["forward", "central", "richardson", "complex"]
EVALS_PER_ENTRY = {"forward": 1, "central": 2, "richardson": 4, "complex": 1}


def counted(f):
    """``f`` and a list that grows by one at each call."""
    calls = []

    def wrapped(x, *args):
        calls.append(1)
        return f(x, *args)

    return wrapped, calls


def regression(N=20, d=4, k=3, seed=1):
    X, _, Y = make_regression(N, d, k, seed=seed)
    W = np.random.default_rng(seed + 100).standard_normal((d, k))
    return W, X, Y


WRONG_GRADIENTS = {
    "missing factor 2": lambda W, X, Y: grad_W(W, X, Y) / 2,
    "missing 1/N": lambda W, X, Y: grad_W(W, X, Y) * len(X),
    "sign flipped": lambda W, X, Y: -grad_W(W, X, Y),
    "Y term dropped": lambda W, X, Y: 2 / len(X) * X.T @ (X @ W),
    "quadratic term once": lambda W, X, Y: 1 / len(X) * (X.T @ X @ W) - 2 / len(X) * X.T @ Y,
    "off by 1e-3": lambda W, X, Y: grad_W(W, X, Y) + 1e-3,
}


# --- verdicts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_right_gradient_passes_at_a_random_point(method):
    W, X, Y = regression()
    result = check_gradient(loss, grad_W, W, method=method, args=(X, Y))
    assert result.ok and bool(result) and result.method == method
    assert result.rel_error < {"forward": 1e-6, "central": 1e-9, "richardson": 1e-11, "complex": 1e-14}[method]
    assert not result.failed and result.diagnosis == "" and result.worst_ratio <= 1


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(WRONG_GRADIENTS))
def test_a_wrong_gradient_fails(method, name):
    W, X, Y = regression()
    result = check_gradient(loss, WRONG_GRADIENTS[name], W, method=method, args=(X, Y))
    assert not result.ok and "NOT ok" in result.message and result.worst_ratio > 1
    assert result.failed and result.worst_index in result.failed


def test_mistakes_that_depend_on_W_vanish_at_zero_and_are_caught_at_a_random_point():
    W, X, Y = regression()
    for name in ("quadratic term once", "Y term dropped"):
        wrong = WRONG_GRADIENTS[name]
        caught = check_gradient(loss, wrong, W, args=(X, Y))
        assert not caught.ok, name
    # at W = 0 the quadratic term vanishes, and so does the mistake in it
    assert check_gradient(loss, WRONG_GRADIENTS["quadratic term once"], np.zeros_like(W), args=(X, Y)).ok


@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(0, 10_000))
def test_property_right_passes_wrong_fails(N, d, k, seed):
    X, _, Y = make_regression(N, d, k, seed=seed)
    W = np.random.default_rng(seed).standard_normal((d, k))
    assert check_gradient(loss, grad_W, W, args=(X, Y))
    if np.linalg.norm(grad_W(W, X, Y)) > 1e-6:  # a wrong gradient is detectable only where it is not ~0
        assert not check_gradient(loss, lambda *a: 1.5 * grad_W(*a), W, args=(X, Y))


@pytest.mark.parametrize("method", METHODS)
def test_smooth_non_quadratic_functions(method):
    for p in smooth_problems(5):
        assert check_gradient(p.f, p.grad, p.x, method=method).ok, p.name
        assert not check_gradient(p.f, lambda x, p=p: 1.01 * p.grad(x), p.x, method=method).ok, p.name
    A = smooth_problems(5)[1].x  # the classic log-det mistake: A^{-1} instead of A^{-T}
    assert not check_gradient(log_det, np.linalg.inv, A, method=method)


@pytest.mark.parametrize("scale", [1e-100, 1e-8, 1e8, 1e100])
@pytest.mark.parametrize("method", METHODS)
def test_the_verdict_does_not_depend_on_the_scale_of_f(method, scale):
    p = smooth_problems(6)[3]  # softplus: not quadratic
    assert check_gradient(lambda x: scale * p.f(x), lambda x: scale * p.grad(x), p.x, method=method)
    assert not check_gradient(lambda x: scale * p.f(x), lambda x: 1.01 * scale * p.grad(x), p.x, method=method)


def test_the_verdict_does_not_depend_on_the_units_of_the_variables():
    """f(x) = phi(x / s) with s from 1e-6 to 1e6: the checker sees entries near 1e-6 next to entries near 1e6.
    An error of 1 % in one entry, whichever, is caught, and the right gradient passes."""
    rng = np.random.default_rng(3)
    s = 10.0 ** np.linspace(-6, 6, 12)
    A = rng.standard_normal((12, 12))
    A = A @ A.T / 12 + np.eye(12)

    def f(x):
        z = x / s
        return float(np.log1p(np.exp(z @ A @ z / 12)) + np.sum(np.tanh(z)))

    def grad(x):
        z = x / s
        q = z @ A @ z / 12
        return ((2 * A @ z / 12) / (1 + np.exp(-q)) + 1 - np.tanh(z) ** 2) / s

    x = rng.standard_normal(12) * s
    right = check_gradient(f, grad, x)
    assert right.ok and right.rel_error < 1e-8 and not right.unresolved
    for i in range(12):
        wrong = check_gradient(f, lambda v, i=i: grad(v) * (1 + 0.01 * (np.arange(12) == i)), x)
        assert not wrong.ok and wrong.failed == ((i,),), i
    stale = check_gradient(f, lambda v: grad(v * (1 + 1e-2 * (np.arange(12) % 3 == 0))), x)
    assert not stale.ok


def test_entries_far_below_one_are_differenced_on_their_own_scale():
    A = np.random.default_rng(1).standard_normal((4, 4)) * 1e-4  # log|det A|, gradient entries ~1e4
    right = check_gradient(log_det, log_det_grad, A)
    assert right.ok and right.rel_error < 1e-8 and right.n_evals == 2 * 16 + 1
    assert not check_gradient(log_det, lambda a: log_det_grad(a) * (1 + 0.01 * (np.arange(16) == 5).reshape(4, 4)), A)


def test_a_function_of_size_1e16_far_from_a_minimum():
    W, X, Y = regression(20, 4, 2, seed=0)
    Y = 1e8 * Y  # |f| ~ 1e16
    assert check_gradient(loss, grad_W, W, args=(X, Y)).ok
    one_entry = (np.arange(8) == 3).reshape(4, 2)
    assert not check_gradient(loss, lambda *a: grad_W(*a) * (1 + 0.01 * one_entry), W, args=(X, Y)).ok
    assert not check_gradient(loss, lambda *a: 2 * grad_W(*a), W, args=(X, Y)).ok


def test_a_large_constant_offset_is_rounding_noise_not_a_false_alarm():
    W, X, Y = regression(20, 3, 2, seed=20)
    result = check_gradient(lambda w: 1e8 + loss(w, X, Y), lambda w: grad_W(w, X, Y), W)
    assert result.ok
    assert not check_gradient(lambda w: 1e8 + loss(w, X, Y), lambda w: 2 * grad_W(w, X, Y), W).ok


@pytest.mark.parametrize("noise", [1e-1, 1e-6, 1e-9])
@pytest.mark.parametrize("seed", range(2))
def test_no_false_alarm_at_a_minimum(noise, seed):
    X, _, Y = make_regression(50, 4, 2, noise=noise, seed=seed)
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    for method in METHODS:
        assert check_gradient(loss, grad_W, W_star, method=method, args=(X, Y)), method
    for method in ("central", "richardson", "complex"):
        assert check_gradient(loss, grad_W, W_star, method=method, n_directions=3, args=(X, Y)), method
    # a mistake that does not vanish at the minimum is caught there
    assert not check_gradient(loss, lambda *a: grad_W(*a) + 1e-3, W_star, args=(X, Y))
    assert not check_gradient(loss, lambda *a: grad_W(*a) + 1e-3, W_star, n_directions=3, args=(X, Y))


def test_at_a_minimum_the_result_says_which_entries_it_cannot_vouch_for():
    X, _, Y = make_regression(50, 4, 2, noise=1e-9, seed=0)
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    result = check_gradient(loss, grad_W, W_star, args=(X, Y))
    assert result.ok and result.unresolved and "Caution" in result.message
    assert set(result.unresolved) <= {tuple(int(i) for i in idx) for idx in np.ndindex(W_star.shape)}


def test_at_a_large_minimum_the_measured_curvature_sets_the_noise_floor():
    # a minimiser of size about 3,000: there the gradient is rounding noise of about 1e-12, which the first
    # comparison cannot tell from a mistake; the curvature, measured in the re-check, widens the tolerance to
    # that noise and no further
    X, _, Y = make_regression(40, 4, 3, seed=3)
    Y = Y + 1000 * X @ np.ones((4, 3))
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    for kwargs, offset in (({"method": "complex"}, 1e-9), ({"n_directions": 4}, 1e-10)):
        right = check_gradient(loss, grad_W, W_star, args=(X, Y), **kwargs)
        wrong = check_gradient(loss, lambda *a, c=offset: grad_W(*a) + c, W_star, args=(X, Y), **kwargs)
        assert right.ok and not wrong.ok, kwargs
    complex_step = check_gradient(loss, grad_W, W_star, method="complex", args=(X, Y))
    assert len(complex_step.rechecked) == 12 and complex_step.n_evals == 1 + 12 + 2 * 12  # central differences
    directional = check_gradient(loss, grad_W, W_star, n_directions=4, args=(X, Y))
    assert "made the check measure the curvature along each direction" in directional.message


# --- float32 ---------------------------------------------------------------------------------------------------


def float32_loss(X, Y):
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    return lambda w: np.sum((X32 @ w.astype(np.float32) - Y32) ** 2) / np.float32(len(X32))


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_a_float32_function_is_checked_with_float32_steps_and_says_so(method):
    W, X, Y = regression(40, 4, 3, seed=21)
    f32 = float32_loss(X, Y)
    W32 = W.astype(np.float32)
    g = lambda w: grad_W(w, X.astype(np.float32).astype(float), Y.astype(np.float32).astype(float))  # noqa: E731
    result = check_gradient(f32, g, W32, method=method)
    assert result.ok, result.message
    assert "f returned float32 values" in result.message and "x had dtype float32" in result.message
    assert not check_gradient(f32, lambda w: 0.5 * g(w), W32, method=method)
    assert not check_gradient(f32, lambda w: g(w) * (1 + 0.05 * (np.arange(12) == 4).reshape(4, 3)), W32)


def test_a_float32_point_with_a_float64_function_keeps_float64_accuracy():
    W, X, Y = regression(10, 3, 2, seed=23)
    result = check_gradient(loss, grad_W, W.astype(np.float32), args=(X, Y))
    assert result.ok and result.rel_error < 1e-9
    assert "float32" in result.message and "f returned" not in result.message


def test_a_float32_function_directional_mode():
    W, X, Y = regression(40, 4, 3, seed=22)
    f32 = float32_loss(X, Y)
    g = lambda w: grad_W(w, X.astype(np.float32).astype(float), Y.astype(np.float32).astype(float))  # noqa: E731
    assert check_gradient(f32, g, W, n_directions=3).ok
    assert not check_gradient(f32, lambda w: -g(w), W, n_directions=3).ok


# --- the error model ---------------------------------------------------------------------------------------------


def test_the_rounding_error_is_the_documented_model():
    x = np.array([2.0, -0.5, 3.0])
    values, steps = np.array([4.0, 4.0, 5.0]), np.array([1e-5, 2e-6, 3e-5])
    numerical, curvature = np.array([1.0, -2.0, 0.5]), np.array([4.0, 1.0, 9.0])
    u = 1e-16
    arguments = 2.0 * 1.0 + 0.5 * 2.0 + 3.0 * 0.5
    second = np.sqrt(curvature) * (2.0 * 2.0 + 1.0 * 0.5 + 3.0 * 3.0)
    expected = u * (values + arguments) / steps + u * second
    np.testing.assert_allclose(rounding_error(values, steps, numerical, curvature, x, u), expected, rtol=1e-12)
    one = rounding_error(values[1], steps[1], numerical, curvature, x, u, entry=1)
    assert one == pytest.approx(expected[1], rel=1e-12)


def test_the_rounding_error_does_not_change_when_a_variable_is_rescaled():
    rng = np.random.default_rng(0)
    x, D, c = rng.standard_normal(5), rng.standard_normal(5), rng.random(5)
    s = np.array([1e-6, 1.0, 1e3, 1e6, 2.0])  # x -> s x: derivatives / s, curvatures / s^2, steps * s
    values, steps = np.full(5, 3.0), 1e-5 * np.abs(x)
    before = rounding_error(values, steps, D, c, x, 1e-16)
    after = rounding_error(values, steps * s, D / s, c / s**2, x * s, 1e-16)
    np.testing.assert_allclose(after, before / s, rtol=1e-12)  # the same relative to the derivative


def test_the_tolerance_comes_from_the_numerical_side_and_decisiveness_from_sizes():
    D, e = np.array([1.0, -2.0, 0.0]), np.array([1e-12, 1e-12, 1e-9])
    expected = [1e-6 + 5e-12 + 1e-3, 2e-6 + 5e-12 + 1e-3, 5e-9 + 1e-3]  # rtol |D| + 5 e + atol
    np.testing.assert_allclose(entry_tolerance(D, e, 1e-6, 1e-3), expected)
    g = np.array([1.0, -2.0, 1e-8])
    assert decisive(np.array([1e-4, 1e-4, 1e-9]), g, D).tolist() == [True, True, True]  # 1e-9 < 1e-6 * 2
    assert decisive(np.array([1e-2, 1e-4, 1e-5]), g, D).tolist() == [False, True, False]


def test_a_wrong_gradient_cannot_widen_its_own_tolerance():
    W, X, Y = regression()
    right = check_gradient(loss, grad_W, W, args=(X, Y))
    wrong = check_gradient(loss, lambda *a: 1e6 * grad_W(*a), W, args=(X, Y), h=matgrad.default_step(W))
    same = check_gradient(loss, grad_W, W, args=(X, Y), h=matgrad.default_step(W))
    np.testing.assert_array_equal(wrong.tolerances, same.tolerances)
    assert right.ok and not wrong.ok


# --- costs ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_right_gradient_costs_the_first_pass_only_at_a_generic_point(method):
    W, X, Y = regression(10, 3, 2, seed=16)
    f, calls = counted(loss)
    result = check_gradient(f, grad_W, W, method=method, args=(X, Y))
    assert result.ok and not result.rechecked
    assert result.n_evals == len(calls) == EVALS_PER_ENTRY[method] * W.size + 1


@pytest.mark.parametrize("name", sorted(WRONG_GRADIENTS))
def test_costs_stay_within_2n_plus_1_plus_2_per_recheck_and_4n_plus_1(name):
    for p in [*smooth_problems(1), *smooth_problems(2)]:
        n = p.x.size
        f, calls = counted(p.f)
        right = check_gradient(f, p.grad, p.x)
        assert right.n_evals == len(calls) == 2 * n + 1 + 2 * len(right.rechecked), p.name
        f, calls = counted(p.f)
        wrong = check_gradient(f, lambda x, p=p: 1.5 * p.grad(x), p.x)
        assert not wrong.ok and wrong.n_evals == len(calls) <= 4 * n + 1, p.name
    W, X, Y = regression()
    f, calls = counted(loss)
    wrong = check_gradient(f, WRONG_GRADIENTS[name], W, args=(X, Y))
    assert wrong.n_evals == len(calls) <= 4 * W.size + 1


def test_an_entry_that_disagrees_is_re_checked_and_said_so():
    W, X, Y = regression()
    one_entry = np.zeros_like(W)
    one_entry[1, 2] = 1e-2
    result = check_gradient(loss, lambda *a: grad_W(*a) + one_entry, W, args=(X, Y))
    assert not result.ok and result.failed == ((1, 2),) and result.worst_index == (1, 2)
    assert result.rechecked == ((1, 2),) and result.n_evals == 2 * W.size + 1 + 2
    assert result.verdict() == "NOT ok: 1 entry beyond tolerance (central, 27 evaluations of f)"
    assert "1 entry the first pass could not decide" in result.message


def test_the_users_step_is_used_as_given_with_no_recheck():
    W, X, Y = regression()
    f, points = counted(loss)
    result = check_gradient(f, lambda *a: 2 * grad_W(*a), W, h=1e-3, args=(X, Y))
    assert not result.ok and not result.rechecked and len(points) == 2 * W.size + 1


# --- the result and its message ---------------------------------------------------------------------------------


def test_the_result_carries_the_numerical_gradient_and_the_tolerances():
    W, X, Y = regression()
    result = check_gradient(loss, grad_W, W, args=(X, Y))
    assert isinstance(result, GradientCheck) and result.numerical.shape == W.shape == result.tolerances.shape
    np.testing.assert_allclose(result.numerical, grad_W(W, X, Y), rtol=1e-8)
    assert np.all(np.abs(result.numerical - grad_W(W, X, Y)) <= result.tolerances)
    assert "\n" not in repr(result) and repr(result).startswith("GradientCheck(ok=True")
    assert str(result) == result.message


def test_the_message_states_the_rule_the_cost_and_on_a_failure_the_worst_entry_and_diagnosis():
    W, X, Y = regression()
    good = check_gradient(loss, grad_W, W, args=(X, Y))
    assert good.message.startswith("ok: all 12 entries agree with central differences")
    assert "rtol = 1e-06 of its size plus 5 times the rounding error" in good.message
    assert "Cost: 25 evaluations of f." in good.message
    bad = check_gradient(loss, lambda *a: 2 * grad_W(*a), W, args=(X, Y))
    assert bad.message.startswith("NOT ok: 12 of 12 entries differ")
    assert "The worst is entry" in bad.message and bad.diagnosis in bad.message
    assert "2 times" in bad.diagnosis


def test_verdict_lines():
    W, X, Y = regression(10, 3, 2, seed=11)
    good = check_gradient(loss, grad_W, W, args=(X, Y))
    assert good.verdict() == "ok: all entries within tolerance (central, 13 evaluations of f)"
    bad = check_gradient(loss, lambda *a: grad_W(*a) / 2, W, args=(X, Y))
    assert bad.verdict() == "NOT ok: 6 entries beyond tolerance (central, 25 evaluations of f)"


@pytest.mark.parametrize(
    ("mistake", "phrase"),
    [
        (lambda g, W: 2 * g, "2 times"),
        (lambda g, W: -g, "negative"),
        (lambda g, W: g.T, "transpose"),
        (lambda g, W: g + 0.5 * W, "times x"),
        (lambda g, W: g + np.outer(np.arange(3) == 1, np.ones(3)), "row 1"),
        (lambda g, W: g + np.random.default_rng(7).standard_normal(g.shape), "No simple pattern"),
    ],
)
def test_a_failure_names_the_likely_mistake(mistake, phrase):
    W, X, Y = regression(20, 3, 3, seed=24)  # square W, so that a transposed gradient has the right shape
    result = check_gradient(loss, lambda W_, X_, Y_: mistake(grad_W(W_, X_, Y_), W_), W, args=(X, Y))
    assert not result.ok and phrase in result.diagnosis and phrase in result.message


# --- directional mode ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, per_direction", [("central", 2), ("richardson", 4), ("complex", 1)])
def test_directional_mode_costs_per_direction_and_catches_mistakes(method, per_direction):
    for p in smooth_problems(2):
        f, calls = counted(p.f)
        right = check_gradient(f, p.grad, p.x, method=method, n_directions=3)
        assert right.ok and right.n_evals == len(calls) == 3 * per_direction, p.name
        assert not check_gradient(p.f, lambda x, p=p: 1.01 * p.grad(x), p.x, method=method, n_directions=3)


def test_directional_mode_catches_each_mistake_with_two_directions():
    W, X, Y = regression(50, 6, 4, seed=18)
    for name, wrong in WRONG_GRADIENTS.items():
        for seed in range(5):
            assert not check_gradient(loss, wrong, W, n_directions=2, seed=seed, args=(X, Y)), (name, seed)


def test_directional_mode_says_what_its_tolerance_lets_through():
    W, X, Y = regression()
    result = check_gradient(loss, grad_W, W, n_directions=3, seed=5, args=(X, Y))
    assert result.ok and "random unit directions (seed 5)" in result.message
    escape = r"relative error of 1 % would pass all 3 directions with probability about (\S+)\."
    match = re.search(escape, result.message)
    assert match and float(match.group(1)) < 1e-6
    bad = check_gradient(loss, lambda *a: grad_W(*a) / 2, W, n_directions=3, args=(X, Y))
    assert not bad.ok and bad.n_evals == 7 and "1 more evaluation, f(x)" in bad.message
    assert "1/2" in bad.diagnosis or "0.5 times" in bad.diagnosis or "half" in bad.diagnosis


def test_directional_options():
    W, X, Y = regression(10, 3, 2, seed=17)
    assert check_gradient(loss, grad_W, W, n_directions=2, h=0.5, args=(X, Y))  # quadratic: any step
    with pytest.raises(TypeError, match="h must be a real number"):
        check_gradient(loss, grad_W, W, n_directions=2, h=np.ones((3, 2)), args=(X, Y))
    with pytest.raises(ValueError, match="too inaccurate"):
        check_gradient(loss, grad_W, W, n_directions=2, method="forward", args=(X, Y))


# --- what users pass -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, phrase",
    [
        ({"method": "magic"}, ValueError, "method must be one of"),
        ({"rtol": -1.0}, ValueError, "^rtol must be a finite non-negative number"),
        ({"atol": float("inf")}, ValueError, "^atol"),
        ({"rtol": "1e-6"}, TypeError, "rtol"),
        ({"n_directions": 0}, ValueError, "^n_directions must be at least 1"),
        ({"n_directions": 2.5}, TypeError, "n_directions"),
        ({"args": [1]}, TypeError, "args must be a tuple"),
    ],
)
def test_bad_options(kwargs, exc, phrase):
    with pytest.raises(exc, match=phrase):
        check_gradient(lambda x, *a: float(np.sum(x**2)), lambda x, *a: 2 * x, np.ones(3), **kwargs)


def test_not_callable():
    with pytest.raises(TypeError, match="^grad must be callable"):
        check_gradient(lambda x: 0.0, np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="^f must be callable"):
        check_gradient(np.ones(3), lambda x: x, np.ones(3))


@pytest.mark.parametrize(
    ("x", "value", "fragment"),
    [
        (np.ones(3), [np.nan, 1.0, -np.inf], "returned 2 non-finite value(s)"),
        (np.ones(2), np.ones(3), "grad(x) has shape (3,) but x has shape (2,)"),
        (np.ones((2, 3)), np.ones((3, 2)), "transposed: a Jacobian in numerator layout?"),
        (np.ones((2, 3)), np.ones(6), "same number of entries: reshape it to the shape of x"),
        (np.ones(2), np.array([1.0 + 1.0j, 2.0]), "complex values for a real function of real x"),
        (np.ones(3), ["a", "b", "c"], "grad(x) returned a non-numeric value"),
        (np.ones(3), None, "grad(x) returned a non-numeric value: None"),
    ],
)
def test_an_unusable_gradient_is_a_failed_check_with_the_reason(x, value, fragment):
    result = check_gradient(lambda v: float(np.sum(v**2)), lambda v: value, x)
    assert not result.ok and np.isnan(result.rel_error) and fragment in result.message
    assert result.n_evals == 0 and result.verdict() == result.message


def test_a_gradient_that_raises_is_a_failed_check():
    def raising(v):
        raise ZeroDivisionError("no gradient here")

    result = check_gradient(lambda v: float(np.sum(v**2)), raising, np.ones(3), n_directions=2)
    assert not result.ok and result.n_directions == 2 and "raised ZeroDivisionError: no gradient here" in result.message


def test_a_list_and_a_real_complex_array_are_usable_gradients():
    x = np.array([1.0, -2.0, 0.5])
    assert check_gradient(lambda v: float(np.sum(v**2)), lambda v: [2 * float(t) for t in v], x).ok
    assert check_gradient(lambda v: float(np.sum(v**2)), lambda v: (2 * v).astype(complex), x).ok


@pytest.mark.parametrize("n_directions", [None, 2])
def test_an_empty_point_passes(n_directions):
    assert check_gradient(lambda v: 1.0, np.zeros_like, np.zeros((0, 3)), n_directions=n_directions).ok


def test_a_scalar_x():
    assert check_gradient(lambda t: float(np.sin(t)), np.cos, np.float64(0.3)).ok
    wrong = check_gradient(lambda t: float(np.sin(t)), lambda t: 2 * np.cos(t), np.float64(0.3))
    assert not wrong.ok and wrong.failed == ((),) and wrong.rechecked == ((),)


def test_integer_x_and_a_zero_gradient():
    assert check_gradient(lambda x: float(np.sum(x**3)), lambda x: 3 * x**2, np.array([1, 2, 3])).ok
    assert check_gradient(lambda x: 3.0, lambda x: np.zeros_like(x), np.ones(4)).ok
    assert not check_gradient(lambda x: float(np.sum(x)), lambda x: np.zeros_like(x), np.ones(4)).ok


def test_f_that_is_not_finite_is_an_error_not_a_verdict():
    with pytest.raises(ValueError, match="not finite"):
        check_gradient(lambda x: float("nan"), lambda x: np.zeros_like(x), np.ones(2))


def test_the_complex_step_through_norm_is_refused_and_through_vdot_lies():
    with pytest.raises(ValueError, match="complex step"):
        check_gradient(lambda x: float(np.linalg.norm(x) ** 2), lambda x: 2 * x, np.ones(3), method="complex")
    x = np.array([1.0, -2.0, 0.5])
    assert check_gradient(lambda x: np.vdot(x, x), lambda v: 2 * v, x)  # central differences are fine
    assert not check_gradient(lambda x: np.vdot(x, x), lambda v: 2 * v, x, method="complex").ok


def test_a_step_that_overshoots_the_scale_of_f_is_re_checked_with_a_smaller_one():
    """Offsets near 1e6 that f varies on a scale of 1: the relative step c |x_i| ~ 6 overshoots."""
    centre = 1e6 * np.array([1.3, 0.7, 2.1, 1.9])
    x = centre + np.array([0.3, -0.8, 1.1, 0.05])

    def f(v):
        return float(np.sum(np.log(np.cosh(v - centre))))

    def grad(v):
        return np.tanh(v - centre)

    right = check_gradient(f, grad, x)
    assert right.ok and right.rechecked and right.rel_error < 1e-6
    assert not check_gradient(f, lambda v: grad(v) * (1 + 0.01 * (np.arange(4) == 2)), x).ok


def test_a_re_check_outside_the_domain_of_f_leaves_the_entry_undecided():
    x = np.array([2e-3, 5e-3, 1e-2])

    def f(v):  # a large offset makes the first pass noisy; the re-check's larger steps leave the domain
        if np.any(v <= 1.9e-3):
            return float("nan")
        return 1e13 + float(np.sum(np.log(v)))

    result = check_gradient(f, lambda v: 1 / v, x)
    assert result.ok and result.n_evals == 2 * 3 + 1 + 2 * len(result.rechecked)
    assert set(result.rechecked) <= set(result.unresolved) and "not finite at their" in result.message


# --- kinks: where f has no derivative, the check says so instead of naming a mistake ---------------------------


def _relu_sum(x):
    return float(np.sum(np.maximum(x - 1.0, 0.0)))  # kinks where an entry is 1


def _relu_sum_grad(x):
    return (x > 1.0).astype(float)


@pytest.mark.parametrize("offset", [0.0, 1e-13, -1e-12])
def test_a_difference_across_a_kink_is_reported_as_a_kink(offset):
    # entry 0 sits on (or within the step of) a kink: its central difference mixes the slopes 0 and 1
    x = np.array([1.0 + offset, 2.3, -0.7, 3.1])
    result = check_gradient(_relu_sum, _relu_sum_grad, x)
    assert not result.ok and result.failed == ((0,),)
    assert "kink" in result.diagnosis and "(0)" in result.diagnosis
    assert "smooth surrogate" in result.diagnosis


def test_away_from_a_kink_a_right_gradient_passes():
    x = np.array([1.001, 2.3, -0.7, 3.1])  # the kink is 1e-3 away, far beyond the step
    assert check_gradient(_relu_sum, _relu_sum_grad, x).ok


def test_a_kink_inside_the_first_step_only_is_stepped_over_by_the_re_check():
    x = np.array([1.0 + 1e-9, 2.3, -0.7, 3.1])  # within the first step (6e-6), beyond the re-check's
    result = check_gradient(_relu_sum, _relu_sum_grad, x)
    assert result.ok and result.rechecked == ((0,),)


def test_a_kink_and_a_mistake_elsewhere_are_both_named():
    # f(W) = sum relu(W - C) + sum W^2 has a kink where W = C; the claim forgets the 2 of d(W^2) = 2 W dW
    rng = np.random.default_rng(3)
    C = rng.standard_normal((3, 4))
    W = rng.standard_normal((3, 4))
    W[1, 2] = C[1, 2]

    def f(V):
        return float(np.sum(np.maximum(V - C, 0.0)) + np.sum(V**2))

    result = check_gradient(f, lambda V: (V > C).astype(float) + V, W)
    assert not result.ok and len(result.failed) == 12
    assert "kink" in result.diagnosis and "(1, 2)" in result.diagnosis
    assert "times x" in result.diagnosis  # the others differ by -W: a term proportional to x


def test_a_slightly_wrong_gradient_of_a_strongly_curved_function_is_not_called_a_kink():
    # the one-sided slopes differ by more than the error here, but their gap shrinks with the step
    x = np.random.default_rng(4).uniform(0.5, 1.5, 5)
    wrong = lambda x: 10 * np.exp(10 * x) * (1 + 3e-6)  # noqa: E731
    result = check_gradient(lambda x: float(np.sum(np.exp(10 * x))), wrong, x)
    assert not result.ok and "kink" not in result.message


def test_a_smooth_function_with_a_wrong_gradient_is_not_called_a_kink():
    # large curvature, but smooth: the gap between the one-sided slopes shrinks with the step
    x = np.array([0.3, -0.2, 0.9])
    for wrong in (lambda x: 5 * np.exp(5 * x) + 1e-3, lambda x: 4.9 * np.exp(5 * x)):
        result = check_gradient(lambda x: float(np.sum(np.exp(5 * x))), wrong, x)
        assert not result.ok and "kink" not in result.diagnosis
