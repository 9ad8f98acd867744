"""Tests of the hand-written finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import matgrad
from matgrad import default_step, numerical_gradient
from matgrad.examples import smooth_problems
from matgrad.finite_differences import directional_difference

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


# --- accuracy targets on smooth non-quadratic functions (issue: Richardson <= 1e-11, complex <= 1e-14) ---

EVALS_PER_ENTRY = {"forward": 1, "central": 2, "richardson": 4, "complex": 1}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("method", METHODS)
def test_accuracy_targets_on_the_test_bed(method, seed):
    calls = []
    for p in smooth_problems(seed):
        calls.clear()

        def f(v, p=p):
            calls.append(1)
            return p.f(v)

        g = numerical_gradient(f, p.x, method=method)
        assert rel_err(g, p.grad(p.x)) <= BOUNDS[method], p.name
        assert len(calls) == EVALS_PER_ENTRY[method] * p.x.size + 1, p.name


def test_default_step_is_near_the_bottom_of_the_v():
    # the error at the default step is smaller than at steps 100 times larger or smaller
    p = smooth_problems(0)[3]  # softplus: non-quadratic
    for method in ("forward", "central", "richardson"):
        h0 = default_step(p.x, method)
        errors = [rel_err(numerical_gradient(p.f, p.x, method=method, h=s * h0), p.grad(p.x)) for s in (1e-2, 1, 1e2)]
        assert errors[1] < min(errors[0], errors[2]), method


def test_default_step_with_a_rounding_unit():
    eps32 = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(default_step([0.5, 4.0], "central", eps=eps32), eps32 ** (1 / 3) * np.array([1, 4]))
    np.testing.assert_allclose(default_step(2.0, "richardson"), 2 * np.finfo(float).eps ** 0.2)
    with pytest.raises(ValueError, match="rounding unit"):
        default_step(1.0, eps=2.0)
    with pytest.raises(ValueError, match="method must be one of"):
        default_step(1.0, "backward")


def _float32_loss(X, Y):
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    return lambda w: np.sum((X32 @ w.astype(np.float32) - Y32) ** 2) / np.float32(len(X32))


def test_float32_function_gets_float32_steps(problem):
    W, X, Y = problem
    f32 = _float32_loss(X, Y)
    G = matgrad.grad_W(W.astype(np.float32), X.astype(np.float32), Y.astype(np.float32))
    x = W.astype(np.float32)
    adapted = rel_err(numerical_gradient(f32, x), G)
    with_float64_step = rel_err(numerical_gradient(f32, x, h=default_step(x)), G)
    assert adapted < 1e-3 < with_float64_step
    # the adapted steps make x + h exactly representable in float32, so f sees the step it is told
    from matgrad.finite_differences import _steps

    steps = _steps(x.astype(np.float64), "central", None, float(np.finfo(np.float32).eps), np.dtype(np.float32))
    shifted = x.astype(np.float64) + steps
    np.testing.assert_array_equal(shifted.astype(np.float32).astype(np.float64), shifted)


def test_complex_step_on_float32_function_is_limited_by_float32():
    f = lambda v: np.complex64(np.sum(v.astype(np.complex64) ** 3))  # noqa: E731
    x = np.array([0.5, 1.5])
    err = rel_err(numerical_gradient(f, x, method="complex"), 3 * x**2)
    assert 1e-12 < err < 1e-6


# --- directional differences ---


@pytest.mark.parametrize("method", METHODS)
def test_directional_difference_is_the_directional_derivative(method):
    bound = BOUNDS[method]
    for p in smooth_problems(1):
        v = np.random.default_rng(2).standard_normal(p.x.shape)
        exact = float(np.sum(p.grad(p.x) * v))
        slope = directional_difference(p.f, p.x, v, method=method)
        assert abs(slope - exact) <= bound * np.linalg.norm(p.grad(p.x)) * np.linalg.norm(v), p.name


@pytest.mark.parametrize("method, cost", [("forward", 2), ("central", 2), ("richardson", 4), ("complex", 1)])
def test_directional_difference_cost_does_not_depend_on_size(method, cost):
    calls = []

    def f(v):
        calls.append(1)
        return np.sum(v**2)

    for shape in [(3,), (40, 50)]:
        calls.clear()
        directional_difference(f, np.ones(shape), np.ones(shape), method=method)
        assert len(calls) == cost


def test_forward_error_on_the_loss_is_exactly_h_times_the_curvature(problem):
    # L(W + hV) = L(W) + h <G, V> + h^2 ||XV||^2 / N exactly, so the forward quotient is off by h ||XV||^2 / N
    W, X, Y = problem
    V = np.random.default_rng(3).standard_normal(W.shape)
    f = lambda w: matgrad.loss(w, X, Y)  # noqa: E731
    exact = float(np.sum(matgrad.grad_W(W, X, Y) * V))
    curvature = np.sum((X @ V) ** 2) / len(X)
    for h in (1e-3, 1e-2, 0.1, 1.0):
        error = directional_difference(f, W, V, method="forward", h=h) - exact
        assert error == pytest.approx(h * curvature, rel=1e-8)
        # and the central quotient has no truncation error at all, whatever h
        assert directional_difference(f, W, V, method="central", h=h) == pytest.approx(exact, rel=1e-10)


def test_directional_difference_with_float32_function_adapts_once(problem):
    W, X, Y = problem
    calls = []
    f32 = _float32_loss(X, Y)

    def f(w):
        calls.append(1)
        return f32(w)

    V = np.ones(W.shape)
    exact = float(np.sum(matgrad.grad_W(W, X, Y) * V))
    slope = directional_difference(f, W, V)
    assert len(calls) == 4  # a first float64-step attempt is discarded
    assert slope == pytest.approx(exact, rel=1e-3)


@pytest.mark.parametrize(
    "args, kwargs, exc, fragment",
    [
        ((np.ones(2), np.ones(3)), {}, ValueError, r"direction has shape \(3,\) but x has shape \(2,\)"),
        ((np.ones(2), np.zeros(2)), {}, ValueError, "must not be zero"),
        ((np.ones(2), np.ones(2) * 1j), {}, ValueError, "real"),
        ((np.ones(2), np.ones(2)), {"h": -1.0}, ValueError, "positive"),
        ((np.ones(2), np.ones(2)), {"h": float("nan")}, ValueError, "positive"),
        ((np.ones(2), np.ones(2)), {"method": "magic"}, ValueError, "method must be one of"),
        ((np.ones(2), "ab"), {}, TypeError, "numeric"),
    ],
)
def test_directional_difference_bad_input(args, kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        directional_difference(lambda v: float(np.sum(v)), *args, **kwargs)


def test_directional_difference_rejects_a_complex_step_through_abs():
    with pytest.raises(ValueError, match="complex step"):
        directional_difference(lambda v: np.linalg.norm(v) ** 2, np.ones(3), np.ones(3), method="complex")


def test_complex_step_pitfalls_are_silent_for_vdot_and_inner_abs():
    x = np.array([1.0, 2.0])
    # vdot conjugates its first argument: the imaginary part cancels and the "gradient" is zero
    g = numerical_gradient(lambda v: np.vdot(v, v), x, method="complex")
    np.testing.assert_allclose(g, 0.0, atol=1e-12)
    # an abs inside a product keeps the result complex but loses part of the derivative (3x|x| -> 2x|x|)
    g = numerical_gradient(lambda v: np.sum(v**2 * np.abs(v)), x, method="complex")
    np.testing.assert_allclose(g, 2 * x * np.abs(x), rtol=1e-12)
    assert rel_err(numerical_gradient(lambda v: np.sum(v**2 * np.abs(v)), x), 3 * x * np.abs(x)) < 1e-9


def test_a_non_finite_x_is_refused_without_pointing_to_a_missing_option():
    """numerical_gradient has no check_finite keyword, so its message must not suggest one."""
    with pytest.raises(ValueError, match="x contains 1 non-finite value") as info:
        numerical_gradient(lambda x: float(np.sum(x)), [np.nan, 1.0])
    assert "check_finite" not in str(info.value)
    with pytest.raises(ValueError) as info:
        matgrad.check_gradient(lambda x: float(np.sum(x)), np.ones_like, [1.0, np.inf])
    assert "check_finite" not in str(info.value)
    with pytest.raises(ValueError, match="Pass check_finite=False"):  # where the option exists, it is named
        matgrad.loss(np.ones(2), [[1.0, np.nan]], [1.0])


@pytest.mark.parametrize("h", [True, np.bool_(True), np.array([True, True])])
def test_a_boolean_step_is_a_type_error(h):
    with pytest.raises(TypeError, match="not a boolean"):
        numerical_gradient(lambda x: float(np.sum(x)), [1.0, 2.0], h=h)
