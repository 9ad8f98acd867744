"""Tests of check_gradient: right gradients pass, wrong ones fail, verdicts explain themselves."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from recording import recorded

import matgrad
from matgrad import GradientCheck, check_gradient, grad_W, loss, make_regression
from matgrad.examples import log_det, log_det_grad, smooth_problems
from matgrad.gradient_check import compare_gradients, within_tolerance

METHODS = ["forward", "central", "richardson", "complex"]


def loss_pair(X, Y):
    return (lambda w: loss(w, X, Y)), (lambda w: grad_W(w, X, Y))


WRONG_GRADIENTS = {
    "missing factor 2": lambda X, Y: lambda w: grad_W(w, X, Y) / 2,
    "missing 1/N": lambda X, Y: lambda w: grad_W(w, X, Y) * len(X),
    "sign flipped": lambda X, Y: lambda w: -grad_W(w, X, Y),
    "Y term dropped": lambda X, Y: lambda w: 2 / len(X) * X.T @ (X @ w),
    "X^T X W only once": lambda X, Y: lambda w: 2 / len(X) * (X.T @ X @ w) - 1 / len(X) * X.T @ Y,
    "off by 1e-3": lambda X, Y: lambda w: grad_W(w, X, Y) + 1e-3,
}


@pytest.mark.parametrize("method", METHODS)
def test_right_gradient_passes(method):
    X, _, Y = make_regression(20, 4, 3, seed=1)
    f, g = loss_pair(X, Y)
    result = check_gradient(f, g, np.zeros((4, 3)), method=method)
    assert result.ok and bool(result)
    assert result.rel_error < {"forward": 1e-6, "central": 1e-9, "richardson": 1e-11, "complex": 1e-14}[method]
    assert result.method == method


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(WRONG_GRADIENTS))
def test_wrong_gradient_fails(method, name):
    X, _, Y = make_regression(20, 4, 3, seed=1)
    f, _ = loss_pair(X, Y)
    result = check_gradient(f, WRONG_GRADIENTS[name](X, Y), np.ones((4, 3)), method=method)
    assert not result.ok and not bool(result)
    assert "NOT ok" in result.message and "largest difference" in result.message


@pytest.mark.parametrize("scale", [1e-100, 1e-8, 1e8, 1e100])
def test_no_false_alarm_for_extreme_scales(scale):
    X, _, Y = make_regression(10, 3, 2, seed=5)
    W = np.ones((3, 2))
    # scale the function value
    assert check_gradient(lambda w: scale * loss(w, X, Y), lambda w: scale * grad_W(w, X, Y), W)
    # scale the data (values and gradient scale together)
    s = np.sqrt(scale)
    assert check_gradient(lambda w: loss(w, s * X, s * Y), lambda w: grad_W(w, s * X, s * Y), W)
    # and a wrong gradient is still caught at that scale
    assert not check_gradient(lambda w: scale * loss(w, X, Y), lambda w: scale * grad_W(w, X, Y) / 2, W)


def test_large_x_entries():
    X, _, Y = make_regression(10, 3, 2, seed=6)
    W = np.full((3, 2), 1e6)
    assert check_gradient(*loss_pair(X, Y), W)
    assert not check_gradient(loss_pair(X, Y)[0], lambda w: grad_W(w, X, Y) * 1.01, W)


def test_integer_x():
    result = check_gradient(lambda x: float(np.sum(x**3)), lambda x: 3 * x**2, np.array([1, 2, 3]))
    assert result.ok


def test_float32_x_checked_in_float64_with_note():
    x = np.array([0.5, 1.5], dtype=np.float32)
    result = check_gradient(lambda v: float(np.sum(v**3)), lambda v: 3 * v**2, x)
    assert result.ok
    assert "float32" in result.message and "float64" in result.message


def test_repr_is_one_line_and_verdict_is_robust():
    X, _, Y = make_regression(10, 3, 2, seed=11)
    result = check_gradient(*loss_pair(X, Y), np.ones((3, 2)))
    assert isinstance(result, GradientCheck)
    assert "\n" not in repr(result) and repr(result).startswith("GradientCheck(ok=True")
    assert result.verdict(1e-8) == "ok: relative error < 1e-08 (central, 13 evaluations of f)"
    assert result.verdict().startswith("ok: relative error <= tolerance")
    assert str(result) == result.message


def test_zero_gradient_everywhere():
    assert check_gradient(lambda x: 3.0, lambda x: np.zeros_like(x), np.ones(4))
    assert not check_gradient(lambda x: float(np.sum(x)), lambda x: np.zeros_like(x), np.ones(4))


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"method": "magic"}, ValueError),
        ({"rtol": -1.0}, ValueError),
        ({"n_directions": 0}, ValueError),
        ({"n_directions": 2.5}, TypeError),
        ({"atol": float("inf")}, ValueError),
        ({"rtol": "1e-6"}, TypeError),
        ({"n_directions": 2, "method": "forward"}, ValueError),
    ],
)
def test_bad_options(kwargs, exc):
    with pytest.raises(exc):
        check_gradient(lambda x: float(np.sum(x**2)), lambda x: 2 * x, np.ones(3), **kwargs)


def test_not_callable():
    with pytest.raises(TypeError, match="grad must be callable"):
        check_gradient(lambda x: 0.0, np.ones(3), np.ones(3))


@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(0, 10_000))
def test_property_right_passes_wrong_fails(N, d, k, seed):
    X, _, Y = make_regression(N, d, k, seed=seed)
    W = np.random.default_rng(seed).standard_normal((d, k))
    f, g = loss_pair(X, Y)
    assert check_gradient(f, g, W)
    G = g(W)
    if np.linalg.norm(G) > 1e-6:  # a wrong gradient is detectable only where the gradient is not ~0
        assert not check_gradient(f, lambda w: 1.5 * g(w), W)


# --- the explanation of the verdict ---


def test_message_says_which_tolerance_relative_to_what():
    X, _, Y = make_regression(10, 3, 2, seed=12)
    result = check_gradient(*loss_pair(X, Y), np.ones((3, 2)))
    text = result.message
    assert text.startswith("ok: relative error ")
    assert f"divided by {result.scale:.3g}, the norm of the gradient" in text
    assert "the tolerance is rtol = 1e-06 plus 100 times the estimated rounding error" in text
    assert "central differences over all 6 entries, 13 evaluations of f" in text
    assert result.tolerance == pytest.approx(1e-6 + 100 * result.error_estimate / result.scale)
    assert result.rel_error == pytest.approx(result.abs_error / result.scale)


def test_directional_message_and_verdict():
    X, _, Y = make_regression(10, 3, 2, seed=13)
    result = check_gradient(*loss_pair(X, Y), np.ones((3, 2)), n_directions=3, seed=5)
    assert "random unit directions (seed 5)" in result.message and "largest slope" in result.message
    assert result.verdict(below=1e-8) == "ok: relative error < 1e-08 (central, 6 evaluations of f)"
    bad = check_gradient(loss_pair(X, Y)[0], lambda w: grad_W(w, X, Y) / 2, np.ones((3, 2)), n_directions=3)
    # a failure costs one more evaluation, f(x), for the curvature term (see the minimum tests)
    assert bad.verdict(below=1e-8) == "NOT ok: relative error >= 1e-08 (central, 7 evaluations of f)"
    assert "The largest difference is along direction" in bad.message
    assert bad.worst_index is not None and 0 <= bad.worst_index[0] < 3


def test_atol_and_rtol_are_used_and_reported():
    X, _, Y = make_regression(10, 3, 2, seed=14)
    f, g = loss_pair(X, Y)
    result = check_gradient(f, g, np.ones((3, 2)), rtol=1e-3, atol=0.5)
    assert "rtol = 1e-03" in result.message and "plus atol 5.0e-01" in result.message
    assert result.tolerance == pytest.approx(1e-3 + (100 * result.error_estimate + 0.5) / result.scale)
    # an error of 10% passes a 20% rtol and fails the default
    assert check_gradient(f, lambda w: 1.1 * g(w), np.ones((3, 2)), rtol=0.2)
    assert not check_gradient(f, lambda w: 1.1 * g(w), np.ones((3, 2)))


def test_rounding_estimate_alone_covers_central_differences_of_the_loss():
    # the loss is quadratic (no truncation error), so even rtol=0 passes: the error is all rounding
    X, _, Y = make_regression(30, 4, 3, seed=15)
    for seed in range(5):
        W = np.random.default_rng(seed).standard_normal((4, 3))
        assert check_gradient(*loss_pair(X, Y), W, rtol=0)


@pytest.mark.parametrize("method, per_entry", [("forward", 1), ("central", 2), ("richardson", 4), ("complex", 1)])
def test_full_check_costs(method, per_entry):
    X, _, Y = make_regression(10, 3, 2, seed=16)
    result = check_gradient(*loss_pair(X, Y), np.ones((3, 2)), method=method)
    assert result.n_evals == per_entry * 6 + 1
    assert result.verdict(below=1e-3) == f"ok: relative error < 1e-03 ({method}, {per_entry * 6 + 1} evaluations of f)"


# --- directional mode with every method it supports ---


@pytest.mark.parametrize("method, per_direction", [("central", 2), ("richardson", 4), ("complex", 1)])
def test_directional_methods(method, per_direction):
    for p in smooth_problems(2):
        calls = []

        def f(x, p=p, calls=calls):
            calls.append(1)
            return p.f(x)

        right = check_gradient(f, p.grad, p.x, method=method, n_directions=3)
        assert right.ok and right.n_evals == len(calls) == 3 * per_direction, p.name
        wrong = check_gradient(p.f, lambda x, p=p: 1.01 * p.grad(x), p.x, method=method, n_directions=3)
        assert not wrong.ok, p.name


def test_directional_accuracy_follows_the_method():
    p = smooth_problems(0)[3]
    errors = {m: check_gradient(p.f, p.grad, p.x, method=m, n_directions=4).rel_error for m in ("central", "complex")}
    assert errors["complex"] < 1e-14 < 1e-12 < errors["central"] < 1e-8


def test_directional_step_and_forward_rejection():
    X, _, Y = make_regression(10, 3, 2, seed=17)
    f, g = loss_pair(X, Y)
    assert check_gradient(f, g, np.ones((3, 2)), n_directions=2, h=0.5)  # quadratic: any step works
    with pytest.raises(TypeError, match="h must be a real number"):
        check_gradient(f, g, np.ones((3, 2)), n_directions=2, h=np.ones((3, 2)))
    with pytest.raises(ValueError, match="too inaccurate"):
        check_gradient(f, g, np.ones((3, 2)), n_directions=2, method="forward")


def test_directional_check_catches_each_mistake_with_two_directions():
    # a wrong gradient is caught unless its error is orthogonal to every random direction
    X, _, Y = make_regression(50, 6, 4, seed=18)
    f, _ = loss_pair(X, Y)
    W = np.random.default_rng(0).standard_normal((6, 4))
    for name, make in WRONG_GRADIENTS.items():
        for seed in range(5):
            assert not check_gradient(f, make(X, Y), W, n_directions=2, seed=seed), (name, seed)


# --- no false alarms: smooth functions, scales, offsets, minima ---


@pytest.mark.parametrize("method", METHODS)
def test_smooth_non_quadratic_functions(method):
    for p in smooth_problems(5):
        result = check_gradient(p.f, p.grad, p.x, method=method)
        assert result.ok, (p.name, result.message)
    # the classic mistake for log det: A^{-1} instead of A^{-T}
    A = smooth_problems(5)[1].x
    assert not check_gradient(log_det, np.linalg.inv, A, method=method)
    assert check_gradient(log_det, log_det_grad, A, method=method)


@pytest.mark.parametrize("scale", [1e-150, 1e-8, 1e8, 1e150])
@pytest.mark.parametrize("method", METHODS)
def test_scales_for_every_method(method, scale):
    p = smooth_problems(6)[3]  # softplus: non-quadratic
    f = lambda x: scale * p.f(x)  # noqa: E731
    assert check_gradient(f, lambda x: scale * p.grad(x), p.x, method=method)
    assert not check_gradient(f, lambda x: 1.01 * scale * p.grad(x), p.x, method=method)
    if method != "forward":
        assert check_gradient(f, lambda x: scale * p.grad(x), p.x, method=method, n_directions=3)
        assert not check_gradient(f, lambda x: 1.01 * scale * p.grad(x), p.x, method=method, n_directions=3)


def test_large_constant_offset_raises_the_rounding_estimate_not_a_false_alarm():
    X, _, Y = make_regression(20, 3, 2, seed=20)
    f, g = loss_pair(X, Y)
    W = np.ones((3, 2))
    result = check_gradient(lambda w: 1e9 + f(w), g, W)
    assert result.ok
    assert result.error_estimate > 1e3 * check_gradient(f, g, W).error_estimate


def test_failed_forward_check_is_confirmed_with_central_differences():
    X, W_true, Y = make_regression(30, 3, 2, noise=0.0, seed=4)
    f, g = loss_pair(X, Y)
    # at the exact minimum forward differences see only their truncation error h f''/2: not a false alarm
    result = check_gradient(f, g, W_true, method="forward")
    # (the central tolerance, 3.9e3, is too loose for Richardson differences to decide: they are not tried)
    assert result.ok and result.n_evals == 7 + 13 and result.method == "forward"
    assert "verdict was taken with central differences" in result.message and "In total 20" in result.message
    # a wrong gradient stays wrong, with the same explanation and cost
    wrong = check_gradient(f, lambda w: g(w) + 1.0, W_true + 1.0, method="forward")
    assert not wrong.ok and "largest difference" in wrong.message
    # (x has entries below 1, so the failure is also confirmed with steps relative to |x_i|: 4 n + 1 more)
    assert wrong.n_evals == 20 + 25 and "steps relative to |x_i| (25 more evaluations of f) failed as well" in (
        wrong.message
    )
    # a passing forward check costs n + 1 evaluations only
    assert check_gradient(f, g, W_true + 1.0, method="forward").n_evals == 7


@pytest.mark.parametrize("noise", [1e-1, 1e-6, 1e-9])
@pytest.mark.parametrize("seed", range(2))
def test_no_false_alarm_at_minimum_with_small_residual(noise, seed):
    # near-perfect fits: the gradient at the minimiser is pure rounding noise of size ~ u ||f''|| ||W||
    X, _, Y = make_regression(50, 4, 2, noise=noise, seed=seed)
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    f, g = loss_pair(X, Y)
    for method in METHODS:
        assert check_gradient(f, g, W_star, method=method), method
    for method in ("central", "richardson", "complex"):
        assert check_gradient(f, g, W_star, method=method, n_directions=3), method
    # while a wrong gradient is still rejected there (it is not ~0 at the minimum)
    assert not check_gradient(f, lambda w: g(w) + 1e-3, W_star)
    assert not check_gradient(f, lambda w: g(w) + 1e-3, W_star, n_directions=3)


def test_failures_are_confirmed_with_a_curvature_estimate():
    X, _, Y = make_regression(50, 4, 2, noise=1e-3, seed=0)
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    f, g = loss_pair(X, Y)
    # complex step, full: n + 1 evaluations, then 2n + 1 for the curvature (it cannot see f'')
    result = check_gradient(f, g, W_star, method="complex")
    assert result.ok and result.n_evals in (9, 9 + 17)
    wrong = check_gradient(f, lambda w: g(w) + 1e-3, W_star, method="complex")
    assert not wrong.ok and wrong.n_evals == 9 + 17 and "central second differences" in wrong.message
    # directional: one more evaluation, f(x), gives the second differences along all m directions
    wrong = check_gradient(f, lambda w: g(w) + 1e-3, W_star, n_directions=3)
    assert not wrong.ok and wrong.n_evals == 7 and "1 more evaluation (f(x))" in wrong.message
    wrong = check_gradient(f, lambda w: g(w) + 1e-3, W_star, n_directions=3, method="complex")
    assert not wrong.ok and wrong.n_evals == 3 + 1 + 6
    # a passing directional check costs exactly 2m
    assert check_gradient(f, g, W_star + 1.0, n_directions=3).n_evals == 6


# --- precision: float32 values of f ---


def float32_loss(X, Y):
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    return lambda w: np.sum((X32 @ w.astype(np.float32) - Y32) ** 2) / np.float32(len(X32))


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_float32_function_is_checked_with_float32_steps_and_a_note(method):
    X, _, Y = make_regression(40, 4, 3, seed=21)
    f32 = float32_loss(X, Y)
    W = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    g = lambda w: grad_W(w, X.astype(np.float32).astype(float), Y.astype(np.float32).astype(float))  # noqa: E731
    result = check_gradient(f32, g, W, method=method)
    assert result.ok, result.message
    assert "f returned float32 values" in result.message and "default rtol was raised" in result.message
    assert "x had dtype float32" in result.message
    # still a real check that catches a factor 2 (forward differences in float32 are the weakest: u^(1/2) ~ 3e-4)
    assert result.tolerance < (0.5 if method == "forward" else 0.05)
    assert not check_gradient(f32, lambda w: 0.5 * g(w), W, method=method)
    explicit = check_gradient(f32, g, W, method=method, rtol=0.05)
    assert "raised" not in explicit.message and explicit.tolerance >= 0.05


def test_float32_function_directional_mode():
    X, _, Y = make_regression(40, 4, 3, seed=22)
    f32 = float32_loss(X, Y)
    W = np.random.default_rng(2).standard_normal((4, 3))
    g = lambda w: grad_W(w, X.astype(np.float32).astype(float), Y.astype(np.float32).astype(float))  # noqa: E731
    result = check_gradient(f32, g, W, n_directions=3)
    assert result.ok and "float32" in result.message
    # the first direction is redone with a float32 step (2 m + 2); the float32 noise leaves the central pass
    # undecided next to slopes of this size, so Richardson differences confirm it (4 m + 4 more)
    assert result.n_evals == (2 * 3 + 2) + (4 * 3 + 4) and "verdict was taken with Richardson" in result.message
    assert not check_gradient(f32, lambda w: -g(w), W, n_directions=3)


def test_float32_point_with_float64_function_keeps_float64_accuracy():
    X, _, Y = make_regression(10, 3, 2, seed=23)
    W = np.ones((3, 2), dtype=np.float32)
    result = check_gradient(*loss_pair(X, Y), W)
    assert result.ok and result.rel_error < 1e-9 and result.tolerance < 1e-5
    assert "float32" in result.message and "f returned" not in result.message


# --- f misbehaving, and the complex-step pitfalls ---


def test_f_returning_nan_is_an_error_not_a_verdict():
    with pytest.raises(ValueError, match="not finite"):
        check_gradient(lambda x: float("nan"), lambda x: np.zeros_like(x), np.ones(2))


def test_complex_step_through_norm_is_refused():
    f = lambda x: float(np.linalg.norm(x) ** 2)  # noqa: E731
    with pytest.raises(ValueError, match="complex step"):
        check_gradient(f, lambda x: 2 * x, np.ones(3), method="complex")
    with pytest.raises(ValueError, match="complex step"):
        check_gradient(lambda x: np.linalg.norm(x) ** 2, lambda x: 2 * x, np.ones(3), method="complex", n_directions=2)


def test_complex_step_through_vdot_rejects_the_right_gradient():
    # documented pitfall: vdot conjugates, the imaginary part cancels, the complex step sees slope 0
    f = lambda x: np.vdot(x, x)  # noqa: E731
    x = np.array([1.0, -2.0, 0.5])
    assert check_gradient(f, lambda v: 2 * v, x)  # central differences are fine
    result = check_gradient(f, lambda v: 2 * v, x, method="complex")
    assert not result.ok and "numerical 0" in result.message


# --- the mistakes people write for the least-squares gradient ---


def test_gallery_of_mistakes():
    N, d, k = 20, 3, 3  # square W, so that a transposed (Jacobian) answer has the right shape
    X, _, Y = make_regression(N, d, k, seed=24)
    W = np.random.default_rng(3).standard_normal((d, k))
    f, g = loss_pair(X, Y)
    mistakes = {
        "Jacobian (numerator layout)": lambda w: g(w).T,
        "X W^T model": lambda w: 2 / N * X.T @ (X @ w.T - Y),
        "missing inner sum": lambda w: 2 / N * (np.sum(X**2, axis=0)[:, None] * w - X.T @ Y),
        "Y dropped": lambda w: 2 / N * X.T @ X @ w,
    }
    assert check_gradient(f, g, W)
    for name, wrong in mistakes.items():
        assert wrong(W).shape == W.shape, name  # shape checks alone would not catch these
        result = check_gradient(f, wrong, W)
        assert not result.ok and result.rel_error > 1e-2, name
    # with d != k the same mistakes are caught by shape, with a hint for the transposed one
    X2, _, Y2 = make_regression(N, 3, 2, seed=25)
    result = check_gradient(*loss_pair(X2, Y2)[:1], lambda w: grad_W(w, X2, Y2).T, np.ones((3, 2)))
    assert "numerator layout" in result.message
    result = check_gradient(loss_pair(X2, Y2)[0], lambda w: 2 / N * X2.T @ (X2 @ w.T - Y2), np.ones((3, 2)))
    assert not result.ok and "raised ValueError" in result.message


# --- passes with a tolerance too loose to decide are confirmed with Richardson differences -------------------


def _float32_least_squares(N=100, d=100, k=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d)).astype(np.float32)
    Y = rng.standard_normal((N, k)).astype(np.float32)
    W = rng.standard_normal((d, k)).astype(np.float32)

    def f32(w):
        return np.float32(np.sum((X @ w.astype(np.float32) - Y) ** 2) / N)

    def grad(w):
        return grad_W(w, X.astype(np.float64), Y.astype(np.float64))

    return f32, grad, W


@pytest.mark.parametrize("factor", [2.0, -1.0])
def test_a_wrong_gradient_of_a_float32_function_is_rejected(factor):
    """With 2000 entries, central differences of a float32 f have a rounding estimate so large that the
    tolerance exceeded 1: a doubled, negated or 1.5x gradient passed. Richardson decides instead."""
    f32, grad, W = _float32_least_squares()
    wrong = check_gradient(f32, lambda w: factor * grad(w), W)
    assert not wrong.ok and wrong.method == "central"
    right = check_gradient(f32, grad, W)
    assert right.ok and right.n_evals == (2 * W.size + 1) + (4 * W.size + 1)


def test_a_wrong_gradient_with_large_values_of_f_is_rejected():
    """Targets of size 1e8 make |f| ~ 1e16 next to a gradient ~ 1e9: the central tolerance was 0.55, and a
    doubled gradient (relative error 0.5) passed without a caution."""
    X, W, Y = make_regression(20, 4, 2, seed=0)
    Y = 1e8 * Y
    f, g = loss_pair(X, Y)
    right = check_gradient(f, g, W)
    assert right.ok and right.tolerance < 0.05 and right.method == "central"
    assert right.n_evals == (2 * W.size + 1) + (4 * W.size + 1)
    assert same_figures(right, check_gradient(f, g, W, method="richardson", h=matgrad.default_step(W, "richardson")))
    assert "Richardson differences, whose larger steps have less rounding error" in right.message
    wrong = check_gradient(f, lambda w: 2.0 * g(w), W)
    assert not wrong.ok and wrong.rel_error == pytest.approx(0.5, rel=1e-3)
    assert "a tolerance too loose to tell a wrong gradient from a right one" in wrong.message
    assert f"which confirm the discrepancy it measured, with relative error {wrong.rel_error:.2e}" in wrong.message


def test_a_wrong_directional_check_of_a_float32_function_is_rejected():
    f32, grad, W = _float32_least_squares()
    assert check_gradient(f32, grad, W, n_directions=5).ok
    assert not check_gradient(f32, lambda w: 2.0 * grad(w), W, n_directions=5).ok


def test_a_decisive_pass_or_a_loose_tolerance_of_the_callers_own_is_not_re_checked():
    X, W, Y = make_regression(20, 4, 2, seed=0)
    f, g = loss_pair(X, Y)
    assert check_gradient(f, g, W).n_evals == 2 * W.size + 1
    loose = check_gradient(f, g, W, atol=0.04)  # the caller's atol (tolerance ~0.3): no Richardson, a caution
    assert loose.ok and loose.n_evals == 2 * W.size + 1 and "Caution: with this tolerance" in loose.message


# --- failures at small scales are re-judged with steps relative to |x_i| ------------------------------------


def _small_scale_cases():
    from matgrad.examples import log_det, log_det_grad

    A = np.eye(3) + 0.3 * np.random.default_rng(1).standard_normal((3, 3))
    x = 1e-3 * np.random.default_rng(0).standard_normal(5)
    return [
        ("log det of 1e-3 A", log_det, log_det_grad, 1e-3 * A),
        ("quartic near its minimum", lambda v: float(np.sum(v**4)) / 4, lambda v: v**3, x),
        ("cubic at 1e-4", lambda v: float(np.sum(v**3)), lambda v: 3 * v**2, 1e-4 * np.array([1.0, -2.0, 3.0])),
    ]


@pytest.mark.parametrize("case", range(3))
def test_no_false_alarm_for_functions_of_small_variables(case):
    """These functions vary on the scale |x_i| << 1, where the default step c max(|x_i|, 1) is too large:
    the truncation error made central differences fail on the right gradient (found in review)."""
    _, f, g, x = _small_scale_cases()[case]
    result = check_gradient(f, g, x)
    assert result.ok and result.tolerance <= 0.05
    assert not check_gradient(f, lambda v: 1.05 * g(v), x)  # and a 5 % error is still caught


@pytest.mark.parametrize("n_directions", [None, 5])
def test_a_pass_at_a_minimum_costs_no_confirmation(n_directions):
    """At a minimum the gradient is rounding noise for every method: the pass stands, at its usual cost."""
    X, W_true, Y = make_regression(30, 3, 2, noise=0.0, seed=4)
    f, g = loss_pair(X, Y)
    result = check_gradient(f, g, W_true, n_directions=n_directions)
    assert result.ok and result.tolerance > 50 and "consistent with zero" in result.message
    # (directional: the first comparison, without curvature, fails; f(x) gives the curvature: 2 m + 1)
    assert result.n_evals == (2 * W_true.size + 1 if n_directions is None else 2 * n_directions + 1)


# --- second opinions must not create false passes, false alarms or crashes (found in a second review) -------


def test_a_failure_is_not_overturned_by_a_noisier_second_opinion():
    """At a tiny W, central differences measure a 3 % error exactly; Richardson differences with steps
    relative to |x_i| are far noisier and would pass it with a tolerance of 3.6 %."""
    X, _, Y = make_regression(20, 4, 3, seed=0)
    W = 1e-7 * np.random.default_rng(1).standard_normal((4, 3))
    f, g = loss_pair(X, Y)
    assert not check_gradient(f, lambda w: 1.03 * g(w), W)
    assert check_gradient(f, g, W)
    x = 2e-9 * np.array([1.0, -2.0, 3.0])
    assert not check_gradient(lambda v: float(np.sum((v - 1.0) ** 2)), lambda v: 1.04 * 2 * (v - 1.0), x)


def test_a_second_opinion_outside_the_domain_of_f_leaves_the_first_verdict():
    """Richardson steps (0.08 for a float32 f) leave the domain of log: the central pass stands, and the
    evaluations of the attempt are counted."""
    x = np.random.default_rng(0).uniform(0.05, 0.07, 100)
    calls = []

    def nll32(v):
        calls.append(1)
        with np.errstate(invalid="ignore"):
            return np.float32(-np.sum(np.log(v.astype(np.float32))))

    result = check_gradient(nll32, lambda v: -1 / v, x)
    assert result.ok and result.n_evals == len(calls) > 2 * x.size + 1
    assert "Richardson differences could not confirm it" in result.message


@pytest.mark.parametrize("claimed", [lambda v: -v, lambda v: 1.5 * v, lambda v: 0 * v])
def test_directional_mode_judges_decisiveness_against_the_slopes(claimed):
    """In 2000 dimensions a slope <g, v> is only about ||g|| / 45, so a tolerance of 4 % of ||g|| hid a
    negated gradient next to f ~ 3e8."""
    x = np.random.default_rng(0).uniform(-1, 1, 2000)
    f = lambda v: 3e8 + 0.5 * float(v @ v)  # noqa: E731
    assert check_gradient(f, lambda v: v, x, n_directions=5)
    assert not check_gradient(f, claimed, x, n_directions=5)


def test_directional_decisiveness_bounds_shrink_with_the_slopes():
    x = np.random.default_rng(0).uniform(-1, 1, 2000)
    for C in (1e11, 1e12):  # beyond what Richardson differences can decide along the directions: 2 m evaluations
        assert check_gradient(lambda v, C=C: C + 0.5 * float(v @ v), lambda v: v, x, n_directions=5).n_evals == 10
    a = np.random.default_rng(1).standard_normal(2000)
    a *= 0.5 / np.linalg.norm(a)  # a gradient of norm below 1 is judged against its slopes too
    result = check_gradient(lambda v: 5e6 + float(a @ v), lambda v: 1.5 * a, np.zeros(2000), n_directions=3)
    assert result.scale < 1 and not result.ok and result.n_evals == 2 * 3 + 4 * 3 + 1


def test_a_sign_flip_with_targets_of_size_1e10_is_caught():
    """The central tolerance (about 110) is loose, but Richardson differences, 130 times less noisy, decide."""
    X, W, Y = make_regression(20, 4, 2, seed=0)
    f, g = loss_pair(X, 1e10 * Y)
    assert not check_gradient(f, lambda w: -g(w), W)
    assert check_gradient(f, g, W)


def test_a_discrepancy_only_the_larger_steps_see_is_not_a_failure():
    """sin(400 x) varies on the scale 1/400: Richardson's larger steps have a truncation error of 6e-3 that
    the central differences (error 2e-4) do not; the central pass stands."""
    x = np.random.default_rng(3).standard_normal(50)
    f = lambda v: 1e10 + float(np.sum(np.sin(400 * v)))  # noqa: E731
    result = check_gradient(f, lambda v: 400 * np.cos(400 * v), x)
    assert result.ok and "that it did not (the truncation error of their larger steps)" in result.message
    assert result.n_evals == (2 * x.size + 1) + (4 * x.size + 1)  # both comparisons are counted
    message = result.message  # the remark and the total come before the caution of the loose pass
    assert message.index("so the verdict stands") < message.index("In total") < message.index("Caution")
    assert not check_gradient(f, lambda v: 800 * np.cos(400 * v), x)


def test_a_nested_second_opinion_reports_one_total_and_quotes_f_as_it_is():
    """forward fails -> central fails -> the re-check with steps c|x_i| leaves the domain of f: the central
    comparison decides, its cost is reported as "more", f's error is quoted unchanged, and there is one total."""
    x = np.array([0.5, 0.3])
    text = "left the domain. The relative error is undefined there, 7 evaluations of f."

    def f(v):
        if np.any(v >= 0.5001):
            raise ValueError(text)
        return float(np.sum(v**2))

    f, points = recorded(f)
    result = check_gradient(f, lambda v: 3 * v, x, method="forward")
    assert not result.ok and result.method == "forward" and result.n_evals == len(points) == 3 + 5 + 2
    message = result.message
    assert message.startswith("NOT ok: relative error ") and "Forward differences (3 evaluations of f)" in message
    assert "Checked by central differences over all 2 entries, 5 more evaluations of f." in message
    assert f"could not re-judge it ({text})" in message
    assert message.count("In total") == 1 and "In total 10 evaluations of f." in message
    assert "The largest difference is at entry (0,): analytic 1.5 vs numerical 1." in message


