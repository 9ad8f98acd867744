"""Tests written to kill the mutants that survived mutation testing (``make mutation``).

Each test states a documented property of the numerical core that the other tests left unchecked:
mixed-precision input, ``check_finite=False``, the stopping rule of gradient descent, the refusal
threshold of the normal-equation solvers, where finite differences evaluate ``f``, and the error
estimate of the gradient checker, which must be exactly the documented rounding model.
docs/DEVELOPERS.md lists the mutants that remain, each with the reason it is equivalent.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from recording import recorded, steps_of

import matgrad

gd = importlib.import_module("matgrad.descent")
ne = importlib.import_module("matgrad.solvers")
fd = importlib.import_module("matgrad.finite_differences")
gc = importlib.import_module("matgrad.gradient_check")

EPS = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
TINY = float(np.finfo(np.float64).tiny)


def rng_problem(N=6, d=3, k=2, seed=0, vector=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    W = rng.standard_normal((d,) if vector else (d, k))
    Y = rng.standard_normal((N,) if vector else (N, k))
    return W, X, Y



# ---------------------------------------------------------------------------------------------------
# the gradient checker: its error estimate is the documented rounding model
# ---------------------------------------------------------------------------------------------------



def imaginary_steps_of(points, x):
    return np.array([float(np.max(np.abs(p.imag))) for p in points[1:]])


@pytest.mark.parametrize("c", [0.0, 3.0])
@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_full_check_error_estimate_of_a_constant(method, c):
    """For f = c (gradient zero, no curvature) the estimate is u (|f| + tiny) ||w / h||, w by the method.

    Forward: u (|f(x+h)| + |f(x)| + 2 tiny) / h; central: u (|f(x+h)| + |f(x-h)| + 2 tiny) / (2h);
    Richardson: u (4 near / (2h) + far / (4h)) / 3 with near, far = |f(x+-h)|, |f(x+-2h)| sums + 2 tiny;
    complex step: u tiny / h plus u |f| / max(|x_i|, 1).
    """
    x = np.array([0.5, -4.0, 2.0])
    f, points = recorded(lambda v: c + 0.0 * np.sum(v))
    result = matgrad.check_gradient(f, lambda v: np.zeros_like(v), x, method=method)
    assert result.ok and result.rel_error == 0.0
    if method == "complex":
        h = imaginary_steps_of(points, x)
        noise = EPS * TINY / h + EPS * abs(c) / np.maximum(np.abs(x), 1.0)
    else:
        h = steps_of(points, x)
        weight = {"forward": 2.0, "central": 1.0, "richardson": 1.5}[method]
        noise = EPS * weight * (abs(c) + TINY) / h
    if c == 0:  # only the tiny guard against a zero step remains: subnormal, so not comparable digit by digit
        assert 0 <= result.error_estimate < 1e-300
    else:  # abs=0: pytest.approx would otherwise accept anything within 1e-12 of these ~1e-15 numbers
        assert result.error_estimate == pytest.approx(float(np.linalg.norm(noise)), rel=1e-12, abs=0)
    assert result.tolerance == gc.DEFAULT_RTOL[method]  # the scale is 0: the bare rtol


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_full_check_error_estimate_includes_the_argument_rounding(method):
    """f = a ||x||^2 / 2 with the exact gradient: the estimate adds u |f''| ||x|| and u ||g|| max(|x_i|,1)/h_i."""
    a = 3.0
    x = np.array([0.5, -4.0, 2.0])
    f, points = recorded(lambda v: 0.5 * a * float(np.sum(v * v)))
    result = matgrad.check_gradient(f, lambda v: a * v, x, method=method)
    h = steps_of(points, x)
    g = a * x
    near = np.array([abs(f_exact(x, i, h[i], a)) + abs(f_exact(x, i, -h[i], a)) + 2 * TINY for i in range(3)])
    if method == "central":
        base = EPS * near / (2 * h)
    else:
        far = np.array([abs(f_exact(x, i, 2 * h[i], a)) + abs(f_exact(x, i, -2 * h[i], a)) + 2 * TINY
                        for i in range(3)])
        base = EPS * (4 * near / (2 * h) + far / (4 * h)) / 3
    noise = base + EPS * a * np.linalg.norm(x) + EPS * np.linalg.norm(g) * np.maximum(np.abs(x), 1.0) / h
    assert result.ok
    assert result.error_estimate == pytest.approx(float(np.linalg.norm(noise)), rel=1e-6, abs=0)


def f_exact(x, i, s, a):
    y = x.copy()
    y[i] += s
    return 0.5 * a * float(np.sum(y * y))


@pytest.mark.parametrize("c", [0.0, 3.0])
@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_directional_check_error_estimate_of_a_constant(method, c):
    """Directional mode, f = c: u (|f| + tiny) w / t per direction, t = c_m max(max|x|, 1) (complex: u tiny / t)."""
    x = np.array([0.5, -4.0, 2.0])
    f, _ = recorded(lambda v: c + 0.0 * np.sum(v))
    result = matgrad.check_gradient(f, lambda v: np.zeros_like(v), x, method=method, n_directions=3)
    t = fd._step_constant(method, EPS) * 4.0
    if method == "complex":
        expected = EPS * TINY / t
    else:
        expected = EPS * {"central": 1.0, "richardson": 1.5}[method] * (abs(c) + TINY) / t
    assert result.ok and result.n_directions == 3
    if c == 0 or method == "complex":  # only the subnormal tiny guard remains
        assert 0 <= result.error_estimate < 1e-300
    else:
        assert result.error_estimate == pytest.approx(expected, rel=1e-12, abs=0)


def test_directional_check_uses_seeded_unit_directions():
    """rel_error = max_j |<g - g_true, v_j>| / scale with v_j the seeded standard normal directions, normalised."""
    x = np.array([1.0, -2.0, 0.5])
    error = np.array([0.3, 0.0, -0.1])
    result = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + error, x, n_directions=4)
    rng = np.random.default_rng(0)
    V = rng.standard_normal((4, 3))
    V /= np.linalg.norm(V, axis=1)[:, None]
    numeric = V @ (2 * x)
    assert result.abs_error == pytest.approx(np.max(np.abs(V @ error)), rel=1e-6)
    scale = max(np.linalg.norm(2 * x + error), np.max(np.abs(numeric)))
    assert result.scale == pytest.approx(scale, rel=1e-9)
    assert not result.ok and result.worst_index == (int(np.argmax(np.abs(V @ error))),)
    default_seed = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + error, x, n_directions=4)
    assert default_seed.rel_error == result.rel_error


def test_full_check_errors_are_euclidean_norms():
    """abs_error = ||g - g_num||_2 and scale = max(||g||, ||g_num||) (not a max-norm)."""
    x = np.array([1.0, 2.0])
    result = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v + 1.0, x)
    assert result.abs_error == pytest.approx(math.sqrt(2), rel=1e-8)
    assert result.scale == pytest.approx(math.sqrt(34), rel=1e-12)
    assert result.rel_error == pytest.approx(math.sqrt(2 / 34), rel=1e-8)
    assert result.worst_index in ((0,), (1,))


def test_float32_function_raises_the_default_rtol_as_documented():
    """f with float32 values: rtol = max(DEFAULT_RTOL, 40 u^(2/3)) for central differences, and the note says so."""
    x = np.array([1.0, -2.0, 0.5])
    result = matgrad.check_gradient(lambda v: np.float32(np.sum(v**2)), lambda v: 2 * v, x)
    rtol = 40 * EPS32 ** (2 / 3)
    assert result.ok and result.tolerance >= rtol
    assert f"the default rtol was raised to {rtol:.0e}" in result.message
    assert f"reach a relative error of only about {EPS32 ** (2 / 3):.0e}" in result.message
    plain = matgrad.check_gradient(lambda v: float(np.sum(v**2)), lambda v: 2 * v, x)
    assert "Note:" not in plain.message and plain.tolerance < 1e-5


def test_verdict_wording():
    x = np.array([1.0, 2.0])
    good = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, x)
    bad = matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 3 * v, x)
    assert good.verdict().startswith("ok: relative error <= tolerance")
    assert bad.verdict().startswith("NOT ok: relative error > tolerance")
    assert "plus atol" not in good.message
    assert "plus atol 1.0e-03" in matgrad.check_gradient(lambda v: float(np.sum(v * v)), lambda v: 2 * v, x,
                                                         atol=1e-3).message
    exact = matgrad.check_gradient(lambda v: 0.0, lambda v: np.zeros_like(v), x)
    assert exact.rel_error == 0.0
    assert exact.verdict(below=0.0).startswith("ok: relative error >= 0e+00")  # strictly below, as written
    assert exact.verdict(below=1e-8).startswith("ok: relative error < 1e-08")


def test_failed_checks_explain_the_second_opinion():
    """A failed complex-step or forward check says what was done next, with the evaluation counts."""
    x = np.array([1.0, 2.0, 3.0])
    f = lambda v: float(np.sum(v**2)) if not np.iscomplexobj(v) else np.sum(v**2)  # noqa: E731
    bad = matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="complex")
    assert "f'' was then estimated from 7 more evaluations (central second differences along every entry)" \
        in bad.message
    assert "because rounding of x perturbs both gradients through the curvature f''" in bad.message
    assert bad.n_evals == 4 + 7
    directional = matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="complex", n_directions=2)
    assert "f(x) and central second differences along each direction" in directional.message
    assert directional.n_evals == 2 + 1 + 4
    forward = matgrad.check_gradient(f, lambda v: 2 * v + 1, x, method="forward")
    assert forward.method == "forward" and not forward.ok
    assert "Forward differences (4 evaluations of f) gave relative error" in forward.message
    assert "so the verdict was taken with central differences, which have no O(h) truncation error" in forward.message
    assert ", 7 more evaluations of f." in forward.message and "In total 11 evaluations of f." in forward.message
    assert forward.message.count("The relative error is") == 1
    minimum = matgrad.check_gradient(f, lambda v: 2 * v, np.zeros(3), method="forward")
    assert minimum.ok
    assert "(the forward error h f''/2 dominates where the gradient is ~0, as at a minimum)" in minimum.message


def test_failed_check_names_the_worst_entry():
    x = np.array([1.0, 2.0, 3.0])
    result = matgrad.check_gradient(lambda v: float(np.sum(v**2)), lambda v: 2 * v + np.array([0, 0, 1.0]), x)
    assert result.worst_index == (2,)
    assert "The largest difference is at entry (2,): analytic 7 vs numerical 6." in result.message
