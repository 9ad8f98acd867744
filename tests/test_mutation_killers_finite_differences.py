"""Tests written to kill the mutants of ``matgrad.finite_differences`` that survived mutation testing.

They state documented properties the other tests left unchecked: the rounding model of the error
estimate where the ``2 tiny`` term matters (values of f near the smallest normal number of their
precision, float32 and complex64 values), which points are named by the error messages, where f is
evaluated when a float32 function makes the directional quotient be redone, how a step is rounded for a
float32 function at a point that float32 cannot represent, and that no NumPy warning leaks out.
``pytest.approx`` is always given ``abs=0`` here: its default absolute tolerance of 1e-12 would accept
any of these tiny estimates.
"""

from __future__ import annotations

import importlib
import re
import warnings

import numpy as np
import pytest
from recording import recorded, steps_of

import matgrad

gc = importlib.import_module("matgrad.gradient_check")

EPS = float(np.finfo(np.float64).eps)
TINY = float(np.finfo(np.float64).tiny)
EPS32 = float(np.finfo(np.float32).eps)
TINY32 = float(np.finfo(np.float32).tiny)
EXPONENT = {"forward": 1 / 2, "central": 1 / 3, "richardson": 1 / 5}




def norm(a):
    """Euclidean norm without underflow (the entries here can be ~1e-304, whose squares are 0)."""
    a = np.abs(np.asarray(a, dtype=np.float64))
    m = float(np.max(a))
    return m * float(np.sqrt(np.sum((a / m) ** 2)))


def exactly(value):
    return pytest.approx(value, rel=1e-12, abs=0)


# ---------------------------------------------------------------------------------------------------
# the rounding model u (|f| + tiny) where tiny matters: values of f near the smallest normal number
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_full_check_error_estimate_of_a_tiny_low_precision_constant(method):
    """f = c = 2 tiny32 in float32 (complex64 for the complex step): u and tiny are float32's.

    Forward: u (|f(x+h)| + |f(x)| + 2 tiny) / h; central: u (|f(x+h)| + |f(x-h)| + 2 tiny) / (2h);
    Richardson: u (4 near / (2h) + far / (4h)) / 3; complex: u tiny / h + u |f| / max(|x_i|, 1).
    """
    c = 2 * TINY32
    x = np.array([0.5, -4.0, 2.0])
    value = np.complex64(c) if method == "complex" else np.float32(c)
    f, points = recorded(lambda v: value)
    result = matgrad.check_gradient(f, lambda v: np.zeros_like(v), x, method=method)
    assert result.ok and result.rel_error == 0.0
    if method == "complex":
        h = np.array([float(np.max(np.abs(p.imag))) for p in points[1:]])
        np.testing.assert_array_equal(h, 1e-20 * np.maximum(np.abs(x), 1.0))  # the default complex step
        noise = EPS32 * TINY32 / h + EPS32 * c / np.maximum(np.abs(x), 1.0)
    else:
        h = steps_of(points, x)
        assert np.all(h > 0)
        pair = 2 * c + 2 * TINY32
        noise = {
            "forward": EPS32 * pair / h,
            "central": EPS32 * pair / (2 * h),
            "richardson": EPS32 * (4 * pair / (2 * h) + pair / (4 * h)) / 3,
        }[method]
    assert result.error_estimate == exactly(norm(noise))


def test_full_complex_step_error_estimate_where_tiny_over_h_matters():
    """float64 complex step, f = c ~ 1e-288: the estimate is u (|g_i| + tiny / h) + u |f| / max(|x_i|, 1)."""
    c = 1e-288
    x = np.array([0.5, -4.0, 2.0])
    result = matgrad.check_gradient(lambda v: c + 0.0 * np.sum(v), lambda v: np.zeros_like(v), x, method="complex")
    h = 1e-20 * np.maximum(np.abs(x), 1.0)
    noise = EPS * TINY / h + EPS * c / np.maximum(np.abs(x), 1.0)
    assert result.ok
    assert result.error_estimate == exactly(norm(noise))


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_directional_check_error_estimate_of_a_tiny_low_precision_constant(method):
    """Directional mode, f = 2 tiny32 (float32; complex64 for the complex step), step t = c32 max(max|x|, 1)."""
    c = 2 * TINY32
    x = np.array([0.5, -4.0, 2.0])
    value = np.complex64(c) if method == "complex" else np.float32(c)
    result = matgrad.check_gradient(lambda v: value, lambda v: np.zeros_like(v), x, method=method, n_directions=3)
    assert result.ok and result.n_directions == 3
    if method == "complex":
        expected = EPS32 * TINY32 / (1e-20 * 4.0)
    else:
        t = EPS32 ** EXPONENT[method] * 4.0
        pair = 2 * c + 2 * TINY32
        expected = EPS32 * pair / (2 * t)
        if method == "richardson":
            expected = EPS32 * (4 * pair / (2 * t) + pair / (4 * t)) / 3
    assert result.error_estimate == exactly(expected)