def test_args_are_passed_to_f_and_grad():
    X, _, Y = make_regression(20, 3, 2, seed=3)
    W = np.random.default_rng(4).standard_normal((3, 2))
    assert check_gradient(loss, grad_W, W, args=(X, Y)).ok
    assert not check_gradient(loss, lambda W_, X_, Y_: grad_W(W_, X_, Y_) / 2, W, args=(X, Y)).ok
    np.testing.assert_allclose(matgrad.numerical_gradient(loss, W, args=(X, Y)), grad_W(W, X, Y), rtol=1e-7)
    D = np.ones_like(W)
    slope = matgrad.directional_difference(loss, W, D, args=(X, Y))
    assert abs(slope - np.sum(grad_W(W, X, Y) * D)) < 1e-6 * abs(slope)
    with pytest.raises(TypeError, match="args must be a tuple"):
        check_gradient(loss, grad_W, W, args=[X, Y])


# --- what a result says when the check could not be carried out ---------------------------------------------


@pytest.mark.parametrize(("method", "n_directions"), [("forward", None), ("richardson", 3), ("complex", 2)])
def test_a_check_that_could_not_be_carried_out_keeps_method_and_mode_and_has_nan_figures(method, n_directions):
    def raising(v):
        raise ZeroDivisionError("no gradient here")

    result = check_gradient(
        lambda v: float(np.sum(v**2)), raising, np.ones(3), method=method, n_directions=n_directions
    )
    assert not result.ok and result.method == method and result.n_directions == n_directions
    assert result.n_evals == 0 and result.worst_index is None
    assert all(np.isnan(getattr(result, a)) for a in ("rel_error", "abs_error", "scale", "tolerance", "error_estimate"))
    assert "grad(x) raised ZeroDivisionError: no gradient here" in result.message
    assert result.verdict() == result.message and repr(result).startswith("GradientCheck(ok=False, rel_error=nan")


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
        (np.ones(3), "abc", "non-numeric"),
    ],
)
def test_an_unusable_gradient_is_reported_with_the_reason(x, value, fragment):
    result = check_gradient(lambda v: float(np.sum(v**2)), lambda v: value, x)
    assert not result.ok and np.isnan(result.rel_error) and fragment in result.message


