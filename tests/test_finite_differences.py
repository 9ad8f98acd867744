"""Tests of the hand-written finite differences: gradients, directional slopes, Jacobians and Hessians."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from recording import recorded

import matgrad
from matgrad import default_step, numerical_gradient
from matgrad.examples import smooth_problems
from matgrad.finite_differences import (
    _differences,
    _slope,
    directional_difference,
    numerical_hessian,
    numerical_jacobian,
    with_args,
)

METHODS = ["forward", "central", "richardson", "complex"]
# Error bound of each method on smooth functions of unit scale (relative, normwise).
BOUNDS = {"forward": 1e-6, "central": 1e-9, "richardson": 1e-11, "complex": 1e-14}
EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
EXPONENT = {"forward": 1 / 2, "central": 1 / 3, "richardson": 1 / 5}


def cubic(x):
    return np.sum(x**3) + np.sum(x[..., :1] * x[..., -1:])


def cubic_grad(x):
    g = 3 * x**2
    g[..., :1] += x[..., -1:]
    g[..., -1:] += x[..., :1]
    return g


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def float32_loss(X, Y):
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    return lambda w: np.sum((X32 @ w.astype(np.float32) - Y32) ** 2) / np.float32(len(X32))


# --- accuracy ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_accuracy_on_a_smooth_function(method):
    x = np.array([[0.3, -1.2, 0.7], [2.0, 0.1, -0.5]])
    assert rel_err(numerical_gradient(cubic, x, method=method), cubic_grad(x)) < BOUNDS[method]


@pytest.mark.parametrize("method", METHODS)
def test_accuracy_on_the_least_squares_loss(method, problem):
    W, X, Y = problem
    g = numerical_gradient(matgrad.loss, W, method=method, args=(X, Y))
    assert rel_err(g, matgrad.grad_W(W, X, Y)) < BOUNDS[method]


def test_central_differences_are_exact_up_to_rounding_on_the_quadratic_loss(problem):
    W, X, Y = problem  # the h^2 term vanishes: a huge step still gives the gradient
    assert rel_err(numerical_gradient(matgrad.loss, W, h=0.5, args=(X, Y)), matgrad.grad_W(W, X, Y)) < 1e-13


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


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("method", METHODS)
def test_accuracy_targets_and_costs_on_the_test_bed(method, seed):
    per_entry = {"forward": 1, "central": 2, "richardson": 4, "complex": 1}[method]
    for p in smooth_problems(seed):
        f, points = recorded(p.f)
        g = numerical_gradient(f, p.x, method=method)
        assert rel_err(g, p.grad(p.x)) <= BOUNDS[method], p.name
        assert len(points) == per_entry * p.x.size + 1, p.name


def test_the_default_step_is_near_the_bottom_of_the_v():
    p = smooth_problems(0)[3]  # softplus: non-quadratic
    for method in ("forward", "central", "richardson"):
        h0 = default_step(p.x, method)
        errors = [rel_err(numerical_gradient(p.f, p.x, method=method, h=s * h0), p.grad(p.x)) for s in (1e-2, 1, 1e2)]
        assert errors[1] < min(errors[0], errors[2]), method


def test_large_x_gets_a_relative_step():
    x = np.array([1e8, 3e9])
    assert rel_err(numerical_gradient(lambda v: float(np.sum(np.log(v))), x), 1 / x) < 1e-8


# --- shapes, types and where f is evaluated ----------------------------------------------------------------


@given(arrays(np.float64, array_shapes(min_dims=0, max_dims=3, max_side=3), elements=st.floats(-3, 3)))
def test_any_shape(x):
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, atol=1e-8)


def test_integer_and_float32_points_become_float64():
    for x in (np.array([1, 2]), np.array([1, 2], dtype=np.float32)):
        g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
        assert g.dtype == np.float64
        np.testing.assert_allclose(g, [2, 4], rtol=1e-9)


def test_the_point_is_not_modified_and_f_sees_its_shape():
    x = np.array([[1.0, 2.0]])
    f, points = recorded(lambda v: float(np.sum(v)))
    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [[1.0, 2.0]])
    assert {p.shape for p in points} == {(1, 2)}


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_each_entry_moves_by_its_default_step_rounded_to_be_exact(method):
    x = np.array([3.0, -0.5])
    f, points = recorded(lambda v: float(np.sum(v**3)))
    numerical_gradient(f, x, method=method)
    h = (x[0] + default_step(x, method)[0]) - x[0]
    offsets = {"forward": [1], "central": [1, -1], "richardson": [1, -1, 2, -2]}[method]
    assert [p[0] - x[0] for p in points[1 : 1 + len(offsets)]] == [o * h for o in offsets]
    assert all(p[1] == x[1] for p in points[1 : 1 + len(offsets)])


def test_default_steps_scale_with_x():
    x = np.array([0.0, 1e-3, 10.0, -1e4])
    np.testing.assert_allclose(default_step(x, "central"), EPS ** (1 / 3) * np.array([1, 1, 10, 1e4]))
    np.testing.assert_allclose(default_step(x, "forward"), EPS ** (1 / 2) * np.array([1, 1, 10, 1e4]))
    np.testing.assert_allclose(default_step(2.0, "richardson"), 2 * EPS**0.2)
    assert np.all(default_step(x, "complex") <= 1e-16)


def test_default_step_for_another_rounding_unit():
    np.testing.assert_allclose(default_step([0.5, 4.0], "central", eps=EPS32), EPS32 ** (1 / 3) * np.array([1, 4]))
    for eps in (1.0, 2.0):
        with pytest.raises(ValueError, match="rounding unit"):
            default_step(1.0, eps=eps)


# --- functions computing in float32 ------------------------------------------------------------------------


def test_a_float32_function_gets_float32_steps(problem):
    W, X, Y = problem
    f32 = float32_loss(X, Y)
    G = matgrad.grad_W(W.astype(np.float32), X.astype(np.float32), Y.astype(np.float32))
    x = W.astype(np.float32)
    assert rel_err(numerical_gradient(f32, x), G) < 1e-3 < rel_err(numerical_gradient(f32, x, h=default_step(x)), G)


def test_a_float32_function_is_evaluated_at_float32_numbers():
    """x + h is exactly representable in float32, so f sees the step it is divided by."""
    x = np.array([1.0, 3.0], dtype=np.float32)
    f, points = recorded(lambda v: np.float32(np.sum(v.astype(np.float32) ** 2)))
    np.testing.assert_allclose(numerical_gradient(f, x), [2.0, 6.0], rtol=1e-3)
    for p in points:
        np.testing.assert_array_equal(p.astype(np.float32).astype(np.float64), p)
    assert points[1][0] - 1.0 == pytest.approx(EPS32 ** (1 / 3), rel=0.5)


def test_a_float32_function_at_a_point_float32_cannot_hold_is_stepped_in_float64():
    x = np.array([0.1, 3.3])  # 0.1 is not a float32 number
    f, points = recorded(lambda v: np.float32(np.sum(v.astype(np.float32) ** 2)))
    np.testing.assert_allclose(numerical_gradient(f, x), 2 * x, rtol=1e-3)
    s = default_step(x, eps=EPS32)
    assert points[1][0] == x[0] + ((x[0] + s[0]) - x[0]) and points[2][0] == x[0] - ((x[0] + s[0]) - x[0])


def test_a_step_below_float32_resolution_is_kept_for_a_float32_function():
    f, points = recorded(lambda v: np.float32(np.sum(v)))
    assert numerical_gradient(f, np.array([1.0, 2.0]), h=1e-10).shape == (2,)
    assert points[1][0] == 1.0 + ((1.0 + 1e-10) - 1.0)


def test_complex_step_on_a_complex64_function_is_limited_by_its_precision():
    f = lambda v: np.complex64(np.sum(v.astype(np.complex64) ** 3))  # noqa: E731
    x = np.array([0.5, 1.5])
    assert 1e-12 < rel_err(numerical_gradient(f, x, method="complex"), 3 * x**2) < 1e-6


@pytest.mark.parametrize("method", METHODS)
def test_no_warnings_escape(method):
    x = np.array([0.5, -4.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v * v), x, method=method), 2 * x, rtol=1e-6)
        if method != "complex":  # casting x to float32 overflows: the steps are rounded in float64 instead
            huge = np.array([1e39, 2.0])
            g = numerical_gradient(lambda v: np.float32(np.sum(v) * 1e-39), huge, method=method)
            assert g[0] == pytest.approx(1e-39, rel=1e-2)


# --- the complex step and its pitfalls ---------------------------------------------------------------------


def test_the_complex_step_refuses_a_function_that_drops_the_imaginary_part():
    with pytest.raises(ValueError, match="complex step: at x \\+ 1e-20i e_0 f returned a real number"):
        numerical_gradient(lambda v: float(np.sum(np.abs(v) ** 2)), np.ones(2), method="complex")


def test_the_complex_step_is_silently_wrong_with_conj_vdot_and_an_inner_abs():
    x = np.array([1.0, 2.0])  # the true gradients are 2x and 3x|x|
    for f in (lambda v: np.sum(v * np.conj(v)), lambda v: np.vdot(v, v)):
        np.testing.assert_allclose(numerical_gradient(f, x, method="complex"), 0.0, atol=1e-12)
    f = lambda v: np.sum(v**2 * np.abs(v))  # noqa: E731
    np.testing.assert_allclose(numerical_gradient(f, x, method="complex"), 2 * x * np.abs(x), rtol=1e-12)
    assert rel_err(numerical_gradient(f, x), 3 * x * np.abs(x)) < 1e-9  # central differences are right


# --- errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        ({"method": "backward"}, ValueError, "method must be one of"),
        ({"h": -1.0}, ValueError, "positive"),
        ({"h": 0.0}, ValueError, "positive"),
        ({"h": float("nan")}, ValueError, "positive"),
        ({"h": np.array([1e-3, np.nan])}, ValueError, "non-finite"),
        ({"h": np.ones(3)}, ValueError, "does not broadcast"),
        ({"h": 1e-300}, ValueError, "too small"),
        ({"h": True}, TypeError, "real number"),
        ({"h": 1 + 1j}, TypeError, "real number"),
        ({"h": np.array([0.1 + 0.1j, 0.1])}, TypeError, "real"),
        ({"args": [1.0]}, TypeError, "args must be a tuple"),
    ],
)
def test_bad_options_are_refused(kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        numerical_gradient(lambda v: float(np.sum(v)), np.ones(2), **kwargs)


@pytest.mark.parametrize(
    "f, x, exc, fragment",
    [
        (lambda v: v, np.ones(2), ValueError, "must return a scalar"),
        (lambda v: "one", np.ones(2), TypeError, "must return a number"),
        (lambda v: float("nan"), np.ones(2), ValueError, "f is not finite at x: it returned nan"),
        (lambda v: 1 + 2j, np.ones(2), ValueError, re.escape("f must be real-valued, but at x it returned (1+2j)")),
        (3.0, np.ones(2), TypeError, "f must be callable"),
        (lambda v: 0.0, np.ones(2) + 1j, TypeError, "x must be real"),
        (lambda v: 0.0, "abc", TypeError, "numeric"),
        (lambda v: 0.0, [np.nan, 1.0], ValueError, "x contains 1 non-finite value"),
    ],
)
def test_bad_functions_and_points_are_refused(f, x, exc, fragment):
    with pytest.raises(exc, match=fragment) as info:
        numerical_gradient(f, x)
    assert "check_finite" not in str(info.value)  # numerical_gradient has no such option to point to


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_an_error_of_f_names_the_moved_entry_and_the_signed_step(method):
    x = np.array([0.5, 2.0])
    h1 = (2.0 + default_step(x, method)[1]) - 2.0
    with pytest.raises(ValueError, match=re.escape(f"f is not finite at x + {h1:g} e_1")):
        numerical_gradient(lambda v: np.nan if v[1] > 2.0 else 0.0, x, method=method)
    if method != "forward":
        with pytest.raises(ValueError, match=re.escape(f"f is not finite at x - {h1:g} e_1")):
            numerical_gradient(lambda v: np.nan if v[1] < 2.0 else 0.0, x, method=method)


def test_an_error_of_f_in_the_complex_step_names_the_imaginary_step():
    def f(v):
        return complex(np.nan, np.nan) if np.iscomplexobj(v) and v[1].imag != 0 else np.sum(v * v)

    with pytest.raises(ValueError, match=re.escape("f is not finite at x + 2e-20i e_1")):
        numerical_gradient(f, np.array([0.5, 2.0]), method="complex")


# --- directional differences -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_directional_difference_is_the_directional_derivative(method):
    for p in smooth_problems(1):
        v = np.random.default_rng(2).standard_normal(p.x.shape)
        exact = float(np.sum(p.grad(p.x) * v))
        slope = directional_difference(p.f, p.x, v, method=method)
        assert abs(slope - exact) <= BOUNDS[method] * np.linalg.norm(p.grad(p.x)) * np.linalg.norm(v), p.name


@pytest.mark.parametrize("method, cost", [("forward", 2), ("central", 2), ("richardson", 4), ("complex", 1)])
def test_directional_difference_costs_the_same_whatever_the_size(method, cost):
    for shape in [(3,), (40, 50)]:
        f, points = recorded(lambda v: np.sum(v**2))
        directional_difference(f, np.ones(shape), np.ones(shape), method=method)
        assert len(points) == cost


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("x", [np.array([0.5, -0.25]), np.array([2.0, -6.0])], ids=["inside", "outside"])
def test_directional_default_step_is_c_max_x_over_the_largest_entry_of_v(method, x):
    v = np.array([0.5, 0.25])
    f, points = recorded(lambda z: np.sum(z * z))
    assert directional_difference(f, x, v, method=method) == pytest.approx(2 * x @ v, rel=1e-6)
    c = 1e-20 if method == "complex" else EPS ** EXPONENT[method]
    t = c * max(float(np.max(np.abs(x))), 1.0) / 0.5
    first = points[1] if method == "forward" else points[0]
    np.testing.assert_allclose(first.imag if method == "complex" else first - x, t * v, rtol=1e-9)


def test_the_forward_error_on_the_loss_is_exactly_h_times_the_curvature(problem):
    # L(W + hV) = L(W) + h <G, V> + h^2 ||XV||^2 / N exactly, so the forward quotient is off by h ||XV||^2 / N
    W, X, Y = problem
    V = np.random.default_rng(3).standard_normal(W.shape)
    exact = float(np.sum(matgrad.grad_W(W, X, Y) * V))
    curvature = np.sum((X @ V) ** 2) / len(X)
    for h in (1e-3, 1e-2, 0.1, 1.0):
        error = directional_difference(matgrad.loss, W, V, method="forward", h=h, args=(X, Y)) - exact
        assert error == pytest.approx(h * curvature, rel=1e-8)
        central = directional_difference(matgrad.loss, W, V, method="central", h=np.array(h), args=(X, Y))
        assert central == pytest.approx(exact, rel=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_directional_difference_of_a_float32_function_is_redone_once_with_float32_steps(method):
    x, v = np.array([0.5, 2.0]), np.array([1.0, 0.5])

    def g(z):
        return np.complex64(np.sum(z * z)) if np.iscomplexobj(z) else np.float32(np.sum(z * z))

    f, points = recorded(g)
    slope = directional_difference(f, x, v, method=method)
    assert slope == pytest.approx(2 * x @ v, rel={"forward": 1e-2, "central": 1e-3}.get(method, 1e-4))
    if method == "complex":  # the complex step is 1e-20 for every precision
        assert len(points) == 2
        return
    offsets = {"forward": [0.0, 1.0], "central": [1.0, -1.0], "richardson": [1.0, -1.0, 2.0, -2.0]}[method]
    steps = [EPS ** EXPONENT[method] * 2.0, EPS32 ** EXPONENT[method] * 2.0]  # a float64 try, then float32
    expected = [x + (o * t) * v for t in steps for o in offsets]
    np.testing.assert_allclose(np.array(points), np.array(expected), rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "x, v, kwargs, exc, fragment",
    [
        (np.ones(2), np.ones(3), {}, ValueError, r"direction has shape \(3,\) but x has shape \(2,\)"),
        (np.ones(2), np.zeros(2), {}, ValueError, "must not be zero"),
        (np.zeros(0), np.zeros(0), {}, ValueError, "must not be zero"),
        (np.ones(2), np.ones(2) * 1j, {}, TypeError, "direction must be real"),
        (np.ones(2), [1.0, np.nan], {}, ValueError, "direction contains 1 non-finite"),
        (np.ones(2), np.ones(2), {"h": -1.0}, ValueError, "positive"),
        (np.ones(2), np.ones(2), {"h": float("nan")}, ValueError, "positive"),
        (np.ones(2), np.ones(2), {"method": "magic"}, ValueError, "method must be one of"),
        (np.ones(2), "ab", {}, TypeError, "numeric"),
    ],
)
def test_directional_difference_refuses_bad_input(x, v, kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        directional_difference(lambda z: float(np.sum(z)), x, v, **kwargs)


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_an_error_of_f_along_a_direction_names_the_signed_step(method):
    x, v = np.array([0.5, -0.25]), np.array([1.0, 0.5])
    for step, kwargs in ((EPS ** EXPONENT[method], {}), (0.01, {"h": 0.01})):
        with pytest.raises(ValueError, match=re.escape(f"f is not finite at x + {step:g} v")):
            directional_difference(lambda z: np.nan if z[0] > 0.5 else 0.0, x, v, method=method, **kwargs)
    with pytest.raises(ValueError, match="complex step"):
        directional_difference(lambda z: np.linalg.norm(z) ** 2, np.ones(3), np.ones(3), method="complex")


# --- Jacobians and Hessians --------------------------------------------------------------------------------


def test_numerical_jacobian_of_a_nonlinear_map():
    def F(x):
        return np.array([[x[0] ** 2, np.sin(x[1])], [x[0] * x[1], 1.0]])

    x = np.array([1.5, -0.5])
    # vec(F) in column-major order: F00, F10, F01, F11
    expected = np.array([[2 * x[0], 0.0], [x[1], x[0]], [0.0, np.cos(x[1])], [0.0, 0.0]])
    np.testing.assert_allclose(numerical_jacobian(F, x), expected, rtol=1e-8, atol=1e-9)


def test_numerical_jacobian_orders_the_input_column_major():
    A = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(numerical_jacobian(lambda M: M, A), np.eye(6), atol=1e-10)
    np.testing.assert_allclose(numerical_jacobian(lambda M: M[:, 0], A), np.eye(3, 6), atol=1e-10)


def test_numerical_jacobian_moves_each_entry_by_the_default_step_both_ways():
    x = np.array([0.25, -3.0, 40.0])
    F, points = recorded(lambda v: v**3)
    J = numerical_jacobian(F, x)
    moves = [p - x for p in points[1:]]  # points[0] is x itself
    for j in range(3):
        step = (x[j] + default_step(x)[j]) - x[j]
        assert moves[2 * j][j] == step and moves[2 * j + 1][j] == -step
        assert np.count_nonzero(moves[2 * j]) == np.count_nonzero(moves[2 * j + 1]) == 1
    np.testing.assert_allclose(np.diag(J), 3 * x**2, rtol=1e-9)
    assert np.count_nonzero(J - np.diag(np.diag(J))) == 0


def test_the_jacobian_of_a_scalar_function_is_its_numerical_gradient_in_column_major_order():
    x = np.random.default_rng(0).standard_normal((3, 2))
    J = numerical_jacobian(cubic, x)
    np.testing.assert_allclose(J[0], numerical_gradient(cubic, x).reshape(-1, order="F"), rtol=1e-9)


def test_numerical_jacobian_of_a_float32_function_uses_float32_steps():
    def F(v):
        return np.exp(v.astype(np.float32))

    x = np.array([0.3, -0.7])
    adapted = numerical_jacobian(F, x)
    with_float64_steps = numerical_jacobian(F, x, h=default_step(x))
    exact = np.diag(np.exp(x))
    assert rel_err(adapted, exact) < 1e-4 < rel_err(with_float64_steps, exact)


@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(0, 1000))
def test_numerical_hessian_of_the_loss_is_the_dense_hessian(N, d, k, seed):
    rng = np.random.default_rng(seed)
    X, W, Y = rng.standard_normal((N, d)), rng.standard_normal((d, k)), rng.standard_normal((N, k))
    H = numerical_hessian(matgrad.grad_W, W, args=(X, Y))
    np.testing.assert_allclose(H, np.kron(np.eye(k), 2 / N * X.T @ X), rtol=1e-6, atol=1e-7)


def test_numerical_hessian_with_a_given_step():
    X, Y = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]]), np.ones((3, 1))
    H = numerical_hessian(matgrad.grad_W, np.zeros((2, 1)), h=0.5, args=(X, Y))
    np.testing.assert_allclose(H, 2 / 3 * X.T @ X, rtol=1e-12)


NUMBER = r"[0-9.e+-]+"


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: numerical_jacobian(lambda x: x, np.ones(2), h=0.0), ValueError, "positive"),
        (lambda: numerical_jacobian(lambda x: x, np.ones(2) + 1j), TypeError, "x must be real"),
        (lambda: numerical_jacobian(3, np.ones(2)), TypeError, "F must be callable"),
        (lambda: numerical_jacobian(lambda x: "abc", np.zeros(2)), TypeError, "F must return a real numeric array"),
        (
            lambda: numerical_jacobian(lambda x: np.full_like(x, np.nan), np.zeros(2)),
            ValueError,
            "F is not finite at x$",
        ),
        (
            lambda: numerical_jacobian(lambda v: np.full_like(v, np.nan) if v[1] > 0 else v, np.zeros(2)),
            ValueError,
            rf"F is not finite at x \+ {NUMBER} e_1",
        ),
        (
            lambda: numerical_jacobian(lambda v: v[:1] if v[0] < 0 else v, np.zeros(2)),
            ValueError,
            rf"F returned 1 values at x - {NUMBER} e_0 but 2 at x",
        ),
        (lambda: numerical_hessian(lambda w: w, [1.0, np.nan]), ValueError, "W contains 1 non-finite"),
        (lambda: numerical_hessian(lambda w: w, "abc"), TypeError, "W must be numeric"),
        (lambda: numerical_hessian(3, np.ones(2)), TypeError, "grad must be callable"),
        (lambda: numerical_hessian(lambda w: "abc", np.zeros(2)), TypeError, r"grad\(W\) must be numeric"),
        (lambda: numerical_hessian(lambda w: w.T, np.ones((2, 3))), ValueError, r"\(3, 2\).*\(2, 3\)"),
        (lambda: numerical_hessian(lambda w: np.full(3, np.nan), np.zeros(2)), ValueError, r"has shape \(3,\)"),
    ],
)
def test_jacobian_and_hessian_refuse_bad_input_clearly(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_args_are_passed_on(problem):
    W, X, Y = problem
    np.testing.assert_allclose(numerical_gradient(matgrad.loss, W, args=(X, Y)), matgrad.grad_W(W, X, Y), rtol=1e-7)
    J = numerical_jacobian(matgrad.residual, W, args=(X, Y))
    np.testing.assert_allclose(J, np.kron(np.eye(W.shape[1]), X), rtol=1e-7, atol=1e-9)


# --- argument names, steps per entry, and the diagnostics the checker reads ------------------------------------


def test_error_messages_begin_with_the_name_of_the_bad_argument():
    x, v = np.array([0.5, -1.5]), np.array([1.0, 0.25])
    with pytest.raises(ValueError, match="^eps must be"):
        default_step(x, eps=-1.0)
    with pytest.raises(ValueError, match="^h contains 1 non-finite"):
        numerical_gradient(lambda z: float(np.sum(z)), x, h=np.array([1e-3, np.inf]))
    with pytest.raises(TypeError, match="^f must be callable"):
        directional_difference(3.0, x, v)


@pytest.mark.parametrize("bad", [0.0, -1e-3])
def test_a_step_array_with_an_entry_that_is_not_positive_is_refused(bad):
    with pytest.raises(ValueError, match="h must be positive"):
        numerical_gradient(lambda z: float(np.sum(z**2)), np.array([0.5, -1.5]), h=np.array([1e-3, bad]))


def test_numerical_jacobian_refuses_a_complex_or_non_numeric_F_naming_its_value():
    x = np.array([0.5, -1.5])
    with pytest.raises(TypeError, match=r"F\(x\) must be real"):
        numerical_jacobian(lambda z: z + 1j, x)
    with pytest.raises(TypeError, match=r": F\(x\) must be numeric"):
        numerical_jacobian(lambda z: np.array(["a", "b"]), x)


def test_numerical_jacobian_moves_each_entry_of_a_matrix_by_its_own_step():
    x = np.array([[0.5, 1.0], [1.5, 2.0]])
    h = np.array([[0.125, 0.25], [0.0625, 0.5]])  # h[0, 1] != h[1, 0]: column-major and row-major differ
    J = numerical_jacobian(lambda z: z**3, x, h=h)
    x_vec, h_vec = x.reshape(-1, order="F"), h.reshape(-1, order="F")
    # the central difference of t^3 with step s is exactly 3 t^2 + s^2
    np.testing.assert_allclose(J, np.diag(3 * x_vec**2 + h_vec**2), rtol=1e-12, atol=0)


def test_a_function_returning_a_bool_counts_it_as_zero_or_one():
    x, h = np.array([-1e-9, 1.0]), 1e-6
    g = numerical_gradient(lambda z: np.bool_(z[0] > 0), x, h=h)
    assert g[0] == pytest.approx(1 / (2 * h), rel=1e-6) and g[1] == 0.0


def test_with_args_binds_further_arguments_and_returns_f_itself_without_them():
    def f(z, a=0.0):
        return float(np.sum(z)) + a

    assert with_args(f, ()) is f
    assert with_args(f, (2.5,))(np.ones(2)) == 4.5


def test_forward_directional_difference_names_its_starting_point_x_plus_0_v():
    with pytest.raises(ValueError, match=r"f is not finite at x \+ 0 v"):
        directional_difference(lambda z: np.nan, np.array([0.5, 2.0]), np.array([1.0, 0.5]), method="forward")


def test_a_float32_function_failing_on_the_redone_step_is_reported_along_v():
    x, v = np.array([0.5, 2.0]), np.array([1.0, 0.5])

    def f(z):  # finite for the first (float64) step, not for the redone float32 step
        return np.float32(np.sum(z * z)) if abs(z[0] - 0.5) < 1e-3 else np.float32(np.nan)

    with pytest.raises(ValueError, match=r"f is not finite at x [+-] \S+ v:"):
        directional_difference(f, x, v)


def offset_values(f, x, h, offsets):
    """f(x + o h e_i) for each entry i (rows) and offset o (columns)."""
    rows = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        rows.append([f(x + o * h * e) for o in offsets])
    return np.array(rows)


def test_the_estimated_rounding_error_is_the_cancellation_of_each_method():
    x, h = np.array([0.5, -1.0]), 0.125  # exact steps (and 4 h != 1), so that f sees x +- h and x +- 2h

    def f(z):
        return 3.0 + np.sum(z)  # values differ at x + h and x - h (and at x + 2h and x - 2h)

    size = np.abs(offset_values(f, x, h, (1, -1, 2, -2)))
    central = EPS * (size[:, 0] + size[:, 1]) / (2 * h)
    expected = {
        "forward": EPS * (size[:, 0] + abs(f(x))) / h,
        "central": central,
        "richardson": (4 * central + EPS * (size[:, 2] + size[:, 3]) / (4 * h)) / 3,
    }
    for method, noise in expected.items():
        np.testing.assert_allclose(_differences(f, x, method, h).noise, noise, rtol=1e-12, err_msg=method)


def test_the_estimated_rounding_error_of_the_complex_step_is_u_times_the_derivative():
    x = np.array([0.5, -1.5])
    noise = _differences(lambda z: np.sum(z * z), x, "complex", None).noise
    np.testing.assert_allclose(noise, EPS * np.abs(2 * x), rtol=1e-12)


def test_the_curvature_estimate_is_the_second_derivative_in_the_shape_of_x():
    rng = np.random.default_rng(4)
    a, b, x = rng.uniform(0.5, 2.0, (2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for method in ("central", "richardson"):
        curvature = _differences(lambda z: np.sum(a * z**2 + b * z), x, method, 1e-3).curvature
        assert curvature.shape == x.shape
        np.testing.assert_allclose(curvature, 2 * a, rtol=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_a_slope_records_its_step_and_for_central_methods_the_values_on_both_sides(method):
    x, v, t = np.array([0.5, -1.5]), np.array([1.0, 0.25]), 1e-3

    def f(z):
        return np.sum(z**3)

    slope = _slope(f, x, v, method, t, "v")
    assert slope.step == t
    if method in ("central", "richardson"):
        assert slope.plus == f(x + t * v) and slope.minus == f(x - t * v)
