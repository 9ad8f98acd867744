"""Tests of check_gradient: right gradients pass, wrong ones fail, verdicts explain themselves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import matgrad
from matgrad import GradientCheck, check_gradient, grad_W, loss, make_regression

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


@pytest.mark.parametrize("name", sorted(WRONG_GRADIENTS))
def test_wrong_gradient_fails_directional(name):
    X, _, Y = make_regression(20, 4, 3, seed=1)
    f, _ = loss_pair(X, Y)
    assert not check_gradient(f, WRONG_GRADIENTS[name](X, Y), np.ones((4, 3)), n_directions=3)


def test_no_false_alarm_at_minimum():
    X, _, Y = make_regression(50, 4, 2, noise=0.1, seed=3)
    f, g = loss_pair(X, Y)
    W_star = np.linalg.lstsq(X, Y, rcond=None)[0]
    for method in ("central", "forward", "richardson", "complex"):
        assert check_gradient(f, g, W_star, method=method), method
    assert check_gradient(f, g, W_star, n_directions=4)


def test_no_false_alarm_at_zero_residual_minimum():
    X, W_true, Y = make_regression(30, 3, 2, noise=0.0, seed=4)
    f, g = loss_pair(X, Y)
    result = check_gradient(f, g, W_true)
    assert result.ok
    assert "consistent with zero" in result.message


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


def test_directional_costs_exactly_two_evaluations_per_direction():
    calls = []
    X, _, Y = make_regression(100, 30, 10, seed=7)

    def f(w):
        calls.append(1)
        return loss(w, X, Y)

    result = check_gradient(f, lambda w: grad_W(w, X, Y), np.zeros((30, 10)), n_directions=5)
    assert result.ok
    assert len(calls) == 10 == result.n_evals
    assert result.n_directions == 5


def test_directional_is_seeded():
    X, _, Y = make_regression(10, 3, 2, seed=8)
    f, g = loss_pair(X, Y)
    a = check_gradient(f, g, np.ones((3, 2)), n_directions=3, seed=1)
    b = check_gradient(f, g, np.ones((3, 2)), n_directions=3, seed=1)
    assert a.abs_error == b.abs_error


def test_full_check_counts_evaluations():
    X, _, Y = make_regression(10, 3, 2, seed=9)
    result = check_gradient(*loss_pair(X, Y), np.ones((3, 2)))
    assert result.n_evals == 13 and result.n_directions is None


def test_integer_x():
    result = check_gradient(lambda x: float(np.sum(x**3)), lambda x: 3 * x**2, np.array([1, 2, 3]))
    assert result.ok


def test_float32_x_checked_in_float64_with_note():
    x = np.array([0.5, 1.5], dtype=np.float32)
    result = check_gradient(lambda v: float(np.sum(v**3)), lambda v: 3 * v**2, x)
    assert result.ok
    assert "float32" in result.message and "float64" in result.message


def test_wrong_shape_is_reported_not_raised():
    X, _, Y = make_regression(10, 3, 2, seed=10)
    f, g = loss_pair(X, Y)
    result = check_gradient(f, lambda w: g(w).T, np.ones((3, 2)))
    assert not result.ok
    assert "(2, 3)" in result.message and "(3, 2)" in result.message and "transposed" in result.message
    result = check_gradient(f, lambda w: g(w).ravel(), np.ones((3, 2)))
    assert not result.ok and "reshape" in result.message
    assert result.n_evals == 0


@pytest.mark.parametrize(
    "bad_grad, fragment",
    [
        (lambda x: 1 / 0, "raised ZeroDivisionError"),
        (lambda x: np.full(x.shape, np.nan), "non-finite"),
        (lambda x: "abc", "non-numeric"),
        (lambda x: x + 1j, "complex"),
        (lambda x: None, "non-numeric"),
    ],
)
def test_bad_grad_gives_a_verdict(bad_grad, fragment):
    result = check_gradient(lambda x: float(np.sum(x**2)), bad_grad, np.ones(3))
    assert not result.ok and fragment in result.message
    assert "NOT ok" in result.verdict()


def test_grad_returning_a_list_is_accepted():
    assert check_gradient(lambda x: float(np.sum(x**2)), lambda x: list(2 * x), np.ones(3))


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
        ({"n_directions": 2.5}, ValueError),
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


def test_checks_the_public_api_example():
    assert matgrad.check_gradient(lambda x: float(np.sum(np.sin(x))), np.cos, np.linspace(0, 3, 7)).ok