def test_a_list_and_a_real_complex_array_are_usable_gradients():
    x = np.array([1.0, -2.0, 0.5])
    assert check_gradient(lambda v: float(np.sum(v**2)), lambda v: [2 * float(t) for t in v], x).ok
    assert check_gradient(lambda v: float(np.sum(v**2)), lambda v: (2 * v).astype(complex), x).ok


@pytest.mark.parametrize("n_directions", [None, 2])
@pytest.mark.parametrize("shape", [(0,), (0, 3)])
def test_a_check_at_an_empty_point_passes(shape, n_directions):
    result = check_gradient(lambda v: 1.0, np.zeros_like, np.zeros(shape), n_directions=n_directions)
    assert result.ok and result.rel_error == 0.0 and result.abs_error == 0.0
    assert result.n_evals == (1 if n_directions is None else 4)


# --- the comparison and its figures ------------------------------------------------------------------------


def test_compare_gradients_is_the_comparison_of_a_full_check():
    x = np.array([1.0, 2.0])
    result = check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + 1.0, x)
    assert result.abs_error == pytest.approx(np.sqrt(2), rel=1e-8)  # Euclidean norms, not a max-norm
    assert result.scale == pytest.approx(np.sqrt(34), rel=1e-12)
    g_num = matgrad.numerical_gradient(lambda v: float(np.sum(v * v)), x)
    figures = compare_gradients(2 * x + 1.0, g_num, result.error_estimate, rtol=1e-6)
    assert (figures.ok, figures.rel_error, figures.tolerance) == (result.ok, result.rel_error, result.tolerance)
    assert figures.tolerance == pytest.approx(1e-6 + 100 * result.error_estimate / result.scale)