def test_directional_complex_step_error_estimate_is_u_tiny_over_t():
    x = np.array([0.5, -4.0, 2.0])
    result = matgrad.check_gradient(lambda v: 0.0 * np.sum(v), lambda v: np.zeros_like(v), x, method="complex",
                                    n_directions=2)
    assert result.ok
    assert result.error_estimate == exactly(EPS * TINY / (1e-20 * 4.0))  # t = 1e-20 max(max|x|, 1)


def test_complex64_values_are_reported_in_directional_mode():
    """A complex step on an f that computes in complex64: the note names that precision."""
    x = np.array([1.0, -2.0, 0.5])
    f = lambda v: np.complex64(np.sum(v * v))  # noqa: E731
    result = matgrad.check_gradient(f, lambda v: 2 * v, x, method="complex", n_directions=2)
    assert result.ok
    assert "Note: f returned complex64 values, so the steps were chosen for complex64's rounding unit 1.2e-07" \
        in result.message


@pytest.mark.parametrize("n_directions", [None, 2])
def test_float64_values_get_no_precision_note(n_directions):
    """f returning np.float64 (not a Python float) is full precision: no note about a coarser precision."""
    x = np.array([1.0, -2.0, 0.5])
    result = matgrad.check_gradient(lambda v: np.sum(v * v), lambda v: 2 * v, x, n_directions=n_directions)
    assert isinstance(np.sum(x * x), np.float64)
    assert result.ok and "Note:" not in result.message and "rounding unit" not in result.message
    assert result.tolerance == gc.DEFAULT_RTOL["central"] + 100 * result.error_estimate / result.scale


# ---------------------------------------------------------------------------------------------------
# error messages name the point where f failed
# ---------------------------------------------------------------------------------------------------


def test_messages_name_the_point_x():
    x = np.array([0.5, 2.0])
    with pytest.raises(ValueError, match=re.escape("f is not finite at x: it returned nan")):
        matgrad.numerical_gradient(lambda v: np.nan, x)
    with pytest.raises(ValueError, match=re.escape("f must be real-valued, but at x it returned (1+2j)")):
        matgrad.numerical_gradient(lambda v: 1 + 2j, x)


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_messages_name_the_moved_entry_and_the_signed_step(method):
    """f fails at x + h e_1 (or x - h e_1): the message gives the sign, the step (h < 1 here) and the entry."""
    x = np.array([0.5, 2.0])
    h1 = (2.0 + matgrad.default_step(x, method)[1]) - 2.0
    assert 0 < h1 < 1
    with pytest.raises(ValueError, match=re.escape(f"f is not finite at x + {h1:g} e_1: it returned nan")):
        matgrad.numerical_gradient(lambda v: np.nan if v[1] > 2.0 else 0.0, x, method=method)
    if method != "forward":
        with pytest.raises(ValueError, match=re.escape(f"f is not finite at x - {h1:g} e_1: it returned nan")):
            matgrad.numerical_gradient(lambda v: np.nan if v[1] < 2.0 else 0.0, x, method=method)
    h0 = (0.5 + matgrad.default_step(x, method)[0]) - 0.5
    with pytest.raises(ValueError, match=re.escape(f"f must be real-valued, but at x + {h0:g} e_0 it returned (1+1j)")):
        matgrad.numerical_gradient(lambda v: 0.0 if np.array_equal(v, x) else 1 + 1j, x, method=method)


def test_complex_step_messages_name_the_imaginary_step_and_entry():
    x = np.array([0.5, 2.0])

    def f(v):
        if np.iscomplexobj(v) and v[1].imag != 0:
            return complex(np.nan, np.nan)
        return np.sum(v * v)

    with pytest.raises(ValueError, match=re.escape("f is not finite at x + 2e-20i e_1: it returned (nan+nanj)")):
        matgrad.numerical_gradient(f, x, method="complex")
    with pytest.raises(ValueError, match=re.escape("f must return a scalar, but at x + 1e-20i e_0 it returned")):
        matgrad.numerical_gradient(lambda v: v if np.iscomplexobj(v) else 0.0, x, method="complex")
    with pytest.raises(ValueError, match=re.escape("complex step: at x + 1e-20i e_0 f returned a real number")):
        matgrad.numerical_gradient(lambda v: float(np.sum(np.abs(v))), x, method="complex")


