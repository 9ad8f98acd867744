"""Tests of the hand-written finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import matgrad
from matgrad import default_step, numerical_gradient

METHODS = ["forward", "central", "richardson", "complex"]
# Error bound of each method on smooth functions of unit scale (relative, normwise).
BOUNDS = {"forward": 1e-6, "central": 1e-9, "richardson": 1e-11, "complex": 1e-14}


def cubic(x):
    return np.sum(x**3) + np.sum(x[..., :1] * x[..., -1:])


def cubic_grad(x):
    g = 3 * x**2
    g[..., :1] += x[..., -1:]
    g[..., -1:] += x[..., :1]
    return g


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("method", METHODS)
def test_accuracy_on_smooth_function(method):
    x = np.array([[0.3, -1.2, 0.7], [2.0, 0.1, -0.5]])
    assert rel_err(numerical_gradient(cubic, x, method=method), cubic_grad(x)) < BOUNDS[method]


@pytest.mark.parametrize("method", METHODS)
def test_accuracy_on_least_squares_loss(method, problem):
    W, X, Y = problem
    g = numerical_gradient(lambda w: matgrad.loss(w, X, Y), W, method=method)
    assert rel_err(g, matgrad.grad_W(W, X, Y)) < BOUNDS[method]


def test_central_is_exact_up_to_rounding_on_quadratic(problem):
    # the loss is quadratic, so the h^2 term vanishes: a huge step still gives the gradient
    W, X, Y = problem
    g = numerical_gradient(lambda w: matgrad.loss(w, X, Y), W, h=0.5)
    assert rel_err(g, matgrad.grad_W(W, X, Y)) < 1e-13


def test_forward_error_is_first_order():
    f, x = (lambda v: float(np.sum(np.exp(v)))), np.array([0.0])
    e1 = abs(numerical_gradient(f, x, method="forward", h=1e-3)[0] - 1.0)
    e2 = abs(numerical_gradient(f, x, method="forward", h=5e-4)[0] - 1.0)
    assert e1 / e2 == pytest.approx(2.0, rel=1e-2)


def test_richardson_error_is_fourth_order():
    f, x = (lambda v: float(np.sum(np.exp(v)))), np.array([0.0])
    e1 = abs(numerical_gradient(f, x, method="richardson", h=0.1)[0] - 1.0)
    e2 = abs(numerical_gradient(f, x, method="richardson", h=0.05)[0] - 1.0)
    assert e1 / e2 == pytest.approx(16.0, rel=5e-2)


@given(arrays(np.float64, array_shapes(min_dims=0, max_dims=3, max_side=3), elements=st.floats(-3, 3)))
def test_any_shape(x):
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, atol=1e-8)


def test_integer_and_float32_points_become_float64():
    g = numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1, 2]))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2, 4], rtol=1e-9)
    g32 = numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1, 2], dtype=np.float32))
    np.testing.assert_allclose(g32, [2, 4], rtol=1e-9)


def test_default_steps_scale_with_x():
    x = np.array([0.0, 1e-3, 10.0, -1e4])
    eps = np.finfo(float).eps
    np.testing.assert_allclose(default_step(x, "central"), eps ** (1 / 3) * np.array([1, 1, 10, 1e4]))
    np.testing.assert_allclose(default_step(x, "forward"), eps ** (1 / 2) * np.array([1, 1, 10, 1e4]))
    assert np.all(default_step(x, "complex") <= 1e-16)


def test_large_scale_x_uses_relative_step():
    f = lambda v: float(np.sum(np.log(v)))  # noqa: E731
    x = np.array([1e8, 3e9])
    assert rel_err(numerical_gradient(f, x), 1 / x) < 1e-8


def test_point_is_not_modified_and_f_sees_x_shape():
    x = np.array([[1.0, 2.0]])
    seen = []
    numerical_gradient(lambda v: seen.append(v.shape) or float(np.sum(v)), x)
    np.testing.assert_array_equal(x, [[1.0, 2.0]])
    assert set(seen) == {(1, 2)}


def test_number_of_evaluations():
    calls = []

    def f(v):
        calls.append(1)
        return np.sum(v**2)

    x = np.ones((2, 3))
    for method, expected in [("forward", 7), ("central", 13), ("richardson", 25), ("complex", 7)]:
        calls.clear()
        numerical_gradient(f, x, method=method)
        assert len(calls) == expected, method


def test_complex_step_rejects_function_that_drops_imaginary_part():
    with pytest.raises(ValueError, match="complex step"):
        numerical_gradient(lambda v: float(np.sum(np.abs(v) ** 2)), np.ones(2), method="complex")


def test_complex_step_is_silently_wrong_with_conj():
    # documented limitation: conj keeps the result complex but flips the sign of the derivative
    g = numerical_gradient(lambda v: np.sum(v * np.conj(v)), np.array([1.0, 2.0]), method="complex")
    np.testing.assert_allclose(g, [0.0, 0.0], atol=1e-12)  # true gradient is [2, 4]


@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        ({"method": "backward"}, ValueError, "method must be one of"),
        ({"h": -1.0}, ValueError, "h must be positive"),
        ({"h": 0.0}, ValueError, "h must be positive"),
        ({"h": np.ones(3)}, ValueError, "does not broadcast"),
        ({"h": 1e-300}, ValueError, "too small"),
    ],
)
def test_bad_options(kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        numerical_gradient(lambda v: float(np.sum(v)), np.ones(2), **kwargs)


def test_bad_functions():
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda v: v, np.ones(2))
    with pytest.raises(ValueError, match="not finite"), np.errstate(divide="ignore"):
        numerical_gradient(lambda v: float(np.sum(np.log(v - 1))), np.ones(2))
    with pytest.raises(TypeError, match="callable"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(TypeError, match="number"):
        numerical_gradient(lambda v: "one", np.ones(2))
    with pytest.raises(ValueError, match="real"):
        numerical_gradient(lambda v: float(np.sum(v)), np.ones(2) + 1j)
    with pytest.raises(TypeError, match="numeric"):
        numerical_gradient(lambda v: 0.0, "abc")