def test_a_relative_error_equal_to_the_tolerance_passes():
    result = check_gradient(lambda v: 0.0, np.zeros_like, np.ones(3), rtol=0.0)
    assert result.ok and result.rel_error == result.tolerance == 0.0
    assert within_tolerance(1.0, 2.0, 0.0, 0.5, 0.0).ok and not within_tolerance(1.0, 2.0, 0.0, 0.49, 0.0).ok


def test_the_directional_error_is_the_largest_slope_difference_along_seeded_unit_directions():
    x, error = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.0, -0.1])
    result = check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + error, x, n_directions=4)
    V = np.random.default_rng(0).standard_normal((4, 3))
    V /= np.linalg.norm(V, axis=1)[:, None]
    assert result.abs_error == pytest.approx(np.max(np.abs(V @ error)), rel=1e-6)
    assert result.scale == pytest.approx(max(np.linalg.norm(2 * x + error), np.max(np.abs(V @ (2 * x)))), rel=1e-9)
    assert not result.ok and result.worst_index == (int(np.argmax(np.abs(V @ error))),)


def test_a_tolerance_above_one_passes_with_the_caution_that_both_gradients_are_consistent_with_zero():
    x = np.array([1.0, 2.0])
    result = check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, x, atol=1.5 * np.linalg.norm(2 * x))
    assert result.ok and 1.4 < result.tolerance < 1.6 and "consistent with zero" in result.message
    exact_zeros = check_gradient(lambda v: 0.0, np.zeros_like, x, rtol=1.0)  # both exactly zero: no caution
    assert exact_zeros.ok and "Caution" not in exact_zeros.message