@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_directional_messages_name_the_signed_step_along_v(method):
    """Default step t = c max(max|x|, 1) / ||v||_inf (here c < t < 1), and an explicit h, both named."""
    x, v = np.array([0.5, -0.25]), np.array([1.0, 0.5])
    t = EPS ** EXPONENT[method] * 1.0 / 1.0
    for step, kwargs in ((t, {}), (0.01, {"h": 0.01})):
        with pytest.raises(ValueError, match=re.escape(f"f is not finite at x + {step:g} v: it returned nan")):
            matgrad.directional_difference(lambda z: np.nan if z[0] > 0.5 else 0.0, x, v, method=method, **kwargs)
        if method != "forward":
            with pytest.raises(ValueError, match=re.escape(f"f is not finite at x - {step:g} v: it returned nan")):
                matgrad.directional_difference(lambda z: np.nan if z[0] < 0.5 else 0.0, x, v, method=method,
                                               **kwargs)


def test_directional_complex_step_message():
    x, v = np.array([0.5, -0.25]), np.array([1.0, 0.5])
    f = lambda z: complex(np.nan, np.nan) if np.iscomplexobj(z) else 0.0  # noqa: E731
    for kwargs in ({}, {"h": 1e-20}):
        with pytest.raises(ValueError, match=re.escape("f is not finite at x + 1e-20i v: it returned (nan+nanj)")):
            matgrad.directional_difference(f, x, v, method="complex", **kwargs)


def test_directional_message_of_the_float32_redo():
    """f with float32 values that fails only at the float32 step t32: the message names that step along v."""
    x, v = np.array([0.5, -0.25]), np.array([1.0, 0.5])
    t32 = EPS32 ** (1 / 3)

    def f(z):
        return np.float32(0.0) if np.max(np.abs(z - x)) < 1e-4 else np.float32(np.nan)

    with pytest.raises(ValueError, match=re.escape(f"f is not finite at x + {t32:g} v: it returned nan")):
        matgrad.directional_difference(f, x, v)


# ---------------------------------------------------------------------------------------------------
# directional_difference: where f is evaluated
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_directional_step_inside_the_unit_ball_is_c_over_v_max(method):
    """max|x| < 1: the default step is c * 1 / ||v||_inf (max(max_i |x_i|, 1) = 1)."""
    x, v = np.array([0.5, -0.25]), np.array([0.5, 0.25])
    f, points = recorded(lambda z: np.sum(z * z))
    slope = matgrad.directional_difference(f, x, v, method=method)
    assert slope == pytest.approx(2 * x @ v, rel=1e-6)
    if method == "complex":
        np.testing.assert_array_equal(points[0].imag, 1e-20 / 0.5 * v)
    else:
        t = EPS ** EXPONENT[method] * 1.0 / 0.5
        np.testing.assert_array_equal(points[1] if method == "forward" else points[0], x + t * v)


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_directional_difference_of_a_float32_function_is_redone_with_float32_steps(method):
    """Documented: if f returns float32 values, the quotient is redone once with float32's c (same method)."""
    x, v = np.array([0.5, 2.0]), np.array([1.0, 0.5])

    def g(z):
        s = np.sum(z * z)
        return np.complex64(s) if np.iscomplexobj(z) else np.float32(s)

    f, points = recorded(g)
    slope = matgrad.directional_difference(f, x, v, method=method)
    assert slope == pytest.approx(2 * x @ v, rel={"forward": 1e-2, "central": 1e-3}.get(method, 1e-4))
    if method == "complex":
        assert len(points) == 2
        for p in points:
            np.testing.assert_array_equal(p, x + (1j * 1e-20 * 2.0 / 1.0) * v)
        return
    offsets = {"forward": [0.0, 1.0], "central": [1.0, -1.0], "richardson": [1.0, -1.0, 2.0, -2.0]}[method]
    expected = [x + (k * t) * v for t in (EPS ** EXPONENT[method] * 2.0, EPS32 ** EXPONENT[method] * 2.0)
                for k in offsets]
    assert len(points) == len(expected)
    np.testing.assert_allclose(np.array(points), np.array(expected), rtol=1e-15, atol=0)


def test_directional_difference_accepts_a_zero_dimensional_array_step():
    x, v = np.array([0.5, 2.0]), np.array([1.0, 0.5])
    f, points = recorded(lambda z: float(np.sum(z * z)))
    slope = matgrad.directional_difference(f, x, v, h=np.array(0.01))
    assert slope == pytest.approx(2 * x @ v, rel=1e-12)
    np.testing.assert_array_equal(np.array(points), [x + 0.01 * v, x - 0.01 * v])


