"""Tests written to kill the mutants that survived mutation testing (``make mutation``).

Each test states a documented property of the numerical core that the other tests left unchecked:
mixed-precision input, ``check_finite=False``, the stopping rule of gradient descent, the refusal
threshold of the normal-equation solvers, where finite differences evaluate ``f``, and the error
estimate of the gradient checker, which must be exactly the documented rounding model.
docs/DEVELOPERS.md lists the mutants that remain, each with the reason it is equivalent.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from recording import recorded

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
# finite differences: where f is evaluated
# ---------------------------------------------------------------------------------------------------



@pytest.mark.parametrize("method", ["forward", "central", "richardson"])
def test_differences_step_forward_by_the_default_step(method):
    """The first evaluation after f(x) is at x + h e_0 with h = c max(|x_0|, 1) > 0, rounded to be exact."""
    x = np.array([3.0, -0.5])
    f, points = recorded(lambda v: float(np.sum(v**3)))
    matgrad.numerical_gradient(f, x, method=method)
    h = (x[0] + matgrad.default_step(x, method)[0]) - x[0]
    assert h > 0
    assert points[1][0] - x[0] == h and points[1][1] == x[1]
    if method != "forward":
        assert points[2][0] - x[0] == -h
    if method == "richardson":
        assert points[3][0] - x[0] == 2 * h and points[4][0] - x[0] == -2 * h


def test_float32_function_gets_float32_representable_points():
    """f returning float32: the steps are for float32, and x + h is a float32 number (f sees the exact step)."""
    x = np.array([1.0, 3.0], dtype=np.float32)
    f, points = recorded(lambda v: np.float32(np.sum(v.astype(np.float32) ** 2)))
    g = matgrad.numerical_gradient(f, x)
    for p in points:
        np.testing.assert_array_equal(p.astype(np.float32).astype(np.float64), p)
    h = points[1][0] - 1.0
    assert h > 0 and abs(h - EPS32 ** (1 / 3)) < 0.5 * EPS32 ** (1 / 3)
    np.testing.assert_allclose(g, [2.0, 6.0], rtol=1e-3)


def test_default_step_rejects_a_rounding_unit_of_one():
    with pytest.raises(ValueError, match=r"eps must be a rounding unit in \(0, 1\)"):
        matgrad.default_step(np.ones(2), eps=1.0)


@pytest.mark.parametrize("method", ["forward", "central", "richardson", "complex"])
def test_directional_difference_step_and_value(method):
    """Default step c max(max|x|, 1) / ||v||_inf along v, and the slope of a quadratic."""
    x, v = np.array([2.0, -6.0]), np.array([0.5, 1.0])
    f, points = recorded(lambda z: np.sum(z * z))
    slope = matgrad.directional_difference(f, x, v, method=method)
    assert slope == pytest.approx(2 * x @ v, rel=1e-6 if method == "forward" else 1e-9)
    t = fd._step_constant(method, EPS) * 6.0 / 1.0
    first = points[1] if method == "forward" else points[0]
    np.testing.assert_allclose((first - x).imag if method == "complex" else first - x, t * v, rtol=1e-12)