@pytest.mark.parametrize("method", METHODS)
def test_the_caution_of_a_loose_tolerance_recommends_a_more_accurate_method(method):
    f = lambda v: np.sum(v**2) if np.iscomplexobj(v) else float(np.sum(v**2))  # noqa: E731
    result = check_gradient(f, lambda v: 2 * v, np.array([1.0, -2.0, 0.5]), method=method, rtol=0.1)
    caution = result.message[result.message.index("Caution: with this tolerance") :]
    assert result.ok and "would pass as well" in caution
    if method == "richardson":
        assert "or use the complex step." in caution and "Richardson" not in caution
    else:
        assert "or use Richardson differences or the complex step." in caution


def test_verdict_wording():
    x = np.array([1.0, 2.0])
    good = check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, x)
    bad = check_gradient(lambda v: float(np.sum(v * v)), lambda v: 3 * v, x)
    assert good.verdict().startswith("ok: relative error <= tolerance")
    assert bad.verdict().startswith("NOT ok: relative error > tolerance")
    assert "The largest difference is at entry (1,): analytic 6 vs numerical 4." in bad.message
    exact = check_gradient(lambda v: 0.0, np.zeros_like, x)
    assert exact.verdict(below=0.0).startswith("ok: relative error >= 0e+00")  # strictly below, as written
    assert "n_directions" not in repr(good)
    assert repr(check_gradient(lambda v: 0.0, np.zeros_like, x, n_directions=3)).endswith("n_directions=3)")