def test_empty_direction_is_a_zero_direction():
    with pytest.raises(ValueError, match="direction must not be zero"):
        matgrad.directional_difference(lambda z: 0.0, np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_directional_check_of_an_empty_point(method):
    """x of shape (0,) is a point of some shape: the (trivial) check is carried out, not crashed."""
    result = matgrad.check_gradient(lambda v: np.sum(v * v), lambda v: 2 * v, np.zeros(0), method=method,
                                    n_directions=2)
    assert result.ok and result.rel_error == 0.0


# ---------------------------------------------------------------------------------------------------
# steps: explicit h, rounding for float32 functions
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("h", [1 + 1j, np.array([0.1 + 0.1j, 0.1]), np.complex128(0.5)])
def test_complex_step_h_is_rejected(h):
    with pytest.raises(ValueError, match="h must be positive and real"):
        matgrad.numerical_gradient(lambda v: float(np.sum(v * v)), np.array([1.0, 2.0]), h=h)


def test_float32_function_at_a_point_float32_cannot_hold():
    """x = 0.1 is not a float32 number: the float32 step is rounded in float64, h = (x + c max(|x|, 1)) - x."""
    x = np.array([0.1, 3.3])
    f, points = recorded(lambda v: np.float32(np.sum(v.astype(np.float32) ** 2)))
    g = matgrad.numerical_gradient(f, x)
    s = matgrad.default_step(x, eps=EPS32)
    for i in range(2):
        h = (x[i] + s[i]) - x[i]
        assert points[1 + 2 * i][i] == x[i] + h and points[2 + 2 * i][i] == x[i] - h
    np.testing.assert_allclose(g, 2 * x, rtol=1e-3)


@pytest.mark.parametrize("method", ["forward", "central"])
def test_explicit_step_below_float32_resolution_is_kept_in_float64(method):
    """A float32 function at float32 x with h too small for float32 but not for float64: no error, step h."""
    x = np.array([1.0, 2.0])
    f, points = recorded(lambda v: np.float32(np.sum(v)))
    g = matgrad.numerical_gradient(f, x, h=1e-10, method=method)
    assert g.shape == (2,)
    h = [(xi + 1e-10) - xi for xi in x]
    assert points[1][0] == x[0] + h[0] and points[1][1] == x[1]


def test_float32_function_at_the_float32_limit():
    """x = float32 max: x + h overflows float32, so the step is rounded in float64 and stays finite."""
    big = float(np.finfo(np.float32).max)
    x = np.array([big, 2.0])
    f, points = recorded(lambda v: np.float32(np.sum(v) * 1e-38))
    g = matgrad.numerical_gradient(f, x)
    assert np.all(np.isfinite(np.array(points)))
    h0 = (big + matgrad.default_step(x, eps=EPS32)[0]) - big
    assert points[1][0] == big + h0
    assert g[0] == pytest.approx(1e-38, rel=1e-3)


# ---------------------------------------------------------------------------------------------------
# no warnings: NumPy deprecations (finfo(None)) and casts that overflow float32 stay inside
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_no_warnings_escape(method):
    x = np.array([0.5, -4.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = matgrad.numerical_gradient(lambda v: np.sum(v * v), x, method=method)
        np.testing.assert_allclose(g, 2 * x, rtol=1e-6)
        assert matgrad.check_gradient(lambda v: np.sum(v * v), lambda v: 2 * v, x, method=method).ok
        if method != "complex":
            huge = np.array([1e39, 2.0])  # beyond float32's range: casting it to float32 overflows
            g = matgrad.numerical_gradient(lambda v: np.float32(np.sum(v) * 1e-39), huge, method=method)
            assert g[0] == pytest.approx(1e-39, rel=1e-2)


# ---------------------------------------------------------------------------------------------------
# non-finite x, h or direction: the message names the value and advises no option that does not exist
# ---------------------------------------------------------------------------------------------------


def _sum_of_squares(v):
    return float(np.sum(v * v))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: matgrad.numerical_gradient(_sum_of_squares, [1.0, np.nan]), id="numerical_gradient-x"),
        pytest.param(lambda: matgrad.default_step([1.0, np.nan]), id="default_step-x"),
        pytest.param(
            lambda: matgrad.numerical_gradient(_sum_of_squares, [1.0, 2.0], h=[1e-3, np.nan]), id="numerical_gradient-h"
        ),
        pytest.param(
            lambda: matgrad.directional_difference(_sum_of_squares, [1.0, 2.0], [1.0, np.nan]),
            id="directional_difference-direction",
        ),
    ],
)
def test_non_finite_argument_message_ends_with_the_value_and_advises_no_check_finite(call):
    """Kills x__as_real_point__mutmut_4/_10, x__steps__mutmut_17/_20/_23 and
    x_directional_difference__mutmut_10/_13/_16: the finite-difference functions have no ``check_finite``
    option, so their finiteness errors are built with ``opt_out=""`` (validation.as_numeric_array: ``""``
    for functions that offer no ``check_finite``). The mutants end the message with "None" or "XXXX", or
    advise the non-existent ``check_finite=False``."""
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.endswith(": nan."), message
    assert "check_finite" not in message