# --- the error model ---------------------------------------------------------------------------------------

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


def test_the_error_estimate_of_a_full_check_is_the_documented_rounding_model():
    """f = C + a/2 ||x - x0||^2 near its minimum: per entry u (|f(x+h)| + |f(x-h)|) / (2h) for the values of f,
    u ||g|| max(|x_i|, 1) / h and u ||x|| |f''| for the rounding of x; their norm is the estimate."""
    a, C = 2.0, 1e-4
    x0 = np.array([1.0, -2.0, 3.0])
    g = 1e-9 * np.array([1.0, 2.0, -1.0])

    def bowl(v):
        return C + 0.5 * a * float(np.sum((v - x0) ** 2))

    f, points = recorded(bowl)
    result = check_gradient(f, lambda v: g, x0)
    values = np.array([bowl(p) for p in points])
    h = np.array([points[1 + 2 * i][i] - x0[i] for i in range(3)])
    plus, minus = values[1::2], values[2::2]
    curvature = float(np.max(np.abs(plus - 2 * values[0] + minus) / h**2))
    noise = EPS * (np.abs(plus) + np.abs(minus)) / (2 * h)
    noise = noise + EPS * curvature * np.linalg.norm(x0) + EPS * np.linalg.norm(g) * np.maximum(np.abs(x0), 1) / h
    assert curvature == pytest.approx(a, rel=1e-3)
    assert result.error_estimate == pytest.approx(float(np.linalg.norm(noise)), rel=1e-9)


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_the_error_estimate_of_a_directional_check_is_the_documented_rounding_model(method):
    """f = <c, x>: the largest rounding error of the slopes plus u ||c|| max(max|x|, 1) / t (u ||c||, complex)."""
    c, x = np.array([2.0, -1.0, 3.0]), np.array([0.5, -3.0, 1.0])
    result = check_gradient(lambda v: np.sum(c * v), lambda v: c, x, method=method, n_directions=3)
    t = {"central": EPS ** (1 / 3), "richardson": EPS ** (1 / 5), "complex": 1e-20}[method] * 3.0
    V = np.random.default_rng(0).standard_normal((3, 3))
    slopes, f0 = (V / np.linalg.norm(V, axis=1)[:, None]) @ c, float(c @ x)
    if method == "complex":
        expected = EPS * np.max(np.abs(slopes)) + EPS * np.linalg.norm(c)
    else:
        near = np.abs(f0 + t * slopes) + np.abs(f0 - t * slopes)
        values = EPS * near / (2 * t)
        if method == "richardson":
            values = (4 * values + EPS * (np.abs(f0 + 2 * t * slopes) + np.abs(f0 - 2 * t * slopes)) / (4 * t)) / 3
        expected = np.max(values) + EPS * np.linalg.norm(c) * 3.0 / t
    assert result.ok and result.n_evals == {"central": 6, "richardson": 12, "complex": 3}[method]
    assert result.error_estimate == pytest.approx(expected, rel=1e-6)


# --- second opinions: which comparison decides, at what cost, with whose h and rtol ---------------------------


def test_a_failed_forward_check_is_re_judged_with_the_users_step_and_rtol():
    """Forward differences with h = 0.1 are off by h f''/2; central ones with the same h are exact here."""
    x = np.array([1.0, 2.0])
    f, points = recorded(lambda v: float(np.sum(v * v)))
    result = check_gradient(f, lambda v: 2 * v * (1 + 1e-4), x, method="forward", h=0.1, rtol=1e-3)
    assert result.ok and result.method == "forward" and result.n_evals == len(points) == 3 + 5
    assert 1e-3 <= result.tolerance < 1.1e-3 and "the tolerance is rtol = 1e-03 plus" in result.message
    for i, s in [(0, 0.1), (0, -0.1), (1, 0.1), (1, -0.1)]:
        assert any(np.allclose(p, x + s * np.eye(2)[i], rtol=0, atol=1e-12) for p in points), (i, s)
    at_minimum = check_gradient(f, lambda v: 2 * v, np.zeros(3), method="forward")
    assert at_minimum.ok and "the forward error h f''/2 dominates where the gradient is ~0" in at_minimum.message


def test_the_users_rtol_is_kept_in_directional_mode_and_its_richardson_confirmation():
    x = np.array([1.0, -2.0, 0.5])
    g = lambda v: 2 * v * (1 + 5e-3)  # noqa: E731
    result = check_gradient(lambda v: float(np.sum(v**2)), g, x, n_directions=3, rtol=1e-2)
    assert result.ok and 1e-2 <= result.tolerance < 1.1e-2
    assert not check_gradient(lambda v: float(np.sum(v**2)), g, x, n_directions=3)
    loose = check_gradient(lambda v: 3e8 + float(np.sum(v**2)), g, x, n_directions=2, rtol=1e-2)
    assert loose.ok and loose.n_evals == 2 * 2 + 4 * 2  # confirmed with Richardson differences, with rtol 1e-2
    assert loose.tolerance >= 1e-2 and "the tolerance is rtol = 1e-02 plus" in loose.message


def test_an_indecisive_forward_pass_is_confirmed_and_a_doubled_gradient_caught():
    x = np.array([1.0, -2.0, 0.5])
    f = lambda v: 1e7 + float(np.sum(v**2))  # noqa: E731
    alone = check_gradient(f, lambda v: 4 * v, x, method="forward", h=matgrad.default_step(x, "forward"))
    assert alone.ok and alone.tolerance > 1  # forward differences alone cannot decide
    result = check_gradient(f, lambda v: 4 * v, x, method="forward")
    assert not result.ok and result.method == "forward" and result.n_evals == (3 + 1) + (4 * 3 + 1)
    assert "so the verdict was taken with Richardson differences" in result.message


def test_second_opinions_are_not_themselves_re_judged():
    result = check_gradient(lambda v: 1e10 + float(np.sum(v**2)), lambda v: 3 * v, np.array([0.5, 2.0]))
    assert not result.ok and result.n_evals == (2 * 2 + 1) + (4 * 2 + 1)
    assert "relative to |x_i|" not in result.message and "In total 14 evaluations of f." in result.message


def test_a_failure_at_zero_and_large_entries_is_not_re_judged_with_relative_steps():
    result = check_gradient(lambda v: float(np.sum(v**2)), lambda v: 3 * v, np.array([0.0, 2.0]))
    assert not result.ok and result.n_evals == 5 and "relative to |x_i|" not in result.message


def small_quartic():
    """A quartic in small entries (one of them zero), a tiny quadratic in entries above 1."""
    x = np.array([1e-3, -2e-3, 0.0, 1.5, 3.0])

    def f(v):
        return float(np.sum(v[:3] ** 4)) / 4 + 1e-12 * float(np.sum(v[3:] ** 2))

    def g(v):
        return np.concatenate([v[:3] ** 3, 2e-12 * v[3:]])

    return f, g, x


def relative_steps(x, eps=None):
    return matgrad.default_step(x, "richardson", eps=eps) * np.where(x != 0, np.minimum(np.abs(x), 1.0), 1.0)


def same_figures(a, b):
    return (a.rel_error, a.tolerance, a.error_estimate) == (b.rel_error, b.tolerance, b.error_estimate)


def test_a_failure_at_small_x_is_re_judged_with_richardson_steps_c_abs_x():
    f, g, x = small_quartic()
    result = check_gradient(f, g, x)
    assert result.ok and result.method == "central" and result.n_evals == (2 * x.size + 1) + (4 * x.size + 1)
    assert same_figures(result, check_gradient(f, g, x, method="richardson", h=relative_steps(x)))
    assert "so the verdict was taken with Richardson differences with steps c |x_i|" in result.message
    with_rtol = check_gradient(f, g, x, rtol=1e-7)  # the caller's rtol is the re-check's too
    assert same_figures(with_rtol, check_gradient(f, g, x, method="richardson", h=relative_steps(x), rtol=1e-7))
    wrong = check_gradient(f, lambda v: 2 * g(v), x)
    assert (
        not wrong.ok and f"relative to |x_i| ({4 * x.size + 1} more evaluations of f) failed as well" in wrong.message
    )


def test_a_failed_richardson_check_at_small_x_is_re_judged_with_relative_steps_too():
    x = np.array([1e-3, -2e-3, 0.5e-3])  # exp(x / 1e-3) varies on the scale of x, not of 1
    f, g = (lambda v: float(np.sum(np.exp(v / 1e-3)))), (lambda v: np.exp(v / 1e-3) / 1e-3)
    assert not check_gradient(f, g, x, method="richardson", h=matgrad.default_step(x, "richardson"))
    result = check_gradient(f, g, x, method="richardson")
    assert result.ok and result.n_evals == 2 * (4 * x.size + 1) and "steps c |x_i|" in result.message
    assert not check_gradient(f, lambda v: 1.05 * g(v), x, method="richardson")


def test_relative_steps_of_a_float32_function_are_chosen_for_float32():
    x = np.array([0.03, -0.05, 0.04, 0.02], dtype=np.float32).astype(np.float64)
    f = lambda v: np.float32(np.sum(v.astype(np.float32) ** 8) / 8)  # noqa: E731
    result = check_gradient(f, lambda v: v**7, x)
    assert result.ok and same_figures(result, check_gradient(f, lambda v: v**7, x, method="richardson",
                                                             h=relative_steps(x, eps=EPS32)))  # fmt: skip
    assert not check_gradient(f, lambda v: 1.05 * v**7, x)


def test_a_relative_step_re_check_outside_the_domain_of_f_leaves_the_failure_and_says_why():
    x = np.array([0.5, 0.3])
    f, points = recorded(lambda v: float(np.sum(v**2)) if np.all(v < 0.5001) else float("nan"))
    result = check_gradient(f, lambda v: 3 * v, x)
    assert not result.ok and result.method == "central" and result.n_evals == len(points) > 2 * x.size + 1
    assert "with steps relative to |x_i| could not re-judge it (f is not finite at " in result.message
    assert f"In total {len(points)} evaluations of f." in result.message


def large_targets():
    X, W, Y = make_regression(20, 4, 2, seed=0)
    return (lambda w: loss(w, X, 1e8 * Y)), (lambda w: grad_W(w, X, 1e8 * Y)), W


def test_discrepancies_within_three_times_the_first_noise_count_as_the_same():
    """sin(400 x) with a gradient 0.5 % too large: the two relative errors differ by 45 % (more than a quarter),
    but by less than 3 times the first comparison's noise, so Richardson's failure is the verdict."""
    x = np.random.default_rng(3).standard_normal(50)
    s = 1e-4
    result = check_gradient(lambda v: s * (2e10 + float(np.sum(np.sin(400 * v)))),
                            lambda v: s * 1.005 * 400 * np.cos(400 * v), x)  # fmt: skip
    assert not result.ok and result.method == "central" and "which confirm the discrepancy" in result.message


# --- precision notes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_directions", [None, 2])
def test_float64_values_get_no_note_and_complex64_values_do(n_directions):
    x = np.array([1.0, -2.0, 0.5])
    plain = check_gradient(lambda v: np.sum(v * v), lambda v: 2 * v, x, n_directions=n_directions)
    assert plain.ok and "Note:" not in plain.message
    c64 = check_gradient(lambda v: np.complex64(np.sum(v * v)), lambda v: 2 * v, x, method="complex",
                         n_directions=n_directions)  # fmt: skip
    assert c64.ok and "f returned complex64 values" in c64.message


# --- errors of f in directional mode name the point ---------------------------------------------------------


@pytest.mark.parametrize("call", [1, 2, 3, 6])
def test_a_non_finite_f_is_reported_at_the_point_along_its_direction(call):
    x = np.array([1.0, -2.0, 0.5])
    count = []

    def f(v):
        count.append(1)
        return float("nan") if len(count) == call else float(np.sum(v * v))

    where = f"x {'+' if call % 2 else '-'} {1e-3:g} v_{(call - 1) // 2}"
    with pytest.raises(ValueError, match=f"f is not finite at {re.escape(where)}"):
        check_gradient(f, lambda v: 2 * v, x, h=1e-3, n_directions=3)


# --- what a user reads: option errors, verdict lines, figures to the last digits -------------------------------


def test_option_errors_name_the_offending_argument():
    square, double = (lambda v: float(np.sum(v * v))), (lambda v: 2 * v)
    with pytest.raises(TypeError, match="^f must be callable"):
        check_gradient(np.ones(3), double, np.ones(3))
    with pytest.raises(ValueError, match="^rtol must be a finite non-negative number"):
        check_gradient(square, double, np.ones(3), rtol=-1e-6)
    with pytest.raises(ValueError, match="^atol must be a finite non-negative number"):
        check_gradient(square, double, np.ones(3), atol=-1e-6)
    with pytest.raises(ValueError, match="^n_directions must be at least 1"):
        check_gradient(square, double, np.ones(3), n_directions=0)


def test_errors_of_f_in_directional_mode_name_the_point_where_they_happened():
    x = np.random.default_rng(30).standard_normal(3)

    def nan_on_first_call(v):
        return float("nan")

    with pytest.raises(ValueError, match=r"not finite at x \+ \S+ v_0: it returned nan"):
        check_gradient(nan_on_first_call, lambda v: 2 * v, x, n_directions=2)

    def nan_at_x(v):
        return float("nan") if np.array_equal(v, x) else float(np.sum(v * v))

    with pytest.raises(ValueError, match=r"not finite at x: it returned nan"):
        check_gradient(nan_at_x, lambda v: 3 * v, x, n_directions=2)  # a failure asks f(x) for the curvature

    def nan_off_the_complex_path(v):
        if np.iscomplexobj(v) or np.array_equal(v, x):
            return np.sum(v * v)
        return float("nan")

    with pytest.raises(ValueError, match=r"not finite at x \+ \S+ v_0: it returned nan"):
        check_gradient(nan_off_the_complex_path, lambda v: 3 * v, x, method="complex", n_directions=2)


def test_a_verdict_message_states_the_rule_then_the_cost_and_nothing_else():
    X, _, Y = make_regression(10, 3, 2, seed=31)
    W = np.random.default_rng(31).standard_normal((3, 2))
    f, g = loss_pair(X, Y)
    good = check_gradient(f, g, W)
    text = good.message
    assert good.ok and text.startswith(
        f"ok: relative error {good.rel_error:.2e} <= tolerance {good.tolerance:.2e}. The relative error is "
    )
    assert "of the numerical values, divided by the same norm. Checked by central differences" in text
    assert text.endswith("central differences over all 6 entries, 13 evaluations of f.")
    assert "atol" not in text and "largest difference" not in text and "In total" not in text
    assert repr(good).endswith("method='central', n_evals=13)")
    bad = check_gradient(f, lambda w: 1.5 * g(w), W)
    assert not bad.ok and bad.message.startswith(
        f"NOT ok: relative error {bad.rel_error:.2e} > tolerance {bad.tolerance:.2e}. The relative error is "
    )
    directional = check_gradient(f, g, W, n_directions=3)
    text = directional.message
    assert directional.ok and text.endswith("random unit directions (seed 0), 6 evaluations of f.")
    assert "divided by the same norm. Checked by central differences along 3" in text
    assert "the norm of the gradient (its largest slope over unit directions); the tolerance is" in text
    with_atol = check_gradient(f, g, W, n_directions=3, atol=1e-3)
    assert with_atol.ok and "plus atol 1.0e-03, divided by the same norm" in with_atol.message


def test_the_worst_entry_of_a_full_check_is_where_the_gradients_differ_most():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.5]])
    error = np.zeros_like(x)
    error[0, 2] = 0.4  # the largest difference, though not where the gradient is largest
    result = check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + error, x)
    assert not result.ok and result.worst_index == (0, 2)
    assert "The largest difference is at entry (0, 2): analytic 1.4 vs numerical 1." in result.message


@pytest.mark.parametrize("n_directions", [None, 3])
def test_the_default_rtol_of_a_float32_function_is_forty_times_its_best_accuracy(n_directions):
    X, _, Y = make_regression(20, 3, 2, seed=32)
    f32 = float32_loss(X, Y)
    W = np.random.default_rng(32).standard_normal((3, 2))
    g = lambda w: grad_W(w, X.astype(np.float32).astype(float), Y.astype(np.float32).astype(float))  # noqa: E731
    best = EPS32 ** (2 / 3)  # central differences
    result = check_gradient(f32, g, W, n_directions=n_directions)
    assert result.ok and result.tolerance >= 40 * best
    assert f"central differences then reach a relative error of only about {best:.0e}" in result.message
    assert f"and the default rtol was raised to {40 * best:.0e}" in result.message
    own = check_gradient(f32, g, W, n_directions=n_directions, rtol=0.01)
    assert own.ok and "f returned float32 values" in own.message and "raised" not in own.message


def test_a_gradient_of_the_wrong_shape_gets_only_the_hint_that_fits():
    square = lambda v: float(np.sum(v * v))  # noqa: E731
    column = check_gradient(square, lambda v: np.ones((6, 1)), np.ones((2, 3)))
    assert "same number of entries" in column.message and "transposed" not in column.message
    longer = check_gradient(square, lambda v: np.ones(3), np.ones(2))
    assert longer.message.endswith("grad(x) has shape (3,) but x has shape (2,)")
    text = check_gradient(square, lambda v: ["a", "b"], np.ones(2)).message
    assert "returned a non-numeric value: grad(x) must be" in text


def test_the_full_error_estimate_is_the_documented_rounding_model_to_many_digits():
    """As the model test above, but at a generic point, with no absolute slack (the estimates are ~1e-14)."""
    x0 = np.array([1.5, -0.5, 2.0])
    x = x0 + np.random.default_rng(33).standard_normal(3)

    def bowl(v):
        return 0.3 + float(np.sum((v - x0) ** 2))

    f, points = recorded(bowl)
    g = 2 * (x - x0)
    result = check_gradient(f, lambda v: g, x)
    values = np.array([bowl(p) for p in points])
    h = np.array([points[1 + 2 * i][i] - x[i] for i in range(3)])
    plus, minus = values[1::2], values[2::2]
    curvature = float(np.max(np.abs(plus - 2 * values[0] + minus) / h**2))
    noise = EPS * (np.abs(plus) + np.abs(minus)) / (2 * h)
    noise = noise + EPS * curvature * np.linalg.norm(x) + EPS * np.linalg.norm(g) * np.maximum(np.abs(x), 1) / h
    assert result.ok and curvature == pytest.approx(2.0, rel=1e-3)
    assert result.error_estimate == pytest.approx(float(np.linalg.norm(noise)), rel=1e-9, abs=0)


def test_the_complex_step_error_estimate_allows_for_rounding_at_the_scale_of_f_over_x():
    c, x = np.array([2.0, -1.0, 3.0]), np.array([0.5, -3.0, 2.0])
    f0 = 10.0 + float(c @ x)
    result = check_gradient(lambda v: 10.0 + np.sum(c * v), lambda v: c, x, method="complex")
    expected = EPS * np.linalg.norm(np.abs(c) + abs(f0) / np.maximum(np.abs(x), 1.0))
    assert result.ok and result.error_estimate == pytest.approx(expected, rel=1e-9, abs=0)


@pytest.mark.parametrize("method", ["central", "complex"])
def test_the_directional_error_estimate_is_the_documented_rounding_model_to_many_digits(method):
    c, x = np.array([2.0, -1.0, 3.0]), np.array([0.5, -1.25, 1.0])  # max |x_i| between 1 and 2
    result = check_gradient(lambda v: np.sum(c * v), lambda v: c, x, method=method, n_directions=3)
    V = np.random.default_rng(0).standard_normal((3, 3))
    slopes, f0 = (V / np.linalg.norm(V, axis=1)[:, None]) @ c, float(c @ x)
    if method == "complex":
        expected = EPS * np.max(np.abs(slopes)) + EPS * np.linalg.norm(c)
    else:
        t = EPS ** (1 / 3) * 1.25
        values = EPS * (np.abs(f0 + t * slopes) + np.abs(f0 - t * slopes)) / (2 * t)
        expected = np.max(values) + EPS * np.linalg.norm(c) * 1.25 / t
    assert result.ok and result.error_estimate == pytest.approx(expected, rel=1e-6, abs=0)


def test_a_directional_failure_includes_the_curvature_along_the_directions_in_its_error_estimate():
    x0 = np.array([1.5, -0.5, 2.0])
    x = x0 + np.random.default_rng(34).standard_normal(3)

    def bowl(v):
        return 0.3 + float(np.sum((v - x0) ** 2))  # second derivative 2 along every unit direction

    f, points = recorded(bowl)
    g = 3 * (x - x0)
    result = check_gradient(f, lambda v: g, x, n_directions=2)
    assert not result.ok and result.n_evals == len(points) == 2 * 2 + 1
    values = np.array([bowl(p) for p in points])
    t = float(np.linalg.norm(points[0] - x))
    slope_noise = EPS * (np.abs(values[0:4:2]) + np.abs(values[1:4:2])) / (2 * t)
    xmax = max(float(np.max(np.abs(x))), 1.0)
    expected = np.max(slope_noise) + EPS * np.linalg.norm(g) * xmax / t + EPS * 2.0 * np.linalg.norm(x)
    assert result.error_estimate == pytest.approx(expected, rel=1e-5, abs=0)


@pytest.mark.parametrize("n_directions", [None, 3])
def test_a_failed_complex_step_check_says_how_many_evaluations_measured_the_curvature(n_directions):
    x = np.random.default_rng(35).standard_normal(4)
    result = check_gradient(lambda v: np.sum(v**3), lambda v: 2 * v**2, x, method="complex", n_directions=n_directions)
    extra = 2 * x.size + 1 if n_directions is None else 2 * 3 + 1
    how = "central second differences along every entry" if n_directions is None else (
        "f(x) and central second differences along each direction"
    )  # fmt: skip
    assert not result.ok
    assert f"f'' was then estimated from {extra} more evaluations ({how}) and included" in result.message


def test_a_failed_forward_check_explains_why_central_differences_decide():
    failing = check_gradient(lambda v: float(np.sum(v**3)), lambda v: 2 * v**2, np.array([1.5, -2.0]), method="forward")
    assert not failing.ok
    assert "so the verdict was taken with central differences, which have no O(h) truncation error" in failing.message
    passing = check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, np.zeros(3), method="forward")
    assert passing.ok
    assert "which have no O(h) truncation error (the forward error h f''/2 dominates" in passing.message
